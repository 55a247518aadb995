/*
 * segment.c -- builds one immutable segment in memory (analysis, inversion,
 * stored text) and writes it to a file; reads such files through mmap.
 *
 * File layout (all integers little-endian):
 *
 *   header   "CARISEG\0" | u32 format version | u32 header size (16)
 *   section* each at an 8-byte aligned offset, in table order, after
 *            zero bytes padding the previous one
 *   table    {u32 id, u32 crc32, u64 offset, u64 length} per section,
 *            right after the last section
 *   trailer  u64 table offset | u32 section count | u32 crc32 of the table
 *            | u64 file size | "CARIEND\0"                       (32 bytes)
 *
 * Sections (ids):
 *   1 INFO      u32 articles, u32 passages, u32 terms, u32 dict blocks,
 *               u64 total body length, u64 total title length, u32 flags
 *               (bit 0: metadata terms, filter.h, are in the title field;
 *               bit 1: body lengths take one byte each; bit 2: the date
 *               terms know the forms of CARI_SEGMENT_DATE_FORMS2.  A merge
 *               copies terms, so it sets bits 0 and 2 only when all of its
 *               sources have them)
 *   2 ARTICLES  per article: varint passage count, varint title length
 *   3 PASSAGES  body_len[passages], u8 each (flag bit 1) or u16, then per
 *               article, per passage, varint (start - previous end)
 *               varint (end - start): the passages' byte ranges in the
 *               article text (previous end of the first passage: 0)
 *   (ARTICLES and the ranges are decoded into tables when the segment
 *   opens, which walks every passage anyway: no offsets are stored)
 *   4 DICT      front-coded term blocks of CARI_DICT_BLOCK terms:
 *                 block := varint postings_offset varint positions_offset
 *                          entry*
 *                 entry := varint prefix varint (suffix_len << 2 |
 *                          fields) suffix [base] (varint df varint
 *                          postings_len [varint positions_len])*
 *               fields has bit f set for each field the term occurs in
 *               (df >= 1), whose lists follow in field order; a term
 *               without positions (cari_term_positional) has no
 *               positions_len.  An exact form ("=menulis") has a base
 *               recipe (cari_segment_base_get): its base term ("tulis")
 *               or none; with a base, its lists hold ranks in the base's
 *               list of the same field (codec.h,
 *               cari_postings_open_derived), not doc ids, and their skip
 *               entries say min length 0.  Postings and positions of a
 *               term follow
 *               one another in field order, so an entry's offsets are the
 *               sum of the lengths before it in its block
 *   5 DICTIDX   u32 offset of each block in DICT
 *   6 POSTINGS  posting lists (codec.h)
 *   7 POSITIONS position streams (codec.h)
 *   8 STORE     compressed article blocks (docstore.h)
 *   9 STOREIDX  the store's index (docstore.h)
 *  10 IDS       u32 article[articles], sorted by the cari_hash64 of the
 *               article's id, then by article (a lookup hashes the ids it
 *               meets)
 *  11 IDTEXT    the article ids in article order, front-coded:
 *               {varint prefix, varint suffix_len, suffix} per id, the
 *               prefix shared with the id before, 0 for every
 *               CARI_ID_RESTART-th id (so no id decodes longer than the
 *               section); decoded whole when the segment opens, so that
 *               ranking runs that need only ids never inflate stored text
 *  12 STOREWORDS the stored text's word list, deflated (docstore.h; maybe
 *               empty)
 *
 * Passages are numbered within the segment in article order; the body
 * field's doc ids are passage numbers and the title field's are article
 * numbers.  Lengths count indexed (non-stopword) tokens.  Exact-form terms
 * ("=menulis", see analyzer.c) and metadata terms ("#source\x1ftempo",
 * "@2019-09-14", filter.h) have no positions: their position streams are
 * empty.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* madvise */
#include "segment.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <zlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec.h"
#include "filter.h"
#include "io.h"

#ifdef MAP_POPULATE
#define MAP_POPULATE_FLAG MAP_POPULATE
#else
#define MAP_POPULATE_FLAG 0
#endif

static const char *const section_names[CARI_SEC_COUNT + 1] = {
    "", "info", "articles", "passages", "dictionary", "dictionary index",
    "postings", "positions", "stored text", "stored text index", "ids",
    "id text", "stored text words"};

/* ------------------------------------------------------------------ */
/* Writer                                                              */
/* ------------------------------------------------------------------ */

/* A compact growable buffer for the inverter's per-term streams (16 bytes
 * instead of cari_buf's 24: the per-term state must stay small). */
typedef struct sbuf {
    unsigned char *data;
    uint32_t len, cap;
} sbuf;

/*
 * The streams start small and double, and most terms' stay small: a
 * buffer of up to SLAB_MAX bytes comes from the writer's slab, a chunk
 * carved up by size (16, 32 ... SLAB_MAX, a free list each), and only a
 * larger one from malloc.  malloc, realloc and free of the small ones
 * were 3% of the instructions of `cari-index -j 1` (200,000 reallocs on
 * 5,000 articles).  Only the inverting thread allocates from the slab;
 * the whole of it is freed with the writer.
 */
#define SLAB_MIN_BITS 4
#define SLAB_MAX 256
#define SLAB_CLASSES 5          /* 16, 32, 64, 128, 256 */
#define SLAB_CHUNK ((size_t)1 << 20)

typedef struct slab {
    unsigned char *cur, *end;   /* what is left of the current chunk */
    void *free[SLAB_CLASSES];   /* a freed buffer's first bytes: the next */
    void *chunks;               /* a chunk's first bytes: the one before */
} slab;

static unsigned slab_class(size_t cap)
{
    return (unsigned)__builtin_ctzll(cap) - SLAB_MIN_BITS;
}

static void *slab_alloc(slab *sl, size_t cap)
{
    unsigned c = slab_class(cap);
    void *p = sl->free[c];
    if (p) {
        memcpy(&sl->free[c], p, sizeof p);
        return p;
    }
    if ((size_t)(sl->end - sl->cur) < cap) {
        /* a new chunk; its first SLAB_MAX bytes link the chunks (the
         * rest of the old one is dropped: less than SLAB_MAX) */
        unsigned char *chunk = malloc(SLAB_CHUNK);
        if (!chunk)
            return NULL;
        memcpy(chunk, &sl->chunks, sizeof sl->chunks);
        sl->chunks = chunk;
        sl->cur = chunk + SLAB_MAX;
        sl->end = chunk + SLAB_CHUNK;
    }
    p = sl->cur;
    sl->cur += cap;
    return p;
}

static void slab_put(slab *sl, void *p, size_t cap)
{
    unsigned c = slab_class(cap);
    memcpy(p, &sl->free[c], sizeof p);
    sl->free[c] = p;
}

static void slab_free(slab *sl)
{
    while (sl->chunks) {
        void *next;
        memcpy(&next, sl->chunks, sizeof next);
        free(sl->chunks);
        sl->chunks = next;
    }
    memset(sl, 0, sizeof *sl);
}

static int sbuf_grow(slab *sl, sbuf *b, size_t need)
{
    size_t cap = b->cap ? b->cap : 8;
    unsigned char *p;
    while (cap < need)
        cap *= 2;
    if (cap > UINT32_MAX)
        return CARI_ENOMEM;
    if (b->cap > SLAB_MAX) {
        p = realloc(b->data, cap);
    } else {
        p = cap > SLAB_MAX ? malloc(cap) : slab_alloc(sl, cap);
        if (p && b->cap) {
            memcpy(p, b->data, b->len);
            slab_put(sl, b->data, b->cap);
        }
    }
    if (!p)
        return CARI_ENOMEM;
    b->data = p;
    b->cap = (uint32_t)cap;
    return CARI_OK;
}

static inline int sbuf_varint(slab *sl, sbuf *b, uint64_t v)
{
    if (CARI_UNLIKELY(b->cap - b->len < 10) &&
        sbuf_grow(sl, b, (size_t)b->len + 10))
        return CARI_ENOMEM;
    b->len += (uint32_t)cari_varint_put(b->data + b->len, v);
    return CARI_OK;
}

/* Free b's bytes if malloc's; a slab's stay until the slab goes (any
 * thread may call this). */
