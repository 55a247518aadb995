/*
 * xapian_c.h - a C interface to the Xapian search engine library (1.4).
 *
 * This header is self-contained: any C11 (or C++) program can include it and
 * link against the shim object plus libxapian and the C++ runtime.  It hides
 * every C++ type behind an opaque handle and never lets a C++ exception reach
 * the caller.
 *
 * ------------------------------------------------------------------------
 * Conventions (read these once; the per-function comments rely on them)
 * ------------------------------------------------------------------------
 *
 * Status codes.  Every function that can fail returns an int status: XC_OK
 * (0) on success, a negative XC_E* code on failure.  Iterator "next" and
 * "skip_to" functions may also return XC_END (positive) when the list is
 * exhausted; that is not an error.  xc_strerror() describes any code.
 *
 * Error details.  When a function fails it records the code and a detailed,
 * human-readable message (for Xapian errors: the function name, Xapian's
 * exception class, message, context and OS error, e.g.
 * "xc_writable_open: DatabaseLockError: Unable to get write lock on /x:
 * already locked") in a slot owned by the calling thread.  Read it with
 * xc_last_error_message() / xc_last_error_code() right after the failing
 * call.  Successful calls leave the slot alone (like errno), so it is only
 * meaningful after a call has returned a negative code.  One scheme serves
 * every function, including constructors and query builders that have no
 * handle to hang a message on.
 *
 * Outputs.  Results come back through pointer parameters, the main one last
 * ("**out").  On failure pointer outputs are set to NULL and scalar outputs
 * to 0, so a caller never sees a half-made object.  Output pointers are
 * required (NULL gives XC_EINVAL) unless a comment says "may be NULL".
 *
 * Ownership.  An object returned through "**out" belongs to the caller and
 * must be released with the matching xc_*_free() function.  Every free
 * function accepts NULL.  Byte strings returned through "char **out" are
 * fresh copies: heap buffers with a terminating NUL that is not counted in
 * the returned length (so text can be used as a C string, and binary data
 * may contain NUL bytes); release them with xc_free().  Input strings and
 * buffers are copied by the shim before the call returns; the caller keeps
 * ownership of them.
 *
 * Lifetimes.  Handles may be freed in any order.  An object derived from
 * another (an enquire from a database, an iterator from a database or
 * document, an mset from an enquire, a document fetched from a database)
 * holds its own reference to what it needs, so freeing the parent first is
 * allowed.  Closing a database (xc_database_close) is different: objects
 * still using it may then fail with XC_ECLOSED or XC_EDATABASE.
 *
 * Threads.  The shim adds no locking.  A handle, and everything derived from
 * it, must be used by one thread at a time (Xapian's own rule).  Different
 * threads may use different handles concurrently.  The error slot is per
 * thread.
 *
 * Strings.  Terms, metadata keys, paths and host names are NUL-terminated
 * C strings.  Values, document data and metadata values are byte buffers
 * given as (pointer, length) and may contain NUL bytes.
 */
#ifndef XAPIAN_C_H
#define XAPIAN_C_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Marks the functions exported from the shim when it is built with
 * -fvisibility=hidden. */
#if defined(__GNUC__) && __GNUC__ >= 4
#define XC_API __attribute__((visibility("default")))
#else
#define XC_API
#endif

/* ======================================================================
 * Scalar types (the same widths as Xapian's own typedefs)
 * ====================================================================== */

typedef uint32_t xc_docid;       /* document id; 0 is never a valid id */
typedef uint32_t xc_doccount;    /* a number of documents */
typedef uint32_t xc_termcount;   /* wdf, document length, wqf */
typedef uint32_t xc_termpos;     /* a term position inside a document */
typedef uint32_t xc_valueno;     /* a value slot number */
typedef uint64_t xc_totallength; /* sum of all document lengths */

/* "No value slot": passed to xc_enquire_set_collapse_key() to turn
 * collapsing off. */
#define XC_BAD_VALUENO ((xc_valueno)0xffffffffu)

/* ======================================================================
 * Status codes
 *
 * Stable numbers; new codes may be added, existing ones never change.
 * Each Xapian exception class maps to its own code; the Xapian class
 * hierarchy is noted so callers can group them (e.g. "could not open" is
 * XC_EOPENING, XC_ENOTFOUND or XC_EVERSION).
 * ====================================================================== */

#define XC_OK             0   /* success */
#define XC_END            1   /* iterator exhausted (not an error) */

/* Raised by the shim itself. */
#define XC_EINVAL        -1   /* bad argument at the C boundary: NULL pointer,
                                 unknown flag/operator, index out of range,
                                 iterator not positioned on an item */
#define XC_ENOMEM        -2   /* std::bad_alloc, or a copy-out malloc failed */
#define XC_EUNKNOWN      -3   /* a non-Xapian C++ exception (message has
                                 what()) or an unknown exception */

/* Xapian::DatabaseError and its subclasses. */
#define XC_ELOCK        -10   /* DatabaseLockError: a writer already holds it */
#define XC_ECORRUPT     -11   /* DatabaseCorruptError */
#define XC_EVERSION     -12   /* DatabaseVersionError (an OpeningError):
                                 unsupported on-disk format version */
#define XC_ENOTFOUND    -13   /* DatabaseNotFoundError (an OpeningError):
                                 no database at that path */
#define XC_EOPENING     -14   /* DatabaseOpeningError: other failure to open */
#define XC_EMODIFIED    -15   /* DatabaseModifiedError: the revision being
                                 read was replaced; xc_database_reopen() and
                                 retry */
