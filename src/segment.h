/*
 * segment.h -- one immutable segment: the in-memory inverter that builds
 * it, and the reader over its mmap'd file.  Internal to libcari.
 */
#ifndef CARI_SEGMENT_H
#define CARI_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer_internal.h"
#include "docstore.h"
#include "passage.h"
#include "util.h"

/* Fields: every term has a posting list per field it occurs in. */
enum { CARI_FIELD_BODY = 0, CARI_FIELD_TITLE = 1, CARI_NFIELDS = 2 };

/* The file's constants and section ids, for the checker (check.c); the
 * layout is documented at the top of segment.c. */
#define CARI_SEG_MAGIC "CARISEG"
#define CARI_SEG_END_MAGIC "CARIEND"
#define CARI_SEG_VERSION 16
#define CARI_DICT_BLOCK 32
#define CARI_ID_RESTART 16 /* IDTEXT: an id not front-coded every 16 */
enum {
    CARI_SEC_INFO = 1,
    CARI_SEC_ARTICLES,
    CARI_SEC_PASSAGES,
    CARI_SEC_DICT,
    CARI_SEC_DICTIDX,
    CARI_SEC_POSTINGS,
    CARI_SEC_POSITIONS,
    CARI_SEC_STORE,
    CARI_SEC_STOREIDX,
    CARI_SEC_IDS,
    CARI_SEC_IDTEXT,
    CARI_SEC_STOREWORDS,
    CARI_SEC_COUNT = CARI_SEC_STOREWORDS
};

/* ---- writer ---- */

typedef struct cari_segment_writer cari_segment_writer;

int cari_segw_new(int compression_level, const cari_passage_params *pp,
                  cari_segment_writer **out);
void cari_segw_free(cari_segment_writer *w);

/* Analyze and add an article; *article_no gets its number in the segment.
 * The article's strings are copied.  Each passage's analysis may trim the
 * analyzer's word cache (cari_analyzer_run). */
int cari_segw_add(cari_segment_writer *w, cari_analyzer *an,
                  const cari_article *a, uint32_t *article_no);

/* An article analyzed, not yet added: what cari_segw_add() does in two
 * halves, so that one thread can analyze articles while another inverts
 * them into one segment (writer.c).  The tokens point into the analyzer's
 * word cache: valid until its next cari_analyzer_bound(). */
typedef struct cari_analysis {
    cari_spanvec spans;   /* the passages */
    cari_tokvec tokens;   /* the title's, then each passage's in turn */
    uint32_t *ends;       /* unit u's tokens end at ends[u]: unit 0 is the
                             title, unit k + 1 passage k */
    size_t ends_cap;
} cari_analysis;

void cari_analysis_free(cari_analysis *x);
/* Split and analyze article a into x (its earlier content replaced); the
 * word cache is left as it is. */
int cari_segw_analyze(cari_analyzer *an, const cari_passage_params *pp,
                      const cari_article *a, cari_analysis *x);
/* Add article a, analyzed into x by cari_segw_analyze() with w's passage
 * settings, to the inverted part; cari_segw_store() then adds its text to
 * the stored text.  The two touch disjoint parts of w: two threads may
 * run them at once (the articles in the same order in each). */
int cari_segw_add_analyzed(cari_segment_writer *w, const cari_article *a,
                           const cari_analysis *x, uint32_t *article_no);
int cari_segw_store(cari_segment_writer *w, const cari_article *a);
/* cari_segw_add() without cari_segw_store(): a passage at a time, for an
 * article too large to hold all its tokens at once. */
int cari_segw_add_unstored(cari_segment_writer *w, cari_analyzer *an,
                           const cari_article *a, uint32_t *article_no);

/* Whether a term's postings carry positions: not an exact form ("=word")
 * or a metadata term ("#key\x1fvalue", "@date"), which hold doc and tf
 * only (the writer and a merge share this rule). */
static inline int cari_term_positional(const char *term, size_t len)
{
    return len && term[0] != '=' && term[0] != '#' && term[0] != '@';
}

/* Write at path one segment holding the live articles of segs[0..n) (those
 * not set in deleted[i], which may be NULL, as may each bitmap), in order:
 * the segment cari_segw_add() would build from them, with the analyzer and
 * passage settings that built the sources.  Stored text, passage tables
 * and postings are copied, not analyzed again, and the file is streamed:
 * memory holds the passage and article tables, the dictionary and one
 * posting list at a time, not the text (the postings, positions and
 * stored text pass through unnamed temporary files beside path).  No
 * live article: nothing is written (res->articles 0).  budget (bytes, 0
 * for the default) bounds the stored text's word-learning sample as
 * cari_segw_set_budget() does.  CARI_ECORRUPT
 * when a source does not decode (res->bad: which); err says what failed. */
typedef struct cari_merge_result {
    uint32_t articles, passages;
    uint64_t terms;
    long bad;  /* the source that does not decode, or -1 */
} cari_merge_result;
struct cari_segment;
int cari_segment_merge(struct cari_segment *const *segs,
                       const unsigned char *const *deleted, size_t n,
                       int level, const cari_passage_params *pp,
                       size_t budget, const char *path, int sync,
                       cari_merge_result *res, cari_error *err);

