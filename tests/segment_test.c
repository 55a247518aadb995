/*
 * segment_test.c -- one segment (src/segment.c): build it with cari_segw_*
 * from synthetic articles, write it, open it, and check everything it
 * answers against a reference model computed with the same analyzer and
 * passage splitter: counts, lengths, the dictionary (present and absent
 * terms, block edges, shared prefixes), df and postings with positions per
 * field, passage <-> article maps, stored articles and id lookup (with and
 * without deletions).  Then damage: truncation at many offsets and a
 * changed byte at every offset must be reported as CARI_ECORRUPT.
 */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "codec.h"
#include "filter.h"
#include "segment.h"
#include "test_util.h"

/* ------------------------------------------------------------------ */
/* synthetic articles                                                  */
/* ------------------------------------------------------------------ */

static const char *const real_words[] = {
    "banjir", "Jakarta", "rumah", "warga", "pemerintah", "membangun",
    "jalan", "kopi", "kopiah", "kopra", "koperasi", "kota", "kotak",
    "kotamadya", "pasar", "harga", "beras", "naik", "turun", "petani",
    "menulis", "membaca", "dibaca", "bacaan", "anak-anak", "e-KTP",
    "bolak-balik", "KPK", "10.000", "1,5", "Café", "ÉCOLE", "Jum'at",
    "dan", "yang", "di", "ke", "dari", "ini", "itu", "dengan", "untuk",
    "sawah", "sawit", "sapi", "sapu", "saputangan", "laut", "lautan",
    "nelayan", "kapal", "ikan", "hujan", "deras", "sungai", "Ciliwung"};
#define NREAL (sizeof real_words / sizeof *real_words)

/* Synthetic word i: 40 stems, each with a growing tail, so many terms
 * share long prefixes. */
static size_t synthetic_word(uint32_t i, char *out)
{
    static const char *const stems[] = {
        "tal", "tam", "tan", "tap", "tar", "tas", "tat", "tau", "tav",
        "taw", "zeb", "zed", "zeg", "zek", "zel", "zem", "zen", "zep",
        "zer", "zes", "qua", "qub", "quc", "qud", "que", "quf", "qug",
        "quh", "qui", "quj", "vor", "vos", "vot", "vou", "vov", "vow",
        "vox", "voy", "voz", "vob"};
    uint32_t tail = i / 40;
    size_t n = strlen(stems[i % 40]);
    memcpy(out, stems[i % 40], n);
    while (tail) {
        out[n++] = (char)('b' + tail % 5 * 4); /* b f j n r: no vowels */
        tail /= 5;
    }
    out[n] = '\0';
    return n;
}

typedef struct article {
    char id[32];
    char *title, *text, *meta;
} article;

static char *make_text(test_rng *rng, size_t words, int paragraphs)
{
    size_t cap = words * 20 + 64, n = 0, w;
    char *t = malloc(cap);
    assert_non_null(t);
    for (w = 0; w < words; w++) {
        char buf[32];
        const char *word;
        if (rng_below(rng, 3) == 0) {
            synthetic_word((uint32_t)rng_below(rng, 1200), buf);
            word = buf;
        } else {
            word = real_words[rng_below(rng, NREAL)];
        }
        if (w) {
            if (paragraphs && rng_below(rng, 25) == 0)
                n += (size_t)snprintf(t + n, cap - n, ".\n\n");
            else if (rng_below(rng, 12) == 0)
                n += (size_t)snprintf(t + n, cap - n, ". ");
            else
                t[n++] = ' ';
        }
        n += (size_t)snprintf(t + n, cap - n, "%s", word);
    }
    t[n] = '\0';
    return t;
}

static article *make_articles(size_t n, uint64_t seed)
{
    test_rng rng = {seed};
    article *arts = calloc(n, sizeof *arts);
    size_t k;
    assert_non_null(arts);
    for (k = 0; k < n; k++) {
        article *a = &arts[k];
        size_t words = k % 50 == 7 ? 400 : (size_t)rng_below(&rng, 160);
        snprintf(a->id, sizeof a->id, "artikel-%04zu", k);
        a->title = make_text(&rng, k % 40 == 3 ? 0 : 1 + rng_below(&rng, 8),
                             0);
        a->text = make_text(&rng, words, 1);
        if (k % 4 == 0) {
            a->meta = malloc(64);
            assert_non_null(a->meta);
            snprintf(a->meta, 64, "{\"no\":%zu}", k);
        }
    }
    /* two articles share an id (the segment keeps both; the index layer
     * deletes the older one) */
    if (n > 20)
        strcpy(arts[20].id, arts[10].id);
    return arts;
}

static void free_articles(article *arts, size_t n)
{
    size_t k;
    for (k = 0; k < n; k++) {
        free(arts[k].title);
        free(arts[k].text);
        free(arts[k].meta);
    }
    free(arts);
}

static cari_article as_article(const article *a)
{
    cari_article ca;
    ca.id = a->id;
    ca.id_len = strlen(a->id);
    ca.title = a->title;
    ca.title_len = strlen(a->title);
    ca.text = a->text;
    ca.text_len = strlen(a->text);
    ca.meta = a->meta;
    ca.meta_len = a->meta ? strlen(a->meta) : 0;
    return ca;
}

/* Build and write a segment of arts at path. */
static void write_segment(cari_analyzer *an, const article *arts, size_t n,
                          const char *path, uint64_t *terms)
{
    cari_passage_params pp = CARI_PASSAGE_PARAMS_INIT;
    cari_segment_writer *w;
    cari_error err;
    size_t k;
    assert_int_equal(cari_segw_new(6, &pp, &w), CARI_OK);
    for (k = 0; k < n; k++) {
        cari_article ca = as_article(&arts[k]);
        uint32_t no = 12345;
        assert_int_equal(cari_segw_add(w, an, &ca, &no), CARI_OK);
        assert_int_equal(no, k);
    }
    assert_int_equal(cari_segw_articles(w), n);
    assert_true(cari_segw_memory(w) > 0);
    assert_int_equal(cari_segw_write(w, path, 0, terms, &err), CARI_OK);
    cari_segw_free(w);
}

/* ------------------------------------------------------------------ */
/* the reference model                                                 */
/* ------------------------------------------------------------------ */

typedef struct posting_ref {
    const char *term;  /* in the model's arena */
    uint32_t len;
    int field;
    uint32_t doc, pos;
} posting_ref;

typedef struct model {
    cari_arena arena;
    posting_ref *items;
    size_t n, cap;
    /* passages */
    uint32_t npassages;
    uint32_t *pstart, *pend, *body_len, *passage_article;
    uint32_t *first_passage, *title_len;
    uint64_t total_body, total_title;
    /* distinct terms, sorted */
    const char **terms;
    uint32_t *term_lens;
    size_t nterms;
} model;