#define XC_ECLOSED      -16   /* DatabaseClosedError: used after close */
#define XC_ECREATE      -17   /* DatabaseCreateError: could not create, or
                                 XC_DB_CREATE on an existing database */
#define XC_EDATABASE    -18   /* DatabaseError of no more specific class
                                 (e.g. I/O errors, short reads) */

/* Xapian::RuntimeError subclasses. */
#define XC_ETIMEDOUT    -20   /* NetworkTimeoutError (a NetworkError) */
#define XC_ENETWORK     -21   /* NetworkError: connect failed, connection
                                 lost, protocol error */
#define XC_ENODOC       -22   /* DocNotFoundError: no such document id */
#define XC_EFEATURE     -23   /* FeatureUnavailableError: backend or feature
                                 not compiled into this libxapian */
#define XC_EINTERNAL    -24   /* InternalError: a Xapian bug */
#define XC_EQUERYPARSER -25   /* QueryParserError */
#define XC_ERANGE       -26   /* RangeError */
#define XC_ESERIALISE   -27   /* SerialisationError */
#define XC_EWILDCARD    -28   /* WildcardError: wildcard expanded past its
                                 limit in XC_WILDCARD_LIMIT_ERROR mode */
#define XC_ERUNTIME     -29   /* another RuntimeError subclass */

/* Xapian::LogicError subclasses: a misuse of the API. */
#define XC_EASSERT      -30   /* AssertionError (debug builds of Xapian) */
#define XC_EINVALARG    -31   /* InvalidArgumentError: Xapian rejected an
                                 argument (e.g. a bad weighting parameter) */
#define XC_EINVALOP     -32   /* InvalidOperationError: not valid now (e.g.
                                 commit inside a transaction) */
#define XC_EUNIMPL      -33   /* UnimplementedError: not supported by this
                                 backend */
#define XC_ELOGIC       -34   /* another LogicError subclass */

#define XC_EXAPIAN      -35   /* a Xapian::Error of no known class */

/* Static, never-NULL English description of a status code (XC_OK and XC_END
 * included); unknown codes give "unknown xapian_c status code". */
XC_API const char *xc_strerror(int code);

/* The code of the most recent failing xc_* call in this thread (XC_OK if
 * none has failed yet, or after xc_clear_error()). */
XC_API int xc_last_error_code(void);

/* The detailed message of the most recent failing xc_* call in this thread
 * ("" if none).  The string lives in thread-local storage: valid until the
 * next failing xc_* call in the same thread; copy it to keep it.  Messages
 * longer than 1023 bytes are truncated. */
XC_API const char *xc_last_error_message(void);

/* Resets this thread's error slot to XC_OK and "". */
XC_API void xc_clear_error(void);

/* Xapian's library version string, e.g. "1.4.22" (static storage).  This is
 * the version of the libxapian actually linked, not of the headers. */
XC_API const char *xc_version(void);

/* Releases a buffer returned by the shim through a "char **out" parameter.
 * NULL is ignored. */
XC_API void xc_free(void *ptr);

/* ======================================================================
 * Opaque handles
 * ====================================================================== */

typedef struct xc_database xc_database;         /* read-only database: local,
                                                   remote or several shards */
typedef struct xc_writable xc_writable;         /* writable database */
typedef struct xc_document xc_document;         /* a document */
typedef struct xc_query xc_query;               /* immutable query tree node */
typedef struct xc_enquire xc_enquire;           /* a search session */
typedef struct xc_mset xc_mset;                 /* a page of ranked results */
typedef struct xc_postlist xc_postlist;         /* documents of a term */
typedef struct xc_positionlist xc_positionlist; /* positions of a term in a
                                                   document */
typedef struct xc_termlist xc_termlist;         /* a sorted list of terms */

/* ======================================================================
 * Read-only databases
 *
 * An xc_database is a list of zero or more shards searched as one: document
 * ids are interleaved (shard i of n, local id d => global id (d-1)*n+i+1)
 * and statistics (document count, lengths, term frequencies) are global,
 * so weights equal those of one database holding all the documents.
 * A database sees the revision current when it was opened (or last
 * reopened), even if a writer commits later.
 * ====================================================================== */

/* Opens the local database at "path" (a glass or chert database directory,
 * or a stub file) read-only.
 * Errors: XC_ENOTFOUND (nothing there), XC_EOPENING, XC_EVERSION,
 * XC_ECORRUPT, XC_EDATABASE, XC_EINVAL. */
XC_API int xc_database_open(const char *path, xc_database **out);

/* Checks the local database at "path" as xapian-check does
 * (Xapian::Database::check): the structure of every table.  *errors gets
 * the number of problems found (0: the database is sound), *report a new
 * NUL-terminated copy of the checker's output, one line per table summary
 * or problem (free with xc_free()).
 * Errors: XC_ECORRUPT (a table too damaged to check), XC_ENOTFOUND,
 * XC_EOPENING, XC_EVERSION, XC_EDATABASE, XC_EINVAL. */
XC_API int xc_database_check(const char *path, size_t *errors,
                             char **report);

/* Opens a read-only connection to a database served by xapian-tcpsrv at
 * host:port.  "timeout_ms" bounds each operation on the connection and
 * the wait for the server's greeting (Xapian 1.4 reads it under the
 * operation timeout: a port that accepts but never answers, such as an
 * HTTP server's, takes timeout_ms to fail), "connect_timeout_ms" bounds
 * the TCP connect alone; 0 means wait forever (not recommended).
 * Exceeding a timeout gives XC_ETIMEDOUT; a refused or lost connection
 * gives XC_ENETWORK.  The connection stays
 * open until the database is freed or closed; a failed connection does not
 * reconnect - open a new handle.
 * Errors: XC_ETIMEDOUT, XC_ENETWORK, XC_EOPENING (the server could not open
 * its database), XC_EINVAL. */
