/*
 * errors.c -- names of the error codes, and the library version.
 */
#include "cari.h"

const char *cari_strerror(int code)
{
    switch (code) {
    case CARI_OK: return "success";
    case CARI_ENOMEM: return "out of memory";
    case CARI_EIO: return "input/output error";
    case CARI_ECORRUPT: return "index is damaged";
    case CARI_EVERSION: return "index format or analyzer differs";
    case CARI_ESYNTAX: return "query syntax error";
    case CARI_ENOTFOUND: return "not found";
    case CARI_EINVAL: return "invalid argument";
    case CARI_ELOCKED: return "index is locked by another writer";
    case CARI_EINPUT: return "bad input record";
    case CARI_EXAPIAN: return "Xapian error";
    case CARI_EUNSUPPORTED: return "not supported by this build";
    case CARI_ENOSPACE: return "disk full";
    case CARI_ENOTERMS: return "query has no searchable terms";
    case CARI_ENOTDURABLE: return "committed, but not yet durable";
    default: return "unknown error";
    }
}

const char *cari_version(void)
{
    return CARI_VERSION_STRING;
}
