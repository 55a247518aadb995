/*
 * analyzer.c -- turns text into the term stream: raw tokens from the
 * tokenizer, folded (case, accents, apostrophes), classified (numbers,
 * acronyms, hyphenated compounds and reduplication, stopwords) and stemmed.
 *
 * Every distinct surface form is analyzed once: a cache maps the folded form
 * (plus its case class) to its terms, so the stemmer runs once per word type.
 * The same analyzer serves indexing, queries and snippets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libstemmer.h>

#include "analyzer_internal.h"
#include "tokenizer.h"
#include "utf8.h"
#include "util.h"

#define ANALYZER_VERSION 1
/* Folded forms are cut at this many bytes: long enough for any real word,
 * short enough that a 10 MB "token" cannot bloat the dictionary. */
#define MAX_KEY 96
/* At most this many terms per surface token (a compound and its parts). */
#define MAX_TERMS 8
/* The cache is cleared when it holds this many word types (bounded memory
 * on endless vocabularies; 1M types cover a large news collection). */
#define CACHE_LIMIT (1u << 20)

typedef struct cache_entry {
    uint64_t hash;
    const char *key;
    const char *terms;  /* nterms NUL-separated terms */
    uint32_t key_len;
    uint16_t nterms;
    uint8_t stop;
} cache_entry;

struct cari_analyzer {
    struct sb_stemmer *stemmer;
    cache_entry *slots;
    size_t nslots, used;
    cari_arena arena;
    /* stopwords: a small open-addressing set of folded words */
    const char **stop_slots;
    size_t stop_nslots;
    char signature[256];
};

static void stop_insert(cari_analyzer *a, const char *w)
{
    size_t i = cari_hash64(w, strlen(w)) & (a->stop_nslots - 1);
    while (a->stop_slots[i])
        i = (i + 1) & (a->stop_nslots - 1);
    a->stop_slots[i] = w;
}

static int is_stopword(const cari_analyzer *a, const char *w, size_t n)
{
    size_t i = cari_hash64(w, n) & (a->stop_nslots - 1);
    while (a->stop_slots[i]) {
        const char *s = a->stop_slots[i];
        if (strlen(s) == n && memcmp(s, w, n) == 0)
            return 1;
        i = (i + 1) & (a->stop_nslots - 1);
    }
    return 0;
}

int cari_analyzer_new(cari_analyzer **out, cari_error *err)
{
    cari_analyzer *a;
    size_t i;
    uint32_t stop_crc = 0;
    *out = NULL;
    a = calloc(1, sizeof *a);
    if (!a)
        return cari_set_error(err, CARI_ENOMEM, "out of memory");
    a->stemmer = sb_stemmer_new("indonesian", "UTF_8");
    if (!a->stemmer) {
        free(a);
        return cari_set_error(err, CARI_EUNSUPPORTED,
                              "libstemmer has no Indonesian stemmer");
    }
    a->nslots = 1u << 14;
    a->slots = calloc(a->nslots, sizeof *a->slots);
    a->stop_nslots = 1;
    while (a->stop_nslots < cari_stopword_count * 4)
        a->stop_nslots *= 2;
    a->stop_slots = calloc(a->stop_nslots, sizeof *a->stop_slots);
    if (!a->slots || !a->stop_slots) {
        cari_analyzer_free(a);
        return cari_set_error(err, CARI_ENOMEM, "out of memory");
    }
    for (i = 0; i < cari_stopword_count; i++) {
        const char *w = cari_stopwords[i];
        stop_insert(a, w);
        stop_crc = (uint32_t)cari_hash64(w, strlen(w)) ^ (stop_crc * 31u);
    }
    snprintf(a->signature, sizeof a->signature,
             "cari-analyzer/%d fold=nfkd-casefold-stripmark "
             "stem=snowball-indonesian stop=%zu:%08x",
             ANALYZER_VERSION, cari_stopword_count, stop_crc);
    *out = a;
    return CARI_OK;
}

void cari_analyzer_free(cari_analyzer *a)
{
    if (!a)
        return;
    if (a->stemmer)
        sb_stemmer_delete(a->stemmer);
    free(a->slots);
    free(a->stop_slots);
    cari_arena_free(&a->arena);
    free(a);
}

const char *cari_analyzer_signature(const cari_analyzer *a)
{
    return a ? a->signature : "";
}

void cari_tokvec_free(cari_tokvec *v)
{
    free(v->items);
    v->items = NULL;
    v->len = v->cap = 0;
}

/* ---- the word cache ---- */

static void cache_clear(cari_analyzer *a)
{
    memset(a->slots, 0, a->nslots * sizeof *a->slots);
    a->used = 0;
    cari_arena_reset(&a->arena);
}

static int cache_grow(cari_analyzer *a)
{
    size_t n = a->nslots * 2, i;
    cache_entry *s = calloc(n, sizeof *s);
    if (!s)
        return CARI_ENOMEM;
    for (i = 0; i < a->nslots; i++) {
        cache_entry *e = &a->slots[i];
        size_t j;
        if (!e->key)
            continue;
        j = e->hash & (n - 1);
        while (s[j].key)
            j = (j + 1) & (n - 1);
        s[j] = *e;
    }
    free(a->slots);
    a->slots = s;
    a->nslots = n;
    return CARI_OK;
}

