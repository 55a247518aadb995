/*
 * xapian_shim.cc - the C bindings over libxapian declared in
 * include/xapian_c.h, and the only C++ file in cari.
 *
 * Owns: the opaque handle structs (each wraps the reference-counted Xapian
 * object plus whatever keeps it valid), the thread-local error slot, and
 * the one exception translator.  Every exported function does its argument
 * checks, then runs its body inside guarded(), which catches everything
 * and hands it to translate_exception(): no exception crosses into C.
 */
#include "xapian_c.h"

#include <xapian.h>

#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <sstream>
#include <string>
#include <vector>

/* The C types must be exactly Xapian's, so values pass through unchanged. */
static_assert(sizeof(xc_docid) == sizeof(Xapian::docid), "docid width");
static_assert(sizeof(xc_doccount) == sizeof(Xapian::doccount),
              "doccount width");
static_assert(sizeof(xc_termcount) == sizeof(Xapian::termcount),
              "termcount width");
static_assert(sizeof(xc_termpos) == sizeof(Xapian::termpos), "termpos width");
static_assert(sizeof(xc_valueno) == sizeof(Xapian::valueno), "valueno width");
static_assert(sizeof(xc_totallength) >= sizeof(Xapian::totallength),
              "totallength width");
static_assert(XC_BAD_VALUENO == Xapian::BAD_VALUENO, "BAD_VALUENO");

/* Database flags are passed straight through to Xapian. */
static_assert(XC_DB_CREATE_OR_OPEN == Xapian::DB_CREATE_OR_OPEN, "flag");
static_assert(XC_DB_CREATE_OR_OVERWRITE == Xapian::DB_CREATE_OR_OVERWRITE,
              "flag");
static_assert(XC_DB_CREATE == Xapian::DB_CREATE, "flag");
static_assert(XC_DB_OPEN == Xapian::DB_OPEN, "flag");
static_assert(XC_DB_NO_SYNC == Xapian::DB_NO_SYNC, "flag");
static_assert(XC_DB_FULL_SYNC == Xapian::DB_FULL_SYNC, "flag");
static_assert(XC_DB_DANGEROUS == Xapian::DB_DANGEROUS, "flag");
static_assert(XC_DB_NO_TERMLIST == Xapian::DB_NO_TERMLIST, "flag");
static_assert(XC_DB_RETRY_LOCK == Xapian::DB_RETRY_LOCK, "flag");
static_assert(XC_DB_BACKEND_GLASS == Xapian::DB_BACKEND_GLASS, "flag");
static_assert(XC_DB_BACKEND_INMEMORY == Xapian::DB_BACKEND_INMEMORY, "flag");

/* ---------------------------------------------------------------------
 * Handles
 * --------------------------------------------------------------------- */

/* Where an iterator is: before its first item, on one, past the end, or
 * unusable because moving it threw. */
enum iter_state { ITER_BEFORE, ITER_ON_ITEM, ITER_AT_END, ITER_FAILED };

struct xc_database {
    Xapian::Database db;
};

struct xc_writable {
    Xapian::WritableDatabase db;
};

struct xc_document {
    Xapian::Document doc;
};

struct xc_query {
    Xapian::Query query;
};

struct xc_enquire {
    Xapian::Enquire enquire;
};

struct xc_mset {
    Xapian::MSet mset;
};

struct xc_postlist {
    Xapian::Database db; /* keeps the shards open */
    Xapian::PostingIterator it, end;
    iter_state state = ITER_BEFORE;
};

struct xc_positionlist {
    /* Keep-alives: whichever of these the list was made from. */
    Xapian::Database db;
    Xapian::Document doc;
    Xapian::PostingIterator from_postlist;
    Xapian::TermIterator from_termlist;
    Xapian::PositionIterator it, end;
    iter_state state = ITER_BEFORE;
};

struct xc_termlist {
    /* Keep-alives: whichever of these the list was made from. */
    Xapian::Database db;
    Xapian::Document doc;
    Xapian::TermIterator it, end;
    iter_state state = ITER_BEFORE;
    std::string current; /* the borrowed term handed to the caller */
};

/* ---------------------------------------------------------------------
 * The error slot and the exception translator
 * --------------------------------------------------------------------- */

namespace {

struct error_slot {
    int code;
    char message[1024];
};

/* Fixed-size and trivially destructible: recording an error never
 * allocates, so it works for out-of-memory too. */
thread_local error_slot last_error = {XC_OK, {0}};

__attribute__((format(printf, 2, 3))) int set_error(int code,
                                                    const char *fmt,
                                                    ...) noexcept
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error.message, sizeof last_error.message, fmt, ap);
    va_end(ap);
    last_error.code = code;
    return code;
}

/* "func: Class: message (context: ...) (OS error)" built from Xapian's
 * accessors, which return references and so cannot fail; this is what
 * Error::get_description() gives, prefixed by the shim function. */
int record_xapian(const char *func, int code, const Xapian::Error &e) noexcept
{
    const char *context = e.get_context().c_str();
    const char *os_error = e.get_error_string();
    return set_error(code, "%s: %s: %s%s%s%s%s%s%s", func, e.get_type(),
                     e.get_msg().c_str(), *context ? " (context: " : "",
                     context, *context ? ")" : "",
                     os_error ? " (" : "", os_error ? os_error : "",
                     os_error ? ")" : "");
}

/* The one translator: called from inside a catch handler, it rethrows the
 * current exception and maps it to a status code, most-derived Xapian
 * class first. */
int translate_exception(const char *func) noexcept
{
    try {
        throw;
    }
    /* DatabaseError subclasses (Version and NotFound before Opening). */
    catch (const Xapian::DatabaseLockError &e) {
        return record_xapian(func, XC_ELOCK, e);
    } catch (const Xapian::DatabaseCorruptError &e) {
        return record_xapian(func, XC_ECORRUPT, e);
    } catch (const Xapian::DatabaseVersionError &e) {
        return record_xapian(func, XC_EVERSION, e);
    } catch (const Xapian::DatabaseNotFoundError &e) {
        return record_xapian(func, XC_ENOTFOUND, e);
    } catch (const Xapian::DatabaseOpeningError &e) {
        return record_xapian(func, XC_EOPENING, e);
    } catch (const Xapian::DatabaseModifiedError &e) {
        return record_xapian(func, XC_EMODIFIED, e);
    } catch (const Xapian::DatabaseClosedError &e) {
        return record_xapian(func, XC_ECLOSED, e);
    } catch (const Xapian::DatabaseCreateError &e) {
        return record_xapian(func, XC_ECREATE, e);
    } catch (const Xapian::DatabaseError &e) {
        return record_xapian(func, XC_EDATABASE, e);
    }
    /* Other RuntimeError subclasses. */
    catch (const Xapian::NetworkTimeoutError &e) {
        return record_xapian(func, XC_ETIMEDOUT, e);
    } catch (const Xapian::NetworkError &e) {
        return record_xapian(func, XC_ENETWORK, e);
    } catch (const Xapian::DocNotFoundError &e) {
        return record_xapian(func, XC_ENODOC, e);
    } catch (const Xapian::FeatureUnavailableError &e) {
        return record_xapian(func, XC_EFEATURE, e);
    } catch (const Xapian::InternalError &e) {
        return record_xapian(func, XC_EINTERNAL, e);
    } catch (const Xapian::QueryParserError &e) {
        return record_xapian(func, XC_EQUERYPARSER, e);
    } catch (const Xapian::RangeError &e) {
        return record_xapian(func, XC_ERANGE, e);
    } catch (const Xapian::SerialisationError &e) {
        return record_xapian(func, XC_ESERIALISE, e);
    } catch (const Xapian::WildcardError &e) {
        return record_xapian(func, XC_EWILDCARD, e);
    } catch (const Xapian::RuntimeError &e) {
        return record_xapian(func, XC_ERUNTIME, e);
    }
    /* LogicError subclasses. */
    catch (const Xapian::AssertionError &e) {
        return record_xapian(func, XC_EASSERT, e);
    } catch (const Xapian::InvalidArgumentError &e) {
        return record_xapian(func, XC_EINVALARG, e);
    } catch (const Xapian::InvalidOperationError &e) {
        return record_xapian(func, XC_EINVALOP, e);
    } catch (const Xapian::UnimplementedError &e) {
        return record_xapian(func, XC_EUNIMPL, e);
    } catch (const Xapian::LogicError &e) {
        return record_xapian(func, XC_ELOGIC, e);
    } catch (const Xapian::Error &e) {
        return record_xapian(func, XC_EXAPIAN, e);
    }
    /* Not from Xapian. */
    catch (const std::bad_alloc &) {
        return set_error(XC_ENOMEM, "%s: out of memory", func);
    } catch (const std::exception &e) {
        return set_error(XC_EUNKNOWN, "%s: C++ exception: %s", func,
                         e.what());
    } catch (...) {
        return set_error(XC_EUNKNOWN, "%s: unknown C++ exception", func);
    }
}