XC_API int xc_database_open_remote(const char *host, unsigned port,
                                   unsigned timeout_ms,
                                   unsigned connect_timeout_ms,
                                   xc_database **out);

/* Creates a database with no shards, to be filled with xc_database_add_*.
 * Until a shard is added its statistics are all 0 and xc_enquire_new()
 * rejects it (XC_EINVALARG). */
XC_API int xc_database_new(xc_database **out);

/* Opens the local database at "path" and appends it as a shard of "db".
 * Errors as for xc_database_open(); "db" is unchanged on failure. */
XC_API int xc_database_add_local(xc_database *db, const char *path);

/* Connects to xapian-tcpsrv at host:port (as xc_database_open_remote) and
 * appends that database as a shard of "db".  "db" is unchanged on failure. */
XC_API int xc_database_add_remote(xc_database *db, const char *host,
                                  unsigned port, unsigned timeout_ms,
                                  unsigned connect_timeout_ms);

/* Appends every shard of "other" to "db".  The shards are shared (reference
 * counted): "other" stays valid and may be freed independently. */
XC_API int xc_database_add_database(xc_database *db, const xc_database *other);

/* Sets *out to the number of shards in "db". */
XC_API int xc_database_shard_count(const xc_database *db, size_t *out);

/* Moves "db" to the latest committed revision of every shard.  Also the
 * cure for XC_EMODIFIED.  *changed (may be NULL) is set to 1 if the
 * database may have changed, 0 if it certainly did not.
 * Errors: XC_ECLOSED after xc_database_close(), XC_ENETWORK, ... */
XC_API int xc_database_reopen(xc_database *db, int *changed);

/* Closes the database's files and connections now, instead of when the
 * last handle using it is freed.  Cannot be undone: later calls on "db"
 * or on objects derived from it may fail with XC_ECLOSED (or XC_EDATABASE).
 * Closing twice is harmless.  The handle must still be freed. */
XC_API int xc_database_close(xc_database *db);

/* Sends a no-op to remote shards so the server's idle timeout does not
 * drop the connection; does nothing for local shards. */
XC_API int xc_database_keep_alive(xc_database *db);

/* Frees the handle (closing files once nothing else uses them).  NULL is
 * ignored. */
XC_API void xc_database_free(xc_database *db);

/* ---- statistics (over all shards) ---- */

/* Number of documents. */
XC_API int xc_database_doccount(const xc_database *db, xc_doccount *out);

/* Highest document id ever used (deleted documents included). */
XC_API int xc_database_lastdocid(const xc_database *db, xc_docid *out);

/* Average document length (sum of wdf over terms), 0.0 if empty. */
XC_API int xc_database_average_length(const xc_database *db, double *out);

/* Sum of the lengths of all documents. */
XC_API int xc_database_total_length(const xc_database *db,
                                    xc_totallength *out);

/* Number of documents indexed by "term" (0 if the term does not occur).
 * A cheap way to test whether a unique id term is present. */
XC_API int xc_database_termfreq(const xc_database *db, const char *term,
                                xc_doccount *out);

/* Sets *out to 1 if "term" indexes any document, else 0. */
XC_API int xc_database_term_exists(const xc_database *db, const char *term,
                                   int *out);

/* Total number of occurrences of "term" (sum of its wdf over documents). */
XC_API int xc_database_collection_freq(const xc_database *db,
                                       const char *term, xc_termcount *out);

/* Upper bound on the wdf of "term" in any one document. */
XC_API int xc_database_wdf_upper_bound(const xc_database *db,
                                       const char *term, xc_termcount *out);

/* Length of document "docid".  Errors: XC_ENODOC. */
XC_API int xc_database_doclength(const xc_database *db, xc_docid docid,
                                 xc_termcount *out);

/* Number of distinct terms in document "docid".  Errors: XC_ENODOC. */
XC_API int xc_database_unique_terms(const xc_database *db, xc_docid docid,
                                    xc_termcount *out);

/* Lower and upper bounds on the length of any non-empty document. */
XC_API int xc_database_doclength_bounds(const xc_database *db,
                                        xc_termcount *lower,
                                        xc_termcount *upper);

/* Sets *out to 1 if any document has positional information, else 0. */
XC_API int xc_database_has_positions(const xc_database *db, int *out);

/* Copies the user metadata stored under "key" (a non-empty string) to a
 * new buffer *out of *len bytes (free with xc_free).  A missing key gives
 * an empty buffer, not an error.  With several shards, the first shard's
 * value is returned.  Errors: XC_EINVALARG (empty key). */
XC_API int xc_database_get_metadata(const xc_database *db, const char *key,
                                    char **out, size_t *len);

/* The database's UUID as a new NUL-terminated string (free with xc_free);
 * empty if the backend has none.  For several shards, their UUIDs joined
 * with ':'. */
XC_API int xc_database_uuid(const xc_database *db, char **out);

/* Fetches document "docid" (a lazy handle: data, values and terms are read
 * when asked for).  Errors: XC_ENODOC. */
XC_API int xc_database_get_document(const xc_database *db, xc_docid docid,
                                    xc_document **out);

/* ---- iteration (see the iterator section for how to walk them) ---- */

/* Documents indexed by "term", in ascending docid order, with wdf and
 * document length.  An empty term ("") lists every document.  A term that
 * does not occur gives an empty list. */
