/*
 * analyzer.c -- turns text into the term stream: raw tokens from the
 * tokenizer, folded (case, accents, apostrophes), classified (numbers,
 * acronyms, hyphenated compounds and reduplication, stopwords) and stemmed.
 *
 * Every distinct surface form is analyzed once: a cache maps the folded form
 * (plus its case class) to its terms, so the stemmer runs once per word type.
 * The same analyzer serves indexing, queries and snippets.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libstemmer.h>

#include "analyzer_internal.h"
#include "stem.h"
#include "tokenizer.h"
#include "utf8.h"
#include "util.h"

/* 3 (2026-11-30): a stopword's reduplication is a word of its own
 * (oleh-oleh, satu-satunya) and an affixed one gives its root
 * (bersama-sama -> sama, as bersama); the soft hyphen and the zero-width
 * joiners stay inside a word and fold away (Sep\u00adtember). */
/* 4 (2026-12-01): numbers joined by hyphens give each number as it is
 * alone (1.000-2.000 -> 1000, 2000; 10.000-an -> 10000), and a time's
 * hour loses its leading zero (07.30 = 7.30); an acronym (ASEAN) also
 * gives the stem of its lower case (ase) when that differs; a word
 * hyphenated after one letter also gives the two joined (e-mail -> email;
 * the stemmer's cari-stem-2). */
/* 5 (2026-12-01): a bound form (non, anti, pasca...) hyphenated or apart
 * before a word also gives the two joined (non-migas, non migas ->
 * nonmigas; the stemmer's cari-stem-3); each Han, Hiragana and Katakana
 * character is a token of its own. */
#define ANALYZER_VERSION 5
/* Folded forms are cut at this many bytes: long enough for any real word,
 * short enough that a 10 MB "token" cannot bloat the dictionary. */
#define MAX_KEY 96
/* At most this many terms per surface token (a compound and its parts). */
#define MAX_TERMS 8
/* The cache is cleared when it holds this many word types, which bounds
 * its memory (about 40 MB per analyzer, one per indexing thread) on any
 * vocabulary; clickid_news has 127k surface forms, so a news collection's
 * words stay cached. */
#define CACHE_LIMIT (1u << 18)
/* Tokens prepared ahead of their cache lookup (cari_analyzer_run). */
#define AHEAD 8
#ifndef EXACT_FORMS
#define EXACT_FORMS 1
#endif

/* One word type.  The entry, its term lengths, key and terms are one
 * allocation, so a lookup touches one or two cache lines. */
typedef struct cache_entry {
    uint64_t hash;
    const char *key;
    const char *terms;  /* nterms NUL-separated terms */
    const uint16_t *lens; /* length of each term */
    uint32_t slot0;     /* its terms' slots: slot0 .. slot0 + nterms - 1
                           (cari_term_token.slot), or 0 for none */
    uint32_t key_len;
    uint16_t nterms;
    uint8_t stop;
    uint8_t bound; /* a bound form alone (non, anti): joins the next word */
} cache_entry;

struct cari_analyzer {
    cari_stemmer *stemmer;
    struct sb_stemmer *snowball_only; /* benchmarks: bare Snowball */
    /* the cache: open addressing over tags (high hash bits, | 1; 0 = empty)
     * beside entry pointers, so a probe touches 4 bytes per slot */
    uint32_t *tags;
    cache_entry **ents;
    size_t nslots, used;
    uint32_t next_slot; /* the next entry's slot0 (from 1) */
    uint32_t gen;       /* the entries' generation (cari_tokvec.gen) */
    cari_arena arena;
    size_t cache_max;   /* bytes (cari_analyzer_set_cache_bytes); 0: none */
    /* stopwords: a small open-addressing set of folded words */
    const char **stop_slots;
    size_t stop_nslots;
    char signature[256];
};

static void cache_clear(cari_analyzer *a);

static atomic_uint cache_gens;