/* Runs "body" (returning XC_OK or XC_END) with every exception translated.
 * "func" is the exported function's name, for the message. */
template <typename Body> int guarded(const char *func, Body &&body) noexcept
{
    try {
        return body();
    } catch (...) {
        return translate_exception(func);
    }
}

int null_argument(const char *func, const char *name) noexcept
{
    return set_error(XC_EINVAL, "%s: argument '%s' is NULL", func, name);
}

/* Argument checks at the boundary, before any Xapian call. */
#define REQUIRE(arg)                                                         \
    do {                                                                     \
        if ((arg) == nullptr)                                                \
            return null_argument(__func__, #arg);                            \
    } while (0)

#define REQUIRE_THAT(cond, ...)                                              \
    do {                                                                     \
        if (!(cond))                                                         \
            return set_error(XC_EINVAL, __VA_ARGS__);                        \
    } while (0)

/* Clears an output before the checks, so it is NULL/0 on any failure. */
template <typename T> void reset(T *out) noexcept
{
    if (out != nullptr)
        *out = T();
}

/* Copies "s" into a new malloc'd, NUL-terminated buffer. */
char *copy_string(const std::string &s)
{
    char *buffer = static_cast<char *>(std::malloc(s.size() + 1));
    if (buffer == nullptr)
        throw std::bad_alloc();
    std::memcpy(buffer, s.data(), s.size());
    buffer[s.size()] = '\0';
    return buffer;
}

std::string bytes(const void *data, size_t len)
{
    return len == 0 ? std::string()
                    : std::string(static_cast<const char *>(data), len);
}

/* Moves an iterator one step; the shared logic of every *_next(). */
template <typename Iterator>
int iter_next(const char *func, Iterator &it, const Iterator &end,
              iter_state &state)
{
    switch (state) {
    case ITER_AT_END:
        return XC_END;
    case ITER_FAILED:
        return set_error(XC_EINVAL,
                         "%s: iterator unusable after an earlier error",
                         func);
    case ITER_BEFORE:
        break;
    case ITER_ON_ITEM:
        state = ITER_FAILED; /* until the move has succeeded */
        ++it;
        break;
    }
    state = it == end ? ITER_AT_END : ITER_ON_ITEM;
    return state == ITER_AT_END ? XC_END : XC_OK;
}

/* Moves an iterator to the first item >= target; shared by *_skip_to(). */
template <typename Iterator, typename Target>
int iter_skip_to(const char *func, Iterator &it, const Iterator &end,
                 iter_state &state, const Target &target)
{
    switch (state) {
    case ITER_AT_END:
        return XC_END;
    case ITER_FAILED:
        return set_error(XC_EINVAL,
                         "%s: iterator unusable after an earlier error",
                         func);
    case ITER_BEFORE:
    case ITER_ON_ITEM:
        break;
    }
    state = ITER_FAILED;
    if (it != end)
        it.skip_to(target);
    state = it == end ? ITER_AT_END : ITER_ON_ITEM;
    return state == ITER_AT_END ? XC_END : XC_OK;
}

int not_on_item(const char *func) noexcept
{
    return set_error(XC_EINVAL, "%s: iterator is not on an item", func);
}

bool valid_op(xc_query_op op) noexcept
{
    switch (op) {
    case XC_OP_AND:
    case XC_OP_OR:
    case XC_OP_AND_NOT:
    case XC_OP_XOR:
    case XC_OP_AND_MAYBE:
    case XC_OP_FILTER:
    case XC_OP_NEAR:
    case XC_OP_PHRASE:
    case XC_OP_ELITE_SET:
    case XC_OP_SYNONYM:
    case XC_OP_MAX:
        return true;
    }
    return false;
}

/* The C operator numbers are Xapian's, checked here. */
static_assert(int(XC_OP_AND) == int(Xapian::Query::OP_AND), "op");
static_assert(int(XC_OP_OR) == int(Xapian::Query::OP_OR), "op");
static_assert(int(XC_OP_AND_NOT) == int(Xapian::Query::OP_AND_NOT), "op");
static_assert(int(XC_OP_XOR) == int(Xapian::Query::OP_XOR), "op");
static_assert(int(XC_OP_AND_MAYBE) == int(Xapian::Query::OP_AND_MAYBE), "op");
static_assert(int(XC_OP_FILTER) == int(Xapian::Query::OP_FILTER), "op");
static_assert(int(XC_OP_NEAR) == int(Xapian::Query::OP_NEAR), "op");
static_assert(int(XC_OP_PHRASE) == int(Xapian::Query::OP_PHRASE), "op");
static_assert(int(XC_OP_ELITE_SET) == int(Xapian::Query::OP_ELITE_SET), "op");
static_assert(int(XC_OP_SYNONYM) == int(Xapian::Query::OP_SYNONYM), "op");
static_assert(int(XC_OP_MAX) == int(Xapian::Query::OP_MAX), "op");

bool uses_parameter(xc_query_op op) noexcept
{
    return op == XC_OP_NEAR || op == XC_OP_PHRASE || op == XC_OP_ELITE_SET;
}

bool non_negative(double x) noexcept
{
    return x >= 0.0; /* false for NaN */
}

/* Shared by the BM25 and BM25+ setters. */
int check_bm25(const char *func, double k1, double k2, double k3, double b,
               double min_normlen) noexcept
{
    if (!non_negative(k1) || !non_negative(k2) || !non_negative(k3) ||
        !non_negative(min_normlen))
        return set_error(XC_EINVAL,
                         "%s: k1, k2, k3 and min_normlen must be >= 0 "
                         "(got %g, %g, %g, %g)",
                         func, k1, k2, k3, min_normlen);
    if (!(b >= 0.0 && b <= 1.0))
        return set_error(XC_EINVAL, "%s: b must be in [0, 1] (got %g)",
                         func, b);
    return XC_OK;
}

} // namespace

/* ---------------------------------------------------------------------
 * Errors and version
 * --------------------------------------------------------------------- */