XC_API int xc_database_postlist(const xc_database *db, const char *term,
                                xc_postlist **out);

/* Positions of "term" in document "docid", ascending.  Empty if the term
 * is not in the document or has no positions. */
XC_API int xc_database_positionlist(const xc_database *db, xc_docid docid,
                                    const char *term, xc_positionlist **out);

/* Terms of document "docid" in byte order, with wdf and termfreq.
 * Errors: XC_ENODOC; XC_EFEATURE for a database created with
 * XC_DB_NO_TERMLIST. */
XC_API int xc_database_termlist(const xc_database *db, xc_docid docid,
                                xc_termlist **out);

/* All terms starting with "prefix" ("" for every term) in byte order, with
 * termfreq.  Use it for wildcard expansion or vocabulary dumps. */
XC_API int xc_database_allterms(const xc_database *db, const char *prefix,
                                xc_termlist **out);

/* User metadata keys starting with "prefix" ("" for all), in byte order.
 * Only the term is meaningful for this list. */
XC_API int xc_database_metadata_keys(const xc_database *db,
                                     const char *prefix, xc_termlist **out);

/* ======================================================================
 * Writable databases
 *
 * Changes are buffered and become visible to readers (and durable) at
 * xc_writable_commit(), at a transaction commit, or when Xapian flushes on
 * its own (every 10000 changes by default, see XAPIAN_FLUSH_THRESHOLD).
 * Only one writer may hold a database at a time (XC_ELOCK otherwise).
 * ====================================================================== */

/* Flags for xc_writable_open(): exactly one action ... */
#define XC_DB_CREATE_OR_OPEN      0x00 /* open, or create if missing */
#define XC_DB_CREATE_OR_OVERWRITE 0x01 /* create, replacing any existing one */
#define XC_DB_CREATE              0x02 /* create; XC_ECREATE if it exists */
#define XC_DB_OPEN                0x03 /* open; XC_ENOTFOUND if missing */
/* ... plus any of these ... */
#define XC_DB_NO_SYNC             0x04 /* don't fsync on commit (fast, not
                                          crash safe) */
#define XC_DB_FULL_SYNC           0x08 /* use F_FULLFSYNC where available */
#define XC_DB_DANGEROUS           0x10 /* update in place: no readers may be
                                          open, a crash can corrupt it */
#define XC_DB_NO_TERMLIST         0x20 /* don't store per-document termlists
                                          (new databases only) */
#define XC_DB_RETRY_LOCK          0x40 /* wait for the lock instead of
                                          failing with XC_ELOCK */
/* ... plus at most one backend (for new databases; default glass). */
#define XC_DB_BACKEND_GLASS       0x100
#define XC_DB_BACKEND_INMEMORY    0x400 /* in memory, "path" is ignored, gone
                                           when the last handle is freed */

/* Opens or creates the database at "path" for writing, as "flags" says.
 * Errors: XC_ELOCK (another writer, message names the lock), XC_ECREATE,
 * XC_ENOTFOUND, XC_EOPENING, XC_EVERSION, XC_ECORRUPT, XC_EDATABASE,
 * XC_EINVAL (unknown flag bits). */
XC_API int xc_writable_open(const char *path, int flags, xc_writable **out);

/* Opens a writable connection to "xapian-tcpsrv --writable" at host:port.
 * Timeouts as for xc_database_open_remote (0 = none); "flags" is 0 or
 * XC_DB_RETRY_LOCK. */
XC_API int xc_writable_open_remote(const char *host, unsigned port,
                                   unsigned timeout_ms,
                                   unsigned connect_timeout_ms, int flags,
                                   xc_writable **out);

/* A read-only handle onto the same open database (not a snapshot): it sees
 * this writer's uncommitted changes, and remains usable after the writer
 * handle is freed.  Use it for statistics, iteration and search while
 * indexing. */
XC_API int xc_writable_as_database(const xc_writable *wdb, xc_database **out);

/* Makes all pending changes durable and visible to readers that reopen.
 * Errors: XC_EINVALOP inside a transaction, XC_EDATABASE, ... */
XC_API int xc_writable_commit(xc_writable *wdb);

/* Starts a transaction: the changes until xc_writable_commit_transaction()
 * are applied all or nothing.  If "flushed" is non-zero, pending changes are
 * committed first and the transaction is committed to disk on its own
 * (recommended); if 0 its changes join the normal pending batch.
 * Errors: XC_EUNIMPL (remote/inmemory limits), XC_EINVALOP (nested). */
XC_API int xc_writable_begin_transaction(xc_writable *wdb, int flushed);

/* Ends the current transaction, keeping its changes.
 * Errors: XC_EINVALOP when no transaction is active. */
XC_API int xc_writable_commit_transaction(xc_writable *wdb);

/* Ends the current transaction, discarding its changes.
 * Errors: XC_EINVALOP when no transaction is active. */
XC_API int xc_writable_cancel_transaction(xc_writable *wdb);

/* Adds "doc" (copied; "doc" stays the caller's) and sets *docid (may be
 * NULL) to its new id, one more than the last id used. */
XC_API int xc_writable_add_document(xc_writable *wdb, const xc_document *doc,
                                    xc_docid *docid);

/* Stores "doc" as document "docid", replacing it if it exists. */
XC_API int xc_writable_replace_document(xc_writable *wdb, xc_docid docid,
                                        const xc_document *doc);