/* Stem a folded word with Snowball into out; returns its length. */
static size_t stem_word(cari_analyzer *a, const char *w, size_t n, char *out,
                        size_t cap)
{
    const sb_symbol *r = sb_stemmer_stem(a->stemmer, (const sb_symbol *)w,
                                         (int)n);
    size_t len;
    if (!r)
        goto unchanged;
    len = (size_t)sb_stemmer_length(a->stemmer);
    if (len == 0 || len >= cap)
        goto unchanged;
    memcpy(out, r, len);
    return len;
unchanged:
    memcpy(out, w, n);
    return n;
}

/* Terms being built for one cache entry. */
typedef struct termset {
    char buf[MAX_TERMS * (MAX_KEY + 1)];
    size_t len;
    int n;
} termset;

static void termset_add(termset *t, const char *s, size_t n)
{
    size_t i;
    const char *p = t->buf;
    if (t->n >= MAX_TERMS || n == 0)
        return;
    for (i = 0; i < (size_t)t->n; i++) {  /* no duplicates */
        size_t l = strlen(p);
        if (l == n && memcmp(p, s, n) == 0)
            return;
        p += l + 1;
    }
    memcpy(t->buf + t->len, s, n);
    t->buf[t->len + n] = '\0';
    t->len += n + 1;
    t->n++;
}

static int all_digits_or_seps(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == ','))
            return 0;
    return 1;
}

/* Terms of one plain word (no hyphen): sets *stop for stopwords. */
static void word_terms(cari_analyzer *a, const char *w, size_t n,
                       int acronym, termset *t, int *stop)
{
    char stem[MAX_KEY + 1];
    size_t sn;
    size_t i;
    int has_digit = 0;
    if (is_stopword(a, w, n)) {
        *stop = 1;
        return;
    }
    for (i = 0; i < n; i++)
        if (w[i] >= '0' && w[i] <= '9')
            has_digit = 1;
    if (acronym || has_digit) {
        termset_add(t, w, n);
        return;
    }
    sn = stem_word(a, w, n, stem, sizeof stem);
    termset_add(t, stem, sn);
}

/*
 * Analyze one folded surface form.  key may contain '-' (hyphenated form).
 * Reduplication (all parts equal: anak-anak) is the word itself; another
 * compound (bolak-balik, e-ktp, covid-19) is indexed whole, plus its parts.
 */
static void analyze_form(cari_analyzer *a, const char *key, size_t n,
                         int acronym, termset *t, int *stop)
{
    const char *parts[MAX_TERMS];
    size_t lens[MAX_TERMS];
    int np = 0, i, same = 1;
    const char *p = key, *end = key + n;
    *stop = 0;
    if (!memchr(key, '-', n)) {
        word_terms(a, key, n, acronym, t, stop);
        return;
    }
    while (p < end && np < MAX_TERMS) {
        const char *q = memchr(p, '-', (size_t)(end - p));
        if (!q)
            q = end;
        parts[np] = p;
        lens[np] = (size_t)(q - p);
        np++;
        p = q + 1;
    }
    for (i = 1; i < np; i++)
        if (lens[i] != lens[0] || memcmp(parts[i], parts[0], lens[0]) != 0)
            same = 0;
    if (same) {
        word_terms(a, parts[0], lens[0], acronym, t, stop);
        return;
    }
    if (is_stopword(a, key, n)) {
        *stop = 1;
        return;
    }
    termset_add(t, key, n);
    for (i = 0; i < np; i++) {
        int part_stop = 0;
        if (lens[i] == 0)
            continue;
        word_terms(a, parts[i], lens[i], acronym, t, &part_stop);
    }
}

/* Fold the raw token into key (<= MAX_KEY bytes); returns its length. */
static size_t fold_token(const char *text, const cari_rawtoken *tok,
                         char *key)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = tok->start, n = 0;
    if (!(tok->flags & (CARI_TOK_NONASCII | CARI_TOK_UPPER |
                        CARI_TOK_APOSTROPHE))) {
        size_t len = tok->end - tok->start;
        if (len > MAX_KEY)
            len = MAX_KEY;
        memcpy(key, text + tok->start, len);
        return len;
    }
    while (i < tok->end) {
        int32_t cp;
        int m = cari_utf8_decode(s + i, tok->end - i, &cp);
        size_t w;
        if (m < 0) {
            i++;
            continue;
        }
        i += (size_t)m;
        if (cp == '\'' || cp == 0x2019 || cp == 0x02bc)
            continue;
        if (cp == 0x2010 || cp == 0x2011)
            cp = '-';
        w = cari_fold_char(cp, key + n, MAX_KEY - n);
        if (w > MAX_KEY - n)
            break;
        n += w;
    }
    return n;
}