const char *xc_strerror(int code)
{
    switch (code) {
    case XC_OK: return "success";
    case XC_END: return "end of list";
    case XC_EINVAL: return "invalid argument to the C interface";
    case XC_ENOMEM: return "out of memory";
    case XC_EUNKNOWN: return "unknown C++ exception";
    case XC_ELOCK: return "database is locked by another writer";
    case XC_ECORRUPT: return "database is corrupt";
    case XC_EVERSION: return "unsupported database format version";
    case XC_ENOTFOUND: return "database not found";
    case XC_EOPENING: return "database could not be opened";
    case XC_EMODIFIED: return "database was modified; reopen and retry";
    case XC_ECLOSED: return "database has been closed";
    case XC_ECREATE: return "database could not be created";
    case XC_EDATABASE: return "database error";
    case XC_ETIMEDOUT: return "network operation timed out";
    case XC_ENETWORK: return "network error";
    case XC_ENODOC: return "document not found";
    case XC_EFEATURE: return "feature not available in this Xapian build";
    case XC_EINTERNAL: return "internal Xapian error";
    case XC_EQUERYPARSER: return "query parser error";
    case XC_ERANGE: return "value out of range";
    case XC_ESERIALISE: return "serialisation error";
    case XC_EWILDCARD: return "wildcard expands to too many terms";
    case XC_ERUNTIME: return "Xapian runtime error";
    case XC_EASSERT: return "Xapian assertion failed";
    case XC_EINVALARG: return "invalid argument (rejected by Xapian)";
    case XC_EINVALOP: return "invalid operation in this state";
    case XC_EUNIMPL: return "not implemented by this backend";
    case XC_ELOGIC: return "Xapian logic error";
    case XC_EXAPIAN: return "Xapian error";
    default: return "unknown xapian_c status code";
    }
}

int xc_last_error_code(void)
{
    return last_error.code;
}

const char *xc_last_error_message(void)
{
    return last_error.message;
}

void xc_clear_error(void)
{
    last_error.code = XC_OK;
    last_error.message[0] = '\0';
}

const char *xc_version(void)
{
    return Xapian::version_string();
}

void xc_free(void *ptr)
{
    std::free(ptr);
}

/* ---------------------------------------------------------------------
 * Read-only databases
 * --------------------------------------------------------------------- */

int xc_database_open(const char *path, xc_database **out)
{
    reset(out);
    REQUIRE(path);
    REQUIRE(out);
    return guarded(__func__, [&] {
        *out = new xc_database{Xapian::Database(path)};
        return XC_OK;
    });
}

int xc_database_check(const char *path, size_t *errors, char **report)
{
    reset(errors);
    reset(report);
    REQUIRE(path);
    REQUIRE(errors);
    REQUIRE(report);
    return guarded(__func__, [&] {
        std::ostringstream out;
        *errors = Xapian::Database::check(path, 0, &out);
        *report = copy_string(out.str());
        return XC_OK;
    });
}

int xc_database_open_remote(const char *host, unsigned port,
                            unsigned timeout_ms, unsigned connect_timeout_ms,
                            xc_database **out)
{
    reset(out);
    REQUIRE(host);
    REQUIRE(out);
    REQUIRE_THAT(port > 0 && port <= 65535, "%s: bad port %u", __func__,
                 port);
    return guarded(__func__, [&] {
        *out = new xc_database{Xapian::Remote::open(host, port, timeout_ms,
                                                    connect_timeout_ms)};
        return XC_OK;
    });
}

int xc_database_new(xc_database **out)
{
    reset(out);
    REQUIRE(out);
    return guarded(__func__, [&] {
        *out = new xc_database{Xapian::Database()};
        return XC_OK;
    });
}

int xc_database_add_local(xc_database *db, const char *path)
{
    REQUIRE(db);
    REQUIRE(path);
    return guarded(__func__, [&] {
        db->db.add_database(Xapian::Database(path));
        return XC_OK;
    });
}

int xc_database_add_remote(xc_database *db, const char *host, unsigned port,
                           unsigned timeout_ms, unsigned connect_timeout_ms)
{
    REQUIRE(db);
    REQUIRE(host);
    REQUIRE_THAT(port > 0 && port <= 65535, "%s: bad port %u", __func__,
                 port);
    return guarded(__func__, [&] {
        db->db.add_database(
            Xapian::Remote::open(host, port, timeout_ms, connect_timeout_ms));
        return XC_OK;
    });
}

int xc_database_add_database(xc_database *db, const xc_database *other)
{
    REQUIRE(db);
    REQUIRE(other);
    return guarded(__func__, [&] {
        db->db.add_database(other->db);
        return XC_OK;
    });
}

int xc_database_shard_count(const xc_database *db, size_t *out)
{
    reset(out);
    REQUIRE(db);
    REQUIRE(out);
    return guarded(__func__, [&] {
        *out = db->db.size();
        return XC_OK;
    });
}

int xc_database_reopen(xc_database *db, int *changed)
{
    reset(changed);
    REQUIRE(db);
    return guarded(__func__, [&] {
        bool reopened = db->db.reopen();
        if (changed != nullptr)
            *changed = reopened ? 1 : 0;
        return XC_OK;
    });
}

int xc_database_close(xc_database *db)
{
    REQUIRE(db);
    return guarded(__func__, [&] {
        db->db.close();
        return XC_OK;
    });
}

int xc_database_keep_alive(xc_database *db)
{
    REQUIRE(db);
    return guarded(__func__, [&] {
        db->db.keep_alive();
        return XC_OK;
    });
}

void xc_database_free(xc_database *db)
{
    delete db;
}

int xc_database_doccount(const xc_database *db, xc_doccount *out)
{
    reset(out);
    REQUIRE(db);
    REQUIRE(out);
    return guarded(__func__, [&] {
        *out = db->db.get_doccount();
        return XC_OK;
    });
}

int xc_database_lastdocid(const xc_database *db, xc_docid *out)
{
    reset(out);
    REQUIRE(db);
    REQUIRE(out);
    return guarded(__func__, [&] {
        *out = db->db.get_lastdocid();
        return XC_OK;
    });
}

int xc_database_average_length(const xc_database *db, double *out)
{
    reset(out);
    REQUIRE(db);
    REQUIRE(out);
    return guarded(__func__, [&] {
        *out = db->db.get_average_length();
        return XC_OK;
    });
}

int xc_database_total_length(const xc_database *db, xc_totallength *out)
{
    reset(out);
    REQUIRE(db);
    REQUIRE(out);
    return guarded(__func__, [&] {
        *out = db->db.get_total_length();
        return XC_OK;
    });
}

int xc_database_termfreq(const xc_database *db, const char *term,
                         xc_doccount *out)
{
    reset(out);
    REQUIRE(db);
    REQUIRE(term);
    REQUIRE(out);
    return guarded(__func__, [&] {
        *out = db->db.get_termfreq(term);
        return XC_OK;
    });
}

int xc_database_term_exists(const xc_database *db, const char *term,
                            int *out)
{
    reset(out);
    REQUIRE(db);
    REQUIRE(term);
    REQUIRE(out);
    return guarded(__func__, [&] {
        *out = db->db.term_exists(term) ? 1 : 0;
        return XC_OK;
    });
}

int xc_database_collection_freq(const xc_database *db, const char *term,
                                xc_termcount *out)
{
    reset(out);
    REQUIRE(db);
    REQUIRE(term);
    REQUIRE(out);
    return guarded(__func__, [&] {
        *out = db->db.get_collection_freq(term);
        return XC_OK;
    });
}

int xc_database_wdf_upper_bound(const xc_database *db, const char *term,
                                xc_termcount *out)
{
    reset(out);
    REQUIRE(db);
    REQUIRE(term);
    REQUIRE(out);
    return guarded(__func__, [&] {
        *out = db->db.get_wdf_upper_bound(term);
        return XC_OK;
    });
}

int xc_database_doclength(const xc_database *db, xc_docid docid,
                          xc_termcount *out)
{
    reset(out);
    REQUIRE(db);
    REQUIRE(out);
    return guarded(__func__, [&] {
        *out = db->db.get_doclength(docid);
        return XC_OK;
    });
}