/* A generation no cache has had (0 is none). */
static uint32_t new_gen(void)
{
    uint32_t g;
    do
        g = atomic_fetch_add(&cache_gens, 1) + 1;
    while (g == 0);
    return g;
}

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
    if (!out)
        return cari_set_error(err, CARI_EINVAL, "no handle to open into");
    *out = NULL;
    a = calloc(1, sizeof *a);
    if (!a)
        return cari_set_error(err, CARI_ENOMEM, "out of memory");
    if (cari_stemmer_new(&a->stemmer) != 0) {
        free(a);
        return cari_set_error(err, CARI_ENOMEM,
                              "cannot create the stemmer (out of memory, or "
                              "libstemmer lacks Indonesian)");
    }
    a->nslots = 1u << 14;
    a->next_slot = 1;
    a->gen = new_gen();
    a->tags = calloc(a->nslots, sizeof *a->tags);
    a->ents = calloc(a->nslots, sizeof *a->ents);
    a->stop_nslots = 1;
    while (a->stop_nslots < cari_stopword_count * 4)
        a->stop_nslots *= 2;
    a->stop_slots = calloc(a->stop_nslots, sizeof *a->stop_slots);
    if (!a->tags || !a->ents || !a->stop_slots) {
        cari_analyzer_free(a);
        return cari_set_error(err, CARI_ENOMEM, "out of memory");
    }
    for (i = 0; i < cari_stopword_count; i++) {
        const char *w = cari_stopwords[i];
        stop_insert(a, w);
        stop_crc = (uint32_t)cari_hash64(w, strlen(w)) ^ (stop_crc * 31u);
    }
    snprintf(a->signature, sizeof a->signature,
             "cari-analyzer/%d fold=nfkd-casefold-stripmark-ignore stem=%s "
             "stop=%zu:%08x",
             ANALYZER_VERSION, cari_stemmer_signature(a->stemmer),
             cari_stopword_count, stop_crc);
    *out = a;
    return CARI_OK;
}

void cari_analyzer_free(cari_analyzer *a)
{
    if (!a)
        return;
    cari_stemmer_free(a->stemmer);
    if (a->snowball_only)
        sb_stemmer_delete(a->snowball_only);
    free(a->tags);
    free(a->ents);
    free(a->stop_slots);
    cari_arena_free(&a->arena);
    free(a);
}

int cari_analyzer_use_snowball_only(cari_analyzer *a)
{
    if (!a->snowball_only)
        a->snowball_only = sb_stemmer_new("indonesian", "UTF_8");
    if (!a->snowball_only)
        return CARI_ENOMEM;
    cache_clear(a);
    snprintf(a->signature, sizeof a->signature, "snowball-only (benchmarks)");
    return CARI_OK;
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
    memset(a->tags, 0, a->nslots * sizeof *a->tags);
    memset(a->ents, 0, a->nslots * sizeof *a->ents);
    a->used = 0;
    a->next_slot = 1;
    a->gen = new_gen();
    cari_arena_reset(&a->arena);
}

/* Empty the cache, and make its table n slots (a power of two) if it has
 * more. */
static void cache_shrink(cari_analyzer *a, size_t n)
{
    uint32_t *tags;
    cache_entry **ents;
    cache_clear(a);
    if (a->nslots <= n)
        return;
    tags = cari_calloc_touched(n, sizeof *tags);
    ents = cari_calloc_touched(n, sizeof *ents);
    if (!tags || !ents) { /* keep the larger table */
        free(tags);
        free(ents);
        return;
    }
    free(a->tags);
    free(a->ents);
    a->tags = tags;
    a->ents = ents;
    a->nslots = n;
}

#define SLOT_BYTES (sizeof(uint32_t) + sizeof(cache_entry *))
#define MIN_SLOTS ((size_t)1 << 14)

void cari_analyzer_drop_cache(cari_analyzer *a)
{
    cache_shrink(a, MIN_SLOTS);
    cari_arena_free(&a->arena);
}

size_t cari_analyzer_memory(const cari_analyzer *a)
{
    return a->arena.total + a->nslots * SLOT_BYTES;
}

void cari_analyzer_set_cache_bytes(cari_analyzer *a, size_t bytes)
{
    a->cache_max = bytes;
}

/* At the start of a run (no entry is in use): clear the cache once it
 * holds CACHE_LIMIT words or is past cache_max, the table then cut to a
 * quarter of cache_max (the words fill the rest). */
