/*
 * xapian_none.c -- the Xapian backend when libcari is built without
 * libxapian: every entry point says so.
 */
#include "xapian_backend.h"

#include <stdio.h>

#include "util.h"

#define NOT_BUILT "the Xapian backend was not built in (install libxapian-dev and rebuild cari)"

int cari_xapian_available(void) { return 0; }

int cari_xapian_is_index(const char *dir)
{
    char path[4096];
    FILE *f;
    /* a glass database announces itself with this file */
    if (cari_path_join(path, sizeof path, dir, "iamglass"))
        return 0;
    f = fopen(path, "rb");
    if (f)
        fclose(f);
    return f != NULL;
}

int cari_xapian_writer_open(const char *dir, const cari_writer_options *o,
                            cari_analyzer *an, cari_xapian_writer **out,
                            cari_error *err)
{
    (void)dir;
    (void)o;
    (void)an;
    *out = NULL;
    return cari_set_error(err, CARI_EUNSUPPORTED, NOT_BUILT);
}

int cari_xapian_writer_add(cari_xapian_writer *w, const cari_article *a)
{
    (void)w;
    (void)a;
    return CARI_EUNSUPPORTED;
}

int cari_xapian_writer_set_shard(cari_xapian_writer *w, size_t shard,
                                 size_t nshards)
{
    (void)w;
    (void)shard;
    (void)nshards;
    return CARI_EUNSUPPORTED;
}

const char *cari_xapian_writer_shard_set(const cari_xapian_writer *w)
{
    (void)w;
    return "";
}

int cari_xapian_writer_set_shard_set(cari_xapian_writer *w, const char *set)
{
    (void)w;
    (void)set;
    return CARI_EUNSUPPORTED;
}

int cari_xapian_shard_record(const char *dir, size_t *shard, size_t *nshards,
                             cari_error *err)
{
    (void)dir;
    (void)err;
    *shard = *nshards = 0;  /* no Xapian index can be read: no record */
    return CARI_OK;
}

int cari_xapian_writer_delete(cari_xapian_writer *w, const char *id, size_t len)
{
    (void)w;
    (void)id;
    (void)len;
    return CARI_EUNSUPPORTED;
}

int cari_xapian_writer_commit(cari_xapian_writer *w)
{
    (void)w;
    return CARI_EUNSUPPORTED;
}

void cari_xapian_writer_stats(const cari_xapian_writer *w,
                              cari_writer_stats *out)
{
    (void)w;
    (void)out;
}

const char *cari_xapian_writer_errmsg(const cari_xapian_writer *w)
{
    (void)w;
    return NOT_BUILT;
}

void cari_xapian_writer_close(cari_xapian_writer *w)
{
    (void)w;
}

int cari_xapian_index_open(const char *const *locations, size_t n,
                           unsigned flags, cari_analyzer *an,
                           cari_xapian_index **out, cari_error *err)
{
    (void)locations;
    (void)n;
    (void)flags;
    (void)an;
    *out = NULL;
    return cari_set_error(err, CARI_EUNSUPPORTED, NOT_BUILT);
}

void cari_xapian_index_close(cari_xapian_index *x)
{
    (void)x;
}

void cari_xapian_index_stats(const cari_xapian_index *x, cari_index_stats *out)
{
    (void)x;
    (void)out;
}

size_t cari_xapian_index_shard_count(const cari_xapian_index *x)
{
    (void)x;
    return 0;
}

const char *cari_xapian_index_shard(const cari_xapian_index *x, size_t i,
                                    const char **left_out)
{
    (void)x;
    (void)i;
    if (left_out)
        *left_out = NULL;
    return NULL;
}

int cari_xapian_search(cari_xapian_index *x, const cari_qnode *q,
                       const cari_search_options *o, double title_only_weight,
                       cari_hits **out, char *errmsg, size_t errcap)
{
    (void)x;
    (void)q;
    (void)o;
    (void)title_only_weight;
    *out = NULL;
    snprintf(errmsg, errcap, "%s", NOT_BUILT);
    return CARI_EUNSUPPORTED;
}

int cari_xapian_check(const char *dir, cari_check_fn fn, void *ctx,
                      cari_check_stats *stats, cari_error *err)
{
    (void)fn;
    (void)ctx;
    (void)stats;
    return cari_set_error(err, CARI_EUNSUPPORTED,
                          "%s holds a Xapian index: %s", dir, NOT_BUILT);
}