int xc_database_unique_terms(const xc_database *db, xc_docid docid,
                             xc_termcount *out)
{
    reset(out);
    REQUIRE(db);
    REQUIRE(out);
    return guarded(__func__, [&] {
        *out = db->db.get_unique_terms(docid);
        return XC_OK;
    });
}

int xc_database_doclength_bounds(const xc_database *db, xc_termcount *lower,
                                 xc_termcount *upper)
{
    reset(lower);
    reset(upper);
    REQUIRE(db);
    REQUIRE(lower);
    REQUIRE(upper);
    return guarded(__func__, [&] {
        xc_termcount low = db->db.get_doclength_lower_bound();
        xc_termcount high = db->db.get_doclength_upper_bound();
        *lower = low;
        *upper = high;
        return XC_OK;
    });
}

int xc_database_has_positions(const xc_database *db, int *out)
{
    reset(out);
    REQUIRE(db);
    REQUIRE(out);
    return guarded(__func__, [&] {
        *out = db->db.has_positions() ? 1 : 0;
        return XC_OK;
    });
}

int xc_database_get_metadata(const xc_database *db, const char *key,
                             char **out, size_t *len)
{
    reset(out);
    reset(len);
    REQUIRE(db);
    REQUIRE(key);
    REQUIRE(out);
    REQUIRE(len);
    return guarded(__func__, [&] {
        std::string value = db->db.get_metadata(key);
        *out = copy_string(value);
        *len = value.size();
        return XC_OK;
    });
}

int xc_database_uuid(const xc_database *db, char **out)
{
    reset(out);
    REQUIRE(db);
    REQUIRE(out);
    return guarded(__func__, [&] {
        *out = copy_string(db->db.get_uuid());
        return XC_OK;
    });
}

int xc_database_get_document(const xc_database *db, xc_docid docid,
                             xc_document **out)
{
    reset(out);
    REQUIRE(db);
    REQUIRE(out);
    return guarded(__func__, [&] {
        *out = new xc_document{db->db.get_document(docid)};
        return XC_OK;
    });
}

int xc_database_postlist(const xc_database *db, const char *term,
                         xc_postlist **out)
{
    reset(out);
    REQUIRE(db);
    REQUIRE(term);
    REQUIRE(out);
    return guarded(__func__, [&] {
        xc_postlist *pl = new xc_postlist();
        try {
            pl->db = db->db;
            pl->it = db->db.postlist_begin(term);
            pl->end = db->db.postlist_end(term);
        } catch (...) {
            delete pl;
            throw;
        }
        *out = pl;
        return XC_OK;
    });
}

int xc_database_positionlist(const xc_database *db, xc_docid docid,
                             const char *term, xc_positionlist **out)
{
    reset(out);
    REQUIRE(db);
    REQUIRE(term);
    REQUIRE(out);
    return guarded(__func__, [&] {
        xc_positionlist *pl = new xc_positionlist();
        try {
            pl->db = db->db;
            pl->it = db->db.positionlist_begin(docid, term);
            pl->end = db->db.positionlist_end(docid, term);
        } catch (...) {
            delete pl;
            throw;
        }
        *out = pl;
        return XC_OK;
    });
}

int xc_database_termlist(const xc_database *db, xc_docid docid,
                         xc_termlist **out)
{
    reset(out);
    REQUIRE(db);
    REQUIRE(out);
    return guarded(__func__, [&] {
        xc_termlist *tl = new xc_termlist();
        try {
            tl->db = db->db;
            tl->it = db->db.termlist_begin(docid);
            tl->end = db->db.termlist_end(docid);
        } catch (...) {
            delete tl;
            throw;
        }
        *out = tl;
        return XC_OK;
    });
}

int xc_database_allterms(const xc_database *db, const char *prefix,
                         xc_termlist **out)
{
    reset(out);
    REQUIRE(db);
    REQUIRE(prefix);
    REQUIRE(out);
    return guarded(__func__, [&] {
        xc_termlist *tl = new xc_termlist();
        try {
            tl->db = db->db;
            tl->it = db->db.allterms_begin(prefix);
            tl->end = db->db.allterms_end(prefix);
        } catch (...) {
            delete tl;
            throw;
        }
        *out = tl;
        return XC_OK;
    });
}

int xc_database_metadata_keys(const xc_database *db, const char *prefix,
                              xc_termlist **out)
{
    reset(out);
    REQUIRE(db);
    REQUIRE(prefix);
    REQUIRE(out);
    return guarded(__func__, [&] {
        xc_termlist *tl = new xc_termlist();
        try {
            tl->db = db->db;
            tl->it = db->db.metadata_keys_begin(prefix);
            tl->end = db->db.metadata_keys_end(prefix);
        } catch (...) {
            delete tl;
            throw;
        }
        *out = tl;
        return XC_OK;
    });
}

/* ---------------------------------------------------------------------
 * Writable databases
 * --------------------------------------------------------------------- */

int xc_writable_open(const char *path, int flags, xc_writable **out)
{
    reset(out);
    REQUIRE(out);
    const int action_mask = 0x03;
    const int backend_mask = 0x700;
    const int known = action_mask | XC_DB_NO_SYNC | XC_DB_FULL_SYNC |
                      XC_DB_DANGEROUS | XC_DB_NO_TERMLIST |
                      XC_DB_RETRY_LOCK | backend_mask;
    const int backend = flags & backend_mask;
    REQUIRE_THAT((flags & ~known) == 0, "%s: unknown flag bits 0x%x",
                 __func__, static_cast<unsigned>(flags & ~known));
    REQUIRE_THAT(backend == 0 || backend == XC_DB_BACKEND_GLASS ||
                     backend == XC_DB_BACKEND_INMEMORY,
                 "%s: unsupported backend flags 0x%x", __func__,
                 static_cast<unsigned>(backend));
    if (backend != XC_DB_BACKEND_INMEMORY)
        REQUIRE(path);
    return guarded(__func__, [&] {
        *out = new xc_writable{
            Xapian::WritableDatabase(path ? path : "", flags)};
        return XC_OK;
    });
}

int xc_writable_open_remote(const char *host, unsigned port,
                            unsigned timeout_ms, unsigned connect_timeout_ms,
                            int flags, xc_writable **out)
{
    reset(out);
    REQUIRE(host);
    REQUIRE(out);
    REQUIRE_THAT(port > 0 && port <= 65535, "%s: bad port %u", __func__,
                 port);
    REQUIRE_THAT(flags == 0 || flags == XC_DB_RETRY_LOCK,
                 "%s: flags must be 0 or XC_DB_RETRY_LOCK", __func__);
    return guarded(__func__, [&] {
        *out = new xc_writable{Xapian::Remote::open_writable(
            host, port, timeout_ms, connect_timeout_ms, flags)};
        return XC_OK;
    });
}

int xc_writable_as_database(const xc_writable *wdb, xc_database **out)
{
    reset(out);
    REQUIRE(wdb);
    REQUIRE(out);
    return guarded(__func__, [&] {
        *out = new xc_database{Xapian::Database(wdb->db)};
        return XC_OK;
    });
}

int xc_writable_commit(xc_writable *wdb)
{
    REQUIRE(wdb);
    return guarded(__func__, [&] {
        wdb->db.commit();
        return XC_OK;
    });
}

int xc_writable_begin_transaction(xc_writable *wdb, int flushed)
{
    REQUIRE(wdb);
    return guarded(__func__, [&] {
        wdb->db.begin_transaction(flushed != 0);
        return XC_OK;
    });
}

int xc_writable_commit_transaction(xc_writable *wdb)
{
    REQUIRE(wdb);
    return guarded(__func__, [&] {
        wdb->db.commit_transaction();
        return XC_OK;
    });
}