uint32_t cari_segw_articles(const cari_segment_writer *w);
uint32_t cari_segw_passages(const cari_segment_writer *w);
/* The writer's budget (bytes; it flushes past it, cari_segw_memory): the
 * stored text's word list is then learned from a quarter of it at most
 * (1 to CARI_STORE_SAMPLE MiB), which it holds uncompressed until then. */
void cari_segw_set_budget(cari_segment_writer *w, size_t bytes);
/* Threads cari_segw_write() may use (1, the default, or 2: a second one
 * finishes the stored text and codes half the lists; the same bytes). */
void cari_segw_set_threads(cari_segment_writer *w, int threads);

/* Approximate bytes held; the index writer flushes past its budget.
 * The two parts: the inverted part and the tables (cari_segw_add_analyzed's),
 * the stored text (cari_segw_store's). */
size_t cari_segw_memory(const cari_segment_writer *w);
size_t cari_segw_index_memory(const cari_segment_writer *w);
size_t cari_segw_store_memory(const cari_segment_writer *w);

/* Write the segment file at path (created exclusively; fsynced when sync).
 * *terms gets the number of distinct terms. */
int cari_segw_write(cari_segment_writer *w, const char *path, int sync,
                    uint64_t *terms, cari_error *err);

/* ---- reader ---- */

typedef struct cari_segment cari_segment;

typedef struct cari_term_info {
    uint32_t df[CARI_NFIELDS];
    const unsigned char *postings[CARI_NFIELDS];
    size_t postings_len[CARI_NFIELDS];
    const unsigned char *positions[CARI_NFIELDS];
    size_t positions_len[CARI_NFIELDS];
    uint32_t limit[CARI_NFIELDS]; /* the field's docs: passages, articles
                                     (for cari_postings_open_limit) */
    /* An exact form ("=menulis") whose lists are coded as ranks in its
     * base term's ("tulis"; segment.c, DICT): the base's lists, which
     * cari_term_open() reads them through.  derived 0: plain lists; -1:
     * such a form met by cari_segment_scan_prefix(), which does not look
     * bases up (look the term up to open its lists). */
    int derived;
    uint32_t base_df[CARI_NFIELDS];
    const unsigned char *base_postings[CARI_NFIELDS];
    size_t base_postings_len[CARI_NFIELDS];
    const unsigned char *base_positions[CARI_NFIELDS];
    size_t base_positions_len[CARI_NFIELDS];
} cari_term_info;

/* Read the base-term recipe of the dictionary entry of an exact form at
 * *q (segment.c, DICT): form is the term without its "=", the base goes to
 * out (room for 256 bytes), *out_len 0 for none (plain lists).
 * CARI_ECORRUPT when it does not make a term (empty, too long, or itself
 * an exact form). */
int cari_segment_base_get(const unsigned char **q, const unsigned char *end,
                          const char *form, size_t flen, char *out,
                          size_t *out_len);

struct cari_postings;
/* Open a cursor on the term's list in field (df[field] > 0), plain or
 * derived (codec.h).  CARI_OK, CARI_ECORRUPT, CARI_ENOMEM, or CARI_EINVAL
 * for a scan's exact form (derived -1). */
int cari_term_open(struct cari_postings *p, const cari_term_info *info,
                   int field, cari_arena *arena);

/* Open (mmap) and verify a segment file: structure and every checksum.
 * CARI_ENOTFOUND if missing, CARI_ECORRUPT (detail in err) if damaged. */
int cari_segment_open(const char *path, cari_segment **out, cari_error *err);
/* Open a segment this process has just written (a writer's commit): as
 * cari_segment_open, its structure checked, but not its sections'
 * checksums, which were computed from the bytes as they were written;
 * reading them back out of the page cache re-read 26 MB for clickid_news
 * and told nothing new. */
int cari_segment_open_written(const char *path, cari_segment **out,
                              cari_error *err);
void cari_segment_close(cari_segment *s);

uint32_t cari_segment_articles(const cari_segment *s);
/* CARI_SEGMENT_* flags of the INFO section. */
#define CARI_SEGMENT_META_TERMS 1u  /* metadata terms in the title field */
#define CARI_SEGMENT_LEN8 2u        /* body lengths take a byte each */
/* Its "@" date terms come from the parse_date() (filter.c) that knows a
 * day name with an apostrophe (Jum'at) and the months Ags, Nop, Peb.  A
 * segment without it may lack the date term of such an article, so a date
 * filter reads the stored text of its articles that have none. */
#define CARI_SEGMENT_DATE_FORMS2 4u
uint32_t cari_segment_flags(const cari_segment *s);
uint32_t cari_segment_passages(const cari_segment *s);
uint32_t cari_segment_terms(const cari_segment *s);
uint64_t cari_segment_total_len(const cari_segment *s, int field);
uint64_t cari_segment_file_size(const cari_segment *s);