/* The "upsert by unique id" operation: if documents are indexed by
 * "unique_term", the first is replaced by "doc" and any others deleted;
 * otherwise "doc" is added.  *docid (may be NULL) receives the id used.
 * "doc" should itself contain "unique_term" (usually as a boolean term) so
 * that the next replace or delete finds it. */
XC_API int xc_writable_replace_document_by_term(xc_writable *wdb,
                                                const char *unique_term,
                                                const xc_document *doc,
                                                xc_docid *docid);

/* Deletes document "docid".  Errors: XC_ENODOC. */
XC_API int xc_writable_delete_document(xc_writable *wdb, xc_docid docid);

/* Deletes every document indexed by "term" (none is not an error). */
XC_API int xc_writable_delete_document_by_term(xc_writable *wdb,
                                               const char *term);

/* Stores "len" bytes at "value" as user metadata under "key" (non-empty).
 * An empty value deletes the key.  Committed with the next commit.
 * "value" may be NULL when "len" is 0. */
XC_API int xc_writable_set_metadata(xc_writable *wdb, const char *key,
                                    const void *value, size_t len);

/* Commits pending changes (or cancels an open transaction), releases the
 * lock and closes the files.  Returns the commit's error, if any.  The
 * handle must still be freed; later calls on it fail with XC_ECLOSED. */
XC_API int xc_writable_close(xc_writable *wdb);

/* Frees the handle.  If it was not closed and nothing else (e.g. a handle
 * from xc_writable_as_database) still uses the database, pending changes
 * are committed and the lock released; an error in that implicit commit is
 * silently lost, so call xc_writable_commit() or xc_writable_close() first
 * if you need to know.  NULL is ignored. */
XC_API void xc_writable_free(xc_writable *wdb);

/* ======================================================================
 * Documents
 *
 * A document is a bag of terms (each with a wdf and optional positions),
 * numbered value slots (byte strings used for sorting, ranges, collapsing)
 * and one opaque data blob (e.g. the stored passage).  A document fetched
 * from a database may be modified and written back; modifying it does not
 * change the database until then.
 * ====================================================================== */

/* Creates an empty document. */
XC_API int xc_document_new(xc_document **out);

/* Frees the document.  NULL is ignored. */
XC_API void xc_document_free(xc_document *doc);

/* Adds "wdf_inc" to the wdf of "term" (adding the term if new) without
 * positional information.  Errors: XC_EINVALARG for an empty term. */
XC_API int xc_document_add_term(xc_document *doc, const char *term,
                                xc_termcount wdf_inc);

/* Records that "term" occurs at position "pos" and adds "wdf_inc" (usually
 * 1) to its wdf.  Errors: XC_EINVALARG for an empty term. */
XC_API int xc_document_add_posting(xc_document *doc, const char *term,
                                   xc_termpos pos, xc_termcount wdf_inc);

/* Adds "term" with wdf 0: it filters but does not add to the weight or the
 * document length.  Use it for unique ids, categories, etc. */
XC_API int xc_document_add_boolean_term(xc_document *doc, const char *term);

/* Removes "term" and its positions.
 * Errors: XC_EINVALARG if the term is not in the document. */
XC_API int xc_document_remove_term(xc_document *doc, const char *term);

/* Removes every term and position. */
XC_API int xc_document_clear_terms(xc_document *doc);

/* Sets value slot "slot" to "len" bytes at "value" (copied); an empty value
 * removes the slot.  "value" may be NULL when "len" is 0.  Slot
 * XC_BAD_VALUENO is reserved (XC_EINVAL). */
XC_API int xc_document_set_value(xc_document *doc, xc_valueno slot,
                                 const void *value, size_t len);

/* Copies value slot "slot" to a new buffer *out of *len bytes (free with
 * xc_free); an unset slot gives an empty buffer. */
XC_API int xc_document_get_value(const xc_document *doc, xc_valueno slot,
                                 char **out, size_t *len);

/* Sets the data blob to "len" bytes at "data" (copied; may contain NULs).
 * "data" may be NULL when "len" is 0. */
XC_API int xc_document_set_data(xc_document *doc, const void *data,
                                size_t len);

/* Copies the data blob to a new buffer *out of *len bytes (free with
 * xc_free). */
XC_API int xc_document_get_data(const xc_document *doc, char **out,
                                size_t *len);

/* The id of the document in the database it came from; 0 for a document
 * made with xc_document_new(). */
XC_API int xc_document_get_docid(const xc_document *doc, xc_docid *out);

/* The document's terms in byte order, with wdf (and positions).  The list
 * is independent of later changes to "doc" only once it has been fully
 * read; do not modify "doc" while iterating. */
XC_API int xc_document_termlist(const xc_document *doc, xc_termlist **out);

/* ======================================================================
 * Iterators
 *
 * All iterators start *before* their first item.  Call *_next() to move to
 * the first item, then to each following one; it returns XC_OK when it is
 * on an item, XC_END once the list is exhausted (and on every later call),
 * or a negative error.  *_skip_to() moves forward to the first item >= the
 * target (from the start if next() was not called yet), returning XC_OK or
 * XC_END; it never moves backwards.  The accessors (wdf, doclength, ...)
 * require the iterator to be on an item, else XC_EINVAL.
 *
 *     xc_docid did;
 *     int rc;
 *     while ((rc = xc_postlist_next(pl, &did)) == XC_OK) { ... }
 *     if (rc != XC_END) { ... error ... }
 * ====================================================================== */

/* Moves to the next document; *docid (may be NULL) gets its id, 0 at the
 * end. */
XC_API int xc_postlist_next(xc_postlist *pl, xc_docid *docid);