int xc_writable_cancel_transaction(xc_writable *wdb)
{
    REQUIRE(wdb);
    return guarded(__func__, [&] {
        wdb->db.cancel_transaction();
        return XC_OK;
    });
}

int xc_writable_add_document(xc_writable *wdb, const xc_document *doc,
                             xc_docid *docid)
{
    reset(docid);
    REQUIRE(wdb);
    REQUIRE(doc);
    return guarded(__func__, [&] {
        Xapian::docid id = wdb->db.add_document(doc->doc);
        if (docid != nullptr)
            *docid = id;
        return XC_OK;
    });
}

int xc_writable_replace_document(xc_writable *wdb, xc_docid docid,
                                 const xc_document *doc)
{
    REQUIRE(wdb);
    REQUIRE(doc);
    REQUIRE_THAT(docid != 0, "%s: docid 0 is invalid", __func__);
    return guarded(__func__, [&] {
        wdb->db.replace_document(docid, doc->doc);
        return XC_OK;
    });
}

int xc_writable_replace_document_by_term(xc_writable *wdb,
                                         const char *unique_term,
                                         const xc_document *doc,
                                         xc_docid *docid)
{
    reset(docid);
    REQUIRE(wdb);
    REQUIRE(unique_term);
    REQUIRE(doc);
    return guarded(__func__, [&] {
        Xapian::docid id = wdb->db.replace_document(unique_term, doc->doc);
        if (docid != nullptr)
            *docid = id;
        return XC_OK;
    });
}

int xc_writable_delete_document(xc_writable *wdb, xc_docid docid)
{
    REQUIRE(wdb);
    REQUIRE_THAT(docid != 0, "%s: docid 0 is invalid", __func__);
    return guarded(__func__, [&] {
        wdb->db.delete_document(docid);
        return XC_OK;
    });
}

int xc_writable_delete_document_by_term(xc_writable *wdb, const char *term)
{
    REQUIRE(wdb);
    REQUIRE(term);
    return guarded(__func__, [&] {
        wdb->db.delete_document(std::string(term));
        return XC_OK;
    });
}

int xc_writable_set_metadata(xc_writable *wdb, const char *key,
                             const void *value, size_t len)
{
    REQUIRE(wdb);
    REQUIRE(key);
    if (len != 0)
        REQUIRE(value);
    return guarded(__func__, [&] {
        wdb->db.set_metadata(key, bytes(value, len));
        return XC_OK;
    });
}

int xc_writable_close(xc_writable *wdb)
{
    REQUIRE(wdb);
    return guarded(__func__, [&] {
        wdb->db.close();
        return XC_OK;
    });
}

void xc_writable_free(xc_writable *wdb)
{
    delete wdb; /* ~WritableDatabase commits and never throws */
}

/* ---------------------------------------------------------------------
 * Documents
 * --------------------------------------------------------------------- */

int xc_document_new(xc_document **out)
{
    reset(out);
    REQUIRE(out);
    return guarded(__func__, [&] {
        *out = new xc_document();
        return XC_OK;
    });
}

void xc_document_free(xc_document *doc)
{
    delete doc;
}

int xc_document_add_term(xc_document *doc, const char *term,
                         xc_termcount wdf_inc)
{
    REQUIRE(doc);
    REQUIRE(term);
    return guarded(__func__, [&] {
        doc->doc.add_term(term, wdf_inc);
        return XC_OK;
    });
}

int xc_document_add_posting(xc_document *doc, const char *term,
                            xc_termpos pos, xc_termcount wdf_inc)
{
    REQUIRE(doc);
    REQUIRE(term);
    return guarded(__func__, [&] {
        doc->doc.add_posting(term, pos, wdf_inc);
        return XC_OK;
    });
}

int xc_document_add_boolean_term(xc_document *doc, const char *term)
{
    REQUIRE(doc);
    REQUIRE(term);
    return guarded(__func__, [&] {
        doc->doc.add_boolean_term(term);
        return XC_OK;
    });
}

int xc_document_remove_term(xc_document *doc, const char *term)
{
    REQUIRE(doc);
    REQUIRE(term);
    return guarded(__func__, [&] {
        doc->doc.remove_term(term);
        return XC_OK;
    });
}

int xc_document_clear_terms(xc_document *doc)
{
    REQUIRE(doc);
    return guarded(__func__, [&] {
        doc->doc.clear_terms();
        return XC_OK;
    });
}

int xc_document_set_value(xc_document *doc, xc_valueno slot,
                          const void *value, size_t len)
{
    REQUIRE(doc);
    if (len != 0)
        REQUIRE(value);
    REQUIRE_THAT(slot != XC_BAD_VALUENO, "%s: slot XC_BAD_VALUENO is reserved",
                 __func__);
    return guarded(__func__, [&] {
        doc->doc.add_value(slot, bytes(value, len));
        return XC_OK;
    });
}

int xc_document_get_value(const xc_document *doc, xc_valueno slot,
                          char **out, size_t *len)
{
    reset(out);
    reset(len);
    REQUIRE(doc);
    REQUIRE(out);
    REQUIRE(len);
    REQUIRE_THAT(slot != XC_BAD_VALUENO, "%s: slot XC_BAD_VALUENO is reserved",
                 __func__);
    return guarded(__func__, [&] {
        std::string value = doc->doc.get_value(slot);
        *out = copy_string(value);
        *len = value.size();
        return XC_OK;
    });
}

int xc_document_set_data(xc_document *doc, const void *data, size_t len)
{
    REQUIRE(doc);
    if (len != 0)
        REQUIRE(data);
    return guarded(__func__, [&] {
        doc->doc.set_data(bytes(data, len));
        return XC_OK;
    });
}

int xc_document_get_data(const xc_document *doc, char **out, size_t *len)
{
    reset(out);
    reset(len);
    REQUIRE(doc);
    REQUIRE(out);
    REQUIRE(len);
    return guarded(__func__, [&] {
        std::string data = doc->doc.get_data();
        *out = copy_string(data);
        *len = data.size();
        return XC_OK;
    });
}

int xc_document_get_docid(const xc_document *doc, xc_docid *out)
{
    reset(out);
    REQUIRE(doc);
    REQUIRE(out);
    return guarded(__func__, [&] {
        *out = doc->doc.get_docid();
        return XC_OK;
    });
}

int xc_document_termlist(const xc_document *doc, xc_termlist **out)
{
    reset(out);
    REQUIRE(doc);
    REQUIRE(out);
    return guarded(__func__, [&] {
        xc_termlist *tl = new xc_termlist();
        try {
            tl->doc = doc->doc;
            tl->it = doc->doc.termlist_begin();
            tl->end = doc->doc.termlist_end();
        } catch (...) {
            delete tl;
            throw;
        }
        *out = tl;
        return XC_OK;
    });
}

/* ---------------------------------------------------------------------
 * Iterators
 * --------------------------------------------------------------------- */

int xc_postlist_next(xc_postlist *pl, xc_docid *docid)
{
    reset(docid);
    REQUIRE(pl);
    const char *func = __func__;
    return guarded(func, [&] {
        int rc = iter_next(func, pl->it, pl->end, pl->state);
        if (rc == XC_OK && docid != nullptr)
            *docid = *pl->it;
        return rc;
    });
}

int xc_postlist_skip_to(xc_postlist *pl, xc_docid target, xc_docid *docid)
{
    reset(docid);
    REQUIRE(pl);
    const char *func = __func__;
    return guarded(func, [&] {
        int rc = iter_skip_to(func, pl->it, pl->end, pl->state, target);
        if (rc == XC_OK && docid != nullptr)
            *docid = *pl->it;
        return rc;
    });
}