/* Look a term up: 1 found (info filled), 0 absent, CARI_ECORRUPT. */
int cari_segment_lookup(const cari_segment *s, const char *term, size_t len,
                        cari_term_info *info);

/* Call fn for every term that starts with prefix, in order; fn returns 0
 * to go on, > 0 to stop, < 0 (an error code) to fail with it (info: df
 * and lists; an exact form's base is not looked up, derived -1).  Returns
 * CARI_OK, fn's error or CARI_ECORRUPT. */
typedef int (*cari_term_fn)(void *ctx, const char *term, size_t len,
                            const cari_term_info *info);
int cari_segment_scan_prefix(const cari_segment *s, const char *prefix,
                             size_t len, cari_term_fn fn, void *ctx);

/* The per-passage and per-article tables a search reads for every
 * passage it scores, inline: a segment begins with them (segment.c). */
typedef struct cari_segment_hot {
    uint32_t *first_passage;         /* [articles + 1] */
    uint32_t *title_len;             /* [articles] */
    uint32_t *passage_article;       /* [passages] */
    uint64_t *tie_key;               /* [passages] */
    const unsigned char *body_len;   /* u8 or u16 (len8) [passages] */
    int len8;
} cari_segment_hot;

static inline const cari_segment_hot *cari_segment_hot_of(const cari_segment *s)
{
    return (const cari_segment_hot *)(const void *)s;
}

/* Passage -> article, the article's first passage and passage count. */
static inline uint32_t cari_segment_passage_article(const cari_segment *s,
                                                    uint32_t p)
{
    return cari_segment_hot_of(s)->passage_article[p];
}
/* Let the file's pages go from this process's memory (they stay in the
 * page cache and fault back in when read): after a pass over the whole
 * file, such as the checksums at open or a merge reading every article. */
void cari_segment_release_pages(cari_segment *s);
/* Free the stored text's word list (cari_store_reader_drop_words): the
 * writer holds its session's segments so, and a merge each source it is
 * done with, so that their memory does not grow with their number. */
void cari_segment_drop_words(cari_segment *s);
/* Free what only ranking reads, the tie-break keys (8 bytes a passage:
 * 12 MB for the 80 segments of a 10x commit at --memory 64): a writer's
 * segments are read for ids, deletions and merges, never ranked.
 * cari_segment_tie_key() must not be called on s afterwards. */
void cari_segment_drop_rank_tables(cari_segment *s);
/* Passage p's key for breaking ranking ties: a 64-bit hash of its
 * article's id (cari_fnv1a64), so that ties order the same however the
 * collection is split into segments, without reading the id itself. */
static inline uint64_t cari_segment_tie_key(const cari_segment *s, uint32_t p)
{
    return cari_segment_hot_of(s)->tie_key[p];
}
static inline uint32_t cari_segment_first_passage(const cari_segment *s,
                                                  uint32_t a)
{
    return cari_segment_hot_of(s)->first_passage[a];
}
static inline uint32_t cari_segment_passage_count(const cari_segment *s,
                                                  uint32_t a)
{
    const uint32_t *f = cari_segment_hot_of(s)->first_passage;
    return f[a + 1] - f[a];
}
/* Field length of a passage (body) or of an article (title), in tokens. */
static inline uint32_t cari_segment_body_len(const cari_segment *s, uint32_t p)
{
    const cari_segment_hot *h = cari_segment_hot_of(s);
    return h->len8 ? h->body_len[p] : cari_get_u16(h->body_len + 2 * (size_t)p);
}
static inline uint32_t cari_segment_title_len(const cari_segment *s,
                                              uint32_t a)
{
    return cari_segment_hot_of(s)->title_len[a];
}
/* Byte range of passage p in its article's text; CARI_ECORRUPT when the
 * range table does not decode. */
int cari_segment_passage_range(const cari_segment *s, uint32_t p,
                               uint32_t *start, uint32_t *end);

/* The id of article a (borrowed from the mapped file; not NUL-terminated). */
const char *cari_segment_id(const cari_segment *s, uint32_t a, size_t *len);

/* Stored article a (borrowed until the next call on this segment). */
int cari_segment_article(cari_segment *s, uint32_t a, cari_stored *out);
/* The segment's stored-text reader (its word list parsed at open). */
const cari_store_reader *cari_segment_store(const cari_segment *s);

/* The bytes of section id (CARI_SEC_*) of an open segment, borrowed from
 * the mapping until cari_segment_close(); its name ("postings", ...). */
const unsigned char *cari_segment_section(const cari_segment *s, int id,
                                          size_t *len);
const char *cari_segment_section_name(int id);

/* Find a live article by id (deleted: bitmap of deleted articles, or
 * NULL): 1 and *a set when found, 0 when absent, CARI_ECORRUPT,
 * CARI_ENOMEM (the first call hashes the segment's ids, kept until
 * cari_segment_close). */
int cari_segment_find_id(cari_segment *s, const char *id, size_t len,
                         const unsigned char *deleted, uint32_t *a);

/* The version written in (and required of) segment files. */
int cari_segment_format_version(void);

#endif