int cari_analyzer_over(const cari_analyzer *a)
{
    if (!a->cache_max)
        return a->used > CACHE_LIMIT;
    return a->used > CACHE_LIMIT || cari_analyzer_memory(a) > a->cache_max;
}

void cari_analyzer_bound(cari_analyzer *a)
{
    size_t n = MIN_SLOTS;
    if (!cari_analyzer_over(a))
        return;
    if (!a->cache_max) {
        cache_clear(a);
        return;
    }
    while ((n * 2) * SLOT_BYTES <= a->cache_max / 4)
        n *= 2;
    cache_shrink(a, n);
}

static uint32_t tag_of(uint64_t h)
{
    return (uint32_t)(h >> 32) | 1u;
}

static int cache_grow(cari_analyzer *a)
{
    size_t n = a->nslots * 2, i;
    uint32_t *tags = cari_calloc_touched(n, sizeof *tags);
    cache_entry **ents = cari_calloc_touched(n, sizeof *ents);
    if (!tags || !ents) {
        free(tags);
        free(ents);
        return CARI_ENOMEM;
    }
    for (i = 0; i < a->nslots; i++) {
        cache_entry *e = a->ents[i];
        size_t j;
        if (!a->tags[i])
            continue;
        j = e->hash & (n - 1);
        while (tags[j])
            j = (j + 1) & (n - 1);
        tags[j] = a->tags[i];
        ents[j] = e;
    }
    free(a->tags);
    free(a->ents);
    a->tags = tags;
    a->ents = ents;
    a->nslots = n;
    return CARI_OK;
}

/* Equality of two short byte strings, without a library call: 8 bytes
 * at a time, the last 8 (or 4) overlapping the ones before, bytes only
 * below 4. */
static inline int same_bytes(const char *x, const char *y, size_t n)
{
    uint64_t u, v;
    uint32_t a, b;
    size_t i;
    if (n >= 8) {
        for (i = 0; i + 8 < n; i += 8) {
            memcpy(&u, x + i, 8);
            memcpy(&v, y + i, 8);
            if (u != v)
                return 0;
        }
        memcpy(&u, x + n - 8, 8);
        memcpy(&v, y + n - 8, 8);
        return u == v;
    }
    if (n >= 4) {
        memcpy(&a, x, 4);
        memcpy(&b, y, 4);
        if (a != b)
            return 0;
        memcpy(&a, x + n - 4, 4);
        memcpy(&b, y + n - 4, 4);
        return a == b;
    }
    for (i = 0; i < n; i++)
        if (x[i] != y[i])
            return 0;
    return 1;
}

/* Terms being built for one cache entry. */
typedef struct termset {
    char buf[MAX_TERMS * (MAX_KEY + 2)];
    size_t len;
    int n;
} termset;