/* Moves to the first document with id >= "target"; *docid (may be NULL)
 * gets its id, 0 at the end. */
XC_API int xc_postlist_skip_to(xc_postlist *pl, xc_docid target,
                               xc_docid *docid);

/* The current document's id. */
XC_API int xc_postlist_docid(const xc_postlist *pl, xc_docid *out);

/* The wdf of the term in the current document. */
XC_API int xc_postlist_wdf(const xc_postlist *pl, xc_termcount *out);

/* The length of the current document. */
XC_API int xc_postlist_doclength(const xc_postlist *pl, xc_termcount *out);

/* The positions of the term in the current document, as a new, independent
 * list (cheaper than xc_database_positionlist when walking postings). */
XC_API int xc_postlist_positionlist(const xc_postlist *pl,
                                    xc_positionlist **out);

/* Frees the iterator.  NULL is ignored. */
XC_API void xc_postlist_free(xc_postlist *pl);

/* Moves to the next position; *pos (may be NULL) gets it, 0 at the end. */
XC_API int xc_positionlist_next(xc_positionlist *pl, xc_termpos *pos);

/* Moves to the first position >= "target"; *pos (may be NULL) gets it, 0 at
 * the end. */
XC_API int xc_positionlist_skip_to(xc_positionlist *pl, xc_termpos target,
                                   xc_termpos *pos);

/* Frees the iterator.  NULL is ignored. */
XC_API void xc_positionlist_free(xc_positionlist *pl);

/* Moves to the next term.  *term and *len (each may be NULL) get the term,
 * borrowed: valid until the iterator moves or is freed (NULL/0 at the
 * end). */
XC_API int xc_termlist_next(xc_termlist *tl, const char **term, size_t *len);

/* Moves to the first term >= "target" in byte order; *term and *len as for
 * xc_termlist_next(). */
XC_API int xc_termlist_skip_to(xc_termlist *tl, const char *target,
                               const char **term, size_t *len);

/* The current term (borrowed, as above). */
XC_API int xc_termlist_term(const xc_termlist *tl, const char **term,
                            size_t *len);

/* The wdf of the current term in the document (document termlists only;
 * XC_EINVALOP or similar for allterms and metadata key lists). */
XC_API int xc_termlist_wdf(const xc_termlist *tl, xc_termcount *out);

/* The number of documents the current term indexes (database termlists
 * and allterms; XC_EINVALOP or similar for lists without statistics). */
XC_API int xc_termlist_termfreq(const xc_termlist *tl, xc_doccount *out);

/* The positions of the current term in the document (document termlists
 * only), as a new, independent list. */
XC_API int xc_termlist_positionlist(const xc_termlist *tl,
                                    xc_positionlist **out);

/* Frees the iterator.  NULL is ignored. */
XC_API void xc_termlist_free(xc_termlist *tl);

/* ======================================================================
 * Queries
 *
 * A query is an immutable tree.  Every constructor returns a new handle
 * the caller must free; composing functions never consume or change their
 * inputs (Xapian shares subtrees by reference count), so one subquery may
 * be used in several parents and freed whenever convenient.
 * ====================================================================== */

/* Operators for xc_query_combine().  The parameter types below are ints,
 * not enums, so that any value a C caller passes is well defined on the C++
 * side (and rejected with XC_EINVAL if unknown). */
typedef int xc_query_op;
enum {
    XC_OP_AND = 0,        /* all subqueries match; weights add */
    XC_OP_OR = 1,         /* any subquery matches; weights add */
    XC_OP_AND_NOT = 2,    /* first matches, none of the rest do; weight of
                             the first */
    XC_OP_XOR = 3,        /* an odd number of subqueries match */
    XC_OP_AND_MAYBE = 4,  /* first matches; the rest only add weight */
    XC_OP_FILTER = 5,     /* like AND, weight only from the first */
    XC_OP_NEAR = 6,       /* all terms within "parameter" positions, in any
                             order (terms, or ORs of terms, only) */
    XC_OP_PHRASE = 7,     /* terms in order within "parameter" positions
                             (terms, or ORs of terms, only) */
    XC_OP_ELITE_SET = 10, /* OR of the "parameter" best subqueries */
    XC_OP_SYNONYM = 13,   /* OR weighted as if one term */
    XC_OP_MAX = 14        /* OR taking the maximum subquery weight */
};

/* How xc_query_wildcard() enforces "max_expansion". */
typedef int xc_wildcard_limit;
enum {
    XC_WILDCARD_LIMIT_ERROR = 0,        /* the search fails with
                                           XC_EWILDCARD */
    XC_WILDCARD_LIMIT_FIRST = 1,        /* first terms in byte order */
    XC_WILDCARD_LIMIT_MOST_FREQUENT = 2 /* most frequent terms */
};

/* A query for one term.  "wqf" is its within-query frequency (usually 1,
 * used by BM25's k3), "pos" its position in the query (1, 2, ... or 0 for
 * none; not used for matching, but xc_enquire_matching_terms() orders by
 * it).  An empty term matches every document (like xc_query_match_all). */
XC_API int xc_query_term(const char *term, xc_termcount wqf, xc_termpos pos,
                         xc_query **out);

/* A query matching every document, with weight 0. */
XC_API int xc_query_match_all(xc_query **out);

/* A query matching no document.  As a subquery it acts like "false". */
XC_API int xc_query_match_nothing(xc_query **out);