static void sbuf_free(sbuf *b)
{
    if (b->cap > SLAB_MAX)
        free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* What the inverter keeps per term and field: one cache line. */
typedef struct field_acc {
    sbuf docs;          /* entries (codec.h tail format) of closed postings */
    sbuf pos;           /* position gaps of all postings */
    uint32_t df;
    uint32_t cur_doc;   /* doc of the open posting */
    uint32_t cur_tf;
    uint32_t last_pos;
    uint32_t prev_doc1; /* last closed doc + 1 (0: none yet) */
    uint32_t open;
    /* an exact form's base term's index + 1 while its entries hold ranks
     * in the base's list of this field instead of docs (cur_doc and
     * prev_doc1 then count ranks too); 0: docs */
    uint32_t base1;
    /* no positions (cari_term_positional): kept here, in the line the
     * inverter touches anyway, so that it need not read the term */
    uint8_t nopos;
} field_acc;
_Static_assert(sizeof(field_acc) == 64, "a term's field state is one line");

typedef struct term_acc {
    field_acc f[CARI_NFIELDS];  /* the hot part first: line-aligned */
    const char *term;
    uint64_t hash;
    uint32_t len;
} __attribute__((aligned(64))) term_acc;

/* The inverter's terms live in pages that are never copied or moved: a
 * doubling array of 128-byte entries would copy (and fault in) twice the
 * memory as the vocabulary grows. */
#define TERM_PAGE_BITS 12
#define TERM_PAGE ((size_t)1 << TERM_PAGE_BITS)
/* How many tokens ahead invert() fetches a slot's term id, a term's
 * state, and the ends of its position stream and (when its open posting
 * is of an earlier doc, which the token will close) of its doc stream. */
#define PREFETCH_SLOT 16
#define PREFETCH_TERM 8
#define PREFETCH_POS 4
#define TERM(w, i) \
    (&(w)->term_pages[(i) >> TERM_PAGE_BITS][(i) & (TERM_PAGE - 1)])

typedef struct u32vec {
    uint32_t *items;
    size_t len, cap;
} u32vec;

struct cari_segment_writer {
    cari_passage_params pp;
    /* The term ids of the analyzer's slots (cari_term_token.slot), + 1
     * (0: not known yet), for the slots of one cache generation
     * (slot_gen): the writer's own table, so that a thread inverting
     * tokens another thread analyzed reads no cache line that thread
     * is using. */
    uint32_t *tslots;
    size_t ntslots;
    uint32_t slot_gen;
    term_acc **term_pages; /* terms in pages of TERM_PAGE: they never move */
    size_t nterms, npages, pages_cap;
    uint32_t *slots;      /* hash table of term indexes + 1 */
    size_t nslots;
    cari_arena strings;   /* term bytes */
    slab small;           /* the terms' small streams (sbuf_grow) */
    /* per article */
    u32vec first_passage;
    u32vec title_len;
    cari_buf ids;         /* {u64 hash, u32 article} */
    u32vec id_offsets;    /* into id_text */
    cari_buf id_text;
    /* per passage */
    u32vec pstart, pend, body_len;
    cari_store_writer store;
    cari_tokvec tokens;   /* a title's, with its metadata terms */
    cari_spanvec spans;   /* cari_segw_add's article's passages */
    cari_buf meta_terms;  /* the current article's metadata terms */
    uint64_t total_len[CARI_NFIELDS];
    size_t posting_bytes;
    int threads;          /* for writing it (cari_segw_set_threads) */
    int store_finished;   /* build_inverted's second thread finished the
                             stored text (write_segment does otherwise) */
    uint32_t lacks;       /* INFO flags a merge's source lacks: the terms
                             it copies are no better than theirs */
};

static int u32_push(u32vec *v, uint32_t x)
{
    if (v->len == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 1024;
        uint32_t *p = realloc(v->items, cap * sizeof *p);
        if (!p)
            return CARI_ENOMEM;
        v->items = p;
        v->cap = cap;
    }
    v->items[v->len++] = x;
    return CARI_OK;
}

/* Make room for n items in all (a merge knows its tables' sizes: no
 * doubling slack, and no realloc's copy beside the old array). */
static int u32_reserve(u32vec *v, size_t n)
{
    if (v->cap < n) {
        uint32_t *p = realloc(v->items, n * sizeof *p);
        if (!p)
            return CARI_ENOMEM;
        v->items = p;
        v->cap = n;
    }
    return CARI_OK;
}

/* Free v's items once they are written, keeping its length (the
 * writer's article and passage counts read it). */
static void u32_release(u32vec *v)
{
    free(v->items);
    v->items = NULL;
    v->cap = 0;
}

void cari_segw_set_threads(cari_segment_writer *w, int threads)
{
    w->threads = threads;
}

void cari_segw_set_budget(cari_segment_writer *w, size_t bytes)
{
    size_t sample = bytes / 4;
    if (sample > CARI_STORE_SAMPLE)
        sample = CARI_STORE_SAMPLE;
    if (sample < (1u << 20))
        sample = 1u << 20;
    w->store.sample = sample;
}

int cari_segw_new(int level, const cari_passage_params *pp,
                  cari_segment_writer **out)
{
    cari_segment_writer *w = calloc(1, sizeof *w);
    *out = NULL;
    if (!w)
        return CARI_ENOMEM;
    w->pp = *pp;
    w->nslots = 1u << 16;
    w->slots = cari_calloc_touched(w->nslots, sizeof *w->slots);
    if (!w->slots) {
        free(w);
        return CARI_ENOMEM;
    }
    cari_store_writer_init(&w->store, level, CARI_STORE_BLOCK);
    *out = w;
    return CARI_OK;
}

void cari_segw_free(cari_segment_writer *w)
{
    size_t i;
    int f;
    if (!w)
        return;
    for (i = 0; i < w->nterms; i++)
        for (f = 0; f < CARI_NFIELDS; f++) {
            sbuf_free(&TERM(w, i)->f[f].docs);
            sbuf_free(&TERM(w, i)->f[f].pos);
        }
    for (i = 0; i < w->npages; i++)
        free(w->term_pages[i]);
    free(w->term_pages);
    free(w->slots);
    cari_arena_free(&w->strings);
    slab_free(&w->small);
    free(w->first_passage.items);
    free(w->title_len.items);
    cari_buf_free(&w->ids);
    free(w->id_offsets.items);
    cari_buf_free(&w->id_text);
    free(w->pstart.items);
    free(w->pend.items);
    free(w->body_len.items);
    cari_store_writer_free(&w->store);
    cari_tokvec_free(&w->tokens);
    cari_spanvec_free(&w->spans);
    cari_buf_free(&w->meta_terms);
    free(w->tslots);
    free(w);
}

uint32_t cari_segw_articles(const cari_segment_writer *w)
{
    return (uint32_t)w->first_passage.len;
}

uint32_t cari_segw_passages(const cari_segment_writer *w)
{
    return (uint32_t)w->pstart.len;
}

size_t cari_segw_index_memory(const cari_segment_writer *w)
{
    /* buffers grow by doubling: count what they hold, plus a third */
    return w->posting_bytes + w->posting_bytes / 3 +
           w->npages * TERM_PAGE * sizeof(term_acc) + w->nslots * 4 +
           w->ntslots * 4 +
           w->strings.total +
           (w->pstart.cap * 3 + w->first_passage.cap * 3) * 4 + w->ids.cap +
           w->id_text.cap;
}

size_t cari_segw_memory(const cari_segment_writer *w)
{
    return cari_segw_index_memory(w) + cari_store_writer_memory(&w->store);
}

static int grow_slots(cari_segment_writer *w)
{
    size_t n = w->nslots * 2, i;
    uint32_t *s = cari_calloc_touched(n, sizeof *s);
    if (!s)
        return CARI_ENOMEM;
    for (i = 0; i < w->nterms; i++) {
        size_t j = TERM(w, i)->hash & (n - 1);
        while (s[j])
            j = (j + 1) & (n - 1);
        s[j] = (uint32_t)i + 1;
    }
    free(w->slots);
    w->slots = s;
    w->nslots = n;
    return CARI_OK;
}

/* Index of the term, added if new; -1 when out of memory. */
static long intern(cari_segment_writer *w, const char *term, uint32_t len)
{
    uint64_t h = cari_hash64(term, len);
    size_t j = h & (w->nslots - 1);
    term_acc *t;
    int f;
    while (w->slots[j]) {
        t = TERM(w, w->slots[j] - 1);
        if (t->hash == h && t->len == len && memcmp(t->term, term, len) == 0)
            return (long)w->slots[j] - 1;
        j = (j + 1) & (w->nslots - 1);
    }
    if (w->nterms == w->npages * TERM_PAGE) {
        /* line-aligned (malloc only promises 16 bytes) */
        void *p = NULL;
        if (w->npages == w->pages_cap) {
            size_t cap = w->pages_cap ? w->pages_cap * 2 : 16;
            term_acc **q = realloc(w->term_pages, cap * sizeof *q);
            if (!q)
                return -1;
            w->term_pages = q;
            w->pages_cap = cap;
        }
        if (posix_memalign(&p, 64, TERM_PAGE * sizeof(term_acc)) != 0)
            return -1;
        w->term_pages[w->npages++] = p;
    }
    t = TERM(w, w->nterms);
    memset(t, 0, sizeof *t);
    t->term = cari_arena_strndup(&w->strings, term, len);
    if (!t->term)
        return -1;
    t->len = len;
    t->hash = h;
    for (f = 0; f < CARI_NFIELDS; f++)
        t->f[f].nopos = !cari_term_positional(term, len);
    w->slots[j] = (uint32_t)++w->nterms;
    if (w->nterms * 2 > w->nslots && grow_slots(w))
        return -1;
    return (long)w->nterms - 1;
}

/* Close the open posting of field acc: write its (gap, tf) entry.  A
 * posting stays open until its term's next doc in the field (invert) or
 * the segment's write (close_all): closing each doc's postings at its end
 * wrote to each term's doc stream soon after the term's first token, a
 * cache miss the prefetch one token ahead could not hide. */
static int close_posting(cari_segment_writer *w, field_acc *f)
{
    uint64_t gap = (uint64_t)(f->cur_doc - f->prev_doc1);
    uint32_t before = f->docs.len;
    int rc = sbuf_varint(&w->small, &f->docs, gap << 1 | (f->cur_tf == 1));
    if (f->cur_tf > 1)
        rc |= sbuf_varint(&w->small, &f->docs, f->cur_tf);
    f->prev_doc1 = f->cur_doc + 1;
    f->open = 0;
    w->posting_bytes += f->docs.len - before;
    return rc ? CARI_ENOMEM : CARI_OK;
}

/* Whether exact form t, met for the first time, with base term b (an
 * index) can be coded against it (cari_segment_base_get): its entries
 * then hold ranks in b's lists from the start (field_acc.base1).  b must
 * sort after t (a base such as "26" of "=26-nya" is coded before the
 * form, and its lists freed), and both must fit the dictionary's base
 * recipe. */
static int form_derivable(const cari_segment_writer *w, const term_acc *t,
                          uint32_t b)
{
    const term_acc *bt = TERM(w, (size_t)b);
    int f;
    for (f = 0; f < CARI_NFIELDS; f++)
        if (t->f[f].df)
            return 0;  /* met before without a base: docs */
    return t->len >= 2 && t->len <= 255 && bt->len >= 1 &&
           bt->len <= 255 && bt->term[0] != '=' &&
           cari_bytes_cmp(t->term, t->len, bt->term, bt->len) < 0;
}

/* The docs of the first n entries of in-memory list fa, in out. */
static void sbuf_docs(const field_acc *fa, uint32_t n, uint32_t *out)
{
    const unsigned char *q = fa->docs.data, *end = q + fa->docs.len;
    int64_t d = -1;
    uint32_t k;
    for (k = 0; k < n; k++) {
        uint64_t v = cari_varint_get(&q, end);
        d += (int64_t)(v >> 1) + 1;
        out[k] = (uint32_t)d;
        if (!(v & 1))
            cari_varint_get(&q, end);
    }
}

/* Exact form t, whose entries held ranks in its base's lists, was met
 * with another base: its entries become docs (a form with more than one
 * base has plain lists).  Returns CARI_ENOMEM when out of memory. */
static int form_to_docs(cari_segment_writer *w, term_acc *t)
{
    int f;
    for (f = 0; f < CARI_NFIELDS; f++) {
        field_acc *e = &t->f[f];
        const field_acc *b;
        uint32_t *bdocs, m, closed;
        const unsigned char *q, *end;
        sbuf out = {NULL, 0, 0};
        int64_t r = -1, prev = -1;
        if (!e->base1)
            continue;
        b = &TERM(w, (size_t)e->base1 - 1)->f[f];
        e->base1 = 0;
        if (!e->df)
            continue;
        bdocs = malloc((size_t)b->df * sizeof *bdocs);
        if (!bdocs)
            return CARI_ENOMEM;
        sbuf_docs(b, b->df - b->open, bdocs);
        if (b->open)
            bdocs[b->df - 1] = b->cur_doc;
        closed = e->df - e->open;
        q = e->docs.data;
        end = q + e->docs.len;
        for (m = 0; m < closed; m++) {
            uint64_t v = cari_varint_get(&q, end), tf = 0;
            uint32_t doc;
            r += (int64_t)(v >> 1) + 1;
            if (!(v & 1))
                tf = cari_varint_get(&q, end);
            doc = bdocs[r];
            if (sbuf_varint(&w->small, &out,
                            (uint64_t)(doc - prev - 1) << 1 | (v & 1)) ||
                (!(v & 1) && sbuf_varint(&w->small, &out, tf))) {
                sbuf_free(&out);
                free(bdocs);
                return CARI_ENOMEM;
            }
            prev = doc;
        }
        w->posting_bytes += out.len;  /* never shorter: a doc gap is at */
        w->posting_bytes -= e->docs.len; /* least its rank gap */
        sbuf_free(&e->docs);
        e->docs = out;
        if (e->prev_doc1)
            e->prev_doc1 = bdocs[e->prev_doc1 - 1] + 1;
        if (e->open)
            e->cur_doc = bdocs[e->cur_doc];
        free(bdocs);
    }
    return CARI_OK;
}

/* Make room in w->tslots for slot s (a new table's entries are 0). */
static __attribute__((noinline)) int grow_tslots(cari_segment_writer *w,
                                                 uint32_t s)
{
    size_t n = w->ntslots ? w->ntslots : 4096;
    uint32_t *t;
    while (n <= s) {
        if (n > SIZE_MAX / 2 / sizeof *t)
            return CARI_ENOMEM;  /* a 32-bit size_t: it would wrap */
        n *= 2;
    }
    t = realloc(w->tslots, n * sizeof *t);
    if (!t)
        return CARI_ENOMEM;
    memset(t + w->ntslots, 0, (n - w->ntslots) * sizeof *t);
    w->tslots = t;
    w->ntslots = n;
    return CARI_OK;
}

/* The term id + 1 that slot s stands for, or 0 when not known yet. */
static inline uint32_t slot_term(const cari_segment_writer *w, uint32_t s)
{
    return s < w->ntslots ? w->tslots[s] : 0;
}

/* Add toks[0..ntoks), the analyzed tokens of one doc of `field`, their
 * slots of the analyzer's cache generation gen; returns its length. */
static long invert(cari_segment_writer *w, int field, uint32_t doc,
                   const cari_term_token *toks, size_t ntoks, uint32_t gen)
{
    size_t i;
    long len = 0, primary = -1; /* the term of the current word */
    char stopbuf[CARI_TITLE_STOP_MAX + 1];
    if (gen != w->slot_gen) {
        /* another cache, or the same one cleared: its slots are others */
        if (w->tslots)
            memset(w->tslots, 0, w->ntslots * sizeof *w->tslots);
        w->slot_gen = gen;
    }
    for (i = 0; i < ntoks; i++) {
        const cari_term_token *tok = &toks[i];
        long ti;
        field_acc *f;
        size_t before;
        uint32_t key;  /* the doc, or an exact form's rank (base1) */
        /* fetch the state of a term a few tokens on (the terms' states
         * are megabytes, visited at random), and the ends of the streams
         * of a nearer one, whose state is in the cache by now */
        if (i + PREFETCH_SLOT < ntoks && tok[PREFETCH_SLOT].slot < w->ntslots)
            __builtin_prefetch(&w->tslots[tok[PREFETCH_SLOT].slot]);
        if (i + PREFETCH_TERM < ntoks) {
            uint32_t t1 = slot_term(w, tok[PREFETCH_TERM].slot);
            if (t1)
                __builtin_prefetch(&TERM(w, t1 - 1)->f[field]);
        }
        if (i + PREFETCH_POS < ntoks) {
            uint32_t t1 = slot_term(w, tok[PREFETCH_POS].slot);
            if (t1) {
                const field_acc *g = &TERM(w, t1 - 1)->f[field];
                if (g->pos.data)
                    __builtin_prefetch(g->pos.data + g->pos.len, 1);
                if (g->open && g->cur_doc != doc && g->docs.data)
                    __builtin_prefetch(g->docs.data + g->docs.len, 1);
            }
        }
        if (tok->stop) {
            primary = -1;
            /* a title's stopwords are indexed as "~word", with positions
             * and without length: what a title phrase spans (rank.c's
             * title_phrase).  Passage text keeps none. */
            if (field != CARI_FIELD_TITLE || tok->term_len == 0 ||
                tok->term_len > CARI_TITLE_STOP_MAX)
                continue;
            stopbuf[0] = '~';
            memcpy(stopbuf + 1, tok->term, tok->term_len);
            ti = intern(w, stopbuf, tok->term_len + 1);
            if (ti < 0)
                return CARI_ENOMEM;
        } else if ((ti = (long)slot_term(w, tok->slot)) != 0) {
            ti--;
        } else {
            ti = intern(w, tok->term, tok->term_len);
            if (ti < 0)
                return CARI_ENOMEM;
            if (tok->slot) {
                if (tok->slot >= w->ntslots && grow_tslots(w, tok->slot))
                    return CARI_ENOMEM;
                w->tslots[tok->slot] = (uint32_t)ti + 1;
            }
            if (tok->alternative && tok->term[0] == '=' && primary >= 0) {
                /* an exact form comes with its word's first term
                 * (analyzer.c): met for the first time, it is kept in
                 * ranks of that term's lists when it can be.  A form met
                 * first without a term stays plain (form_derivable: it
                 * has postings then); base1 below checks the base at
                 * every token, the slot's fast path's too */
                term_acc *t = TERM(w, (size_t)ti);
                if (!t->f[0].base1 && form_derivable(w, t, (uint32_t)primary)) {
                    int g;
                    for (g = 0; g < CARI_NFIELDS; g++)
                        t->f[g].base1 = (uint32_t)primary + 1;
                }
            }
        }
        if (!tok->alternative && !tok->stop) {
            primary = ti;
            len++;
        }
        f = &TERM(w, (size_t)ti)->f[field];
        key = doc;
        if (f->base1) {
            /* an exact form coded against its base: the base's posting
             * of this doc, opened by the word's first term just now, is
             * the last of its list */
            if (CARI_LIKELY(f->base1 == (uint32_t)(primary + 1)))
                key = TERM(w, (size_t)f->base1 - 1)->f[field].df - 1;
            else if (form_to_docs(w, TERM(w, (size_t)ti)))
                return CARI_ENOMEM;  /* another base: plain lists */
        }
        if (!f->open || f->cur_doc != key) {
            if (f->open && close_posting(w, f))
                return CARI_ENOMEM;
            f->open = 1;
            f->cur_doc = key;
            f->cur_tf = 0;
            f->last_pos = 0;
            f->df++;
        }
        f->cur_tf++;
        if (f->nopos)
            continue;  /* exact forms, metadata: doc and tf only */
        before = f->pos.len;
        if (sbuf_varint(&w->small, &f->pos, tok->position - f->last_pos))
            return CARI_ENOMEM;
        w->posting_bytes += f->pos.len - before;
        f->last_pos = tok->position;
    }
    return len;
}

/* The article's metadata terms (filter.h) join its title tokens as extra
 * terms: no position, no length, never met by a query word. */
static int add_meta_terms(cari_segment_writer *w, const cari_article *a)
{
    size_t count, k;
    const char *p;
    if (!a->meta_len)
        return CARI_OK;
    if (cari_meta_terms(a->meta, a->meta_len, &w->meta_terms, &count))
        return CARI_ENOMEM;
    p = (const char *)w->meta_terms.data;
    for (k = 0; k < count; k++) {
        cari_term_token t;
        size_t l = strlen(p);
        memset(&t, 0, sizeof t);
        t.term = p;
        t.term_len = (uint32_t)l;
        t.alternative = 1;
        if (w->tokens.len == w->tokens.cap) {
            size_t cap = w->tokens.cap ? w->tokens.cap * 2 : 64;
            cari_term_token *q = realloc(w->tokens.items, cap * sizeof *q);
            if (!q)
                return CARI_ENOMEM;
            w->tokens.items = q;
            w->tokens.cap = cap;
        }
        w->tokens.items[w->tokens.len++] = t;
        p += l + 1;
    }
    return CARI_OK;
}

static uint32_t sat16(long v)
{
    return v > 65535 ? 65535 : (uint32_t)v;
}

void cari_analysis_free(cari_analysis *x)
{
    cari_spanvec_free(&x->spans);
    cari_tokvec_free(&x->tokens);
    free(x->ends);
    memset(x, 0, sizeof *x);
}

int cari_segw_analyze(cari_analyzer *an, const cari_passage_params *pp,
                      const cari_article *a, cari_analysis *x)
{
    size_t k;
    long n;
    if (a->text_len > UINT32_MAX / 2)
        return CARI_EINVAL;
    if (cari_split_passages(a->text, a->text_len, pp, &x->spans))
        return CARI_ENOMEM;
    if (x->ends_cap < x->spans.len + 1) {
        size_t cap = x->spans.len + 1 > 2 * x->ends_cap ? x->spans.len + 1
                                                        : 2 * x->ends_cap;
        uint32_t *e = realloc(x->ends, cap * sizeof *e);
        if (!e)
            return CARI_ENOMEM;
        x->ends = e;
        x->ends_cap = cap;
    }
    x->tokens.len = 0;
    n = cari_analyzer_append(an, a->title, a->title_len, 0, 0, &x->tokens);
    if (n < 0)
        return (int)n;
    x->ends[0] = (uint32_t)x->tokens.len;
    for (k = 0; k < x->spans.len; k++) {
        cari_span32 sp = x->spans.items[k];
        /* passage text keeps no stopword (invert): none are handed on */
        n = cari_analyzer_append(an, a->text + sp.start, sp.end - sp.start, 0,
                                 CARI_ANALYZE_NO_STOPS, &x->tokens);
        if (n < 0)
            return (int)n;
        if (x->tokens.len > UINT32_MAX)
            return CARI_EINVAL;
        x->ends[k + 1] = (uint32_t)x->tokens.len;
    }
    return CARI_OK;
}

/* The title's tokens are in w->tokens: add the article's metadata terms
 * to them and invert them as article art's title. */
static int invert_title(cari_segment_writer *w, const cari_article *a,
                        uint32_t art)
{
    long n;
    if (add_meta_terms(w, a))
        return CARI_ENOMEM;
    n = invert(w, CARI_FIELD_TITLE, art, w->tokens.items, w->tokens.len,
               w->tokens.gen);
    if (n < 0)
        return (int)n;
    w->total_len[CARI_FIELD_TITLE] += sat16(n);
    return u32_push(&w->title_len, sat16(n));
}

/* Invert toks[0..n), the tokens of passage sp (of cache generation gen),
 * as the next passage. */
static int invert_passage(cari_segment_writer *w, cari_span32 sp,
                          const cari_term_token *toks, size_t ntoks,
                          uint32_t gen)
{
    long n = invert(w, CARI_FIELD_BODY, (uint32_t)w->pstart.len, toks, ntoks,
                    gen);
    int rc = 0;
    if (n < 0)
        return (int)n;
    rc |= u32_push(&w->pstart, sp.start);
    rc |= u32_push(&w->pend, sp.end);
    rc |= u32_push(&w->body_len, sat16(n));
    w->total_len[CARI_FIELD_BODY] += sat16(n);
    return rc ? CARI_ENOMEM : CARI_OK;
}

/* Article art's id. */
static int add_id(cari_segment_writer *w, const cari_article *a, uint32_t art)
{
    int rc = 0;
    rc |= cari_buf_u64(&w->ids, cari_hash64(a->id, a->id_len));
    rc |= cari_buf_u32(&w->ids, art);
    rc |= u32_push(&w->id_offsets, (uint32_t)w->id_text.len);
    rc |= cari_buf_append(&w->id_text, a->id, a->id_len);
    return rc ? CARI_ENOMEM : CARI_OK;
}

int cari_segw_add_analyzed(cari_segment_writer *w, const cari_article *a,
                           const cari_analysis *x, uint32_t *article_no)
{
    uint32_t art = (uint32_t)w->first_passage.len;
    size_t k;
    int rc;
    if (a->text_len > UINT32_MAX / 2 || w->pstart.len >= UINT32_MAX / 2)
        return CARI_EINVAL;
    if (u32_push(&w->first_passage, (uint32_t)w->pstart.len))
        return CARI_ENOMEM;
    /* title: one doc per article in the title field */
    if (x->ends[0] > w->tokens.cap) {
        cari_term_token *q =
            realloc(w->tokens.items, x->ends[0] * sizeof *q);
        if (!q)
            return CARI_ENOMEM;
        w->tokens.items = q;
        w->tokens.cap = x->ends[0];
    }
    if (x->ends[0])
        memcpy(w->tokens.items, x->tokens.items,
               x->ends[0] * sizeof *x->tokens.items);
    w->tokens.len = x->ends[0];
    w->tokens.gen = x->tokens.gen;
    if ((rc = invert_title(w, a, art)))
        return rc;
    for (k = 0; k < x->spans.len; k++)
        /* (an article without a token has no token array: NULL + 0 is
         * undefined behaviour, which clang's UBSan reports) */
        if ((rc = invert_passage(w, x->spans.items[k],
                                 x->tokens.items ? x->tokens.items + x->ends[k]
                                                 : NULL,
                                 x->ends[k + 1] - x->ends[k],
                                 x->tokens.gen)))
            return rc;
    if ((rc = add_id(w, a, art)))
        return rc;
    *article_no = art;
    return CARI_OK;
}

int cari_segw_store(cari_segment_writer *w, const cari_article *a)
{
    return cari_store_writer_add(&w->store, a->title, a->title_len, a->meta,
                                 a->meta_len, a->text, a->text_len);
}

size_t cari_segw_store_memory(const cari_segment_writer *w)
{
    return cari_store_writer_memory(&w->store);
}

int cari_segw_add(cari_segment_writer *w, cari_analyzer *an,
                  const cari_article *a, uint32_t *article_no)
{
    int rc = cari_segw_add_unstored(w, an, a, article_no);
    return rc ? rc : cari_segw_store(w, a);
}

int cari_segw_add_unstored(cari_segment_writer *w, cari_analyzer *an,
                           const cari_article *a, uint32_t *article_no)
{
    /* cari_segw_analyze and cari_segw_add_analyzed in one, a passage at
     * a time: an article's tokens take about 4.4 times its text, and an
     * article may be large (the same bytes as the two halves) */
    uint32_t art = (uint32_t)w->first_passage.len;
    size_t k;
    long n;
    int rc;
    if (a->text_len > UINT32_MAX / 2 || w->pstart.len >= UINT32_MAX / 2)
        return CARI_EINVAL;
    if (cari_split_passages(a->text, a->text_len, &w->pp, &w->spans) ||
        u32_push(&w->first_passage, (uint32_t)w->pstart.len))
        return CARI_ENOMEM;
    n = cari_analyzer_run(an, a->title, a->title_len, 0, &w->tokens);
    if (n < 0)
        return (int)n;
    if ((rc = invert_title(w, a, art)))
        return rc;
    for (k = 0; k < w->spans.len; k++) {
        cari_span32 sp = w->spans.items[k];
        w->tokens.len = 0;
        cari_analyzer_bound(an);
        n = cari_analyzer_append(an, a->text + sp.start, sp.end - sp.start, 0,
                                 CARI_ANALYZE_NO_STOPS, &w->tokens);
        if (n < 0)
            return (int)n;
        if ((rc = invert_passage(w, sp, w->tokens.items, w->tokens.len,
                                 w->tokens.gen)))
            return rc;
    }
    if ((rc = add_id(w, a, art)))
        return rc;
    *article_no = art;
    return CARI_OK;
}

/* ---- merging: articles copied from a segment, not analyzed again ---- */

#define NO_DOC UINT32_MAX

/* A section's bytes that a merge streams out of memory: the first len in
 * a file (fd >= 0, unlinked: it goes when it is closed), with their
 * CRC-32, then whatever is still in memory. */
typedef struct spill {
    int fd;
    uint64_t len;
    uint32_t crc;
} spill;

#define SPILL_NONE {-1, 0, 0}
/* A flush or a merge moves a section's bytes to its file in pieces of
 * this much. */
#define SPILL_BYTES ((size_t)512 << 10)
/* ... and gives back the pages of its sources each time it has read
 * about this much of their postings and positions.  Between two
 * releases every source also maps its dictionary and list pages in
 * fault-around pieces (64 KiB), so with many sources that floor, not
 * this, is most of it: a commit's merge of 80 segments (--memory 64, 10x
 * clickid_news) held 56-70 MB of their pages at 16 MiB, 41-54 MB at
 * 1 MiB, in the same time (RssFile sampled between releases during
 * cari-index --memory 64 on bench/scale.sh's 10x corpus). */
#define RELEASE_BYTES ((uint64_t)1 << 20)

static int spill_out(spill *sp, const char *seg_path, int k, cari_buf *b,
                     cari_error *err)
{
    int rc;
    if (sp->fd < 0) {
        char tmp[4200];
        size_t n = strlen(seg_path);
        if (n > 5 && strcmp(seg_path + n - 5, ".cari") == 0)
            n -= 5;
        if (snprintf(tmp, sizeof tmp, "%.*s.tmp-%d", (int)n, seg_path, k) >=
            (int)sizeof tmp)
            return cari_set_error(err, CARI_EINVAL, "index path too long");
        sp->fd = cari_io_open_write(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
                                    0600);
        if (sp->fd < 0)
            return cari_io_error(err, tmp, "create");
        /* nameless from now on: nothing to clean up after a crash (a
         * leftover of one is removed by the next writer: index.c) */
        cari_io_unlink(tmp);
    }
    rc = cari_write_all(sp->fd, b->data, b->len, seg_path, err);
    if (rc)
        return rc;
    sp->crc = cari_crc32_update(sp->crc, b->data, b->len);
    sp->len += b->len;
    b->len = 0;
    return CARI_OK;
}

static void spill_close(spill *sp)
{
    if (sp->fd >= 0)
        close(sp->fd);
    sp->fd = -1;
}

/* Append the articles of src not set in deleted (a bitmap, or NULL) to
 * w: their tables, ids and stored text, in order; amap[a] and pmap[p] get
 * their new numbers (NO_DOC for a deleted article and its passages).  The
 * stored text goes to store_spill's file as it grows. */
static int copy_articles(cari_segment_writer *w, cari_segment *src,
                         const unsigned char *deleted, uint32_t *amap,
                         uint32_t *pmap, spill *store_spill,
                         const char *path, cari_error *err)
{
    uint32_t a, p, to = cari_segment_articles(src);
    uint32_t np = cari_segment_passages(src);
    int rc = CARI_OK;
    for (a = 0; a < to && !rc; a++) {
        uint32_t art = (uint32_t)w->first_passage.len, q0, q1, tl;
        const char *id;
        size_t id_len;
        cari_stored st;
        q0 = cari_segment_first_passage(src, a);
        q1 = q0 + cari_segment_passage_count(src, a);
        if (q1 > np || q1 < q0) {
            rc = CARI_ECORRUPT;
            break;
        }
        if (deleted && (deleted[a >> 3] >> (a & 7) & 1)) {
            amap[a] = NO_DOC;
            for (p = q0; p < q1; p++)
                pmap[p] = NO_DOC;
            continue;
        }
        if (w->pstart.len + (q1 - q0) >= UINT32_MAX / 2) {
            rc = CARI_EINVAL;
            break;
        }
        amap[a] = art;
        rc |= u32_push(&w->first_passage, (uint32_t)w->pstart.len);
        tl = cari_segment_title_len(src, a);
        rc |= u32_push(&w->title_len, tl);
        w->total_len[CARI_FIELD_TITLE] += tl;
        for (p = q0; p < q1 && !rc; p++) {
            uint32_t start, end, bl = cari_segment_body_len(src, p);
            rc = cari_segment_passage_range(src, p, &start, &end);
            if (rc)
                break;
            pmap[p] = (uint32_t)w->pstart.len;
            rc |= u32_push(&w->pstart, start);
            rc |= u32_push(&w->pend, end);
            rc |= u32_push(&w->body_len, bl);
            w->total_len[CARI_FIELD_BODY] += bl;
        }
        if (rc)
            break;
        id = cari_segment_id(src, a, &id_len);
        rc |= cari_buf_u64(&w->ids, cari_hash64(id, id_len));
        rc |= cari_buf_u32(&w->ids, art);
        rc |= u32_push(&w->id_offsets, (uint32_t)w->id_text.len);
        rc |= cari_buf_append(&w->id_text, id, id_len);
        if (rc)
            break;
        rc = cari_segment_article(src, a, &st);
        if (!rc)
            rc = cari_store_writer_add(&w->store, st.title, st.title_len,
                                       st.meta_len ? st.meta : NULL,
                                       st.meta_len, st.text, st.text_len);
        if (!rc && w->store.data.len >= SPILL_BYTES) {
            w->store.spilled += w->store.data.len;
            rc = spill_out(store_spill, path, 3, &w->store.data, err);
            if (rc)
                return rc;
            /* the source's text is read front to back: what was read is
             * not memory to keep (a --merge of a 230 MB segment held
             * all of its stored text's pages until the source was done:
             * 197 MB at 10x, --memory 64) */
            cari_segment_release_pages(src);
        }
    }
    if (rc == CARI_ENOMEM)
        return cari_set_error(err, rc, "out of memory");
    if (rc)
        return cari_set_error(err, rc, "%s", rc == CARI_ECORRUPT
                                  ? "a segment's tables or stored text do "
                                    "not decode"
                                  : cari_strerror(rc));
    return CARI_OK;
}

/* ---- an exact form's base term ----
 *
 * An exact form's entry ("=menulis") names its base term ("tulis"), whose
 * lists in each field hold every doc of the form's (the analyzer indexes
 * both for each occurrence), as a recipe made from the form:
 *
 *   base := varint h      0: none, the form's lists are plain; else with
 *                         v = h - 1: p = v & 3, m = (v >> 2) & 7, k = v >> 5
 *           [varint m']   when m is 7: m = 7 + m'
 *           [varint p']   when p is 3: p = 3 + p'
 *           byte{p}       P
 *
 * the base being P followed by the form without its first k and last m
 * bytes (menulis -> "t" + "ulis": k 3, m 0, p 1; dimakan -> makan: k 2).
 * Its lists are then coded as ranks in the base's (codec.h,
 * cari_postings_open_derived): on clickid_news 0.91 MB against the 2.0 MB
 * that exact forms took as plain lists.
 */

static size_t varint_size(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static size_t recipe_size(size_t k, size_t m, size_t p)
{
    size_t mm = m < 7 ? m : 7, pp = p < 3 ? p : 3;
    return varint_size(((uint64_t)k << 5 | mm << 2 | pp) + 1) +
           (mm == 7 ? varint_size(m - 7) : 0) +
           (pp == 3 ? varint_size(p - 3) : 0) + p;
}

/* Append the recipe of base for form (both without "="). */
static int base_put(cari_buf *out, const char *form, size_t flen,
                    const char *base, size_t blen)
{
    size_t k, m, bk = flen, bm = 0, bp = blen, best = recipe_size(flen, 0, blen);
    int rc = 0;
    for (k = 0; k < flen; k++) {
        /* the longest middle form[k..flen-m) that ends the base */
        for (m = 0; k + m < flen; m++) {
            size_t mid = flen - k - m;
            if (mid <= blen &&
                memcmp(form + k, base + blen - mid, mid) == 0) {
                size_t sz = recipe_size(k, m, blen - mid);
                if (sz < best) {
                    best = sz;
                    bk = k;
                    bm = m;
                    bp = blen - mid;
                }
                break;
            }
        }
    }
    rc |= cari_buf_varint(out, ((uint64_t)bk << 5 | (bm < 7 ? bm : 7) << 2 |
                                (bp < 3 ? bp : 3)) + 1);
    if (bm >= 7)
        rc |= cari_buf_varint(out, bm - 7);
    if (bp >= 3)
        rc |= cari_buf_varint(out, bp - 3);
    rc |= cari_buf_append(out, base, bp);
    return rc ? CARI_ENOMEM : CARI_OK;
}

int cari_segment_base_get(const unsigned char **q, const unsigned char *end,
                          const char *form, size_t flen, char *out,
                          size_t *out_len)
{
    uint64_t h = cari_varint_get(q, end), k, m, p, mid;
    *out_len = 0;
    if (!*q)
        return CARI_ECORRUPT;
    if (h == 0)
        return CARI_OK;
    h--;
    p = h & 3;
    m = h >> 2 & 7;
    k = h >> 5;
    if (m == 7)
        m += cari_varint_get(q, end);
    if (p == 3)
        p += cari_varint_get(q, end);
    if (!*q || k > flen || m > flen - k || p > (uint64_t)(end - *q))
        return CARI_ECORRUPT;
    mid = flen - k - m;
    if (p + mid == 0 || p + mid >= 256)
        return CARI_ECORRUPT;
    if ((p ? (*q)[0] : (unsigned char)form[k]) == '=')
        return CARI_ECORRUPT;  /* no chains */
    if (out) {
        memcpy(out, *q, (size_t)p);
        memcpy(out + p, form + k, (size_t)mid);
    }
    *q += p;
    *out_len = (size_t)(p + mid);
    return CARI_OK;
}

/* ---- writing the file ---- */

/* Orders pointers to terms by their bytes (no shared state: segments are
 * written by several threads at once). */
static int cmp_terms(const void *x, const void *y)
{
    const term_acc *a = *(const term_acc *const *)x;
    const term_acc *b = *(const term_acc *const *)y;
    return cari_bytes_cmp(a->term, a->len, b->term, b->len);
}

/* A term to sort: its first 8 bytes as a big-endian number (zeros past
 * its end), then the term. */
typedef struct sort_key {
    uint64_t key;
    term_acc *t;
} sort_key;

static int cmp_sort_keys(const void *x, const void *y)
{
    const sort_key *a = x, *b = y;
    return cmp_terms(&a->t, &b->t);
}

/* w's terms in the order cmp_terms gives (malloc'd; NULL when out of
 * memory): a radix sort of their keys, a byte at a time from the last,
 * then each run of equal keys by the whole terms.  The terms lie all over
 * memory: on clickid_news's 124,759 terms qsort with cmp_terms took 40 ms
 * (it was most of the sort's 30 ms with the keys), this 13 ms.  It holds
 * 32 bytes a term while it sorts, as qsort and the lengths array did. */
static term_acc **sorted_terms(cari_segment_writer *w)
{
    size_t n = w->nterms, i, j, count[256];
    sort_key *keys = malloc((n ? n : 1) * 2 * sizeof *keys);
    sort_key *a = keys, *b = keys + n, *x;
    term_acc **order;
    void *shrunk;
    int shift;
    if (!keys)
        return NULL;
    for (i = 0; i < n; i++) {
        term_acc *t = TERM(w, i);
        uint64_t k = 0;
        for (j = 0; j < 8; j++)
            k = k << 8 | (j < t->len ? (unsigned char)t->term[j] : 0);
        a[i].key = k;
        a[i].t = t;
    }
    for (shift = 0; shift < 64; shift += 8) {
        size_t sum = 0;
        memset(count, 0, sizeof count);
        for (i = 0; i < n; i++)
            count[(a[i].key >> shift) & 0xff]++;
        if (n && count[(a[0].key >> shift) & 0xff] == n)
            continue;  /* all alike in this byte */
        for (j = 0; j < 256; j++) {
            size_t c = count[j];
            count[j] = sum;
            sum += c;
        }
        for (i = 0; i < n; i++)
            b[count[(a[i].key >> shift) & 0xff]++] = a[i];
        x = a;
        a = b;
        b = x;
    }
    for (i = 0; i < n; i = j) {
        for (j = i + 1; j < n && a[j].key == a[i].key; j++)
            ;
        if (j - i > 1)
            qsort(a + i, j - i, sizeof *a, cmp_sort_keys);
    }
    /* the pointers in place at the start of the buffer: order[i] lies
     * before a[i] (or in the other half), which is read first */
    order = (term_acc **)(void *)keys;
    for (i = 0; i < n; i++)
        order[i] = a[i].t;
    shrunk = realloc(keys, (n ? n : 1) * sizeof *order);
    return shrunk ? shrunk : order;
}

static int cmp_ids(const void *x, const void *y)
{
    uint64_t a = cari_get_u64(x), b = cari_get_u64(y);
    uint32_t c = cari_get_u32((const unsigned char *)x + 8);
    uint32_t d = cari_get_u32((const unsigned char *)y + 8);
    if (a != b)
        return a < b ? -1 : 1;
    return c < d ? -1 : c > d;
}

typedef struct out_file {
    int fd;
    const char *path;
    uint64_t off;
    cari_buf table;
    cari_error *err;
} out_file;

/* Part of a section: the bytes of a temporary file (sp: NULL or none
 * opened for none), then data[0..len). */
typedef struct section_part {
    const spill *sp;
    const void *data;
    size_t len;
} section_part;

/* Write a section made of parts[0..n), one after another; its checksum
 * from the files' own (crc32_combine) and the data's. */
static int write_section_parts(out_file *o, int id,
                               const section_part *parts, size_t n)
{
    static const unsigned char zeros[8];
    unsigned char buf[1 << 16];
    uint64_t total = 0;
    uint32_t crc = 0;
    int rc;
    size_t pad = (8 - (o->off & 7)) & 7, i;
    if (pad) {
        rc = cari_write_all(o->fd, zeros, pad, o->path, o->err);
        if (rc)
            return rc;
        o->off += pad;
    }
    for (i = 0; i < n; i++) {
        const spill *sp = parts[i].sp;
        if (sp && sp->fd >= 0) {
            crc = (uint32_t)crc32_combine(crc, sp->crc, (z_off_t)sp->len);
            total += sp->len;
        }
        crc = cari_crc32_update(crc, parts[i].data, parts[i].len);
        total += parts[i].len;
    }
    if (cari_buf_u32(&o->table, (uint32_t)id) ||
        cari_buf_u32(&o->table, crc) ||
        cari_buf_u64(&o->table, o->off) || cari_buf_u64(&o->table, total))
        return cari_set_error(o->err, CARI_ENOMEM, "out of memory");
    for (i = 0; i < n; i++) {
        const spill *sp = parts[i].sp;
        uint64_t done = 0, flen = sp && sp->fd >= 0 ? sp->len : 0;
        while (done < flen) {
            size_t want = flen - done < sizeof buf ? (size_t)(flen - done)
                                                    : sizeof buf;
            ssize_t got = pread(sp->fd, buf, want, (off_t)done);
            if (got <= 0)
                return cari_io_error(o->err, o->path,
                                     "reading back a temporary file");
            rc = cari_write_all(o->fd, buf, (size_t)got, o->path, o->err);
            if (rc)
                return rc;
            done += (uint64_t)got;
        }
        rc = cari_write_all(o->fd, parts[i].data, parts[i].len, o->path,
                            o->err);
        if (rc)
            return rc;
    }
    o->off += total;
    return CARI_OK;
}

/* Write a section: first the bytes in sp's file (if any), then
 * data[0..len). */
static int write_section_spilled(out_file *o, int id, const spill *sp,
                                 const void *data, size_t len)
{
    section_part part = {sp, data, len};
    return write_section_parts(o, id, &part, 1);
}

static int write_section(out_file *o, int id, const void *data, size_t len)
{
    return write_section_spilled(o, id, NULL, data, len);
}

/* One term's posting list in one field, decoded, as the writer and a
 * merge code it (buffers reused from list to list). */
typedef struct list_bufs {
    uint32_t *docs, *tfs, *lens;  /* cap entries each */
    uint32_t *pbytes, *vals;      /* bcap, vcap */
    size_t cap, bcap, vcap;
    size_t n, nv;            /* postings; positions (gaps) in vals */
    cari_arena arena;        /* a merge's skip tables */
} list_bufs;

static int grow_u32(uint32_t **p, size_t *cap, size_t need)
{
    uint32_t *q;
    size_t c = *cap ? *cap : 256;
    if (need <= *cap)
        return CARI_OK;
    while (c < need)
        c *= 2;
    q = realloc(*p, c * sizeof *q);
    if (!q)
        return CARI_ENOMEM;
    *p = q;
    *cap = c;
    return CARI_OK;
}

/* Room in l for `more` postings. */
static int list_reserve(list_bufs *l, size_t more)
{
    uint32_t **arrays[3] = {&l->docs, &l->tfs, &l->lens};
    size_t need = l->n + more, cap = l->cap ? l->cap : 256, i;
    if (need <= l->cap)
        return CARI_OK;
    while (cap < need)
        cap *= 2;
    for (i = 0; i < 3; i++) {
        uint32_t *p = realloc(*arrays[i], cap * sizeof *p);
        if (!p)
            return CARI_ENOMEM;  /* the others keep l->cap at least */
        *arrays[i] = p;
    }
    l->cap = cap;
    return CARI_OK;
}

static void list_free(list_bufs *l)
{
    free(l->docs);
    free(l->tfs);
    free(l->lens);
    free(l->pbytes);
    free(l->vals);
    cari_arena_free(&l->arena);
}

/* Code l (its n postings and its nv positions, as gaps from 0 in each
 * posting, none for a list without positions) onto post, and its
 * positions onto pos; *pos_len gets the positions' bytes.  limit: the
 * field's doc count (codec.h). */
static int encode_list(cari_buf *post, cari_buf *pos, list_bufs *l,
                       uint32_t limit, size_t *pos_len)
{
    uint32_t df = (uint32_t)l->n;
    size_t nb = cari_postings_blocks(df);
    int rc = 0;
    *pos_len = 0;
    /* each block's positions size, for its skip entry */
    if (grow_u32(&l->pbytes, &l->bcap, nb + 1))
        return CARI_ENOMEM;
    if (l->nv) {
        size_t b, e = 0, v = 0;
        size_t pos_start = pos->len;
        for (b = 0; b < (nb ? nb : 1) && !rc; b++) {
            size_t last = nb ? (b + 1) * CARI_BLOCK : df, v0 = v;
            size_t before = pos->len;
            if (last > df)
                last = df;
            for (; e < last; e++)
                v += l->tfs[e];
            if (v > l->nv)
                return CARI_ECORRUPT;
            rc |= cari_positions_encode(pos, l->vals + v0, v - v0);
            l->pbytes[b] = (uint32_t)(pos->len - before);
        }
        *pos_len = pos->len - pos_start;
    } else {
        memset(l->pbytes, 0, (nb + 1) * 4);
    }
    rc |= cari_postings_encode(post, l->docs, l->tfs, l->lens, l->pbytes, df,
                               limit);
    return rc ? CARI_ENOMEM : CARI_OK;
}

/* Begin term number `no` of a dictionary being written: its block's
 * offsets first when it opens a block (post_off, pos_off: where its lists
 * start), then the prefix it shares with the term before, prev, the rest
 * of it and the fields it occurs in (a bit each); its lists' entries
 * follow. */
static int dict_put_term(cari_buf *dict, cari_buf *dictidx, uint64_t no,
                         const char *term, size_t len, const char *prev,
                         size_t prev_len, uint64_t post_off, uint64_t pos_off,
                         unsigned fields)
{
    size_t prefix = 0;
    int rc = 0;
    if (no % CARI_DICT_BLOCK == 0) {
        rc |= cari_buf_u32(dictidx, (uint32_t)dict->len);
        rc |= cari_buf_varint(dict, post_off);
        rc |= cari_buf_varint(dict, pos_off);
    } else {
        while (prefix < len && prefix < prev_len &&
               term[prefix] == prev[prefix])
            prefix++;
    }
    rc |= cari_buf_varint(dict, prefix);
    rc |= cari_buf_varint(dict, (uint64_t)(len - prefix) << 2 | fields);
    rc |= cari_buf_append(dict, term + prefix, len - prefix);
    return rc ? CARI_ENOMEM : CARI_OK;
}

/* The inverted sections of a segment being written, the postings and
 * positions moved to files as they grow (spill_out), so that a flush or a
 * merge holds no more than SPILL_BYTES of them. */
typedef struct inverted {
    cari_buf dict, dictidx, post, pos;
    spill post_spill, pos_spill, store_spill;
    uint64_t nterms;
    int tmp;              /* its temporary files' numbers: tmp + 1, tmp + 2
                             (a write's second thread has its own) */
    const struct inverted *tail; /* the postings and positions that follow
                                    these, coded by a write's second
                                    thread (NULL: none) */
} inverted;

/* An inverted with nothing yet, whose temporary files are numbered from
 * tmp + 1. */
#define INVERTED_INIT(tmp)                                                  \
    {{0}, {0}, {0}, {0}, SPILL_NONE, SPILL_NONE, SPILL_NONE, 0, (tmp), NULL}

static void inverted_free(inverted *inv)
{
    spill_close(&inv->post_spill);
    spill_close(&inv->pos_spill);
    spill_close(&inv->store_spill);
    cari_buf_free(&inv->dict);
    cari_buf_free(&inv->dictidx);
    cari_buf_free(&inv->post);
    cari_buf_free(&inv->pos);
}

/* Move the coded postings and positions to their files once a piece has
 * grown (after each term, flush and merge alike). */
static int spill_coded(inverted *inv, const char *path, cari_error *err)
{
    int rc = CARI_OK;
    if (inv->post.len >= SPILL_BYTES)
        rc = spill_out(&inv->post_spill, path, inv->tmp + 1, &inv->post, err);
    if (!rc && inv->pos.len >= SPILL_BYTES)
        rc = spill_out(&inv->pos_spill, path, inv->tmp + 2, &inv->pos, err);
    return rc;
}

/* Code the lists of terms order[lo, hi) (sorted; lo a multiple of
 * CARI_DICT_BLOCK), appending their bytes to inv's postings and
 * positions (spilled to inv's files as they grow), and their entries to
 * inv's dictionary, whose blocks' offsets then count from the first of
 * these lists (dict_shift moves them when lo is not 0). */
typedef struct encode_job {
    cari_segment_writer *w;
    term_acc **order;
    size_t lo, hi;
    inverted *inv;        /* its postings and positions, and their files */
    uint64_t post_off, pos_off; /* the bytes of lists it has coded */
    const char *path;
    int finish_store;     /* first, finish the stored text (a helper) */
    int rc;
    cari_error err;
} encode_job;

#define ENCODE_AHEAD 8

/* The terms are visited in their sorted order, their states, names and
 * lists at random (encode_terms): fetch the state of the term
 * ENCODE_AHEAD on, and the name and first list bytes of a nearer one,
 * whose state is in the cache by now.  The name's load was 40% of
 * encode_terms' samples (and 55% of a second pass that wrote the
 * dictionary, before encode_terms did). */
static inline void prefetch_ahead(term_acc *const *order, size_t i,
                                  size_t hi)
{
    int f;
    if (i + ENCODE_AHEAD < hi) {
        const char *a = (const char *)order[i + ENCODE_AHEAD];
        __builtin_prefetch(a);
        __builtin_prefetch(a + 64);
        __builtin_prefetch(a + 128);
    }
    if (i + ENCODE_AHEAD / 2 < hi) {
        const term_acc *a = order[i + ENCODE_AHEAD / 2];
        __builtin_prefetch(a->term);
        for (f = 0; f < CARI_NFIELDS; f++)
            if (a->f[f].docs.data)
                __builtin_prefetch(a->f[f].docs.data);
    }
}

static void *encode_terms(void *arg)
{
    encode_job *j = arg;
    cari_segment_writer *w = j->w;
    list_bufs l;
    size_t i;
    int rc = CARI_OK;
    memset(&l, 0, sizeof l);
    if (j->finish_store) {
        rc = cari_store_writer_finish(&w->store);
        w->store_finished = !rc;
        if (rc)  /* the caller reports j->err */
            rc = cari_set_error(&j->err, rc, "out of memory writing %s",
                                j->path);
    }
    for (i = j->lo; i < j->hi && !rc; i++) {
        term_acc *t = j->order[i];
        const term_acc *base, *prev = i > j->lo ? j->order[i - 1] : NULL;
        cari_buf *dict = &j->inv->dict;
        int f, positional = cari_term_positional(t->term, t->len);
        unsigned fields = 0;
        prefetch_ahead(j->order, i, j->hi);
        base = t->f[0].base1 ? TERM(w, (size_t)t->f[0].base1 - 1) : NULL;
        /* its dictionary entry (segment.c's top): the lists' lengths
         * follow as each is coded */
        for (f = 0; f < CARI_NFIELDS; f++)
            if (t->f[f].df)
                fields |= 1u << f;
        rc = dict_put_term(dict, &j->inv->dictidx, i, t->term, t->len,
                           prev ? prev->term : NULL, prev ? prev->len : 0,
                           j->post_off, j->pos_off, fields);
        if (!rc && t->term[0] == '=')
            rc = base ? base_put(dict, t->term + 1, t->len - 1, base->term,
                                 base->len)
                      : cari_buf_varint(dict, 0) ? CARI_ENOMEM : CARI_OK;
        for (f = 0; f < CARI_NFIELDS && !rc; f++) {
            field_acc *fa = &t->f[f];
            const unsigned char *q, *end;
            size_t k, post_start = j->inv->post.len, post_len, pos_len;
            int64_t d = -1;
            if (fa->df == 0)
                continue;
            l.n = l.nv = 0;
            if (list_reserve(&l, fa->df) ||
                grow_u32(&l.vals, &l.vcap, fa->pos.len)) {
                rc = CARI_ENOMEM;
                break;
            }
            /* decode the in-memory entries */
            q = fa->docs.data;
            end = q + fa->docs.len;
            for (k = 0; k < fa->df; k++) {
                uint64_t v = cari_varint_get(&q, end);
                d += (int64_t)(v >> 1) + 1;
                l.docs[k] = (uint32_t)d;
                l.tfs[k] = (v & 1) ? 1 : (uint32_t)cari_varint_get(&q, end);
            }
            /* the docs' lengths; none for a form coded against its base
             * (its entries hold ranks): its skip entries' min_len is 0,
             * so that a merge need not read the base's list to learn its
             * docs */
            if (base)
                memset(l.lens, 0, fa->df * sizeof *l.lens);
            else
                for (k = 0; k < fa->df; k++)
                    l.lens[k] = f == CARI_FIELD_BODY
                                    ? w->body_len.items[l.docs[k]]
                                    : w->title_len.items[l.docs[k]];
            l.n = fa->df;
            /* positions (none for exact forms): the in-memory varints,
             * to be coded again in blocks (codec.h) */
            if (fa->pos.len) {
                q = fa->pos.data;
                end = q + fa->pos.len;
                while (q < end)
                    l.vals[l.nv++] = (uint32_t)cari_varint_get(&q, end);
            }
            rc = encode_list(&j->inv->post, &j->inv->pos, &l,
                             base ? base->f[f].df
                             : f == CARI_FIELD_BODY
                                 ? (uint32_t)w->pstart.len
                                 : (uint32_t)w->first_passage.len,
                             &pos_len);
            post_len = j->inv->post.len - post_start;
            rc |= cari_buf_varint(dict, fa->df);
            rc |= cari_buf_varint(dict, post_len);
            if (positional)
                rc |= cari_buf_varint(dict, pos_len);
            j->post_off += post_len;
            j->pos_off += pos_len;
            /* free as we go: the buffers are no longer needed */
            sbuf_free(&fa->docs);
            sbuf_free(&fa->pos);
        }
        if (rc)
            rc = cari_set_error(&j->err, CARI_ENOMEM,
                                "out of memory writing %s", j->path);
        /* what is coded goes to the files: the flush then needs little
         * memory beyond what it frees (the buffers would double) */
        else
            rc = spill_coded(j->inv, j->path, &j->err);
    }
    list_free(&l);
    j->rc = rc;
    return NULL;
}

static void *encode_helper(void *arg)
{
    cari_thread_name("cari-encode");
    return encode_terms(arg);
}

/* Where a second thread takes over coding the sorted terms: half way
 * through their in-memory bytes, at the start of a dictionary block (its
 * entries then share no prefix with the first part's). */
static size_t encode_split(term_acc *const *order, size_t n)
{
    uint64_t total = 0, half;
    size_t i;
    int f;
    for (i = 0; i < n; i++)
        for (f = 0; f < CARI_NFIELDS; f++)
            total += order[i]->f[f].docs.len + order[i]->f[f].pos.len;
    half = total / 2;
    total = 0;
    for (i = 0; i < n && (total < half || i % CARI_DICT_BLOCK); i++)
        for (f = 0; f < CARI_NFIELDS; f++)
            total += order[i]->f[f].docs.len + order[i]->f[f].pos.len;
    return i;
}

/* Append the dictionary of second, whose blocks' offsets count from
 * post_base and pos_base, to inv's: each block's two offsets are coded
 * again, the rest of it copied. */
static int dict_shift(inverted *inv, const inverted *second,
                      uint64_t post_base, uint64_t pos_base)
{
    const unsigned char *d = second->dict.data;
    size_t nblocks = second->dictidx.len / 4, k;
    int rc = 0;
    for (k = 0; k < nblocks && !rc; k++) {
        size_t start = cari_get_u32(second->dictidx.data + 4 * k);
        size_t end = k + 1 < nblocks
                         ? cari_get_u32(second->dictidx.data + 4 * (k + 1))
                         : second->dict.len;
        const unsigned char *q = d + start, *e = d + end;
        uint64_t post = cari_varint_get(&q, e), pos = cari_varint_get(&q, e);
        rc |= cari_buf_u32(&inv->dictidx, (uint32_t)inv->dict.len);
        rc |= cari_buf_varint(&inv->dict, post + post_base);
        rc |= cari_buf_varint(&inv->dict, pos + pos_base);
        rc |= cari_buf_append(&inv->dict, q, (size_t)(e - q));
    }
    return rc ? CARI_ENOMEM : CARI_OK;
}

/* Code w's terms into inv, with two threads into inv and second (which
 * then becomes inv->tail). */
static int build_inverted(cari_segment_writer *w, inverted *inv,
                          inverted *second, const char *path,
                          cari_error *err)
{
    term_acc **order = sorted_terms(w);
    size_t m;
    encode_job a, b;
    pthread_t helper;
    int helped = 0;
    int rc = CARI_OK;
    if (!order)
        return cari_set_error(err, CARI_ENOMEM, "out of memory writing %s",
                              path);
    /* with two threads, the second codes the terms of the later half of
     * the bytes (after finishing the stored text) into buffers and files
     * of its own, written after the first's, and the dictionary's
     * offsets are moved after: the same bytes as one thread's */
    m = w->threads > 1 && w->nterms >= 1024 ? encode_split(order, w->nterms)
                                             : w->nterms;
    memset(&a, 0, sizeof a);
    a.w = w;
    a.order = order;
    a.lo = 0;
    a.hi = m;
    a.inv = inv;
    a.path = path;
    b = a;
    b.lo = m;
    b.hi = w->nterms;
    b.inv = second;
    b.finish_store = 1;
    if (m < w->nterms)
        helped = pthread_create(&helper, NULL, encode_helper, &b) == 0;
    encode_terms(&a);
    if (helped)
        pthread_join(helper, NULL);
    else if (m < w->nterms && !a.rc)
        encode_terms(&b);  /* no thread: after the first half */
    if (a.rc || (m < w->nterms && b.rc)) {
        const encode_job *bad = a.rc ? &a : &b;
        rc = cari_set_error(err, bad->rc, "%s", bad->err.message);
    } else if (m < w->nterms) {
        inv->tail = second;
        if (dict_shift(inv, second, a.post_off, a.pos_off))
            rc = cari_set_error(err, CARI_ENOMEM, "out of memory writing %s",
                                path);
    }
    free(order);
    return rc;
}

static int write_segment(cari_segment_writer *w, inverted *inv,
                         const char *path, int sync, cari_error *err);

/* Close every term's open posting: invert() leaves a doc's postings open
 * until the term's next doc (or this) writes them. */
static int close_all(cari_segment_writer *w)
{
    size_t i;
    int f;
    for (i = 0; i < w->nterms; i++)
        for (f = 0; f < CARI_NFIELDS; f++) {
            field_acc *a = &TERM(w, i)->f[f];
            if (a->open && close_posting(w, a))
                return CARI_ENOMEM;
        }
    return CARI_OK;
}

int cari_segw_write(cari_segment_writer *w, const char *path, int sync,
                    uint64_t *terms, cari_error *err)
{
    inverted inv = INVERTED_INIT(0), second = INVERTED_INIT(3);
    int rc;
    rc = close_all(w);
    if (rc)
        return cari_set_error(err, rc, "out of memory writing %s", path);
    rc = build_inverted(w, &inv, &second, path, err);
    inv.nterms = w->nterms;
    if (!rc)
        rc = write_segment(w, &inv, path, sync, err);
    inverted_free(&inv);
    inverted_free(&second);
    if (!rc && terms)
        *terms = w->nterms;
    return rc;
}

static int write_segment(cari_segment_writer *w, inverted *inv,
                         const char *path, int sync, cari_error *err)
{
    cari_buf info = {0}, arts = {0}, pass = {0}, storeidx = {0}, idtext = {0},
             idsec = {0};
    out_file o = {-1, path, 0, {0}, err};
    unsigned char header[16], trailer[32];
    uint32_t na = (uint32_t)w->first_passage.len;
    uint32_t np = (uint32_t)w->pstart.len;
    size_t i;
    int rc = 0;

    if (!w->store_finished)  /* unless build_inverted's helper did */
        rc |= cari_store_writer_finish(&w->store);
    rc |= cari_store_writer_index(&w->store, &storeidx);
    rc |= cari_buf_u32(&info, na);
    rc |= cari_buf_u32(&info, np);
    rc |= cari_buf_u32(&info, (uint32_t)inv->nterms);
    rc |= cari_buf_u32(&info, (uint32_t)(inv->dictidx.len / 4));
    rc |= cari_buf_u64(&info, w->total_len[CARI_FIELD_BODY]);
    rc |= cari_buf_u64(&info, w->total_len[CARI_FIELD_TITLE]);
    {
        uint32_t flags = (CARI_SEGMENT_META_TERMS | CARI_SEGMENT_LEN8 |
                          CARI_SEGMENT_DATE_FORMS2) & ~w->lacks;
        for (i = 0; i < np; i++)
            if (w->body_len.items[i] > 255)
                flags &= ~CARI_SEGMENT_LEN8;
        rc |= cari_buf_u32(&info, flags);
        for (i = 0; i < np && !rc; i++) {
            unsigned char b[2] = {(unsigned char)w->body_len.items[i],
                                  (unsigned char)(w->body_len.items[i] >> 8)};
            rc |= cari_buf_append(&pass, b, flags & CARI_SEGMENT_LEN8 ? 1 : 2);
        }
    }
    for (i = 0; i < na && !rc; i++) {
        uint32_t p, lo = w->first_passage.items[i];
        uint32_t hi = i + 1 < na ? w->first_passage.items[i + 1] : np;
        uint32_t prev = 0;
        rc |= cari_buf_varint(&arts, hi - lo);
        rc |= cari_buf_varint(&arts, w->title_len.items[i]);
        for (p = lo; p < hi; p++) {
            rc |= cari_buf_varint(&pass, w->pstart.items[p] - prev);
            rc |= cari_buf_varint(&pass, w->pend.items[p] - w->pstart.items[p]);
            prev = w->pend.items[p];
        }
    }
    for (i = 0; i < na; i++) { /* front-coded (the layout above) */
        const unsigned char *id = w->id_text.data + w->id_offsets.items[i];
        size_t len = (i + 1 < na ? w->id_offsets.items[i + 1]
                                 : w->id_text.len) - w->id_offsets.items[i];
        size_t pre = 0;
        if (i % CARI_ID_RESTART) {
            const unsigned char *prev = w->id_text.data + w->id_offsets.items[i - 1];
            size_t prev_len = w->id_offsets.items[i] - w->id_offsets.items[i - 1];
            while (pre < len && pre < prev_len && id[pre] == prev[pre])
                pre++;
        }
        rc |= cari_buf_varint(&idtext, pre);
        rc |= cari_buf_varint(&idtext, len - pre);
        rc |= cari_buf_append(&idtext, id + pre, len - pre);
    }
    if (rc) {
        rc = cari_set_error(err, CARI_ENOMEM, "out of memory writing %s",
                            path);
        goto done;
    }
    /* the tables are coded: what is left to write is the coded bytes, so
     * let them go (at 10x clickid_news, a commit's merge of 1.4M passages
     * held 28 MB of them, with their doubling slack, to the end) */
    u32_release(&w->pstart);
    u32_release(&w->pend);
    u32_release(&w->body_len);
    u32_release(&w->first_passage);
    u32_release(&w->title_len);
    u32_release(&w->id_offsets);
    cari_buf_free(&w->id_text);
    if (w->ids.len) /* qsort(NULL, 0, ...) is undefined */
        qsort(w->ids.data, w->ids.len / 12, 12, cmp_ids);
    for (i = 0; i < na; i++) /* the articles, in their ids' hash order */
        rc |= cari_buf_append(&idsec, w->ids.data + 12 * i + 8, 4);
    cari_buf_free(&w->ids);
    if (rc) {
        rc = cari_set_error(err, CARI_ENOMEM, "out of memory writing %s",
                            path);
        goto done;
    }

    o.fd = cari_io_open_write(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                              0644);
    if (o.fd < 0) {
        rc = cari_io_error(err, path, "create");
        goto done;
    }
    memcpy(header, CARI_SEG_MAGIC, 8);
    cari_put_u32(header + 8, CARI_SEG_VERSION);
    cari_put_u32(header + 12, 16);
    rc = cari_write_all(o.fd, header, 16, path, err);
    o.off = 16;
    if (!rc) rc = write_section(&o, CARI_SEC_INFO, info.data, info.len);
    if (!rc) rc = write_section(&o, CARI_SEC_ARTICLES, arts.data, arts.len);
    if (!rc) rc = write_section(&o, CARI_SEC_PASSAGES, pass.data, pass.len);
    if (!rc) rc = write_section(&o, CARI_SEC_DICT, inv->dict.data, inv->dict.len);
    if (!rc) rc = write_section(&o, CARI_SEC_DICTIDX, inv->dictidx.data,
                                inv->dictidx.len);
    {
        /* the first thread's lists, then the second's (inv->tail) */
        const inverted *t = inv->tail;
        section_part post[2] = {{&inv->post_spill, inv->post.data, inv->post.len}};
        section_part pos[2] = {{&inv->pos_spill, inv->pos.data, inv->pos.len}};
        size_t nparts = 1;
        if (t) {
            post[1] = (section_part){&t->post_spill, t->post.data, t->post.len};
            pos[1] = (section_part){&t->pos_spill, t->pos.data, t->pos.len};
            nparts = 2;
        }
        if (!rc) rc = write_section_parts(&o, CARI_SEC_POSTINGS, post, nparts);
        if (!rc) rc = write_section_parts(&o, CARI_SEC_POSITIONS, pos, nparts);
    }
    if (!rc) rc = write_section_spilled(&o, CARI_SEC_STORE, &inv->store_spill,
                                        w->store.data.data, w->store.data.len);
    if (!rc) rc = write_section(&o, CARI_SEC_STOREIDX, storeidx.data, storeidx.len);
    if (!rc) rc = write_section(&o, CARI_SEC_IDS, idsec.data, idsec.len);
    if (!rc) rc = write_section(&o, CARI_SEC_IDTEXT, idtext.data, idtext.len);
    if (!rc) rc = write_section(&o, CARI_SEC_STOREWORDS, w->store.words_out.data,
                                w->store.words_out.len);
    if (!rc) {
        uint64_t table_off = o.off;
        rc = cari_write_all(o.fd, o.table.data, o.table.len, path, err);
        o.off += o.table.len;
        cari_put_u64(trailer, table_off);
        cari_put_u32(trailer + 8, (uint32_t)(o.table.len / 24));
        cari_put_u32(trailer + 12,
                     cari_crc32(o.table.data, o.table.len));
        cari_put_u64(trailer + 16, o.off + 32);
        memcpy(trailer + 24, CARI_SEG_END_MAGIC, 8);
        if (!rc)
            rc = cari_write_all(o.fd, trailer, 32, path, err);
    }
    if (!rc && sync && cari_io_fsync(o.fd) != 0)
        rc = cari_io_error(err, path, "fsync");
    if (close(o.fd) != 0 && !rc)
        rc = cari_io_error(err, path, "close");
    if (rc)
        cari_io_unlink(path);
done:
    cari_buf_free(&info);
    cari_buf_free(&arts);
    cari_buf_free(&pass);
    cari_buf_free(&storeidx);
    cari_buf_free(&idtext);
    cari_buf_free(&idsec);
    cari_buf_free(&o.table);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Reader                                                              */
/* ------------------------------------------------------------------ */

struct cari_segment {
    /* first, for segment.h's inline accessors: first_passage and
     * title_len decoded from ARTICLES, passage_article, tie_key (the
     * cari_fnv1a64 of each passage's article id), body_len in PASSAGES */
    cari_segment_hot hot;
    unsigned char *map;
    size_t size;
    const unsigned char *sec[CARI_SEC_COUNT + 1];
    size_t sec_len[CARI_SEC_COUNT + 1];
    uint32_t narticles, npassages, nterms, ndictblocks;
    uint32_t flags;
    uint64_t total_len[CARI_NFIELDS];
    uint32_t *range_off;     /* [articles + 1]: each article's ranges */
    const unsigned char *ranges;
    size_t ranges_len;
    char *id_text;        /* the ids, decoded from IDTEXT at open */
    uint64_t *id_hash;    /* the hash of IDS' entry i's id, built by the
                             first cari_segment_find_id (a writer's) */
    uint32_t *id_off;     /* article a's id is id_text[id_off[a], id_off[a+1]) */
    cari_store_reader store;
};

static int corrupt(cari_error *err, const char *path, const char *what)
{
    return cari_set_error(err, CARI_ECORRUPT, "%s: %s", path, what);
}

/* Decode ARTICLES into s->hot.first_passage and s->hot.title_len, fill
 * s->hot.passage_article, and find where each article's ranges start in
 * PASSAGES (s->range_off): the counts must add up to the passages, and
 * every range decode, both sections to their last byte.  CARI_ECORRUPT,
 * CARI_ENOMEM. */
static int decode_tables(cari_segment *s)
{
    const unsigned char *q = s->sec[CARI_SEC_ARTICLES];
    const unsigned char *end = q + s->sec_len[CARI_SEC_ARTICLES];
    const unsigned char *r = s->ranges, *rend = s->ranges + s->ranges_len;
    uint32_t a, p = 0, k;
    size_t na = s->narticles;
    s->hot.first_passage = malloc((na + 1) * sizeof *s->hot.first_passage);
    s->hot.title_len = malloc((na ? na : 1) * sizeof *s->hot.title_len);
    s->range_off = malloc((na + 1) * sizeof *s->range_off);
    s->hot.passage_article = malloc(((size_t)s->npassages + 1) * 4);
    if (!s->hot.first_passage || !s->hot.title_len || !s->range_off ||
        !s->hot.passage_article)
        return CARI_ENOMEM;
    for (a = 0; a < na; a++) {
        uint64_t n = cari_varint_get(&q, end), tl;
        if (!q)
            return CARI_ECORRUPT;
        tl = cari_varint_get(&q, end);
        if (!q || n > s->npassages - p || tl > UINT16_MAX)
            return CARI_ECORRUPT;
        s->hot.first_passage[a] = p;
        s->hot.title_len[a] = (uint32_t)tl;
        s->range_off[a] = (uint32_t)(r - s->ranges);
        for (k = 0; k < n; k++, p++) {
            uint64_t gap = cari_varint_get(&r, rend), len;
            if (!r)
                return CARI_ECORRUPT;
            len = cari_varint_get(&r, rend);
            if (!r || gap > UINT32_MAX || len > UINT32_MAX)
                return CARI_ECORRUPT;
            s->hot.passage_article[p] = a;
        }
    }
    if (p != s->npassages || q != end || r != rend ||
        s->ranges_len > UINT32_MAX)
        return CARI_ECORRUPT;
    s->hot.first_passage[na] = p;
    s->range_off[na] = (uint32_t)s->ranges_len;
    return CARI_OK;
}

/* Decode IDTEXT (front-coded, the layout above) into s->id_text and
 * s->id_off: a pass to check it and size the text, then one to copy.
 * CARI_ECORRUPT when it does not decode to exactly one id per article
 * (none empty), CARI_ENOMEM. */
static int decode_ids(cari_segment *s)
{
    const unsigned char *start = s->sec[CARI_SEC_IDTEXT];
    const unsigned char *end = start + s->sec_len[CARI_SEC_IDTEXT], *q;
    uint64_t total = 0, prev_len = 0;
    uint32_t a;
    int pass;
    for (pass = 0; pass < 2; pass++) {
        q = start;
        prev_len = 0;
        for (a = 0; a < s->narticles; a++) {
            uint64_t pre = cari_varint_get(&q, end), suf;
            if (!q)
                return CARI_ECORRUPT;
            suf = cari_varint_get(&q, end);
            if (!q || pre > prev_len || (a % CARI_ID_RESTART == 0 && pre) ||
                suf > (uint64_t)(end - q) || pre + suf == 0)
                return CARI_ECORRUPT;
            if (pass == 0) {
                total += pre + suf;
            } else {
                uint32_t at = s->id_off[a];
                memcpy(s->id_text + at, s->id_text + at - prev_len, pre);
                memcpy(s->id_text + at + pre, q, suf);
                s->id_off[a + 1] = at + (uint32_t)(pre + suf);
            }
            q += suf;
            prev_len = pre + suf;
        }
        if (q != end || total > UINT32_MAX)
            return CARI_ECORRUPT;
        if (pass == 0) {
            s->id_text = malloc(total ? total : 1);
            s->id_off = malloc(((size_t)s->narticles + 1) * sizeof *s->id_off);
            if (!s->id_text || !s->id_off)
                return CARI_ENOMEM;
            s->id_off[0] = 0;
        }
    }
    return CARI_OK;
}

/* The file is checksummed through windows of this much: a larger file's
 * pages are given back as the checksums pass them, so that opening a
 * segment never holds more of it in memory than this (a merge writes
 * segments of any size; the writer opens them to commit).  64 MiB until
 * 2026-11-30: a two-word query on the 10x index (a 227 MB segment) then
 * peaked at 77.5 MB, at 8 MiB 45.6 MB, in the same time. */
#define CRC_WINDOW ((uint64_t)8 << 20)

static uint32_t section_crc(const cari_segment *s, uint64_t off, uint64_t len)
{
    uint32_t crc = 0;
    if (s->size <= CRC_WINDOW)
        return cari_crc32(s->map + off, (size_t)len);
    while (len) {
        uint64_t n = len < CRC_WINDOW ? len : CRC_WINDOW;
        uintptr_t lo = (uintptr_t)(s->map + off), hi = lo + (uintptr_t)n;
        long page = sysconf(_SC_PAGESIZE);
        uintptr_t mask = (uintptr_t)(page > 0 ? page : 4096) - 1;
        crc = cari_crc32_update(crc, s->map + off, (size_t)n);
        /* the whole pages read: not memory to keep */
        lo = (lo + mask) & ~mask;
        hi &= ~mask;
        if (hi > lo)
            (void)madvise((void *)lo, hi - lo, MADV_DONTNEED);
        off += n;
        len -= n;
    }
    return crc;
}

static int segment_open(const char *path, int verify, cari_segment **out,
                        cari_error *err);

int cari_segment_open(const char *path, cari_segment **out, cari_error *err)
{
    return segment_open(path, 1, out, err);
}

int cari_segment_open_written(const char *path, cari_segment **out,
                              cari_error *err)
{
    return segment_open(path, 0, out, err);
}

static int segment_open(const char *path, int verify, cari_segment **out,
                        cari_error *err)
{
    cari_segment *s;
    struct stat st;
    int fd;
    const unsigned char *t, *tr;
    uint64_t table_off, next;
    uint32_t count, i;
    int rc;
    *out = NULL;
    fd = cari_open_index_file(path);
    if (fd == CARI_NOT_REGULAR)
        return corrupt(err, path, "not a regular file");
    if (fd < 0)
        return cari_set_error(err, errno == ENOENT ? CARI_ENOTFOUND : CARI_EIO,
                              "%s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0) {
        close(fd);
        return cari_set_error(err, CARI_EIO, "%s: %s", path, strerror(errno));
    }
    if (st.st_size < 48) {
        close(fd);
        return corrupt(err, path, "file too short (truncated)");
    }
    s = calloc(1, sizeof *s);
    if (!s) {
        close(fd);
        return cari_set_error(err, CARI_ENOMEM, "out of memory");
    }
    s->size = (size_t)st.st_size;
    /* verified, every byte is read at once (the section checksums
     * below): map the pages of a file of up to CRC_WINDOW in one go
     * rather than fault them in one by one; a larger one is read ahead
     * and given back a window at a time (section_crc).  Unverified (a
     * segment just written), only what is used is read. */
    s->map = mmap(NULL, s->size, PROT_READ,
                  MAP_PRIVATE | (verify && s->size <= CRC_WINDOW
                                     ? MAP_POPULATE_FLAG : 0),
                  fd, 0);
    if (s->map != MAP_FAILED && verify && s->size > CRC_WINDOW)
        (void)madvise(s->map, s->size, MADV_SEQUENTIAL);
    close(fd);
    if (s->map == MAP_FAILED) {
        /* no address space or memory left (ulimit -v): not an I/O error */
        int e = errno;
        s->map = NULL;
        cari_segment_close(s);
        return cari_set_error(err, e == ENOMEM || e == EAGAIN ? CARI_ENOMEM
                                                              : CARI_EIO,
                              "%s: mmap failed: %s", path, strerror(e));
    }
    if (memcmp(s->map, CARI_SEG_MAGIC, 8) != 0) {
        rc = corrupt(err, path, "not a cari segment (bad magic)");
        goto fail;
    }
    if (cari_get_u32(s->map + 8) != CARI_SEG_VERSION) {
        /* the header has no checksum: a bit flip there looks like another
         * version, so say both (a rebuild is the remedy either way) */
        rc = cari_set_error(err, CARI_ECORRUPT,
                            "%s: segment format %u, this cari reads %d (a "
                            "damaged header, or another version of cari "
                            "wrote it)",
                            path, cari_get_u32(s->map + 8), CARI_SEG_VERSION);
        goto fail;
    }
    if (cari_get_u32(s->map + 12) != 16) {
        rc = corrupt(err, path, "bad header size");
        goto fail;
    }
    tr = s->map + s->size - 32;
    if (memcmp(tr + 24, CARI_SEG_END_MAGIC, 8) != 0 ||
        cari_get_u64(tr + 16) != s->size) {
        rc = corrupt(err, path, "truncated or damaged trailer");
        goto fail;
    }
    table_off = cari_get_u64(tr);
    count = cari_get_u32(tr + 8);
    if (table_off < 16 || table_off > s->size - 32 ||
        (uint64_t)count * 24 != s->size - 32 - table_off) {
        rc = corrupt(err, path, "bad section table");
        goto fail;
    }
    t = s->map + table_off;
    if (cari_crc32(t, (size_t)count * 24) != cari_get_u32(tr + 12)) {
        rc = corrupt(err, path, "section table checksum mismatch");
        goto fail;
    }
    /* the sections, their padding and the table cover the file exactly,
     * so every byte is checked: by value, by a crc, or as zero padding */
    next = 16;
    for (i = 0; i < count; i++) {
        uint32_t id = cari_get_u32(t + 24 * i);
        uint32_t crc = cari_get_u32(t + 24 * i + 4);
        uint64_t off = cari_get_u64(t + 24 * i + 8);
        uint64_t len = cari_get_u64(t + 24 * i + 16);
        if (id < 1 || id > CARI_SEC_COUNT || off != ((next + 7) & ~(uint64_t)7) ||
            off > table_off || len > table_off - off) {
            rc = corrupt(err, path, "bad section table entry");
            goto fail;
        }
        for (; next < off; next++)
            if (s->map[next] != 0) {
                rc = corrupt(err, path, "damaged padding between sections");
                goto fail;
            }
        next = off + len;
        if (verify && section_crc(s, off, len) != crc) {
            cari_set_error(err, CARI_ECORRUPT,
                           "%s: checksum mismatch in section '%s'", path,
                           section_names[id]);
            rc = CARI_ECORRUPT;
            goto fail;
        }
        s->sec[id] = s->map + off;
        s->sec_len[id] = (size_t)len;
    }
    /* read through: queries read at random */
    if (verify && s->size > CRC_WINDOW)
        (void)madvise(s->map, s->size, MADV_NORMAL);
    if (next != table_off) {
        rc = corrupt(err, path, "bad section table");
        goto fail;
    }
    for (i = 1; i <= CARI_SEC_COUNT; i++)
        if (!s->sec[i]) {
            char what[64];
            snprintf(what, sizeof what, "missing section '%s'",
                     section_names[i]);
            rc = corrupt(err, path, what);
            goto fail;
        }
    if (s->sec_len[CARI_SEC_INFO] < 32) {
        rc = corrupt(err, path, "info section too short");
        goto fail;
    }
    s->narticles = cari_get_u32(s->sec[CARI_SEC_INFO]);
    s->npassages = cari_get_u32(s->sec[CARI_SEC_INFO] + 4);
    s->nterms = cari_get_u32(s->sec[CARI_SEC_INFO] + 8);
    s->ndictblocks = cari_get_u32(s->sec[CARI_SEC_INFO] + 12);
    s->total_len[CARI_FIELD_BODY] = cari_get_u64(s->sec[CARI_SEC_INFO] + 16);
    s->total_len[CARI_FIELD_TITLE] = cari_get_u64(s->sec[CARI_SEC_INFO] + 24);
    s->flags = s->sec_len[CARI_SEC_INFO] >= 36 ? cari_get_u32(s->sec[CARI_SEC_INFO] + 32)
                                          : 0;
    s->hot.len8 = (s->flags & CARI_SEGMENT_LEN8) != 0;
    if (s->sec_len[CARI_SEC_PASSAGES] <
            (s->hot.len8 ? 1 : 2) * (size_t)s->npassages ||
        s->sec_len[CARI_SEC_DICTIDX] != 4 * (size_t)s->ndictblocks ||
        s->sec_len[CARI_SEC_IDS] != 4 * (size_t)s->narticles ||
        s->ndictblocks != (s->nterms + CARI_DICT_BLOCK - 1) / CARI_DICT_BLOCK) {
        rc = corrupt(err, path, "section sizes do not match the counts");
        goto fail;
    }
    s->hot.body_len = s->sec[CARI_SEC_PASSAGES];
    s->ranges = s->hot.body_len + (s->hot.len8 ? 1 : 2) * (size_t)s->npassages;
    s->ranges_len = s->sec_len[CARI_SEC_PASSAGES] -
                    (s->hot.len8 ? 1 : 2) * (size_t)s->npassages;
    if ((rc = decode_tables(s))) {
        if (rc == CARI_ECORRUPT)
            rc = corrupt(err, path, "bad article or passage table");
        else
            rc = cari_set_error(err, rc, "out of memory");
        goto fail;
    }
    if ((rc = decode_ids(s))) {
        if (rc == CARI_ECORRUPT)
            rc = corrupt(err, path, "bad id table");
        else
            rc = cari_set_error(err, rc, "out of memory");
        goto fail;
    }
    /* the ranking's tie-break key of each passage (see
     * cari_segment_tie_key) */
    s->hot.tie_key =
        malloc(((size_t)s->npassages + 1) * sizeof *s->hot.tie_key);
    if (!s->hot.tie_key) {
        rc = cari_set_error(err, CARI_ENOMEM, "out of memory");
        goto fail;
    }
    {
        uint32_t a, p = 0;
        for (a = 0; a < s->narticles; a++) {
            size_t len;
            const char *id = cari_segment_id(s, a, &len);
            uint64_t h = cari_fnv1a64(id, len);
            uint32_t hi = s->hot.first_passage[a + 1];
            for (; p < hi; p++)
                s->hot.tie_key[p] = h;
        }
    }
    rc = cari_store_reader_init(&s->store, s->sec[CARI_SEC_STORE],
                                s->sec_len[CARI_SEC_STORE], s->sec[CARI_SEC_STOREIDX],
                                s->sec_len[CARI_SEC_STOREIDX],
                                s->sec[CARI_SEC_STOREWORDS],
                                s->sec_len[CARI_SEC_STOREWORDS], s->narticles);
    if (rc == CARI_ENOMEM) {
        rc = cari_set_error(err, CARI_ENOMEM, "out of memory");
        goto fail;
    }
    if (rc) {
        /* which part: the index checked out when the list's place is set */
        rc = corrupt(err, path, s->store.words_len
                                    ? "bad stored text word list"
                                    : "bad stored text index");
        goto fail;
    }
    s->store.checked = 1;  /* its CRC-32 was verified above */
    /* The checksums read every page of the file.  Let them go from this
     * process (they stay in the page cache, a query faults back in the few
     * it reads): otherwise a writer that opens its segments at commit, or
     * a reader of a large index, holds the whole index as resident memory,
     * and indexing memory would grow with the collection, not with
     * --memory. */
    cari_segment_release_pages(s);
    *out = s;
    return CARI_OK;
fail:
    cari_segment_close(s);
    return rc;
}

void cari_segment_close(cari_segment *s)
{
    if (!s)
        return;
    if (s->map)
        munmap(s->map, s->size);
    free(s->hot.passage_article);
    free(s->hot.tie_key);
    free(s->id_text);
    free(s->id_off);
    free(s->id_hash);
    free(s->hot.first_passage);
    free(s->hot.title_len);
    free(s->range_off);
    cari_store_reader_free(&s->store);
    free(s);
}

uint32_t cari_segment_articles(const cari_segment *s) { return s->narticles; }
uint32_t cari_segment_flags(const cari_segment *s) { return s->flags; }
uint32_t cari_segment_passages(const cari_segment *s) { return s->npassages; }
uint32_t cari_segment_terms(const cari_segment *s) { return s->nterms; }
uint64_t cari_segment_file_size(const cari_segment *s) { return s->size; }

uint64_t cari_segment_total_len(const cari_segment *s, int field)
{
    return s->total_len[field];
}

void cari_segment_release_pages(cari_segment *s)
{
    (void)madvise(s->map, s->size, MADV_DONTNEED);
}

void cari_segment_drop_rank_tables(cari_segment *s)
{
    free(s->hot.tie_key);
    s->hot.tie_key = NULL;
}

void cari_segment_drop_words(cari_segment *s)
{
    cari_store_reader_drop_words(&s->store);
}

int cari_segment_passage_range(const cari_segment *s, uint32_t p,
                               uint32_t *start, uint32_t *end)
{
    uint32_t a = s->hot.passage_article[p];
    uint32_t k, n = p - cari_segment_first_passage(s, a);
    const unsigned char *q = s->ranges + s->range_off[a];
    const unsigned char *e = s->ranges + s->range_off[a + 1];
    uint64_t pos = 0, b = 0;
    for (k = 0; k <= n; k++) {
        pos += cari_varint_get(&q, e);
        b = pos + cari_varint_get(&q, e);
        if (!q || b > UINT32_MAX)
            return CARI_ECORRUPT;
        if (k < n)
            pos = b;
    }
    *start = (uint32_t)pos;
    *end = (uint32_t)b;
    return CARI_OK;
}

const char *cari_segment_id(const cari_segment *s, uint32_t a, size_t *len)
{
    *len = s->id_off[a + 1] - s->id_off[a];
    return s->id_text + s->id_off[a];
}

const cari_store_reader *cari_segment_store(const cari_segment *s)
{
    return &s->store;
}

int cari_segment_article(cari_segment *s, uint32_t a, cari_stored *out)
{
    return cari_store_reader_get(&s->store, a, out);
}

/* Compare term with the first term of dictionary block b. */
static int cmp_block(const cari_segment *s, uint32_t b, const char *term,
                     size_t len, int *cmp)
{
    const unsigned char *dict = s->sec[CARI_SEC_DICT];
    const unsigned char *end = dict + s->sec_len[CARI_SEC_DICT];
    uint32_t off = cari_get_u32(s->sec[CARI_SEC_DICTIDX] + 4 * (size_t)b);
    const unsigned char *q = dict + off;
    uint64_t prefix, n;
    size_t m;
    int c;
    if (off >= s->sec_len[CARI_SEC_DICT])
        return CARI_ECORRUPT;
    cari_varint_get(&q, end);
    cari_varint_get(&q, end);
    prefix = cari_varint_get(&q, end);
    n = cari_varint_get(&q, end) >> 2; /* the suffix's length */
    if (!q || prefix != 0 || n > (uint64_t)(end - q))
        return CARI_ECORRUPT;
    m = len < n ? len : (size_t)n;
    c = memcmp(term, q, m);
    *cmp = c ? c : (len < n ? -1 : len > n);
    return CARI_OK;
}

/* A cursor over the dictionary's entries, in term order. */
typedef struct dict_iter {
    const cari_segment *s;
    uint32_t block, k;     /* current block, entries read from it */
    const unsigned char *q, *end;
    uint64_t post_off, pos_off;
    char cur[256];
    size_t cur_len;
    char base[256];        /* cur is an exact form with a base: its term */
    size_t base_len;       /* 0: none (a plain list) */
    const unsigned char *recipe; /* base_len > 0: the base's recipe, read
                                    into base by iter_base() */
    int base_read;
} dict_iter;

static void dict_iter_start(dict_iter *it, const cari_segment *s, uint32_t b)
{
    it->s = s;
    it->block = b;
    it->k = CARI_DICT_BLOCK;  /* forces loading block b on the first next() */
    it->end = s->sec[CARI_SEC_DICT] + s->sec_len[CARI_SEC_DICT];
    it->cur_len = 0;
    it->block--;
}

/* Next entry: 1 (it->cur and info filled), 0 at the end, CARI_ECORRUPT. */
static int dict_iter_next(dict_iter *it, cari_term_info *info)
{
    const cari_segment *s = it->s;
    uint64_t prefix, n;
    unsigned fields;
    int f, positional;
    if (it->k >= CARI_DICT_BLOCK ||
        (size_t)it->block * CARI_DICT_BLOCK + it->k >= s->nterms) {
        it->block++;
        if (it->block >= s->ndictblocks)
            return 0;
        it->q = s->sec[CARI_SEC_DICT] +
                cari_get_u32(s->sec[CARI_SEC_DICTIDX] + 4 * (size_t)it->block);
        if (it->q >= it->end)
            return CARI_ECORRUPT;
        it->post_off = cari_varint_get(&it->q, it->end);
        it->pos_off = cari_varint_get(&it->q, it->end);
        it->k = 0;
        it->cur_len = 0;
    }
    if ((size_t)it->block * CARI_DICT_BLOCK + it->k >= s->nterms)
        return 0;
    prefix = cari_varint_get(&it->q, it->end);
    n = cari_varint_get(&it->q, it->end);
    fields = (unsigned)(n & 3);
    n >>= 2;
    if (!it->q || prefix > it->cur_len || n > (uint64_t)(it->end - it->q) ||
        prefix + n >= sizeof it->cur || (it->k == 0 && prefix != 0))
        return CARI_ECORRUPT;
    memcpy(it->cur + prefix, it->q, (size_t)n);
    it->cur_len = (size_t)(prefix + n);
    it->q += n;
    it->base_len = 0;
    info->derived = 0;
    if (it->cur_len && it->cur[0] == '=') {
        /* its base's term is spelt out when asked for (iter_base): a scan
         * of the vocabulary has no use for it */
        int rc;
        it->recipe = it->q;
        it->base_read = 0;
        rc = cari_segment_base_get(&it->q, it->end, it->cur + 1,
                                   it->cur_len - 1, NULL, &it->base_len);
        if (rc)
            return rc;
        info->derived = it->base_len ? -1 : 0;  /* not looked up yet */
    }
    positional = cari_term_positional(it->cur, it->cur_len);
    for (f = 0; f < CARI_NFIELDS; f++) {
        uint64_t df = 0, pl = 0, xl = 0;
        if (fields >> f & 1) {
            df = cari_varint_get(&it->q, it->end);
            pl = cari_varint_get(&it->q, it->end);
            if (positional)
                xl = cari_varint_get(&it->q, it->end);
            if (df == 0)
                return CARI_ECORRUPT;
        }
        if (!it->q || df > UINT32_MAX ||
            it->post_off + pl > s->sec_len[CARI_SEC_POSTINGS] ||
            it->pos_off + xl > s->sec_len[CARI_SEC_POSITIONS])
            return CARI_ECORRUPT;
        info->df[f] = (uint32_t)df;
        info->limit[f] = f == CARI_FIELD_BODY ? s->npassages : s->narticles;
        info->postings[f] = s->sec[CARI_SEC_POSTINGS] + it->post_off;
        info->postings_len[f] = (size_t)pl;
        info->positions[f] = s->sec[CARI_SEC_POSITIONS] + it->pos_off;
        info->positions_len[f] = (size_t)xl;
        it->post_off += pl;
        it->pos_off += xl;
    }
    it->k++;
    return 1;
}

/* The last dictionary block whose first term is <= term (0 if none). */
static int find_block(const cari_segment *s, const char *term, size_t len,
                      uint32_t *block)
{
    uint32_t lo = 0, hi = s->ndictblocks;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c;
        if (cmp_block(s, mid, term, len, &c))
            return CARI_ECORRUPT;
        if (c >= 0)
            lo = mid;
        else
            hi = mid;
    }
    *block = lo;
    return CARI_OK;
}

static int cmp_bytes(const char *a, size_t na, const char *b, size_t nb)
{
    size_t m = na < nb ? na : nb;
    int c = memcmp(a, b, m);
    return c ? c : (na < nb ? -1 : na > nb);
}

/* Spell out the base term of the exact form the iterator is at. */
static void iter_base(dict_iter *it)
{
    const unsigned char *q = it->recipe;
    size_t len;
    if (!it->base_len || it->base_read)
        return;
    /* read once already: it decodes */
    cari_segment_base_get(&q, it->end, it->cur + 1, it->cur_len - 1,
                          it->base, &len);
    it->base_read = 1;
}

/* Look up the base of the exact form the iterator is at (info: its
 * entry) and fill info's base lists. */
static int resolve_base(const cari_segment *s, dict_iter *it,
                        cari_term_info *info)
{
    cari_term_info b;
    int f, found;
    if (!it->base_len)
        return CARI_OK;
    iter_base(it);
    found = cari_segment_lookup(s, it->base, it->base_len, &b);
    if (found != 1 || b.derived)
        return CARI_ECORRUPT;  /* (the base is not an exact form) */
    for (f = 0; f < CARI_NFIELDS; f++) {
        /* the form's docs are some of the base's */
        if (info->df[f] > b.df[f])
            return CARI_ECORRUPT;
        info->base_df[f] = b.df[f];
        info->base_postings[f] = b.postings[f];
        info->base_postings_len[f] = b.postings_len[f];
        info->base_positions[f] = b.positions[f];
        info->base_positions_len[f] = b.positions_len[f];
    }
    info->derived = 1;
    return CARI_OK;
}

int cari_term_open(cari_postings *p, const cari_term_info *info, int field,
                   cari_arena *arena)
{
    if (info->derived < 0)
        return CARI_EINVAL;  /* from a scan: look the term up */
    if (info->derived)
        return cari_postings_open_derived(
            p, info->postings[field], info->postings_len[field],
            info->df[field], info->base_postings[field],
            info->base_postings_len[field], info->base_positions[field],
            info->base_positions_len[field], info->base_df[field],
            info->limit[field], arena);
    return cari_postings_open_limit(p, info->postings[field],
                                    info->postings_len[field],
                                    info->positions[field],
                                    info->positions_len[field],
                                    info->df[field], info->limit[field], arena);
}

int cari_segment_lookup(const cari_segment *s, const char *term, size_t len,
                        cari_term_info *info)
{
    dict_iter it;
    uint32_t b;
    int rc;
    if (s->ndictblocks == 0 || len >= sizeof it.cur)
        return 0;
    if (find_block(s, term, len, &b))
        return CARI_ECORRUPT;
    dict_iter_start(&it, s, b);
    while ((rc = dict_iter_next(&it, info)) == 1) {
        int c = cmp_bytes(term, len, it.cur, it.cur_len);
        if (c == 0)
            return resolve_base(s, &it, info) ? CARI_ECORRUPT : 1;
        if (c < 0 || it.block != b)
            return 0;
    }
    return rc;
}

int cari_segment_scan_prefix(const cari_segment *s, const char *prefix,
                             size_t len, cari_term_fn fn, void *ctx)
{
    dict_iter it;
    cari_term_info info;
    uint32_t b;
    int rc;
    if (s->ndictblocks == 0 || len >= sizeof it.cur)
        return CARI_OK;
    if (find_block(s, prefix, len, &b))
        return CARI_ECORRUPT;
    dict_iter_start(&it, s, b);
    while ((rc = dict_iter_next(&it, &info)) == 1) {
        int c = cmp_bytes(prefix, len, it.cur, it.cur_len < len ? it.cur_len : len);
        if (c > 0 || (c == 0 && it.cur_len < len))
            continue;  /* before the prefix */
        if (c < 0)
            return CARI_OK;  /* past it */
        rc = fn(ctx, it.cur, it.cur_len, &info);
        if (rc)
            return rc > 0 ? CARI_OK : rc;
    }
    return rc;
}

/* ---- merging segments into a new file, streamed ---- */

/* One source of a merge: its dictionary cursor and doc maps. */
typedef struct merge_src {
    cari_segment *seg;
    dict_iter it;
    cari_term_info info;
    int live;                /* it holds a term not yet merged */
    uint32_t *amap, *pmap;   /* old article / passage -> new, or NO_DOC */
    int holes;               /* some of its articles are left out */
    int in_term;             /* it holds the term being merged */
} merge_src;

/* Append the live postings of field f of a source's current list to l:
 * new doc numbers, tfs, lengths and (positional) position gaps. */
static int gather(list_bufs *l, const cari_segment_writer *w,
                  const merge_src *m, const cari_term_info *info, int f,
                  int positional)
{
    const uint32_t *map = f == CARI_FIELD_BODY ? m->pmap : m->amap;
    uint32_t limit = f == CARI_FIELD_BODY ? cari_segment_passages(m->seg)
                                          : cari_segment_articles(m->seg);
    cari_postings it;
    uint32_t doc;
    int rc;
    cari_arena_reset(&l->arena);
    rc = cari_term_open(&it, info, f, &l->arena);
    if (rc)
        return rc;
    if (list_reserve(l, info->df[f]))
        return CARI_ENOMEM;
    for (doc = it.doc; doc < limit; doc = cari_postings_next(&it)) {
        uint32_t to = map[doc], tf = cari_postings_tf(&it), k, *v;
        if (to == NO_DOC)
            continue;
        /* docs ascend (the maps keep the order) and fit the room made
         * for df of them; each position takes a bit at least, so a larger
         * tf is damage and must not size memory */
        if ((l->n && to <= l->docs[l->n - 1]) || l->n == l->cap || tf == 0 ||
            (positional && tf > (uint64_t)info->positions_len[f] * 8))
            return CARI_ECORRUPT;
        l->docs[l->n] = to;
        l->tfs[l->n] = tf;
        l->lens[l->n] = f == CARI_FIELD_BODY ? w->body_len.items[to]
                                             : w->title_len.items[to];
        l->n++;
        if (!positional)
            continue;
        if (grow_u32(&l->vals, &l->vcap, l->nv + tf))
            return CARI_ENOMEM;
        v = l->vals + l->nv;
        if (cari_postings_positions(&it, v, tf) != (int)tf)
            return CARI_ECORRUPT;
        /* positions to gaps, as invert() keeps them */
        for (k = tf - 1; k > 0; k--) {
            if (v[k] < v[k - 1])
                return CARI_ECORRUPT;
            v[k] -= v[k - 1];
        }
        l->nv += tf;
    }
    return it.corrupt ? CARI_ECORRUPT : CARI_OK;
}

static int merge_advance(merge_src *m)
{
    int rc = dict_iter_next(&m->it, &m->info);
    m->live = rc == 1;
    if (rc == 1)
        rc = resolve_base(m->seg, &m->it, &m->info);
    return rc < 0 ? rc : CARI_OK;
}

/* An exact form's merged lists are coded against its base when every
 * source that holds it codes them against the same base (whose merged
 * list then holds all their docs): that base's term, else NULL. */
static const dict_iter *merged_base(const merge_src *src, const size_t *with,
                                    size_t nwith)
{
    const dict_iter *first = &src[with[0]].it;
    size_t j;
    if (!first->base_len)
        return NULL;
    for (j = 1; j < nwith; j++) {
        const dict_iter *it = &src[with[j]].it;
        if (cmp_bytes(it->base, it->base_len, first->base, first->base_len))
            return NULL;
    }
    return first;
}

/* Look term up in every source: binfo[i], df 0 where it is absent. */
static int lookup_all(const merge_src *src, size_t n, const char *term,
                      size_t len, cari_term_info *binfo, long *bad)
{
    size_t i;
    for (i = 0; i < n; i++) {
        int found = cari_segment_lookup(src[i].seg, term, len, &binfo[i]);
        if (found < 0) {
            *bad = (long)i;
            return found;
        }
        if (!found)
            memset(binfo[i].df, 0, sizeof binfo[i].df);
    }
    return CARI_OK;
}

/* The postings of field f of an exact form whose every source codes it
 * against the same base (binfo: the base in each source), into l as ranks
 * in the base's merged list: that list is the sources' live base docs one
 * source after another, so a rank is the live base docs of the sources
 * before plus, in its own source, the live ones before it -- its rank as
 * coded when the source lost no article (no base list is read then), else
 * counted over the base's list (in lb; *read gets its bytes).  A derived
 * list's lengths are 0 (its skip entries' min_len, see encode_list's
 * callers).  *limit: the merged base's df. */
static int merge_ranks(list_bufs *l, list_bufs *lb, const merge_src *src,
                       size_t n, const cari_term_info *binfo, int f,
                       uint32_t *limit, uint64_t *read, long *bad)
{
    uint64_t offset = 0;
    size_t i;
    int rc = CARI_OK;
    l->n = l->nv = 0;
    for (i = 0; i < n && !rc; i++) {
        const merge_src *m = &src[i];
        const uint32_t *map = f == CARI_FIELD_BODY ? m->pmap : m->amap;
        uint32_t nb = binfo[i].df[f], live = nb, r;
        cari_postings it;
        if (!nb) {
            /* a source holding the form holds its base */
            if (m->in_term && m->info.df[f]) {
                *bad = (long)i;
                rc = CARI_ECORRUPT;
            }
            continue;
        }
        if (m->holes) {
            /* lb->docs[k]: the live docs among the base's first k */
            uint32_t k = 0, doc;
            cari_arena_reset(&lb->arena);
            lb->n = 0;
            if (list_reserve(lb, (size_t)nb + 1)) {
                rc = CARI_ENOMEM;
                break;
            }
            rc = cari_term_open(&it, &binfo[i], f, &lb->arena);
            live = 0;
            for (doc = rc ? CARI_DOC_END : it.doc;
                 doc != CARI_DOC_END && k < nb;
                 doc = cari_postings_next(&it)) {
                lb->docs[k++] = live;
                live += map[doc] != NO_DOC;
            }
            if (!rc && (it.corrupt || k != nb))
                rc = CARI_ECORRUPT;
            lb->docs[nb] = live;
            *read += binfo[i].postings_len[f];
        }
        if (!rc && m->in_term && m->info.df[f]) {
            /* the ranks as coded: the list read as a plain one */
            const cari_term_info *e = &m->info;
            cari_arena_reset(&l->arena);
            rc = list_reserve(l, e->df[f]);
            if (!rc)
                rc = cari_postings_open_limit(&it, e->postings[f],
                                              e->postings_len[f],
                                              e->positions[f],
                                              e->positions_len[f], e->df[f],
                                              nb, &l->arena);
            for (r = rc ? CARI_DOC_END : it.doc; r != CARI_DOC_END;
                 r = cari_postings_next(&it)) {
                if (r >= nb || l->n == l->cap) {
                    rc = CARI_ECORRUPT;
                    break;
                }
                if (m->holes && lb->docs[r + 1] == lb->docs[r])
                    continue;  /* its article is left out */
                l->docs[l->n] = (uint32_t)(offset + (m->holes ? lb->docs[r]
                                                              : r));
                l->tfs[l->n] = cari_postings_tf(&it);
                l->lens[l->n] = 0;
                l->n++;
            }
            if (!rc && it.corrupt)
                rc = CARI_ECORRUPT;
        }
        if (rc)
            *bad = (long)i;
        offset += live;
    }
    if (!rc && offset >= CARI_DOC_END)
        rc = CARI_ECORRUPT;
    *limit = (uint32_t)offset;
    return rc;
}

/* The dictionary, postings and positions of the merged segment: the
 * sources' dictionaries walked side by side in term order, each term's
 * lists concatenated in source order under the new doc numbers; postings
 * and positions go to their files as they grow.  A term left with no
 * posting (all of its articles deleted) is left out, as a fresh run
 * would.  CARI_EIO and the like come with err set; for damage, *bad
 * names the source. */
static int merge_inverted(const cari_segment_writer *w, merge_src *src,
                          size_t n, inverted *inv, const char *path,
                          long *bad, cari_error *err)
{
    list_bufs l, lb;         /* a list; its base's */
    cari_buf entry = {0};    /* a term's list entries, before its head */
    char prev[256], cur[256];
    size_t prev_len = 0, i, j, *with = malloc((n ? n : 1) * sizeof *with);
    cari_term_info *binfo = malloc((n ? n : 1) * sizeof *binfo);
    uint64_t released = 0, read_ahead = 0; /* base lists read for ranks */
    int rc = with && binfo ? CARI_OK : CARI_ENOMEM;
    memset(&l, 0, sizeof l);
    memset(&lb, 0, sizeof lb);
    for (i = 0; i < n && !rc; i++) {
        dict_iter_start(&src[i].it, src[i].seg, 0);
        if ((rc = merge_advance(&src[i])))
            *bad = (long)i;
    }
    while (!rc) {
        size_t len = 0, nwith = 0;
        uint64_t post_off, pos_off;
        unsigned fields = 0;
        int f, positional;
        const dict_iter *base = NULL; /* holds the base's term */
        /* the smallest current term, and the sources that hold it */
        for (i = 0; i < n; i++) {
            int c;
            if (!src[i].live)
                continue;
            c = nwith ? cmp_bytes(src[i].it.cur, src[i].it.cur_len, cur, len)
                      : -1;
            if (c < 0) {
                len = src[i].it.cur_len;
                memcpy(cur, src[i].it.cur, len);
                nwith = 0;
            }
            if (c <= 0)
                with[nwith++] = i;
        }
        if (!nwith)
            break;
        for (i = 0; i < n; i++)
            src[i].in_term = 0;
        for (j = 0; j < nwith; j++)
            src[with[j]].in_term = 1;
        positional = cari_term_positional(cur, len);
        /* the lists first (their entries to `entry`), then the term's
         * head, which names the fields that kept postings */
        post_off = inv->post_spill.len + inv->post.len;
        pos_off = inv->pos_spill.len + inv->pos.len;
        entry.len = 0;
        if (cur[0] == '=') {
            base = merged_base(src, with, nwith);
            if (base) {
                rc = base_put(&entry, cur + 1, len - 1, base->base,
                              base->base_len);
                if (!rc)
                    rc = lookup_all(src, n, base->base, base->base_len, binfo,
                                    bad);
            } else if (cari_buf_varint(&entry, 0)) {
                rc = CARI_ENOMEM;
            }
        }
        for (f = 0; f < CARI_NFIELDS && !rc; f++) {
            size_t post_start = inv->post.len, pos_len;
            uint32_t limit = f == CARI_FIELD_BODY
                                 ? (uint32_t)w->pstart.len
                                 : (uint32_t)w->first_passage.len;
            l.n = l.nv = 0;
            if (base)  /* ranks in the base's merged list */
                rc = merge_ranks(&l, &lb, src, n, binfo, f, &limit,
                                 &read_ahead, bad);
            for (j = 0; j < nwith && !rc && !base; j++)
                if (src[with[j]].info.df[f] &&
                    (rc = gather(&l, w, &src[with[j]], &src[with[j]].info, f,
                                 positional)))
                    *bad = (long)with[j];
            if (rc || l.n == 0)
                continue;
            fields |= 1u << f;
            rc = encode_list(&inv->post, &inv->pos, &l, limit, &pos_len);
            if (!rc &&
                (cari_buf_varint(&entry, l.n) ||
                 cari_buf_varint(&entry, inv->post.len - post_start) ||
                 (positional && cari_buf_varint(&entry, pos_len))))
                rc = CARI_ENOMEM;
        }
        if (!rc && fields) {
            rc = dict_put_term(&inv->dict, &inv->dictidx, inv->nterms, cur,
                               len, prev, prev_len, post_off, pos_off, fields);
            if (!rc && cari_buf_append(&inv->dict, entry.data, entry.len))
                rc = CARI_ENOMEM;
        }
        if (rc)
            break;
        if (fields) { /* else every posting was of a deleted article */
            inv->nterms++;
            memcpy(prev, cur, len);
            prev_len = len;
        }
        for (j = 0; j < nwith && !rc; j++)
            if ((rc = merge_advance(&src[with[j]])))
                *bad = (long)with[j];
        if (!rc)
            rc = spill_coded(inv, path, err);
        if (inv->post_spill.len + inv->pos_spill.len + read_ahead >=
            released + RELEASE_BYTES) {
            /* the sources are read front to back: what was read is not
             * memory to keep (it faults in again from the page cache if
             * a dictionary block is read twice); base lists read ahead
             * of their turn for an exact form's ranks count too */
            released = inv->post_spill.len + inv->pos_spill.len + read_ahead;
            for (i = 0; i < n; i++)
                cari_segment_release_pages(src[i].seg);
        }
    }
    free(with);
    free(binfo);
    list_free(&l);
    list_free(&lb);
    cari_buf_free(&entry);
    return rc;
}

int cari_segment_merge(cari_segment *const *segs,
                       const unsigned char *const *deleted, size_t n,
                       int level, const cari_passage_params *pp,
                       size_t budget, const char *path, int sync,
                       cari_merge_result *res, cari_error *err)
{
    cari_segment_writer *w = NULL;
    merge_src *src = NULL;
    inverted inv = INVERTED_INIT(0);
    size_t i;
    int rc;
    memset(res, 0, sizeof *res);
    err->code = 0;
    err->message[0] = '\0';
    src = calloc(n ? n : 1, sizeof *src);
    rc = src ? cari_segw_new(level, pp, &w) : CARI_ENOMEM;
    if (rc) {
        rc = cari_set_error(err, CARI_ENOMEM, "out of memory");
        goto out;
    }
    if (budget)
        cari_segw_set_budget(w, budget);
    {
        size_t na = 0, np = 0;
        for (i = 0; i < n; i++) {
            na += cari_segment_articles(segs[i]);
            np += cari_segment_passages(segs[i]);
        }
        if (u32_reserve(&w->first_passage, na) ||
            u32_reserve(&w->title_len, na) ||
            u32_reserve(&w->id_offsets, na) ||
            u32_reserve(&w->pstart, np) || u32_reserve(&w->pend, np) ||
            u32_reserve(&w->body_len, np)) {
            rc = cari_set_error(err, CARI_ENOMEM, "out of memory");
            goto out;
        }
    }
    /* the articles: tables, ids and stored text, source by source */
    for (i = 0; i < n && !rc; i++) {
        uint32_t na = cari_segment_articles(segs[i]), a;
        uint32_t np = cari_segment_passages(segs[i]);
        src[i].seg = segs[i];
        w->lacks |= (CARI_SEGMENT_META_TERMS | CARI_SEGMENT_DATE_FORMS2) &
                    ~cari_segment_flags(segs[i]);
        src[i].amap = malloc(((size_t)na + 1) * sizeof *src[i].amap);
        src[i].pmap = malloc(((size_t)np + 1) * sizeof *src[i].pmap);
        if (!src[i].amap || !src[i].pmap) {
            rc = cari_set_error(err, CARI_ENOMEM, "out of memory");
            break;
        }
        memset(src[i].amap, 0xff, ((size_t)na + 1) * sizeof *src[i].amap);
        memset(src[i].pmap, 0xff, ((size_t)np + 1) * sizeof *src[i].pmap);
        if (cari_segment_first_passage(segs[i], 0) != 0 ||
            cari_segment_first_passage(segs[i], na) != np) {
            rc = cari_set_error(err, CARI_ECORRUPT, "a segment's passage "
                                "table does not decode");
            res->bad = (long)i;
            break;
        }
        rc = copy_articles(w, segs[i], deleted ? deleted[i] : NULL,
                           src[i].amap, src[i].pmap, &inv.store_spill, path,
                           err);
        if (rc)
            res->bad = (long)i;
        for (a = 0; a < na && !src[i].holes; a++)
            src[i].holes = src[i].amap[a] == NO_DOC;
        cari_segment_release_pages(segs[i]);  /* its stored text: read */
        cari_segment_drop_words(segs[i]);
    }
    res->articles = cari_segw_articles(w);
    res->passages = cari_segw_passages(w);
    if (rc || res->articles == 0)
        goto out;
    rc = merge_inverted(w, src, n, &inv, path, &res->bad, err);
    if (rc && !err->code)
        rc = cari_set_error(err, rc, "%s", rc == CARI_ECORRUPT
                                ? "the dictionary or a posting list does "
                                  "not decode"
                                : cari_strerror(rc));
    if (!rc)
        rc = write_segment(w, &inv, path, sync, err);
    if (!rc)
        res->terms = inv.nterms;
out:
    if (rc != CARI_ECORRUPT)
        res->bad = -1;
    for (i = 0; src && i < n; i++) {
        cari_segment_release_pages(segs[i]);  /* read through */
        free(src[i].amap);
        free(src[i].pmap);
    }
    free(src);
    inverted_free(&inv);
    cari_segw_free(w);
    return rc;
}

const unsigned char *cari_segment_section(const cari_segment *s, int id,
                                          size_t *len)
{
    if (id < 1 || id > CARI_SEC_COUNT) {
        *len = 0;
        return NULL;
    }
    *len = s->sec_len[id];
    return s->sec[id];
}

const char *cari_segment_section_name(int id)
{
    return id >= 1 && id <= CARI_SEC_COUNT ? section_names[id] : "unknown";
}

int cari_segment_find_id(cari_segment *s, const char *id, size_t len,
                         const unsigned char *deleted, uint32_t *a)
{
    uint64_t h = cari_hash64(id, len);
    const unsigned char *ids = s->sec[CARI_SEC_IDS];
    size_t lo = 0, hi = s->narticles, i;
    if (!s->id_hash && s->narticles) {
        /* IDS holds articles only (sorted by their ids' hashes): hash
         * each id once, not at every probe of every lookup (a commit
         * looks up each id it added in every segment) */
        s->id_hash = malloc((size_t)s->narticles * sizeof *s->id_hash);
        if (!s->id_hash)
            return CARI_ENOMEM;
        for (i = 0; i < s->narticles; i++) {
            uint32_t art = cari_get_u32(ids + 4 * i);
            const char *other;
            size_t other_len;
            if (art >= s->narticles) {
                free(s->id_hash);
                s->id_hash = NULL;
                return CARI_ECORRUPT;
            }
            other = cari_segment_id(s, art, &other_len);
            s->id_hash[i] = cari_hash64(other, other_len);
        }
    }
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->id_hash[mid] < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < s->narticles && s->id_hash[lo] == h; lo++) {
        uint32_t art = cari_get_u32(ids + 4 * lo);
        const char *other;
        size_t other_len;
        if (deleted && (deleted[art >> 3] >> (art & 7) & 1))
            continue;
        other = cari_segment_id(s, art, &other_len);
        if (other_len == len && memcmp(other, id, len) == 0) {
            *a = art;
            return 1;
        }
    }
    return 0;
}

int cari_segment_format_version(void)
{
    return CARI_SEG_VERSION;
}