static void termset_add(termset *t, const char *s, size_t n)
{
    size_t i;
    const char *p = t->buf;
    if (t->n >= MAX_TERMS || n == 0 || n > MAX_KEY + 1)
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

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Add every maximal run of ASCII letters and digits of s as a term (the
 * parts of a URL, an address, a date), skipping stopwords and the words in
 * skip (NULL-terminated). */
static void add_parts(cari_analyzer *a, const char *s, size_t n, termset *t,
                      const char *const *skip)
{
    size_t i = 0;
    while (i < n) {
        size_t j = i, k;
        int skipped = 0;
        while (j < n && (is_digit(s[j]) || (s[j] >= 'a' && s[j] <= 'z') ||
                         (unsigned char)s[j] >= 0x80))
            j++;
        if (j > i) {
            for (k = 0; skip && skip[k]; k++)
                if (strlen(skip[k]) == j - i && memcmp(skip[k], s + i, j - i) == 0)
                    skipped = 1;
            if (!skipped && !is_stopword(a, s + i, j - i))
                termset_add(t, s + i, j - i);
            i = j;
        } else {
            i++;
        }
    }
}

/* ^\d{1,3}(\.\d{3})+(,\d+)?$ : thousands grouped with dots. */
static int thousands_grouped(const char *s, size_t n)
{
    size_t i = 0, groups = 0;
    while (i < n && is_digit(s[i]))
        i++;
    if (i < 1 || i > 3)
        return 0;
    while (i < n && s[i] == '.') {
        size_t j = i + 1;
        while (j < n && is_digit(s[j]))
            j++;
        if (j - i - 1 != 3)
            return 0;
        groups++;
        i = j;
    }
    if (groups == 0)
        return 0;
    if (i < n && s[i] == ',') {
        size_t j = i + 1;
        while (j < n && is_digit(s[j]))
            j++;
        if (j == i + 1)
            return 0;
        i = j;
    }
    return i == n;
}

/* ^\d{1,2}[.:]\d{2}$ with a real hour and minute: a time of day. */
static int time_of_day(const char *s, size_t n)
{
    size_t h = n - 3;
    if (n < 4 || n > 5 || (s[h] != '.' && s[h] != ':') || !is_digit(s[0]) ||
        !is_digit(s[h - 1]) || !is_digit(s[n - 1]) || !is_digit(s[n - 2]))
        return 0;
    return atoi(s) <= 24 && (s[n - 2] - '0') * 10 + (s[n - 1] - '0') < 60;
}

/*
 * Numbers, as Indonesian writes them: "10.000" and "1.500.000" group
 * thousands with dots (the term drops them: 10000, so "10.000" and "10000"
 * meet); "1,5" has a decimal comma and stays; "10.30" and "10:30" are times
 * (term 10.30); dates and other multi-part numbers ("14/9/2019") are indexed
 * whole and by their parts, so "2019" finds them.
 */
static void number_terms(cari_analyzer *a, const char *s, size_t n,
                         termset *t)
{
    char buf[MAX_KEY + 1];
    size_t i, o = 0, seps = 0;
    for (i = 0; i < n; i++)
        seps += !is_digit(s[i]);
    if (seps == 0) {
        termset_add(t, s, n);
    } else if (thousands_grouped(s, n)) {
        for (i = 0; i < n; i++)
            if (s[i] != '.')
                buf[o++] = s[i];
        termset_add(t, buf, o);
    } else if (time_of_day(s, n)) {
        /* 07.30 = 7.30 = 7:30 (analyzer 4) */
        size_t from = n == 5 && s[0] == '0' ? 1 : 0;
        memcpy(buf, s + from, n - from);
        buf[n - from - 3] = '.';
        termset_add(t, buf, n - from);
    } else if (seps == 1 && memchr(s, ',', n)) {
        termset_add(t, s, n);  /* a decimal: 1,5 */
    } else {
        termset_add(t, s, n);  /* a date or a code: whole and parts */
        add_parts(a, s, n, t, NULL);
    }
}

/* Where the number of the part s[0..n) starts: 0, or 2 after "rp"
 * (Rp14.065-Rp14.084); -1 when the part is not a number (a digit first,
 * then digits and . , : /). */
static long part_number(const char *s, size_t n)
{
    size_t i, from = n > 2 && s[0] == 'r' && s[1] == 'p' ? 2 : 0;
    if (from >= n || !is_digit(s[from]))
        return -1;
    for (i = from; i < n; i++)
        if (!is_digit(s[i]) && s[i] != '.' && s[i] != ',' && s[i] != ':' &&
            s[i] != '/')
            return -1;
    return (long)from;
}

/* Are the parts of s[0..n) between hyphens all numbers, the first
 * without "rp" (the tokenizer gave that one a token of its own)? */
static int numbers_only(const char *s, size_t n)
{
    size_t i, j;
    for (i = 0; i < n; i = j + 1) {
        long from;
        for (j = i; j < n && s[j] != '-'; j++)
            ;
        from = part_number(s + i, j - i);
        if (from < 0 || (i == 0 && from > 0))
            return 0;
    }
    return n > 0 && s[n - 1] != '-';
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
        if (is_digit(w[i]))
            has_digit = 1;
    if (has_digit) {
        termset_add(t, w, n);  /* G20, B20: never stemmed */
        return;
    }
    /* KPK, PHK, ASEAN: kept whole, and beside it the stem the word has
     * in lower case when that differs (analyzer 4: "asean" typed in lower
     * case searches its stem, ase, which ASEAN did not hold; nor did a
     * headline's IKUTI hold ikut; found by review) */
    if (acronym)
        termset_add(t, w, n);
    if (a->snowball_only) {
        const sb_symbol *r = sb_stemmer_stem(a->snowball_only,
                                             (const sb_symbol *)w, (int)n);
        sn = r ? (size_t)sb_stemmer_length(a->snowball_only) : 0;
        if (sn > 0 && sn < sizeof stem)
            memcpy(stem, r, sn);
    } else {
        sn = cari_stemmer_stem(a->stemmer, w, n, stem, sizeof stem);
    }
    if (sn == 0 || sn >= sizeof stem)
        termset_add(t, w, n);
    else
        termset_add(t, stem, sn);
}

/*
 * Analyze one folded word, plain or hyphenated.  Hyphenated words go to the
 * stemmer's reduplication and compound rules: a reduplication (anak-anak,
 * sehari-hari, meniru-nirukan) is its root; a compound (bolak-balik, e-ktp,
 * covid-19) is the whole plus its parts; a hyphenated prefix (di-phk) is
 * the word.  "2020-an" (a decade) is the whole plus the number.
 */
static void analyze_form(cari_analyzer *a, const char *key, size_t n,
                         int acronym, termset *t, int *stop)
{
    cari_stem_terms st;
    size_t i;
    *stop = 0;
    if (!memchr(key, '-', n)) {
        word_terms(a, key, n, acronym, t, stop);
        return;
    }
    if (is_stopword(a, key, n)) {
        *stop = 1;
        return;
    }
    {
        /* numbers joined by hyphens (1.000-2.000, 08.00-10.00, 14-9-2019,
         * Rp14.065-Rp14.084) or a decade (2020-an, 10.000-an): the whole,
         * and each number as it is indexed alone (before analyzer 4 a
         * part kept its dots, so "1.000" did not find 1.000-2.000: found
         * by review) */
        size_t cut = n > 3 && memcmp(key + n - 3, "-an", 3) == 0 ? n - 3 : n;
        if (numbers_only(key, cut)) {
            size_t j;
            termset_add(t, key, n);
            for (i = 0; i < cut; i = j + 1) {
                size_t from;
                for (j = i; j < cut && key[j] != '-'; j++)
                    ;
                from = (size_t)part_number(key + i, j - i);
                number_terms(a, key + i + from, j - i - from, t);
            }
            return;
        }
    }
    if (cari_stemmer_hyphenated(a->stemmer, key, n, &st) != 0 ||
        st.count == 0) {
        termset_add(t, key, n);
        return;
    }
    for (i = 0; i < st.count; i++) {
        const char *term = st.buf + st.term[i].offset;
        size_t len = st.term[i].len;
        if (is_stopword(a, term, len)) {
            if (i == 0 && st.kind != CARI_STEM_COMPOUND) {
                /* a stopword's reduplication is a word of its own
                 * (oleh-oleh "souvenirs", satu-satunya "the only one",
                 * sama-sama): indexed whole; an affixed one gives its
                 * root as the plain word does (bersama-sama -> sama, as
                 * bersama -> sama).  Both were stopwords, not found by
                 * any query (found by review). */
                const char *dash = memchr(key, '-', n);
                if (is_stopword(a, key, (size_t)(dash - key))) {
                    termset_add(t, key, n);
                    return;
                }
                termset_add(t, term, len);
            }
            continue;
        }
        termset_add(t, term, len);
    }
    if (t->n == 0)
        termset_add(t, key, n);
}

/* URLs and e-mail addresses: the whole (lowercased) and its parts; the
 * scheme and "www" are not parts. */
static void address_terms(cari_analyzer *a, const char *key, size_t n,
                          termset *t)
{
    static const char *const noise[] = {"http", "https", "www", "mailto",
                                        NULL};
    termset_add(t, key, n);
    add_parts(a, key, n, t, noise);
}

/* Fold the raw token into key (<= MAX_KEY bytes); returns its length. */
static size_t fold_token(const char *text, const cari_rawtoken *tok,
                         char *key)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = tok->start, n = 0;
    if (!(tok->flags & (CARI_TOK_NONASCII | CARI_TOK_APOSTROPHE))) {
        size_t len = tok->end - tok->start, k;
        if (len > MAX_KEY)
            len = MAX_KEY;
        if (!(tok->flags & CARI_TOK_UPPER)) {
            memcpy(key, text + tok->start, len);
            return len;
        }
        /* ASCII with capitals: what the loop below does, a byte at a
         * time (unless there is an apostrophe to drop, in a URL) */
        if (!memchr(text + tok->start, '\'', tok->end - tok->start)) {
            for (k = 0; k < len; k++) {
                unsigned char c = s[tok->start + k];
                key[k] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
            }
            return len;
        }
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

/* A raw token made ready for the cache: its key (class byte + folded
 * form) and the key's hash. */
typedef struct prepared {
    cari_rawtoken tok;
    uint64_t h;
    size_t n;  /* folded length (the key is n + 1 bytes) */
    char key[MAX_KEY + 2];
} prepared;

static void prepare(const char *text, prepared *p)
{
    const cari_rawtoken *tok = &p->tok;
    size_t n, i;
    int acronym;
    /* An acronym: all letters uppercase, 2..5 letters (KPK, PHK, AS),
     * counted in characters, not bytes.  The token's class is part
     * of the cache key. */
    acronym = 0;
    if ((tok->flags & CARI_TOK_UPPER) && !(tok->flags & CARI_TOK_LOWER) &&
        tok->end - tok->start >= 2) {
        size_t chars = 0;
        for (i = tok->start; i < tok->end && chars <= 5; i++)
            chars += ((unsigned char)text[i] & 0xc0) != 0x80;
        acronym = chars >= 2 && chars <= 5;
    }
    n = fold_token(text, tok, p->key + 1);
    p->key[0] = (tok->flags & (CARI_TOK_URL | CARI_TOK_EMAIL)) ? 'u'
                : (tok->flags & CARI_TOK_SYMBOL)               ? 's'
                : acronym                                      ? 'A'
                                                               : 'w';
    p->n = n;
    p->h = cari_hash64(p->key, n + 1);
}

/* Inlined into cari_analyzer_append's loop, its hot caller; join_next's
 * rare call goes through lookup_joined. */
static inline __attribute__((always_inline)) const cache_entry *
lookup(cari_analyzer *a, prepared *p)
{
    const cari_rawtoken *tok = &p->tok;
    char *key = p->key;
    size_t n = p->n, i;
    uint64_t h = p->h;
    uint32_t tag;
    termset t;
    int stop;
    cache_entry *e;

    tag = tag_of(h);
    i = h & (a->nslots - 1);
    while (a->tags[i]) {
        if (a->tags[i] == tag) {
            e = a->ents[i];
            if (e->hash == h && e->key_len == n + 1 &&
                same_bytes(e->key, key, n + 1))
                return e;
        }
        i = (i + 1) & (a->nslots - 1);
    }
    t.len = 0;
    t.n = 0;
    stop = 0;
    if (n == 0) {
        stop = 1;  /* nothing left after folding (e.g. only marks) */
    } else if (key[0] == 'u') {
        address_terms(a, key + 1, n, &t);
    } else if (key[0] == 's') {
        termset_add(&t, key + 1, n);
    } else if (!(tok->flags & CARI_TOK_LETTER) &&
               !(tok->flags & CARI_TOK_HYPHEN)) {
        number_terms(a, key + 1, n, &t);
    } else {
        analyze_form(a, key + 1, n, key[0] == 'A', &t, &stop);
    }
    if (t.n == 0 && !stop)
        termset_add(&t, key + 1, n);
    /* The exact (folded, unstemmed) form of a word, when it differs from
     * its term, is indexed too as "=form": `=kata` searches it, and ranking
     * can prefer documents that use the query's own form. */
    if (EXACT_FORMS && !stop && (key[0] == 'w' || key[0] == 'A') &&
        (tok->flags & CARI_TOK_LETTER) &&
        (strlen(t.buf) != n || memcmp(t.buf, key + 1, n) != 0) &&
        !(t.n > 1 && memchr(key + 1, '-', n))) {
        char exact[MAX_KEY + 2];
        exact[0] = '=';
        memcpy(exact + 1, key + 1, n);
        termset_add(&t, exact, n + 1);
    }
    {
        size_t nt = (size_t)t.n, k;
        char *blk = cari_arena_alloc(&a->arena, sizeof *e + 2 * nt +
                                                    (n + 1) + t.len + 1);
        uint16_t *lens;
        char *kp, *tp;
        const char *src = t.buf;
        if (!blk)
            return NULL;
        e = (cache_entry *)blk;
        /* slot numbers for its terms, while they last (a generation
         * holds about CACHE_LIMIT words, far fewer than 2^32) */
        e->slot0 = 0;
        if (nt && a->next_slot <= UINT32_MAX - nt) {
            e->slot0 = a->next_slot;
            a->next_slot += (uint32_t)nt;
        }
        lens = (uint16_t *)(blk + sizeof *e);
        kp = (char *)(lens + nt);
        tp = kp + n + 1;
        for (k = 0; k < nt; k++) {
            size_t l = strlen(src);
            lens[k] = (uint16_t)l;
            src += l + 1;
        }
        memcpy(kp, key, n + 1);
        memcpy(tp, t.buf, t.len);
        tp[t.len] = '\0';
        e->key = kp;
        e->terms = nt ? tp : "";
        e->lens = lens;
    }
    e->hash = h;
    e->key_len = (uint32_t)(n + 1);
    e->nterms = (uint16_t)t.n;
    e->stop = (uint8_t)stop;
    e->bound = (uint8_t)(!stop && (key[0] == 'w' || key[0] == 'A') &&
                         cari_stemmer_bound_form(key + 1, n));
    a->tags[i] = tag;
    a->ents[i] = e;
    a->used++;
    if (a->used * 2 > a->nslots && cache_grow(a))
        return NULL;
    return e;
}

static __attribute__((noinline)) int tokvec_grow(cari_tokvec *v)
{
    size_t cap = v->cap ? v->cap * 2 : 256;
    cari_term_token *p = realloc(v->items, cap * sizeof *p);
    if (!p)
        return CARI_ENOMEM;
    v->items = p;
    v->cap = cap;
    return CARI_OK;
}

static inline int tokvec_push(cari_tokvec *v, const cari_term_token *t)
{
    if (v->len == v->cap && tokvec_grow(v))
        return CARI_ENOMEM;
    v->items[v->len++] = *t;
    return CARI_OK;
}

/*
 * A bound form written apart ("non migas", "anti korupsi"): the word it
 * binds to is next, after white space alone (one line break at most: a
 * wrapped line), a word of letters (no digit,
 * hyphen, address) that is no stopword.  Then the two joined, analyzed as
 * the word written so (nonmigas), are a term at the bound form's position,
 * spanning both words: fills *t (joined set) and returns 1; else 0.
 */
static __attribute__((noinline)) const cache_entry *
lookup_joined(cari_analyzer *a, prepared *p)
{
    return lookup(a, p);
}

static int join_next(cari_analyzer *a, const char *text, const prepared *p,
                     const cache_entry *e, const prepared *next,
                     cari_term_token *t)
{
    prepared j;
    const cache_entry *je;
    const char *term;
    size_t i, n = e->key_len - 1;
    int breaks = 0, k;
    const unsigned not_word = CARI_TOK_DIGIT | CARI_TOK_HYPHEN |
                              CARI_TOK_NUMSEP | CARI_TOK_URL |
                              CARI_TOK_EMAIL | CARI_TOK_SYMBOL;
    if (!(next->tok.flags & CARI_TOK_LETTER) || (next->tok.flags & not_word) ||
        next->tok.start <= p->tok.end || n + next->n > MAX_KEY)
        return 0;
    for (i = p->tok.end; i < next->tok.start; i++)
        if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r' &&
            (text[i] != '\n' || breaks++))
            return 0;
    if (is_stopword(a, next->key + 1, next->n))
        return 0;
    j.tok.start = p->tok.start;
    j.tok.end = next->tok.end;
    j.tok.flags = CARI_TOK_LETTER | CARI_TOK_LOWER;
    j.key[0] = 'w';
    memcpy(j.key + 1, e->key + 1, n);
    memcpy(j.key + 1 + n, next->key + 1, next->n);
    j.n = n + next->n;
    j.h = cari_hash64(j.key, j.n + 1);
    je = lookup_joined(a, &j);
    if (!je || je->stop || je->nterms == 0)
        return 0;
    /* the two joined may stem to one of the bound form's own terms
     * ("antar kan" -> antarkan -> antar): that adds nothing, and would
     * index the position twice for the term (its positions no longer
     * ascending, which the checker calls damage) */
    for (k = 0, term = e->terms; k < e->nterms; term += e->lens[k++] + 1)
        if (e->lens[k] == je->lens[0] &&
            memcmp(term, je->terms, je->lens[0]) == 0)
            return 0;
    t->term = je->terms;
    t->term_len = je->lens[0];
    t->start = (uint32_t)p->tok.start;
    t->end = (uint32_t)next->tok.end;
    t->stop = 0;
    t->alternative = 1;
    t->joined = 1;
    t->slot = je->slot0;
    return 1;
}

long cari_analyzer_run(cari_analyzer *a, const char *text, size_t len,
                       uint32_t first_position, cari_tokvec *out)
{
    out->len = 0;
    cari_analyzer_bound(a);
    return cari_analyzer_append(a, text, len, first_position, 0, out);
}

long cari_analyzer_append(cari_analyzer *a, const char *text, size_t len,
                          uint32_t first_position, unsigned flags,
                          cari_tokvec *out)
{
    size_t pos = 0, head = 0, tail = 0;
    prepared ring[AHEAD];
    uint32_t position = first_position;
    int more = 1;
    out->gen = a->gen;
    for (;;) {
        const cache_entry *e;
        cari_term_token t;
        prepared *p;
        /* Keep AHEAD tokens tokenized, folded and hashed, their cache
         * slots being fetched: most lookups then find their lines in the
         * cache instead of waiting on memory (the table and the entries
         * are megabytes, visited at random). */
        while (more && head - tail < AHEAD) {
            prepared *q = &ring[head % AHEAD];
            size_t slot;
            if (!cari_tokenize_next(text, len, &pos, &q->tok)) {
                more = 0;
                break;
            }
            prepare(text, q);
            slot = q->h & (a->nslots - 1);
            __builtin_prefetch(&a->tags[slot]);
            __builtin_prefetch(&a->ents[slot]);
            head++;
        }
        if (tail == head)
            break;
        /* the entry of a token half way down the ring: its slot is in
         * the cache by now */
        if (head - tail > AHEAD / 2) {
            const prepared *q = &ring[(tail + AHEAD / 2) % AHEAD];
            size_t slot = q->h & (a->nslots - 1);
            if (a->tags[slot] == tag_of(q->h)) {
                __builtin_prefetch(a->ents[slot]);
                __builtin_prefetch((const char *)a->ents[slot] + 64);
            }
        }
        p = &ring[tail % AHEAD];
        tail++;
        e = lookup(a, p);
        if (!e)
            return CARI_ENOMEM;
        t.position = position;
        t.start = (uint32_t)p->tok.start;
        t.end = (uint32_t)p->tok.end;
        t.joined = 0;
        if (e->stop || e->nterms == 0) {
            if (flags & CARI_ANALYZE_NO_STOPS) {
                position++;
                continue;
            }
            t.term = e->key + 1;  /* the folded form, for display */
            t.term_len = e->key_len - 1;
            t.stop = 1;
            t.alternative = 0;
            t.slot = 0;
            if (tokvec_push(out, &t))
                return CARI_ENOMEM;
        } else {
            const char *term = e->terms;
            int k;
            for (k = 0; k < e->nterms; k++) {
                size_t l = e->lens[k];
                t.term = term;
                t.term_len = (uint32_t)l;
                t.stop = 0;
                t.alternative = k > 0;
                t.slot = e->slot0 ? e->slot0 + (uint32_t)k : 0;
                if (tokvec_push(out, &t))
                    return CARI_ENOMEM;
                term += l + 1;
            }
            if (e->bound && tail < head &&
                join_next(a, text, p, e, &ring[tail % AHEAD], &t) &&
                tokvec_push(out, &t))
                return CARI_ENOMEM;
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