/* Combines the "n" queries in "subqueries" with "op".  "parameter" is the
 * window size for XC_OP_NEAR and XC_OP_PHRASE (0: the number of
 * subqueries), the set size for XC_OP_ELITE_SET (0: Xapian's default), and
 * must be 0 for the other operators.  n == 0 gives a query matching
 * nothing ("subqueries" may then be NULL).
 * Errors: XC_EINVAL (unknown op, NULL array or element, non-zero parameter
 * where unused), XC_EUNIMPL (NEAR/PHRASE over something other than terms
 * or ORs of terms), XC_EINVALARG (other combinations Xapian rejects). */
XC_API int xc_query_combine(xc_query_op op, const xc_query *const *subqueries,
                            size_t n, xc_termcount parameter,
                            xc_query **out);

/* The same as xc_query_combine() for two subqueries. */
XC_API int xc_query_combine2(xc_query_op op, const xc_query *a,
                             const xc_query *b, xc_query **out);

/* "query" with every weight multiplied by "factor" (>= 0; 0 makes it a
 * pure filter).  Errors: XC_EINVALARG for a negative factor. */
XC_API int xc_query_scale_weight(const xc_query *query, double factor,
                                 xc_query **out);

/* Documents whose value in "slot" lies in [begin, end], comparing bytes
 * (so encode numbers sortably).  Pass begin == NULL for no lower bound, or
 * end == NULL for no upper bound (not both: XC_EINVAL).  Weight 0. */
XC_API int xc_query_value_range(xc_valueno slot, const void *begin,
                                size_t begin_len, const void *end,
                                size_t end_len, xc_query **out);

/* Matches the terms starting with "prefix" (which may be empty: every
 * term), expanded when the search runs.  "max_expansion" limits the number
 * of terms (0 = no limit; applied per shard), enforced as "limit" says.
 * "combiner" is XC_OP_SYNONYM (recommended: weighted as one term),
 * XC_OP_OR or XC_OP_MAX.
 * Errors: XC_EINVAL for XC_WILDCARD_LIMIT_MOST_FREQUENT with a combiner
 * other than XC_OP_SYNONYM (Xapian 1.4.22 leaks memory on every search
 * with that combination). */
XC_API int xc_query_wildcard(const char *prefix, xc_termcount max_expansion,
                             xc_wildcard_limit limit, xc_query_op combiner,
                             xc_query **out);

/* A readable description of the tree, e.g. "Query((a OR b))", as a new
 * NUL-terminated string (free with xc_free).  For debugging only: the
 * format is Xapian's and may change. */
XC_API int xc_query_describe(const xc_query *query, char **out);

/* Frees the handle (subtrees shared with other queries stay alive).  NULL
 * is ignored. */
XC_API void xc_query_free(xc_query *query);

/* ======================================================================
 * Enquire: running searches
 * ====================================================================== */

/* Default BM25 parameters (Xapian's defaults). */
#define XC_BM25_DEFAULT_K1 1.0
#define XC_BM25_DEFAULT_K2 0.0
#define XC_BM25_DEFAULT_K3 1.0
#define XC_BM25_DEFAULT_B 0.5
#define XC_BM25_DEFAULT_MIN_NORMLEN 0.5

/* Order of documents of equal rank (equal weight when ranking by
 * relevance; all documents with boolean weighting). */
typedef int xc_docid_order;
enum {
    XC_DOCID_ASCENDING = 0, /* lower ids first (default) */
    XC_DOCID_DESCENDING = 1,
    XC_DOCID_DONT_CARE = 2  /* whatever is fastest */
};

/* Result ordering for xc_enquire_set_sort(). */
typedef int xc_sort;
enum {
    XC_SORT_RELEVANCE = 0,            /* by weight (default); slot ignored */
    XC_SORT_VALUE = 1,                /* by value slot only */
    XC_SORT_VALUE_THEN_RELEVANCE = 2, /* by value, ties by weight */
    XC_SORT_RELEVANCE_THEN_VALUE = 3  /* by weight, ties by value */
};

/* Creates a search session over "db" (which it keeps alive).  Defaults:
 * no query (matches nothing), BM25 with default parameters, ascending
 * docid order, no collapsing, no cutoff, ranking by relevance.
 * Errors: XC_EINVALARG if "db" has no shards. */
XC_API int xc_enquire_new(const xc_database *db, xc_enquire **out);

/* Frees the session.  MSets already returned stay valid.  NULL is
 * ignored. */
XC_API void xc_enquire_free(xc_enquire *enq);

/* Sets the query to run ("query" is shared, not consumed: the caller still
 * frees its handle). */
XC_API int xc_enquire_set_query(xc_enquire *enq, const xc_query *query);

/* Ranks with BM25.  k1 scales the effect of wdf (0 = boolean-like),
 * k2 weights a document-length correction (usually 0), k3 the effect of
 * wqf, b in [0,1] the document length normalisation, min_normlen the floor
 * on the normalised length (document length / average length).
 * Errors: XC_EINVAL for a negative or NaN parameter or b outside [0,1]
 * (Xapian itself would silently clamp them). */
XC_API int xc_enquire_set_weighting_bm25(xc_enquire *enq, double k1,
                                         double k2, double k3, double b,
                                         double min_normlen);

/* Ranks with BM25+ (BM25 plus a lower bound "delta" on each matching
 * term's contribution; Xapian's defaults are the BM25 ones and delta 1).
 * Errors: as for xc_enquire_set_weighting_bm25, also for delta. */
XC_API int xc_enquire_set_weighting_bm25plus(xc_enquire *enq, double k1,
                                             double k2, double k3, double b,
                                             double min_normlen,
                                             double delta);