int xc_postlist_docid(const xc_postlist *pl, xc_docid *out)
{
    reset(out);
    REQUIRE(pl);
    REQUIRE(out);
    if (pl->state != ITER_ON_ITEM)
        return not_on_item(__func__);
    return guarded(__func__, [&] {
        *out = *pl->it;
        return XC_OK;
    });
}

int xc_postlist_wdf(const xc_postlist *pl, xc_termcount *out)
{
    reset(out);
    REQUIRE(pl);
    REQUIRE(out);
    if (pl->state != ITER_ON_ITEM)
        return not_on_item(__func__);
    return guarded(__func__, [&] {
        *out = pl->it.get_wdf();
        return XC_OK;
    });
}

int xc_postlist_doclength(const xc_postlist *pl, xc_termcount *out)
{
    reset(out);
    REQUIRE(pl);
    REQUIRE(out);
    if (pl->state != ITER_ON_ITEM)
        return not_on_item(__func__);
    return guarded(__func__, [&] {
        *out = pl->it.get_doclength();
        return XC_OK;
    });
}

int xc_postlist_positionlist(const xc_postlist *pl, xc_positionlist **out)
{
    reset(out);
    REQUIRE(pl);
    REQUIRE(out);
    if (pl->state != ITER_ON_ITEM)
        return not_on_item(__func__);
    return guarded(__func__, [&] {
        xc_positionlist *positions = new xc_positionlist();
        try {
            positions->db = pl->db;
            positions->from_postlist = pl->it;
            positions->it = pl->it.positionlist_begin();
            positions->end = pl->it.positionlist_end();
        } catch (...) {
            delete positions;
            throw;
        }
        *out = positions;
        return XC_OK;
    });
}

void xc_postlist_free(xc_postlist *pl)
{
    delete pl;
}

int xc_positionlist_next(xc_positionlist *pl, xc_termpos *pos)
{
    reset(pos);
    REQUIRE(pl);
    const char *func = __func__;
    return guarded(func, [&] {
        int rc = iter_next(func, pl->it, pl->end, pl->state);
        if (rc == XC_OK && pos != nullptr)
            *pos = *pl->it;
        return rc;
    });
}

int xc_positionlist_skip_to(xc_positionlist *pl, xc_termpos target,
                            xc_termpos *pos)
{
    reset(pos);
    REQUIRE(pl);
    const char *func = __func__;
    return guarded(func, [&] {
        int rc = iter_skip_to(func, pl->it, pl->end, pl->state, target);
        if (rc == XC_OK && pos != nullptr)
            *pos = *pl->it;
        return rc;
    });
}

void xc_positionlist_free(xc_positionlist *pl)
{
    delete pl;
}

namespace {

/* After a move: cache the current term and hand it out. */
int termlist_report(xc_termlist *tl, int rc, const char **term, size_t *len)
{
    if (rc == XC_OK) {
        try {
            tl->current = *tl->it;
        } catch (...) {
            tl->state = ITER_FAILED;
            throw;
        }
        if (term != nullptr)
            *term = tl->current.c_str();
        if (len != nullptr)
            *len = tl->current.size();
    } else {
        tl->current.clear();
    }
    return rc;
}

} // namespace

int xc_termlist_next(xc_termlist *tl, const char **term, size_t *len)
{
    reset(term);
    reset(len);
    REQUIRE(tl);
    const char *func = __func__;
    return guarded(func, [&] {
        int rc = iter_next(func, tl->it, tl->end, tl->state);
        return termlist_report(tl, rc, term, len);
    });
}

int xc_termlist_skip_to(xc_termlist *tl, const char *target,
                        const char **term, size_t *len)
{
    reset(term);
    reset(len);
    REQUIRE(tl);
    REQUIRE(target);
    const char *func = __func__;
    return guarded(func, [&] {
        int rc = iter_skip_to(func, tl->it, tl->end, tl->state,
                              std::string(target));
        return termlist_report(tl, rc, term, len);
    });
}

int xc_termlist_term(const xc_termlist *tl, const char **term, size_t *len)
{
    reset(term);
    reset(len);
    REQUIRE(tl);
    REQUIRE(term);
    if (tl->state != ITER_ON_ITEM)
        return not_on_item(__func__);
    *term = tl->current.c_str();
    if (len != nullptr)
        *len = tl->current.size();
    return XC_OK;
}

int xc_termlist_wdf(const xc_termlist *tl, xc_termcount *out)
{
    reset(out);
    REQUIRE(tl);
    REQUIRE(out);
    if (tl->state != ITER_ON_ITEM)
        return not_on_item(__func__);
    return guarded(__func__, [&] {
        *out = tl->it.get_wdf();
        return XC_OK;
    });
}

int xc_termlist_termfreq(const xc_termlist *tl, xc_doccount *out)
{
    reset(out);
    REQUIRE(tl);
    REQUIRE(out);
    if (tl->state != ITER_ON_ITEM)
        return not_on_item(__func__);
    return guarded(__func__, [&] {
        *out = tl->it.get_termfreq();
        return XC_OK;
    });
}

int xc_termlist_positionlist(const xc_termlist *tl, xc_positionlist **out)
{
    reset(out);
    REQUIRE(tl);
    REQUIRE(out);
    if (tl->state != ITER_ON_ITEM)
        return not_on_item(__func__);
    return guarded(__func__, [&] {
        xc_positionlist *positions = new xc_positionlist();
        try {
            positions->db = tl->db;
            positions->doc = tl->doc;
            positions->from_termlist = tl->it;
            positions->it = tl->it.positionlist_begin();
            positions->end = tl->it.positionlist_end();
        } catch (...) {
            delete positions;
            throw;
        }
        *out = positions;
        return XC_OK;
    });
}

void xc_termlist_free(xc_termlist *tl)
{
    delete tl;
}

/* ---------------------------------------------------------------------
 * Queries
 * --------------------------------------------------------------------- */

int xc_query_term(const char *term, xc_termcount wqf, xc_termpos pos,
                  xc_query **out)
{
    reset(out);
    REQUIRE(term);
    REQUIRE(out);
    return guarded(__func__, [&] {
        *out = new xc_query{Xapian::Query(term, wqf, pos)};
        return XC_OK;
    });
}

int xc_query_match_all(xc_query **out)
{
    reset(out);
    REQUIRE(out);
    return guarded(__func__, [&] {
        /* not a copy of the static Query::MatchAll: its reference count
         * is not atomic, so threads searching their own handles at once
         * corrupt it and free it under each other (query.h says so) */
        *out = new xc_query{Xapian::Query(std::string())};
        return XC_OK;
    });
}

int xc_query_match_nothing(xc_query **out)
{
    reset(out);
    REQUIRE(out);
    return guarded(__func__, [&] {
        *out = new xc_query{Xapian::Query::MatchNothing};
        return XC_OK;
    });
}

namespace {

/* The body of xc_query_combine and xc_query_combine2; "func" names the
 * caller in error messages. */
int combine(const char *func, xc_query_op op,
            const xc_query *const *subqueries, size_t n,
            xc_termcount parameter, xc_query **out)
{
    reset(out);
    if (out == nullptr)
        return null_argument(func, "out");
    REQUIRE_THAT(valid_op(op), "%s: unknown operator %d", func,
                 op);
    REQUIRE_THAT(parameter == 0 || uses_parameter(op),
                 "%s: parameter must be 0 for operator %d", func,
                 op);
    if (n != 0 && subqueries == nullptr)
        return null_argument(func, "subqueries");
    for (size_t i = 0; i < n; ++i)
        REQUIRE_THAT(subqueries[i] != nullptr,
                     "%s: subqueries[%zu] is NULL", func, i);
    return guarded(func, [&] {
        std::vector<Xapian::Query> parts;
        parts.reserve(n);
        for (size_t i = 0; i < n; ++i)
            parts.push_back(subqueries[i]->query);
        *out = new xc_query{
            Xapian::Query(static_cast<Xapian::Query::op>(op), parts.begin(),
                          parts.end(), parameter)};
        return XC_OK;
    });
}

} // namespace