static void model_push(model *m, const cari_term_token *t, int field,
                       uint32_t doc)
{
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 4096;
        m->items = realloc(m->items, m->cap * sizeof *m->items);
        assert_non_null(m->items);
    }
    m->items[m->n].term = cari_arena_strndup(&m->arena, t->term, t->term_len);
    m->items[m->n].len = t->term_len;
    m->items[m->n].field = field;
    m->items[m->n].doc = doc;
    m->items[m->n].pos = t->position;
    m->n++;
}

static int cmp_bytes(const char *a, size_t al, const char *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    if (c)
        return c;
    return al < bl ? -1 : al > bl;
}

static int cmp_posting(const void *x, const void *y)
{
    const posting_ref *a = x, *b = y;
    int c = cmp_bytes(a->term, a->len, b->term, b->len);
    if (c)
        return c;
    if (a->field != b->field)
        return a->field - b->field;
    if (a->doc != b->doc)
        return a->doc < b->doc ? -1 : 1;
    return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* Analyze tokens into the model; returns the field length (indexed
 * surface tokens). */
static uint32_t model_field(model *m, cari_analyzer *an, const char *text,
                            size_t len, int field, uint32_t doc)
{
    cari_tokvec v = {0};
    size_t i;
    uint32_t flen = 0;
    assert_true(cari_analyzer_run(an, text, len, 0, &v) >= 0);
    for (i = 0; i < v.len; i++) {
        if (v.items[i].stop) {
            /* a title's stopwords: "~word", positions, no length */
            cari_term_token t = v.items[i];
            char buf[CARI_TITLE_STOP_MAX + 1];
            if (field != CARI_FIELD_TITLE || t.term_len > CARI_TITLE_STOP_MAX)
                continue;
            buf[0] = '~';
            memcpy(buf + 1, t.term, t.term_len);
            t.term = buf;
            t.term_len++;
            model_push(m, &t, field, doc);
            continue;
        }
        if (!v.items[i].alternative)
            flen++;
        model_push(m, &v.items[i], field, doc);
    }
    cari_tokvec_free(&v);
    return flen > 65535 ? 65535 : flen;
}

static void model_build(model *m, cari_analyzer *an, const article *arts,
                        size_t n)
{
    cari_passage_params pp = CARI_PASSAGE_PARAMS_INIT;
    cari_spanvec spans = {0};
    size_t k, i, cap = 1024;
    memset(m, 0, sizeof *m);
    m->pstart = malloc(cap * 4);
    m->pend = malloc(cap * 4);
    m->body_len = malloc(cap * 4);
    m->passage_article = malloc(cap * 4);
    m->first_passage = malloc((n + 1) * 4);
    m->title_len = malloc((n + 1) * 4);
    for (k = 0; k < n; k++) {
        const char *text = arts[k].text;
        m->first_passage[k] = m->npassages;
        m->title_len[k] = model_field(m, an, arts[k].title,
                                      strlen(arts[k].title), CARI_FIELD_TITLE,
                                      (uint32_t)k);
        m->total_title += m->title_len[k];
        if (arts[k].meta) {
            /* metadata terms join the title field (filter.h) */
            cari_buf mt = {0};
            size_t count, j;
            const char *q;
            assert_int_equal(cari_meta_terms(arts[k].meta, strlen(arts[k].meta),
                                             &mt, &count),
                             CARI_OK);
            q = (const char *)mt.data;
            for (j = 0; j < count; j++) {
                cari_term_token t;
                memset(&t, 0, sizeof t);
                t.term = q;
                t.term_len = (uint32_t)strlen(q);
                t.alternative = 1;
                model_push(m, &t, CARI_FIELD_TITLE, (uint32_t)k);
                q += t.term_len + 1;
            }
            cari_buf_free(&mt);
        }
        assert_int_equal(cari_split_passages(text, strlen(text), &pp, &spans),
                         CARI_OK);
        for (i = 0; i < spans.len; i++) {
            uint32_t p = m->npassages++;
            if (p >= cap) {
                cap *= 2;
                m->pstart = realloc(m->pstart, cap * 4);
                m->pend = realloc(m->pend, cap * 4);
                m->body_len = realloc(m->body_len, cap * 4);
                m->passage_article = realloc(m->passage_article, cap * 4);
                assert_true(m->pstart && m->pend && m->body_len &&
                            m->passage_article);
            }
            m->pstart[p] = spans.items[i].start;
            m->pend[p] = spans.items[i].end;
            m->passage_article[p] = (uint32_t)k;
            m->body_len[p] = model_field(m, an, text + spans.items[i].start,
                                         spans.items[i].end -
                                             spans.items[i].start,
                                         CARI_FIELD_BODY, p);
            m->total_body += m->body_len[p];
        }
    }
    m->first_passage[n] = m->npassages;
    cari_spanvec_free(&spans);
    qsort(m->items, m->n, sizeof *m->items, cmp_posting);
    m->terms = malloc((m->n + 1) * sizeof *m->terms);
    m->term_lens = malloc((m->n + 1) * sizeof *m->term_lens);
    assert_true(m->terms && m->term_lens);
    for (i = 0; i < m->n; i++)
        if (i == 0 || cmp_bytes(m->items[i].term, m->items[i].len,
                                m->items[i - 1].term, m->items[i - 1].len)) {
            m->terms[m->nterms] = m->items[i].term;
            m->term_lens[m->nterms] = m->items[i].len;
            m->nterms++;
        }
}

static void model_free(model *m)
{
    cari_arena_free(&m->arena);
    free(m->items);
    free(m->pstart);
    free(m->pend);
    free(m->body_len);
    free(m->passage_article);
    free(m->first_passage);
    free(m->title_len);
    free(m->terms);
    free(m->term_lens);
}

static int model_has(const model *m, const char *t, size_t len)
{
    size_t lo = 0, hi = m->nterms;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_bytes(m->terms[mid], m->term_lens[mid], t, len);
        if (c == 0)
            return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* fixture: a segment of 300 articles                                   */
/* ------------------------------------------------------------------ */

#define NART 300

typedef struct fixture {
    char dir[256], path[300];
    cari_analyzer *an;
    article *arts;
    model m;
    cari_segment *seg;
    uint64_t written_terms;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    cari_error err;
    if (!f || test_mkdtemp(f->dir, sizeof f->dir) != 0)
        return -1;
    snprintf(f->path, sizeof f->path, "%s/seg-000001.cari", f->dir);
    if (cari_analyzer_new(&f->an, NULL) != CARI_OK)
        return -1;
    f->arts = make_articles(NART, 2024);
    write_segment(f->an, f->arts, NART, f->path, &f->written_terms);
    model_build(&f->m, f->an, f->arts, NART);
    if (cari_segment_open(f->path, &f->seg, &err) != CARI_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    cari_segment_close(f->seg);
    model_free(&f->m);
    free_articles(f->arts, NART);
    cari_analyzer_free(f->an);
    test_rmtree(f->dir);
    free(f);
    return 0;
}

static void test_counts(void **state)
{
    fixture *f = *state;
    const cari_segment *s = f->seg;
    struct stat st;
    assert_int_equal(cari_segment_articles(s), NART);
    assert_int_equal(cari_segment_passages(s), f->m.npassages);
    assert_true(f->m.npassages > NART); /* long articles were cut */
    /* no passage of more than 255 tokens: lengths take a byte each */
    assert_int_equal(cari_segment_flags(s) & CARI_SEGMENT_LEN8,
                     CARI_SEGMENT_LEN8);
    assert_int_equal(cari_segment_terms(s), f->m.nterms);
    assert_int_equal(f->written_terms, f->m.nterms);
    assert_true(f->m.nterms > 32 * 10); /* many dictionary blocks */
    assert_int_equal(cari_segment_total_len(s, CARI_FIELD_BODY),
                     f->m.total_body);
    assert_int_equal(cari_segment_total_len(s, CARI_FIELD_TITLE),
                     f->m.total_title);
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(cari_segment_file_size(s), (uint64_t)st.st_size);
}

static void test_passage_maps(void **state)
{
    fixture *f = *state;
    const cari_segment *s = f->seg;
    uint32_t a, p;
    for (a = 0; a < NART; a++) {
        assert_int_equal(cari_segment_first_passage(s, a),
                         f->m.first_passage[a]);
        assert_int_equal(cari_segment_passage_count(s, a),
                         f->m.first_passage[a + 1] - f->m.first_passage[a]);
        assert_true(cari_segment_passage_count(s, a) >= 1);
        assert_int_equal(cari_segment_title_len(s, a), f->m.title_len[a]);
    }
    for (p = 0; p < f->m.npassages; p++) {
        uint32_t start, end;
        assert_int_equal(cari_segment_passage_article(s, p),
                         f->m.passage_article[p]);
        assert_int_equal(cari_segment_passage_range(s, p, &start, &end),
                         CARI_OK);
        assert_int_equal(start, f->m.pstart[p]);
        assert_int_equal(end, f->m.pend[p]);
        assert_int_equal(cari_segment_body_len(s, p), f->m.body_len[p]);
    }
}

static void test_stored_articles(void **state)
{
    fixture *f = *state;
    uint32_t a;
    for (a = 0; a < NART; a++) {
        cari_stored st;
        uint32_t k = (a * 97u) % NART; /* out of order */
        const article *ar = &f->arts[k];
        size_t id_len;
        const char *id = cari_segment_id(f->seg, k, &id_len);
        assert_int_equal(id_len, strlen(ar->id));
        assert_memory_equal(id, ar->id, id_len);
        assert_int_equal(cari_segment_article(f->seg, k, &st), CARI_OK);
        assert_int_equal(st.title_len, strlen(ar->title));
        assert_memory_equal(st.title, ar->title, st.title_len);
        assert_int_equal(st.text_len, strlen(ar->text));
        assert_memory_equal(st.text, ar->text, st.text_len);
        assert_int_equal(st.meta_len, ar->meta ? strlen(ar->meta) : 0);
        if (ar->meta)
            assert_memory_equal(st.meta, ar->meta, st.meta_len);
    }
    {
        cari_stored st;
        assert_int_equal(cari_segment_article(f->seg, NART, &st), CARI_EINVAL);
    }
}

/* Every term: found, with the model's df per field, postings and
 * positions. */
static void test_terms_and_postings(void **state)
{
    fixture *f = *state;
    const model *m = &f->m;
    cari_arena arena = {0};
    size_t i = 0, t;
    int derived = 0;
    for (t = 0; t < m->nterms; t++) {
        cari_term_info info;
        int field;
        assert_int_equal(cari_segment_lookup(f->seg, m->terms[t],
                                             m->term_lens[t], &info),
                         1);
        /* i walks the model's postings of this term, field by field */
        for (field = 0; field < CARI_NFIELDS; field++) {
            size_t j = i, ndocs = 0;
            cari_postings p;
            while (j < m->n &&
                   !cmp_bytes(m->items[j].term, m->items[j].len, m->terms[t],
                              m->term_lens[t]) &&
                   m->items[j].field == field) {
                if (j == i || m->items[j].doc != m->items[j - 1].doc)
                    ndocs++;
                j++;
            }
            assert_int_equal(info.df[field], ndocs);
            assert_int_equal(info.limit[field],
                             field == CARI_FIELD_BODY
                                 ? cari_segment_passages(f->seg)
                                 : cari_segment_articles(f->seg));
            if (ndocs == 0)
                continue;
            /* exact forms are coded against their base terms */
            assert_int_equal(info.derived, m->terms[t][0] == '=');
            derived += info.derived;
            assert_int_equal(cari_term_open(&p, &info, field, &arena),
                             CARI_OK);
            while (i < j) {
                uint32_t doc = m->items[i].doc, tf = 0, pos[512], k;
                assert_int_equal(p.doc, doc);
                while (i + tf < j && m->items[i + tf].doc == doc)
                    tf++;
                assert_int_equal(cari_postings_tf(&p), tf);
                assert_true(tf <= 512);
                if (m->terms[t][0] == '=' || m->terms[t][0] == '#' ||
                    m->terms[t][0] == '@') {
                    /* exact forms and metadata: stored without positions */
                    assert_int_equal(info.positions_len[field], 0);
                } else {
                    assert_int_equal(cari_postings_positions(&p, pos, 512),
                                     (int)tf);
                    for (k = 0; k < tf; k++)
                        assert_int_equal(pos[k], m->items[i + k].pos);
                }
                i += tf;
                cari_postings_next(&p);
            }
            assert_int_equal(p.doc, CARI_DOC_END);
            assert_int_equal(p.corrupt, 0);
            cari_arena_reset(&arena);
        }
    }
    assert_int_equal(i, m->n);
    assert_true(derived > 0);
    cari_arena_free(&arena);
}

/* Lookups of strings near the terms: found exactly when the model has
 * them; the edges of the dictionary and of its 32-term blocks. */
static void test_lookup_absent_and_edges(void **state)
{
    fixture *f = *state;
    const model *m = &f->m;
    cari_term_info info;
    char probe[400];
    size_t t, k;
    static const size_t edges[] = {0, 1, 30, 31, 32, 33, 63, 64, 65};
    /* edges: first and last term of the first blocks, and the last term */
    for (k = 0; k < sizeof edges / sizeof *edges; k++)
        assert_int_equal(cari_segment_lookup(f->seg, m->terms[edges[k]],
                                             m->term_lens[edges[k]], &info),
                         1);
    assert_int_equal(cari_segment_lookup(f->seg, m->terms[m->nterms - 1],
                                         m->term_lens[m->nterms - 1], &info),
                     1);
    /* outside the dictionary */
    assert_int_equal(cari_segment_lookup(f->seg, "", 0, &info), 0);
    assert_int_equal(cari_segment_lookup(f->seg, "\x01", 1, &info), 0);
    assert_int_equal(cari_segment_lookup(f->seg, "\xff\xff", 2, &info), 0);
    assert_int_equal(cari_segment_lookup(f->seg, "zzzzzzzz", 8, &info), 0);
    memset(probe, 'a', sizeof probe);
    assert_int_equal(cari_segment_lookup(f->seg, probe, sizeof probe, &info),
                     0);
    /* variants of every term: shorter, longer, changed last byte */
    for (t = 0; t < m->nterms; t++) {
        size_t n = m->term_lens[t];
        memcpy(probe, m->terms[t], n);
        assert_int_equal(cari_segment_lookup(f->seg, probe, n - 1, &info),
                         model_has(m, probe, n - 1));
        probe[n] = 'b';
        assert_int_equal(cari_segment_lookup(f->seg, probe, n + 1, &info),
                         model_has(m, probe, n + 1));
        probe[n] = '\x01';
        assert_int_equal(cari_segment_lookup(f->seg, probe, n + 1, &info), 0);
        probe[n - 1] = '~';
        assert_int_equal(cari_segment_lookup(f->seg, probe, n, &info),
                         model_has(m, probe, n));
    }
    /* terms sharing prefixes really are there */
    assert_true(model_has(m, "kota", 4) && model_has(m, "kotak", 5));
    assert_true(model_has(m, "tal", 3) && model_has(m, "talf", 4) &&
                model_has(m, "talbf", 5));
    assert_int_equal(cari_segment_lookup(f->seg, "kota", 4, &info), 1);
    assert_int_equal(cari_segment_lookup(f->seg, "kotak", 5, &info), 1);
    assert_int_equal(cari_segment_lookup(f->seg, "talbf", 5, &info), 1);
    assert_int_equal(cari_segment_lookup(f->seg, "talb", 4, &info), 0);
}

static void test_find_id(void **state)
{
    fixture *f = *state;
    unsigned char deleted[(NART + 7) / 8];
    uint32_t a, got;
    for (a = 0; a < NART; a++) {
        const char *id = f->arts[a].id;
        uint32_t want = a == 20 ? 10 : a; /* article 20 reuses 10's id */
        got = UINT32_MAX;
        assert_int_equal(cari_segment_find_id(f->seg, id, strlen(id), NULL,
                                              &got),
                         1);
        assert_int_equal(got, want);
    }
    assert_int_equal(cari_segment_find_id(f->seg, "artikel-9999", 12, NULL,
                                          &got),
                     0);
    assert_int_equal(cari_segment_find_id(f->seg, "artikel-000", 11, NULL,
                                          &got),
                     0);
    assert_int_equal(cari_segment_find_id(f->seg, "", 0, NULL, &got), 0);
    /* with deletions: every third article gone */
    memset(deleted, 0, sizeof deleted);
    for (a = 0; a < NART; a += 3)
        deleted[a >> 3] |= (unsigned char)(1u << (a & 7));
    for (a = 0; a < NART; a++) {
        const char *id = f->arts[a].id;
        int rc = cari_segment_find_id(f->seg, id, strlen(id), deleted, &got);
        if (a == 10 || a == 20) {
            /* both copies of the shared id are live: the older first */
            assert_int_equal(rc, 1);
            assert_int_equal(got, 10);
        } else if (a % 3 == 0) {
            assert_int_equal(rc, 0);
        } else {
            assert_int_equal(rc, 1);
            assert_int_equal(got, a);
        }
    }
    /* the older copy of a shared id deleted: the newer one is found */
    deleted[10 >> 3] |= (unsigned char)(1u << (10 & 7));
    assert_int_equal(cari_segment_find_id(f->seg, f->arts[10].id,
                                          strlen(f->arts[10].id), deleted,
                                          &got),
                     1);
    assert_int_equal(got, 20);
    deleted[20 >> 3] |= (unsigned char)(1u << (20 & 7));
    assert_int_equal(cari_segment_find_id(f->seg, f->arts[10].id,
                                          strlen(f->arts[10].id), deleted,
                                          &got),
                     0);
}

/* Ids front-code and come back (IDTEXT): long ones (two-byte varints),
 * ones sharing much, little or all of the id before, and more than
 * CARI_ID_RESTART of them; each is found by its id. */
static void test_long_ids(void **state)
{
    enum { N = 50 };
    fixture *f = *state;
    char path[400], *ids[N];
    cari_passage_params pp = CARI_PASSAGE_PARAMS_INIT;
    cari_segment_writer *w;
    cari_segment *s;
    cari_error err;
    uint64_t terms;
    uint32_t k, got;
    snprintf(path, sizeof path, "%s/ids.cari", f->dir);
    unlink(path);
    assert_int_equal(cari_segw_new(1, &pp, &w), CARI_OK);
    for (k = 0; k < N; k++) {
        size_t len = k % 3 == 0 ? 1 + k : 130 + 7 * (size_t)k, j;
        cari_article ca;
        uint32_t no;
        memset(&ca, 0, sizeof ca);
        ids[k] = malloc(len + 1);
        assert_non_null(ids[k]);
        for (j = 0; j < len; j++) /* 100 bytes of 'a', then letters */
            ids[k][j] = (char)('a' + (j < 100 ? 0 : (j * 7 + k) % 26));
        ids[k][len] = '\0';
        if (k == N - 1) { /* the same id as the one before */
            free(ids[k]);
            ids[k] = strdup(ids[k - 1]);
            assert_non_null(ids[k]);
        }
        ca.id = ids[k];
        ca.id_len = strlen(ids[k]);
        ca.title = "judul";
        ca.title_len = 5;
        ca.text = "isi artikel ini pendek";
        ca.text_len = strlen(ca.text);
        assert_int_equal(cari_segw_add(w, f->an, &ca, &no), CARI_OK);
    }
    assert_int_equal(cari_segw_write(w, path, 0, &terms, &err), CARI_OK);
    cari_segw_free(w);
    assert_int_equal(cari_segment_open(path, &s, &err), CARI_OK);
    for (k = 0; k < N; k++) {
        size_t len;
        const char *id = cari_segment_id(s, k, &len);
        assert_int_equal(len, strlen(ids[k]));
        assert_memory_equal(id, ids[k], len);
        assert_int_equal(cari_segment_find_id(s, ids[k], len, NULL, &got), 1);
        assert_int_equal(got, k == N - 1 ? N - 2 : k);
    }
    assert_int_equal(cari_segment_find_id(s, ids[3], strlen(ids[3]) - 1, NULL,
                                          &got),
                     0);
    cari_segment_close(s);
    for (k = 0; k < N; k++)
        free(ids[k]);
}

/* The docs (and tfs) of term in field 0 of s, through cari_term_open:
 * the count; derived gets info.derived.  -1 when absent. */
static int term_docs(cari_segment *s, const char *term, uint32_t *docs,
                     uint32_t *tfs, int *derived)
{
    cari_term_info info;
    cari_postings p;
    cari_arena arena = {0};
    int n = 0;
    if (cari_segment_lookup(s, term, strlen(term), &info) != 1)
        return -1;
    *derived = info.derived;
    assert_int_equal(cari_term_open(&p, &info, CARI_FIELD_BODY, &arena),
                     CARI_OK);
    while (p.doc != CARI_DOC_END) {
        docs[n] = p.doc;
        tfs[n++] = cari_postings_tf(&p);
        cari_postings_next(&p);
    }
    assert_int_equal(p.corrupt, 0);
    assert_int_equal(n, info.df[CARI_FIELD_BODY]);
    cari_arena_free(&arena);
    return n;
}

/* The docs and tfs of term in s (term_docs) are want[0..n): a derived
 * list (its form's ranks in its base's list) when derived. */
static void expect_docs(cari_segment *s, const char *term, int derived,
                        const uint32_t *want_docs, const uint32_t *want_tfs,
                        int n)
{
    uint32_t docs[1024], tfs[1024];
    int got_derived, got;
    assert_true(n <= 1024);
    got = term_docs(s, term, docs, tfs, &got_derived);
    assert_int_equal(got_derived, derived);
    assert_int_equal(got, n);
    assert_memory_equal(docs, want_docs, sizeof *docs * (size_t)n);
    assert_memory_equal(tfs, want_tfs, sizeof *tfs * (size_t)n);
}

static int count_scan(void *ctx, const char *term, size_t len,
                      const cari_term_info *info)
{
    int *seen = ctx;
    cari_postings p;
    cari_arena arena = {0};
    (void)term;
    (void)len;
    /* a scan does not look bases up: such a form cannot be opened */
    if (info->derived < 0) {
        assert_int_equal(cari_term_open(&p, info, CARI_FIELD_BODY, &arena),
                         CARI_EINVAL);
        seen[0]++;
    } else {
        seen[1]++;
    }
    return 0;
}

/* Exact forms: coded as ranks in their base term's lists ("=menulis" in
 * "tulis"), except when the base sorts first ("=26-nya" in "26", whose
 * lists are written before it); read back the same either way, and so
 * after a merge that drops articles. */
static void test_exact_forms(void **state)
{
    enum { N = 300 };
    fixture *f = *state;
    char path[400], path3[400], text[200];
    cari_passage_params pp = CARI_PASSAGE_PARAMS_INIT;
    cari_segment_writer *w;
    cari_segment *segs[2], *m;
    cari_merge_result res;
    cari_error err;
    uint64_t terms;
    uint32_t docs[2 * N], tfs[2 * N], want_docs[2 * N], want_tfs[2 * N], k,
        no;
    unsigned char deleted[N / 8 + 1];
    int derived, n, want, seen[2] = {0, 0}, seg;
    for (seg = 0; seg < 2; seg++) {
        snprintf(path, sizeof path, "%s/exact%d.cari", f->dir, seg);
        unlink(path);
        assert_int_equal(cari_segw_new(1, &pp, &w), CARI_OK);
        for (k = 0; k < N; k++) {
            cari_article ca;
            char id[32];
            /* "menulis" k % 3 times in two of three articles, "tulis" in
             * every fifth, "26-nya" in every seventh */
            snprintf(text, sizeof text, "surat %s %s %s %s ini",
                     k % 3 ? "menulis" : "baca",
                     k % 3 == 2 ? "menulis" : "",
                     k % 5 == 0 ? "tulis" : "", k % 7 == 0 ? "26-nya" : "");
            snprintf(id, sizeof id, "%d-%u", seg, k);
            memset(&ca, 0, sizeof ca);
            ca.id = id;
            ca.id_len = strlen(id);
            ca.text = text;
            ca.text_len = strlen(text);
            assert_int_equal(cari_segw_add(w, f->an, &ca, &no), CARI_OK);
        }
        assert_int_equal(cari_segw_write(w, path, 0, &terms, &err), CARI_OK);
        cari_segw_free(w);
        assert_int_equal(cari_segment_open(path, &segs[seg], &err), CARI_OK);
    }
    /* one passage an article: docs are article numbers */
    for (k = 0, want = 0; k < N; k++)
        if (k % 3) {
            want_docs[want] = k;
            want_tfs[want++] = k % 3;
        }
    expect_docs(segs[0], "=menulis", 1, want_docs, want_tfs, want);
    n = term_docs(segs[0], "=26-nya", docs, tfs, &derived);
    assert_int_equal(derived, 0);
    assert_int_equal(n, (N + 6) / 7);
    for (k = 0; k < (uint32_t)n; k++)
        assert_int_equal(docs[k], 7 * k);
    /* a seek into the long list lands where the plain list would */
    {
        cari_term_info info;
        cari_postings p;
        cari_arena arena = {0};
        assert_int_equal(cari_segment_lookup(segs[0], "=menulis", 8, &info),
                         1);
        assert_int_equal(cari_term_open(&p, &info, CARI_FIELD_BODY, &arena),
                         CARI_OK);
        assert_int_equal(cari_postings_seek(&p, 201), 202);
        assert_int_equal(cari_postings_tf(&p), 1);
        assert_int_equal(cari_postings_seek(&p, 204), 205);
        assert_int_equal(cari_postings_seek(&p, N), CARI_DOC_END);
        assert_int_equal(p.corrupt, 0);
        cari_arena_free(&arena);
    }
    assert_int_equal(cari_segment_scan_prefix(segs[0], "=", 1, count_scan,
                                              seen),
                     CARI_OK);
    assert_true(seen[0] >= 1 && seen[1] >= 1);
    /* merged, the first segment's articles 10..19 and every even one of
     * the second's dropped */
    memset(deleted, 0, sizeof deleted);
    for (k = 10; k < 20; k++)
        deleted[k >> 3] |= (unsigned char)(1u << (k & 7));
    {
        unsigned char even[N / 8 + 1];
        const unsigned char *dels[2] = {deleted, even};
        for (k = 0; k < sizeof even; k++)
            even[k] = 0x55;
        snprintf(path3, sizeof path3, "%s/exactm.cari", f->dir);
        unlink(path3);
        assert_int_equal(cari_segment_merge(segs, dels, 2, 1, &pp, 0, path3, 0,
                                            &res, &err),
                         CARI_OK);
    }
    assert_int_equal(res.articles, N - 10 + N / 2);
    assert_int_equal(cari_segment_open(path3, &m, &err), CARI_OK);
    for (k = 0, want = 0; k < 2 * N; k++) {
        uint32_t a = k % N, out;
        if (k < N ? (a >= 10 && a < 20) : a % 2 == 0)
            continue;
        out = k < N ? (a < 10 ? a : a - 10) : N - 10 + a / 2;
        if (a % 3) {
            want_docs[want] = out;
            want_tfs[want++] = a % 3;
        }
    }
    expect_docs(m, "=menulis", 1, want_docs, want_tfs, want);
    n = term_docs(m, "=26-nya", docs, tfs, &derived);
    assert_int_equal(derived, 0);
    assert_true(n > 0);
    cari_segment_close(m);
    cari_segment_close(segs[0]);
    cari_segment_close(segs[1]);
}

/* An exact form met with one base and later with another (hand-made
 * tokens: the analyzer gives a form one base): the inverter kept its
 * entries as ranks in the first base's list, and must turn them back
 * into docs, its open posting's included, for the plain lists such a
 * form gets.  shared: the form's tokens share one cache slot, so that
 * the second base is met on the slot's fast path, not when the term is
 * looked up. */
static void exact_form_two_bases(fixture *f, int shared)
{
    enum { N = 60, SWITCH = 37 };
    char path[400];
    static const char text[] = "tulis menulis";
    cari_passage_params pp = CARI_PASSAGE_PARAMS_INIT;
    cari_segment_writer *w;
    cari_segment *s;
    cari_error err;
    uint64_t terms;
    /* the four words' slots in a cache of their own generation */
    static const uint32_t slots[4] = {1, 2, 3, 4}, gen = 0xC0FFEE;
    uint32_t k, no, want_docs[N], want_tfs[N], base_docs[N], base_tfs[N];
    int want = 0, nbase = 0;
    snprintf(path, sizeof path, "%s/twobases%d.cari", f->dir, shared);
    unlink(path);
    assert_int_equal(cari_segw_new(1, &pp, &w), CARI_OK);
    for (k = 0; k < N; k++) {
        cari_article ca;
        cari_analysis x;
        cari_term_token toks[6];
        cari_span32 span = {0, sizeof text - 1};
        uint32_t ends[2], n = 0, pos = 0, r, reps;
        char id[32];
        int first = k < SWITCH;
        /* "tulis" alone in every third article, none in every fifth
         * (from the switch on "lis"), the form in the rest: once, or
         * twice in every fourth */
        reps = k % 3 == 0 || k % 5 == 0 ? 0 : k % 4 == 0 ? 2 : 1;
        memset(toks, 0, sizeof toks);
        if (k % 5) {
            for (r = 0; r < (reps ? reps : 1); r++) {
                toks[n].term = first ? "tulis" : "lis";
                toks[n].term_len = first ? 5 : 3;
                toks[n].position = pos++;
                toks[n].slot = slots[first ? 0 : 1];
                n++;
                if (!reps)
                    break;
                toks[n].term = "=menulis";
                toks[n].term_len = 8;
                toks[n].position = toks[n - 1].position;
                toks[n].alternative = 1;
                toks[n].slot = slots[first || shared ? 2 : 3];
                n++;
            }
            if (first) {
                base_docs[nbase] = k;
                base_tfs[nbase++] = reps ? reps : 1;
            }
        }
        if (reps) {
            want_docs[want] = k;
            want_tfs[want++] = reps;
        }
        ends[0] = 0;
        ends[1] = n;
        memset(&x, 0, sizeof x);
        x.spans.items = &span;
        x.spans.len = 1;
        x.tokens.items = toks;
        x.tokens.len = n;
        x.tokens.gen = gen;
        x.ends = ends;
        snprintf(id, sizeof id, "%u", k);
        memset(&ca, 0, sizeof ca);
        ca.id = id;
        ca.id_len = strlen(id);
        ca.text = text;
        ca.text_len = sizeof text - 1;
        assert_int_equal(cari_segw_add_analyzed(w, &ca, &x, &no), CARI_OK);
        assert_int_equal(cari_segw_store(w, &ca), CARI_OK);
        assert_int_equal(no, k);
    }
    assert_int_equal(cari_segw_write(w, path, 0, &terms, &err), CARI_OK);
    cari_segw_free(w);
    assert_int_equal(cari_segment_open(path, &s, &err), CARI_OK);
    expect_docs(s, "=menulis", 0, want_docs, want_tfs, want);
    expect_docs(s, "tulis", 0, base_docs, base_tfs, nbase);
    cari_segment_close(s);
}

static void test_exact_form_two_bases(void **state)
{
    exact_form_two_bases(*state, 0);
    exact_form_two_bases(*state, 1);
}

/* The inverter keeps the term id of each of the analyzer's slot numbers
 * in a table of its own, valid for one generation of one analyzer's
 * cache.  The same articles inverted from two analyzers in turn, whose
 * caches are cleared before every article (so that a slot number stands
 * for another word each time), through both ways of adding an article,
 * must give the segment's bytes that one analyzer gave.  It fails when
 * the table outlives its generation. */
static void test_slots_across_caches(void **state)
{
    fixture *f = *state;
    cari_passage_params pp = CARI_PASSAGE_PARAMS_INIT;
    cari_analyzer *an[2];
    cari_segment_writer *w;
    cari_analysis x;
    cari_error err;
    char path[300];
    unsigned char *want, *got;
    size_t want_len, got_len, k;
    uint64_t terms;
    int i;
    snprintf(path, sizeof path, "%s/slots.cari", f->dir);
    for (i = 0; i < 2; i++) {
        assert_int_equal(cari_analyzer_new(&an[i], NULL), CARI_OK);
        cari_analyzer_set_cache_bytes(an[i], 1); /* always over: cleared */
    }
    memset(&x, 0, sizeof x);
    assert_int_equal(cari_segw_new(6, &pp, &w), CARI_OK);
    for (k = 0; k < NART; k++) {
        cari_article ca = as_article(&f->arts[k]);
        cari_analyzer *a = an[k % 2];
        uint32_t no;
        if (k % 7 == 3) { /* a passage at a time, a clear before each */
            assert_int_equal(cari_segw_add(w, a, &ca, &no), CARI_OK);
        } else {
            cari_analyzer_bound(a);
            assert_int_equal(cari_segw_analyze(a, &pp, &ca, &x), CARI_OK);
            assert_int_equal(cari_segw_add_analyzed(w, &ca, &x, &no),
                             CARI_OK);
            assert_int_equal(cari_segw_store(w, &ca), CARI_OK);
        }
        assert_int_equal(no, k);
    }
    assert_int_equal(cari_segw_write(w, path, 0, &terms, &err), CARI_OK);
    cari_segw_free(w);
    cari_analysis_free(&x);
    assert_int_equal(terms, f->written_terms);
    want = test_read_file(f->path, &want_len);
    got = test_read_file(path, &got_len);
    assert_non_null(want);
    assert_non_null(got);
    assert_int_equal(got_len, want_len);
    assert_memory_equal(got, want, want_len);
    free(want);
    free(got);
    for (i = 0; i < 2; i++)
        cari_analyzer_free(an[i]);
}

/* A passage longer than 255 tokens: body lengths are two bytes each
 * (without CARI_SEGMENT_LEN8), and every length and range reads back. */
/* Terms in the dictionary strictly in byte order, each found: the
 * write sorts them by their first 8 bytes, then by the whole term where
 * those agree (many words, their exact forms, bytes >= 0x80). */
typedef struct order_check {
    char prev[256];
    size_t prev_len, n;
    int bad;
} order_check;

static int check_order(void *ctx, const char *term, size_t len,
                       const cari_term_info *info)
{
    order_check *c = ctx;
    size_t m = len < c->prev_len ? len : c->prev_len;
    int cmp = memcmp(c->prev, term, m);
    (void)info;
    if (c->n && (cmp > 0 || (cmp == 0 && c->prev_len >= len)))
        c->bad++;
    assert_true(len < sizeof c->prev);
    memcpy(c->prev, term, len);
    c->prev_len = len;
    c->n++;
    return 0;
}

static void test_term_order(void **state)
{
    fixture *f = *state;
    static const char *const words[] = {
        "pemberitahuan", "pemberitahuannya", "pemberitahuanku", "pemberi",
        "pemberitahu", "memberitahukan", "diberitahukan", "aaaaaaaa",
        "aaaaaaaab", "aaaaaaa", "aaaaaaaaa", "aaaaaaaa-aa", "\xc3\xa9t\xc3\xa9",
        "\xc3\xa9tudiant", "z\xc3\xa9", "zz", "12345678", "123456789",
        "1234567", "kebersihannya", "kebersihan", "membersihkan"};
    const size_t nw = sizeof words / sizeof *words;
    article a;
    char text[2048], path[512];
    size_t o = 0, k, r;
    uint64_t terms = 0;
    cari_segment *seg;
    cari_error err;
    order_check c;
    cari_term_info info;
    for (r = 0; r < 3; r++)
        for (k = 0; k < nw; k++)
            o += (size_t)snprintf(text + o, sizeof text - o, "%s%s",
                                  words[(k * 7 + r) % nw],
                                  k % 9 == 8 ? ".\n\n" : " ");
    memset(&a, 0, sizeof a);
    snprintf(a.id, sizeof a.id, "urut");
    a.title = (char *)"Urutan kata";
    a.text = text;
    snprintf(path, sizeof path, "%s/seg-order.cari", f->dir);
    write_segment(f->an, &a, 1, path, &terms);
    assert_int_equal(cari_segment_open(path, &seg, &err), CARI_OK);
    memset(&c, 0, sizeof c);
    assert_int_equal(cari_segment_scan_prefix(seg, "", 0, check_order, &c),
                     CARI_OK);
    assert_int_equal(c.bad, 0);
    assert_int_equal(c.n, cari_segment_terms(seg));
    assert_int_equal(c.n, terms);
    assert_true(c.n > 20);
    assert_int_equal(cari_segment_lookup(seg, "=pemberitahuannya", 17, &info),
                     1);
    assert_int_equal(cari_segment_lookup(seg, "aaaaaaaab", 9, &info), 1);
    assert_int_equal(cari_segment_lookup(seg, "aaaaaaa", 7, &info), 1);
    cari_segment_close(seg);
    /* and the random fixture's */
    memset(&c, 0, sizeof c);
    assert_int_equal(cari_segment_scan_prefix(f->seg, "", 0, check_order, &c),
                     CARI_OK);
    assert_int_equal(c.bad, 0);
    assert_int_equal(c.n, cari_segment_terms(f->seg));
}

static void test_long_passage(void **state)
{
    enum { WORDS = 600 };
    fixture *f = *state;
    char path[400], *text = malloc(WORDS * 24 + 1);
    cari_passage_params pp = {1000, 2000, 20};
    cari_segment_writer *w;
    cari_segment *s;
    cari_error err;
    uint64_t terms;
    uint32_t k, start, end, no;
    size_t n = 0;
    assert_non_null(text);
    for (k = 0; k < WORDS; k++) {
        n += synthetic_word(k, text + n);
        text[n++] = ' ';
    }
    text[n - 1] = '\0';
    snprintf(path, sizeof path, "%s/long.cari", f->dir);
    unlink(path);
    assert_int_equal(cari_segw_new(1, &pp, &w), CARI_OK);
    for (k = 0; k < 2; k++) {
        cari_article ca;
        memset(&ca, 0, sizeof ca);
        ca.id = k ? "pendek" : "panjang";
        ca.id_len = strlen(ca.id);
        ca.text = k ? "tal tam tan" : text;
        ca.text_len = strlen(ca.text);
        assert_int_equal(cari_segw_add(w, f->an, &ca, &no), CARI_OK);
    }
    assert_int_equal(cari_segw_write(w, path, 0, &terms, &err), CARI_OK);
    cari_segw_free(w);
    assert_int_equal(cari_segment_open(path, &s, &err), CARI_OK);
    assert_int_equal(cari_segment_flags(s) & CARI_SEGMENT_LEN8, 0);
    assert_int_equal(cari_segment_passages(s), 2);
    assert_int_equal(cari_segment_body_len(s, 0), WORDS);
    assert_int_equal(cari_segment_body_len(s, 1), 3);
    assert_int_equal(cari_segment_passage_range(s, 0, &start, &end), CARI_OK);
    assert_int_equal(start, 0);
    assert_int_equal(end, n - 1);
    assert_int_equal(cari_segment_passage_range(s, 1, &start, &end), CARI_OK);
    assert_int_equal(start, 0);
    assert_int_equal(end, 11);
    assert_int_equal(cari_segment_passage_article(s, 1), 1);
    cari_segment_close(s);
    free(text);
}

static void test_open_errors(void **state)
{
    fixture *f = *state;
    cari_segment *s = (cari_segment *)1;
    cari_error err;
    char path[400];
    uint64_t terms;
    cari_segment_writer *w;
    cari_passage_params pp = CARI_PASSAGE_PARAMS_INIT;
    cari_article ca = as_article(&f->arts[0]);
    uint32_t no;
    snprintf(path, sizeof path, "%s/missing.cari", f->dir);
    assert_int_equal(cari_segment_open(path, &s, &err), CARI_ENOTFOUND);
    assert_null(s);
    assert_int_equal(err.code, CARI_ENOTFOUND);
    /* an existing file is never overwritten */
    assert_int_equal(cari_segw_new(6, &pp, &w), CARI_OK);
    assert_int_equal(cari_segw_add(w, f->an, &ca, &no), CARI_OK);
    assert_int_equal(cari_segw_write(w, f->path, 0, &terms, &err), CARI_EIO);
    cari_segw_free(w);
    assert_int_equal(cari_segment_open(f->path, &s, &err), CARI_OK);
    assert_int_equal(cari_segment_articles(s), NART);
    cari_segment_close(s);
    cari_segment_close(NULL);
    /* not a segment at all */
    snprintf(path, sizeof path, "%s/text.cari", f->dir);
    assert_int_equal(test_write_str(path, "this is not a segment file, but "
                                          "it is long enough to look at"),
                     0);
    assert_int_equal(cari_segment_open(path, &s, &err), CARI_ECORRUPT);
    assert_null(s);
    assert_int_equal(test_write_str(path, "short"), 0);
    assert_int_equal(cari_segment_open(path, &s, &err), CARI_ECORRUPT);
}

/* A segment with no articles opens, and finds nothing. */
static void test_empty_segment(void **state)
{
    fixture *f = *state;
    char path[400];
    cari_segment *s;
    cari_error err;
    cari_term_info info;
    uint32_t got;
    uint64_t terms = 99;
    snprintf(path, sizeof path, "%s/empty.cari", f->dir);
    write_segment(f->an, NULL, 0, path, &terms);
    assert_int_equal(terms, 0);
    assert_int_equal(cari_segment_open(path, &s, &err), CARI_OK);
    assert_int_equal(cari_segment_articles(s), 0);
    assert_int_equal(cari_segment_passages(s), 0);
    assert_int_equal(cari_segment_terms(s), 0);
    assert_int_equal(cari_segment_lookup(s, "kopi", 4, &info), 0);
    assert_int_equal(cari_segment_find_id(s, "a", 1, NULL, &got), 0);
    cari_segment_close(s);
}

/* ------------------------------------------------------------------ */
/* damage                                                              */
/* ------------------------------------------------------------------ */

static int open_status(const char *path)
{
    cari_segment *s = NULL;
    cari_error err;
    int rc = cari_segment_open(path, &s, &err);
    if (rc == CARI_OK)
        cari_segment_close(s);
    else
        assert_null(s);
    return rc;
}

static void put_byte(int fd, size_t at, unsigned char b)
{
    assert_int_equal(pwrite(fd, &b, 1, (off_t)at), 1);
}

/* A small segment for the damage tests; returns its bytes. */
static unsigned char *small_segment(fixture *f, char *path, size_t cap,
                                    size_t *len)
{
    unsigned char *data;
    uint64_t terms;
    snprintf(path, cap, "%s/small.cari", f->dir);
    unlink(path);
    write_segment(f->an, f->arts, 12, path, &terms);
    data = test_read_file(path, len);
    assert_non_null(data);
    assert_int_equal(open_status(path), CARI_OK);
    return data;
}

static void test_damage_truncated(void **state)
{
    fixture *f = *state;
    char path[400], cut[400];
    size_t len, at;
    unsigned char *data = small_segment(f, path, sizeof path, &len);
    snprintf(cut, sizeof cut, "%s/cut.cari", f->dir);
    for (at = 0; at < len; at += at < 100 || at > len - 100 ? 1 : 37) {
        assert_int_equal(test_write_file(cut, data, at), 0);
        assert_int_equal(open_status(cut), CARI_ECORRUPT);
    }
    /* one byte too many is damage too */
    {
        unsigned char *more = malloc(len + 1);
        assert_non_null(more);
        memcpy(more, data, len);
        more[len] = 0;
        assert_int_equal(test_write_file(cut, more, len + 1), 0);
        assert_int_equal(open_status(cut), CARI_ECORRUPT);
        free(more);
    }
    free(data);
}

/*
 * Change one byte at every offset of the file (two ways): the open must
 * fail with CARI_ECORRUPT -- the format version (bytes 8..11) included:
 * it has no checksum, and a flipped bit there reads as another version.
 */
static void test_damage_every_byte(void **state)
{
    fixture *f = *state;
    char path[400];
    size_t len, at;
    unsigned char *data = small_segment(f, path, sizeof path, &len);
    int way, missed = 0, fd = open(path, O_WRONLY);
    assert_true(fd >= 0);
    for (way = 0; way < 2; way++) {
        for (at = 0; at < len; at++) {
            unsigned char b = way ? (unsigned char)(data[at] ^ 0xff)
                                  : (unsigned char)(data[at] ^
                                                    (1u << (at % 8)));
            int rc;
            put_byte(fd, at, b);
            rc = open_status(path);
            if (rc != CARI_ECORRUPT && missed++ < 12)
                print_message("# byte %zu of %zu changed (0x%02x -> 0x%02x): "
                              "open returned %d\n",
                              at, len, data[at], b, rc);
            put_byte(fd, at, data[at]);
        }
    }
    close(fd);
    assert_int_equal(missed, 0);
    assert_int_equal(open_status(path), CARI_OK);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_passage_maps),
        cmocka_unit_test(test_stored_articles),
        cmocka_unit_test(test_terms_and_postings),
        cmocka_unit_test(test_lookup_absent_and_edges),
        cmocka_unit_test(test_find_id),
        cmocka_unit_test(test_long_ids),
        cmocka_unit_test(test_long_passage),
        cmocka_unit_test(test_term_order),
        cmocka_unit_test(test_exact_forms),
        cmocka_unit_test(test_exact_form_two_bases),
        cmocka_unit_test(test_slots_across_caches),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_empty_segment),
        cmocka_unit_test(test_damage_truncated),
        cmocka_unit_test(test_damage_every_byte),
    };
    TEST_FILTER_FROM_ENV();
    return cmocka_run_group_tests(tests, setup, teardown);
}