/* Ranks with TF-IDF.  "normalizations" is Xapian's three-letter SMART code
 * (wdf, idf, weight), e.g. "ntn" (the default when NULL): see
 * Xapian::TfIdfWeight.  Errors: XC_EINVALARG for an unknown code. */
XC_API int xc_enquire_set_weighting_tfidf(xc_enquire *enq,
                                          const char *normalizations);

/* Boolean retrieval: every match has weight 0 and comes in docid order
 * (see xc_enquire_set_docid_order). */
XC_API int xc_enquire_set_weighting_bool(xc_enquire *enq);

/* Sets how documents of equal rank are ordered. */
XC_API int xc_enquire_set_docid_order(xc_enquire *enq, xc_docid_order order);

/* Keeps at most "max_per_key" (>= 1) results with the same value in "slot"
 * (e.g. at most N passages per article); the others are counted in each
 * kept item's collapse_count.  Documents with an empty value in "slot" are
 * never collapsed.  slot == XC_BAD_VALUENO turns collapsing off. */
XC_API int xc_enquire_set_collapse_key(xc_enquire *enq, xc_valueno slot,
                                       xc_doccount max_per_key);

/* Drops results below "percent_cutoff" percent (0..100, 0 = off) or below
 * "weight_cutoff" (0 = off). */
XC_API int xc_enquire_set_cutoff(xc_enquire *enq, int percent_cutoff,
                                 double weight_cutoff);

/* Sets the result ordering; "slot" is the value slot for the value-based
 * modes and "reverse" (non-zero) makes value order descending. */
XC_API int xc_enquire_set_sort(xc_enquire *enq, xc_sort sort, xc_valueno slot,
                               int reverse);

/* Runs the query and returns results "first" .. first+maxitems-1 of the
 * ranking.  "check_at_least" makes the matcher look at no fewer than this
 * many matches (for exact counts and paging; 0 is fastest).
 * Errors: XC_EWILDCARD, XC_EMODIFIED (reopen and retry), XC_ECORRUPT,
 * XC_ECLOSED, XC_ENETWORK, XC_ETIMEDOUT, XC_EINVALARG (e.g. a bad TF-IDF
 * code), ... */
XC_API int xc_enquire_get_mset(xc_enquire *enq, xc_doccount first,
                               xc_doccount maxitems,
                               xc_doccount check_at_least, xc_mset **out);

/* The terms of the current query that index document "docid", without
 * duplicates, ordered by their query positions (see xc_query_term); terms
 * without positions come in byte order.  Only the term is meaningful for
 * this list. */
XC_API int xc_enquire_matching_terms(const xc_enquire *enq, xc_docid docid,
                                     xc_termlist **out);

/* ======================================================================
 * MSet: one page of results
 *
 * Independent of the enquire that made it (which may be freed first).
 * Reading data, values or documents goes to the database (or the remote
 * server) on demand; xc_mset_fetch() batches that.
 * ====================================================================== */

/* Counts and weight bounds of a result set. */
typedef struct xc_mset_info {
    xc_doccount first;                   /* rank of item 0 */
    xc_doccount size;                    /* items in this page */
    xc_doccount matches_lower_bound;     /* total matches, after collapsing */
    xc_doccount matches_estimated;
    xc_doccount matches_upper_bound;
    xc_doccount uncollapsed_lower_bound; /* total matches, before collapsing */
    xc_doccount uncollapsed_estimated;
    xc_doccount uncollapsed_upper_bound;
    double max_possible;                 /* highest weight any document could
                                            get */
    double max_attained;                 /* highest weight actually seen */
} xc_mset_info;

/* One result. */
typedef struct xc_mset_item {
    xc_doccount rank;           /* 0-based rank in the whole ranking */
    xc_docid docid;
    double weight;
    int percent;                /* 0..100, relative to the best match */
    xc_doccount collapse_count; /* lower bound on the documents collapsed
                                   into this one (0 without collapsing) */
} xc_mset_item;

/* The number of items in the page (0 for NULL). */
XC_API xc_doccount xc_mset_size(const xc_mset *mset);

/* Fills *out with the set's counts and bounds. */
XC_API int xc_mset_get_info(const xc_mset *mset, xc_mset_info *out);

/* Fills *out with item "index" (0 .. size-1; else XC_EINVAL). */
XC_API int xc_mset_get_item(const xc_mset *mset, xc_doccount index,
                            xc_mset_item *out);

/* Copies item "index"'s document data to a new buffer *out of *len bytes
 * (free with xc_free). */
XC_API int xc_mset_get_data(const xc_mset *mset, xc_doccount index,
                            char **out, size_t *len);

/* Copies value slot "slot" of item "index"'s document to a new buffer *out
 * of *len bytes (free with xc_free); empty if unset. */
XC_API int xc_mset_get_value(const xc_mset *mset, xc_doccount index,
                             xc_valueno slot, char **out, size_t *len);

/* Item "index"'s document as a new handle. */
XC_API int xc_mset_get_document(const xc_mset *mset, xc_doccount index,
                                xc_document **out);

/* Prefetches the documents of every item (one round trip for remote
 * shards).  Optional: documents are fetched on demand anyway.  Only acts
 * on a set that starts at rank 0 (first == 0 in xc_enquire_get_mset);
 * otherwise it does nothing, because Xapian 1.4's MSet::fetch() reads out
 * of bounds there. */
XC_API int xc_mset_fetch(const xc_mset *mset);

/* Frees the result set.  NULL is ignored. */
XC_API void xc_mset_free(xc_mset *mset);

#ifdef __cplusplus
}
#endif

#endif /* XAPIAN_C_H */