int xc_query_combine(xc_query_op op, const xc_query *const *subqueries,
                     size_t n, xc_termcount parameter, xc_query **out)
{
    return combine(__func__, op, subqueries, n, parameter, out);
}

int xc_query_combine2(xc_query_op op, const xc_query *a, const xc_query *b,
                      xc_query **out)
{
    reset(out);
    REQUIRE(a);
    REQUIRE(b);
    const xc_query *pair[2] = {a, b};
    return combine(__func__, op, pair, 2, 0, out);
}

int xc_query_scale_weight(const xc_query *query, double factor,
                          xc_query **out)
{
    reset(out);
    REQUIRE(query);
    REQUIRE(out);
    return guarded(__func__, [&] {
        *out = new xc_query{Xapian::Query(factor, query->query)};
        return XC_OK;
    });
}

int xc_query_value_range(xc_valueno slot, const void *begin,
                         size_t begin_len, const void *end, size_t end_len,
                         xc_query **out)
{
    reset(out);
    REQUIRE(out);
    REQUIRE_THAT(begin != nullptr || end != nullptr,
                 "%s: begin and end are both NULL", __func__);
    REQUIRE_THAT(slot != XC_BAD_VALUENO, "%s: slot XC_BAD_VALUENO is reserved",
                 __func__);
    return guarded(__func__, [&] {
        Xapian::Query query;
        if (begin == nullptr)
            query = Xapian::Query(Xapian::Query::OP_VALUE_LE, slot,
                                  bytes(end, end_len));
        else if (end == nullptr)
            query = Xapian::Query(Xapian::Query::OP_VALUE_GE, slot,
                                  bytes(begin, begin_len));
        else
            query = Xapian::Query(Xapian::Query::OP_VALUE_RANGE, slot,
                                  bytes(begin, begin_len),
                                  bytes(end, end_len));
        *out = new xc_query{query};
        return XC_OK;
    });
}

int xc_query_wildcard(const char *prefix, xc_termcount max_expansion,
                      xc_wildcard_limit limit, xc_query_op combiner,
                      xc_query **out)
{
    reset(out);
    REQUIRE(prefix);
    REQUIRE(out);
    int limit_type;
    switch (limit) {
    case XC_WILDCARD_LIMIT_ERROR:
        limit_type = Xapian::Query::WILDCARD_LIMIT_ERROR;
        break;
    case XC_WILDCARD_LIMIT_FIRST:
        limit_type = Xapian::Query::WILDCARD_LIMIT_FIRST;
        break;
    case XC_WILDCARD_LIMIT_MOST_FREQUENT:
        limit_type = Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT;
        break;
    default:
        return set_error(XC_EINVAL, "%s: unknown limit mode %d", __func__,
                         limit);
    }
    REQUIRE_THAT(combiner == XC_OP_SYNONYM || combiner == XC_OP_OR ||
                     combiner == XC_OP_MAX,
                 "%s: combiner must be XC_OP_SYNONYM, XC_OP_OR or XC_OP_MAX",
                 __func__);
    /* Xapian 1.4.22 leaks the weight object of every term this mode drops
     * on each search unless the terms are combined as a synonym. */
    REQUIRE_THAT(limit != XC_WILDCARD_LIMIT_MOST_FREQUENT ||
                     combiner == XC_OP_SYNONYM,
                 "%s: XC_WILDCARD_LIMIT_MOST_FREQUENT requires XC_OP_SYNONYM "
                 "(Xapian 1.4 leaks memory with XC_OP_OR/XC_OP_MAX)",
                 __func__);
    return guarded(__func__, [&] {
        *out = new xc_query{Xapian::Query(
            Xapian::Query::OP_WILDCARD, prefix, max_expansion, limit_type,
            static_cast<Xapian::Query::op>(combiner))};
        return XC_OK;
    });
}

int xc_query_describe(const xc_query *query, char **out)
{
    reset(out);
    REQUIRE(query);
    REQUIRE(out);
    return guarded(__func__, [&] {
        *out = copy_string(query->query.get_description());
        return XC_OK;
    });
}

void xc_query_free(xc_query *query)
{
    delete query;
}

/* ---------------------------------------------------------------------
 * Enquire
 * --------------------------------------------------------------------- */

int xc_enquire_new(const xc_database *db, xc_enquire **out)
{
    reset(out);
    REQUIRE(db);
    REQUIRE(out);
    return guarded(__func__, [&] {
        *out = new xc_enquire{Xapian::Enquire(db->db)};
        return XC_OK;
    });
}

void xc_enquire_free(xc_enquire *enq)
{
    delete enq;
}

int xc_enquire_set_query(xc_enquire *enq, const xc_query *query)
{
    REQUIRE(enq);
    REQUIRE(query);
    return guarded(__func__, [&] {
        enq->enquire.set_query(query->query);
        return XC_OK;
    });
}

int xc_enquire_set_weighting_bm25(xc_enquire *enq, double k1, double k2,
                                  double k3, double b, double min_normlen)
{
    REQUIRE(enq);
    int rc = check_bm25(__func__, k1, k2, k3, b, min_normlen);
    if (rc != XC_OK)
        return rc;
    return guarded(__func__, [&] {
        enq->enquire.set_weighting_scheme(
            Xapian::BM25Weight(k1, k2, k3, b, min_normlen));
        return XC_OK;
    });
}

int xc_enquire_set_weighting_bm25plus(xc_enquire *enq, double k1, double k2,
                                      double k3, double b,
                                      double min_normlen, double delta)
{
    REQUIRE(enq);
    int rc = check_bm25(__func__, k1, k2, k3, b, min_normlen);
    if (rc != XC_OK)
        return rc;
    REQUIRE_THAT(non_negative(delta), "%s: delta must be >= 0 (got %g)",
                 __func__, delta);
    return guarded(__func__, [&] {
        enq->enquire.set_weighting_scheme(
            Xapian::BM25PlusWeight(k1, k2, k3, b, min_normlen, delta));
        return XC_OK;
    });
}

int xc_enquire_set_weighting_tfidf(xc_enquire *enq,
                                   const char *normalizations)
{
    REQUIRE(enq);
    return guarded(__func__, [&] {
        enq->enquire.set_weighting_scheme(Xapian::TfIdfWeight(
            normalizations != nullptr ? normalizations : "ntn"));
        return XC_OK;
    });
}

int xc_enquire_set_weighting_bool(xc_enquire *enq)
{
    REQUIRE(enq);
    return guarded(__func__, [&] {
        enq->enquire.set_weighting_scheme(Xapian::BoolWeight());
        return XC_OK;
    });
}

int xc_enquire_set_docid_order(xc_enquire *enq, xc_docid_order order)
{
    REQUIRE(enq);
    Xapian::Enquire::docid_order mapped;
    switch (order) {
    case XC_DOCID_ASCENDING:
        mapped = Xapian::Enquire::ASCENDING;
        break;
    case XC_DOCID_DESCENDING:
        mapped = Xapian::Enquire::DESCENDING;
        break;
    case XC_DOCID_DONT_CARE:
        mapped = Xapian::Enquire::DONT_CARE;
        break;
    default:
        return set_error(XC_EINVAL, "%s: unknown order %d", __func__,
                         order);
    }
    return guarded(__func__, [&] {
        enq->enquire.set_docid_order(mapped);
        return XC_OK;
    });
}

