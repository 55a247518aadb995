/*
 * xapian_backend.h -- the Xapian backend behind libcari's public API
 * (internal).  Implemented in xapian_backend.c over the C shim
 * (include/xapian_c.h) when libxapian is available, and by xapian_none.c
 * (every call: CARI_EUNSUPPORTED) when it is not.
 *
 * The index, writer and search entry points in index.c and search.c hand
 * over to these functions when an index directory holds a Xapian database
 * (or a writer is asked for backend "xapian").  Analysis is cari's own
 * (the analyzer passed in): Xapian stores cari's terms and positions.
 */
#ifndef CARI_XAPIAN_BACKEND_H
#define CARI_XAPIAN_BACKEND_H

#include <stddef.h>

#include "cari.h"
#include "hits.h"
#include "query.h"

typedef struct cari_xapian_writer cari_xapian_writer;
typedef struct cari_xapian_index cari_xapian_index;

/* 1 when this libcari was built with Xapian. */
int cari_xapian_available(void);

/* 1 when dir holds a cari index on the Xapian backend. */
int cari_xapian_is_index(const char *dir);

int cari_xapian_writer_open(const char *dir, const cari_writer_options *o,
                            cari_analyzer *an, cari_xapian_writer **out,
                            cari_error *err);
int cari_xapian_writer_add(cari_xapian_writer *w, const cari_article *a);
/* cari_writer_set_shard: the writer writes shard `shard` of nshards; the
 * record is written with the next commit.  CARI_EINVAL when the index
 * records another place. */
int cari_xapian_writer_set_shard(cari_xapian_writer *w, size_t shard,
                                 size_t nshards);
/* The set id of the writer's shard record ("" when it has none), and
 * cari_writers_set_shards: record that the shard (its place declared with
 * cari_xapian_writer_set_shard) is of the set `set` (hex digits), with the
 * next commit.  CARI_EINVAL when it records another set. */
const char *cari_xapian_writer_shard_set(const cari_xapian_writer *w);
int cari_xapian_writer_set_shard_set(cari_xapian_writer *w, const char *set);
/* The most shards a set has: cari_shards_check and the writers take no
 * more, and a record of more is read as none. */
#define CARI_MAX_SET_SHARDS ((size_t)1 << 20)

/* The shard record of the Xapian index in dir ("cari.shard"): both 0 when
 * there is none, or dir holds no Xapian index. */
int cari_xapian_shard_record(const char *dir, size_t *shard, size_t *nshards,
                             cari_error *err);
int cari_xapian_writer_delete(cari_xapian_writer *w, const char *id,
                              size_t len);
int cari_xapian_writer_commit(cari_xapian_writer *w);
void cari_xapian_writer_stats(const cari_xapian_writer *w,
                              cari_writer_stats *out);
const char *cari_xapian_writer_errmsg(const cari_xapian_writer *w);
void cari_xapian_writer_close(cari_xapian_writer *w);

/* Open one or more Xapian shards (directories, or "tcp://host:port" of a
 * xapian-tcpsrv) as one index with global statistics.  flags: the
 * CARI_SHARDS_* ones, and CARI_XAPIAN_CHECK_SET (cari_index_open_shards):
 * the shards must be one set by their records (shard K of N of set S),
 * each place given once; places not given are an error, or with
 * CARI_SHARDS_ALLOW_PARTIAL are appended to the shards, left out. */
#define CARI_XAPIAN_CHECK_SET (1u << 31)
int cari_xapian_index_open(const char *const *locations, size_t n,
                           unsigned flags, cari_analyzer *an,
                           cari_xapian_index **out, cari_error *err);
void cari_xapian_index_close(cari_xapian_index *x);
void cari_xapian_index_stats(const cari_xapian_index *x,
                             cari_index_stats *out);

/* The locations given to cari_xapian_index_open, in order: the i-th one
 * (borrowed from x; NULL when i is out of range), and in *left_out (may be
 * NULL) why it is not being searched -- left out under
 * CARI_SHARDS_ALLOW_PARTIAL at open or after it failed during a search --
 * or NULL while it is searched. */
size_t cari_xapian_index_shard_count(const cari_xapian_index *x);
const char *cari_xapian_index_shard(const cari_xapian_index *x, size_t i,
                                    const char **left_out);

/* Check the Xapian index in dir with Xapian's checker (xapian-check):
 * every line of its report that is not a routine summary goes to fn as a
 * problem of dir, and is counted in stats->problems.  The codes of
 * cari_index_check(). */
int cari_xapian_check(const char *dir, cari_check_fn fn, void *ctx,
                      cari_check_stats *stats, cari_error *err);

/* Run a parsed query; on failure a message goes to errmsg.
 * title_only_weight: the title weight of the leaves the query restricts
 * to titles (title:), which may differ from o->title_weight (search.c). */
int cari_xapian_search(cari_xapian_index *x, const cari_qnode *q,
                       const cari_search_options *o, double title_only_weight,
                       cari_hits **out, char *errmsg, size_t errcap);

#endif