static const cache_entry *lookup(cari_analyzer *a, const char *text,
                                 const cari_rawtoken *tok)
{
    char key[MAX_KEY + 2];
    size_t n, i;
    uint64_t h;
    int acronym;
    termset t;
    int stop;
    cache_entry *e;

    /* An acronym: all letters uppercase, 2..5 letters (KPK, PHK, AS),
     * counted in characters, not bytes.  The case class is part of the
     * cache key. */
    acronym = 0;
    if ((tok->flags & CARI_TOK_UPPER) && !(tok->flags & CARI_TOK_LOWER) &&
        tok->end - tok->start >= 2) {
        size_t chars = 0;
        for (i = tok->start; i < tok->end && chars <= 5; i++)
            chars += ((unsigned char)text[i] & 0xc0) != 0x80;
        acronym = chars >= 2 && chars <= 5;
    }
    n = fold_token(text, tok, key + 1);
    key[0] = acronym ? 'A' : 'w';
    h = cari_hash64(key, n + 1);
    i = h & (a->nslots - 1);
    while ((e = &a->slots[i])->key) {
        if (e->hash == h && e->key_len == n + 1 &&
            memcmp(e->key, key, n + 1) == 0)
            return e;
        i = (i + 1) & (a->nslots - 1);
    }
    t.len = 0;
    t.n = 0;
    stop = 0;
    if (n == 0) {
        stop = 1;  /* nothing left after folding (e.g. only marks) */
    } else if ((tok->flags & CARI_TOK_DIGIT) && !(tok->flags & CARI_TOK_LETTER) &&
               all_digits_or_seps(key + 1, n)) {
        termset_add(&t, key + 1, n);  /* a number, kept as written */
    } else {
        analyze_form(a, key + 1, n, acronym, &t, &stop);
        if (t.n == 0 && !stop)
            termset_add(&t, key + 1, n);
    }
    e->key = cari_arena_strndup(&a->arena, key, n + 1);
    e->terms = t.n ? cari_arena_strndup(&a->arena, t.buf, t.len) : "";
    if (!e->key || !e->terms) {
        e->key = NULL;
        return NULL;
    }
    e->hash = h;
    e->key_len = (uint32_t)(n + 1);
    e->nterms = (uint16_t)t.n;
    e->stop = (uint8_t)stop;
    a->used++;
    if (a->used * 2 > a->nslots) {
        cache_entry copy = *e;
        if (cache_grow(a))
            return NULL;
        /* the entry moved: find it again */
        i = copy.hash & (a->nslots - 1);
        while (a->slots[i].key != copy.key)
            i = (i + 1) & (a->nslots - 1);
        return &a->slots[i];
    }
    return e;
}

static int tokvec_push(cari_tokvec *v, const cari_term_token *t)
{
    if (v->len == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 256;
        cari_term_token *p = realloc(v->items, cap * sizeof *p);
        if (!p)
            return CARI_ENOMEM;
        v->items = p;
        v->cap = cap;
    }
    v->items[v->len++] = *t;
    return CARI_OK;
}

long cari_analyzer_run(cari_analyzer *a, const char *text, size_t len,
                       uint32_t first_position, cari_tokvec *out)
{
    size_t pos = 0;
    cari_rawtoken tok;
    uint32_t position = first_position;
    out->len = 0;
    if (a->used > CACHE_LIMIT)
        cache_clear(a);
    while (cari_tokenize_next(text, len, &pos, &tok)) {
        const cache_entry *e = lookup(a, text, &tok);
        cari_term_token t;
        if (!e)
            return CARI_ENOMEM;
        t.position = position;
        t.start = (uint32_t)tok.start;
        t.end = (uint32_t)tok.end;
        if (e->stop || e->nterms == 0) {
            t.term = e->key + 1;  /* the folded form, for display */
            t.term_len = e->key_len - 1;
            t.stop = 1;
            t.alternative = 0;
            if (tokvec_push(out, &t))
                return CARI_ENOMEM;
        } else {
            const char *p = e->terms;
            int k;
            for (k = 0; k < e->nterms; k++) {
                size_t l = strlen(p);
                t.term = p;
                t.term_len = (uint32_t)l;
                t.stop = 0;
                t.alternative = k > 0;
                if (tokvec_push(out, &t))
                    return CARI_ENOMEM;
                p += l + 1;
            }
        }
        position++;
    }
    return (long)(position - first_position);
}

int cari_analyze(cari_analyzer *a, const char *text, size_t len,
                 cari_token_fn fn, void *ctx)
{
    cari_tokvec v = {0};
    long n;
    size_t i;
    int rc = CARI_OK;
    if (!a || (!text && len) || !fn)
        return CARI_EINVAL;
    n = cari_analyzer_run(a, text, len, 0, &v);
    if (n < 0) {
        cari_tokvec_free(&v);
        return (int)n;
    }
    for (i = 0; i < v.len; i++) {
        cari_token t;
        const cari_term_token *s = &v.items[i];
        t.term = s->term;
        t.term_len = s->term_len;
        t.start = s->start;
        t.end = s->end;
        t.position = s->position;
        t.stop = s->stop;
        t.alternative = s->alternative;
        rc = fn(ctx, &t);
        if (rc)
            break;
    }
    cari_tokvec_free(&v);
    return rc;
}