int xc_enquire_set_collapse_key(xc_enquire *enq, xc_valueno slot,
                                xc_doccount max_per_key)
{
    REQUIRE(enq);
    REQUIRE_THAT(slot == XC_BAD_VALUENO || max_per_key >= 1,
                 "%s: max_per_key must be >= 1", __func__);
    return guarded(__func__, [&] {
        enq->enquire.set_collapse_key(slot, slot == XC_BAD_VALUENO
                                                ? 1
                                                : max_per_key);
        return XC_OK;
    });
}

int xc_enquire_set_cutoff(xc_enquire *enq, int percent_cutoff,
                          double weight_cutoff)
{
    REQUIRE(enq);
    REQUIRE_THAT(percent_cutoff >= 0 && percent_cutoff <= 100,
                 "%s: percent_cutoff must be in 0..100 (got %d)", __func__,
                 percent_cutoff);
    REQUIRE_THAT(non_negative(weight_cutoff),
                 "%s: weight_cutoff must be >= 0 (got %g)", __func__,
                 weight_cutoff);
    return guarded(__func__, [&] {
        enq->enquire.set_cutoff(percent_cutoff, weight_cutoff);
        return XC_OK;
    });
}

int xc_enquire_set_sort(xc_enquire *enq, xc_sort sort, xc_valueno slot,
                        int reverse)
{
    REQUIRE(enq);
    REQUIRE_THAT(sort == XC_SORT_RELEVANCE || slot != XC_BAD_VALUENO,
                 "%s: value sorting needs a valid slot", __func__);
    bool descending = reverse != 0;
    switch (sort) {
    case XC_SORT_RELEVANCE:
    case XC_SORT_VALUE:
    case XC_SORT_VALUE_THEN_RELEVANCE:
    case XC_SORT_RELEVANCE_THEN_VALUE:
        break;
    default:
        return set_error(XC_EINVAL, "%s: unknown sort mode %d", __func__,
                         sort);
    }
    return guarded(__func__, [&] {
        switch (sort) {
        case XC_SORT_RELEVANCE:
            enq->enquire.set_sort_by_relevance();
            break;
        case XC_SORT_VALUE:
            enq->enquire.set_sort_by_value(slot, descending);
            break;
        case XC_SORT_VALUE_THEN_RELEVANCE:
            enq->enquire.set_sort_by_value_then_relevance(slot, descending);
            break;
        case XC_SORT_RELEVANCE_THEN_VALUE:
            enq->enquire.set_sort_by_relevance_then_value(slot, descending);
            break;
        }
        return XC_OK;
    });
}

int xc_enquire_get_mset(xc_enquire *enq, xc_doccount first,
                        xc_doccount maxitems, xc_doccount check_at_least,
                        xc_mset **out)
{
    reset(out);
    REQUIRE(enq);
    REQUIRE(out);
    return guarded(__func__, [&] {
        *out = new xc_mset{
            enq->enquire.get_mset(first, maxitems, check_at_least)};
        return XC_OK;
    });
}

int xc_enquire_matching_terms(const xc_enquire *enq, xc_docid docid,
                              xc_termlist **out)
{
    reset(out);
    REQUIRE(enq);
    REQUIRE(out);
    return guarded(__func__, [&] {
        xc_termlist *tl = new xc_termlist();
        try {
            tl->it = enq->enquire.get_matching_terms_begin(docid);
            tl->end = enq->enquire.get_matching_terms_end(docid);
        } catch (...) {
            delete tl;
            throw;
        }
        *out = tl;
        return XC_OK;
    });
}

/* ---------------------------------------------------------------------
 * MSet
 * --------------------------------------------------------------------- */

namespace {

int bad_index(const char *func, xc_doccount index, xc_doccount size) noexcept
{
    return set_error(XC_EINVAL, "%s: index %u out of range (size %u)", func,
                     index, size);
}

} // namespace

xc_doccount xc_mset_size(const xc_mset *mset)
{
    if (mset == nullptr)
        return 0;
    try {
        return mset->mset.size();
    } catch (...) {
        return 0;
    }
}

int xc_mset_get_info(const xc_mset *mset, xc_mset_info *out)
{
    if (out != nullptr)
        *out = xc_mset_info();
    REQUIRE(mset);
    REQUIRE(out);
    return guarded(__func__, [&] {
        const Xapian::MSet &m = mset->mset;
        xc_mset_info info;
        info.first = m.get_firstitem();
        info.size = m.size();
        info.matches_lower_bound = m.get_matches_lower_bound();
        info.matches_estimated = m.get_matches_estimated();
        info.matches_upper_bound = m.get_matches_upper_bound();
        info.uncollapsed_lower_bound = m.get_uncollapsed_matches_lower_bound();
        info.uncollapsed_estimated = m.get_uncollapsed_matches_estimated();
        info.uncollapsed_upper_bound = m.get_uncollapsed_matches_upper_bound();
        info.max_possible = m.get_max_possible();
        info.max_attained = m.get_max_attained();
        *out = info;
        return XC_OK;
    });
}

int xc_mset_get_item(const xc_mset *mset, xc_doccount index,
                     xc_mset_item *out)
{
    if (out != nullptr)
        *out = xc_mset_item();
    REQUIRE(mset);
    REQUIRE(out);
    const char *func = __func__;
    return guarded(func, [&] {
        if (index >= mset->mset.size())
            return bad_index(func, index, mset->mset.size());
        Xapian::MSetIterator it = mset->mset[index];
        xc_mset_item item;
        item.rank = it.get_rank();
        item.docid = *it;
        item.weight = it.get_weight();
        item.percent = it.get_percent();
        item.collapse_count = it.get_collapse_count();
        *out = item;
        return XC_OK;
    });
}

int xc_mset_get_data(const xc_mset *mset, xc_doccount index, char **out,
                     size_t *len)
{
    reset(out);
    reset(len);
    REQUIRE(mset);
    REQUIRE(out);
    REQUIRE(len);
    const char *func = __func__;
    return guarded(func, [&] {
        if (index >= mset->mset.size())
            return bad_index(func, index, mset->mset.size());
        std::string data = mset->mset[index].get_document().get_data();
        *out = copy_string(data);
        *len = data.size();
        return XC_OK;
    });
}

int xc_mset_get_value(const xc_mset *mset, xc_doccount index,
                      xc_valueno slot, char **out, size_t *len)
{
    reset(out);
    reset(len);
    REQUIRE(mset);
    REQUIRE(out);
    REQUIRE(len);
    REQUIRE_THAT(slot != XC_BAD_VALUENO, "%s: slot XC_BAD_VALUENO is reserved",
                 __func__);
    const char *func = __func__;
    return guarded(func, [&] {
        if (index >= mset->mset.size())
            return bad_index(func, index, mset->mset.size());
        std::string value = mset->mset[index].get_document().get_value(slot);
        *out = copy_string(value);
        *len = value.size();
        return XC_OK;
    });
}

int xc_mset_get_document(const xc_mset *mset, xc_doccount index,
                         xc_document **out)
{
    reset(out);
    REQUIRE(mset);
    REQUIRE(out);
    const char *func = __func__;
    return guarded(func, [&] {
        if (index >= mset->mset.size())
            return bad_index(func, index, mset->mset.size());
        *out = new xc_document{mset->mset[index].get_document()};
        return XC_OK;
    });
}

int xc_mset_fetch(const xc_mset *mset)
{
    REQUIRE(mset);
    return guarded(__func__, [&] {
        /* Xapian 1.4's MSet::fetch() passes item indices where the library
         * expects ranks, and reads items[-first] (a crash) unless the set
         * starts at rank 0.  Fetching is only a hint - every document is
         * still read correctly on demand - so it is skipped there. */
        if (mset->mset.get_firstitem() == 0)
            mset->mset.fetch();
        return XC_OK;
    });
}

void xc_mset_free(xc_mset *mset)
{
    delete mset;
}
