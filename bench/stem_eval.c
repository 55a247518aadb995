/*
 * stem_eval.c -- measures the stemmer against gold roots, side by side with
 * Snowball alone.
 *
 * Reads ../shared/data/stem_gold.tsv (word<TAB>root), stem_gold_detail.tsv
 * (token counts and alternative roots) and stem_gold_sastrawi.tsv, and prints
 * for both stemmers: type accuracy, token-weighted accuracy (strict, and
 * counting alt_roots as correct), accuracy on the Sastrawi hard cases,
 * grouping recall (pairs of gold words sharing a root that get one term) and
 * false merges (pairs with different gold roots that get one term), and
 * throughput on a word stream (every lowercase letter run of a gzipped JSONL
 * corpus, or the gold words repeated).
 *
 * Hyphenated gold words go through cari_stemmer_hyphenated(); its primary
 * term is compared.  Snowball gets them whole, as it would in a plain
 * pipeline.
 *
 * usage: stem_eval [--data DIR] [--split all|tune|held] [--errors|--dump] [--corpus FILE.jsonl.gz]
 *                  [--bench-words N]
 *   --split tune|held: a fixed pseudo-random half of the word types (by a
 *   hash of the word), the half rules were tuned on and the other.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include <libstemmer.h>

#include "../src/stem.h"

typedef struct gold_word {
    char *word, *root;
    char *alts; /* comma-separated, may be "" */
    long tokens;
    char *cari, *snow;
    char *root_cari, *root_snow; /* the gold root itself stemmed by each */
} gold_word;

static gold_word *gold;
static size_t gold_count;

static char *xstrdup(const char *s)
{
    size_t n = strlen(s);
    char *p = malloc(n + 1);
    if (!p) {
        fprintf(stderr, "stem_eval: out of memory\n");
        exit(1);
    }
    memcpy(p, s, n + 1);
    return p;
}

static uint32_t word_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    h ^= h >> 15;
    h *= 0x2c1b3c6dU;
    h ^= h >> 12;
    return h;
}

static int in_split(const char *w, const char *split)
{
    if (strcmp(split, "all") == 0)
        return 1;
    int tune = (word_hash(w) & 1) == 0;
    return strcmp(split, "tune") == 0 ? tune : !tune;
}

static void chomp(char *line)
{
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
}

static int load(const char *dir, const char *split)
{
    char path[4096], line[4096];
    snprintf(path, sizeof path, "%s/stem_gold.tsv", dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "stem_eval: cannot open %s\n", path);
        return -1;
    }
    size_t cap = 0;
    while (fgets(line, sizeof line, f)) {
        chomp(line);
        char *tab = strchr(line, '\t');
        if (!tab || line[0] == '#')
            continue;
        *tab = '\0';
        if (!in_split(line, split))
            continue;
        if (gold_count == cap) {
            cap = cap ? cap * 2 : 1024;
            gold = realloc(gold, cap * sizeof *gold);
            if (!gold)
                return -1;
        }
        gold[gold_count++] = (gold_word){xstrdup(line), xstrdup(tab + 1), xstrdup(""), 1, NULL, NULL, NULL, NULL};
    }
    fclose(f);
    snprintf(path, sizeof path, "%s/stem_gold_detail.tsv", dir);
    f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "stem_eval: cannot open %s\n", path);
        return -1;
    }
    while (fgets(line, sizeof line, f)) {
        chomp(line);
        if (line[0] == '#')
            continue;
        char *field[5] = {line};
        int n = 1;
        for (char *p = line; *p && n < 5; p++)
            if (*p == '\t') {
                *p = '\0';
                field[n++] = p + 1;
            }
        if (n < 4)
            continue;
        for (size_t i = 0; i < gold_count; i++) /* small data: a scan is fine */
            if (strcmp(gold[i].word, field[0]) == 0) {
                gold[i].tokens = atol(field[2]);
                free(gold[i].alts);
                gold[i].alts = xstrdup(field[3]);
                break;
            }
    }
    fclose(f);
    return 0;
}

static void stem_cari(cari_stemmer *s, const char *w, char *out, size_t cap)
{
    if (strchr(w, '-') || strpbrk(w, "0123456789")) {
        cari_stem_terms t;
        cari_stemmer_hyphenated(s, w, strlen(w), &t);
        snprintf(out, cap, "%s", t.count ? t.buf + t.term[0].offset : "");
        return;
    }
    cari_stemmer_stem(s, w, strlen(w), out, cap);
}

static void stem_snowball(struct sb_stemmer *sb, const char *w, char *out, size_t cap)
{
    const sb_symbol *r = sb_stemmer_stem(sb, (const sb_symbol *)w, (int)strlen(w));
    snprintf(out, cap, "%.*s", r ? sb_stemmer_length(sb) : 0, r ? (const char *)r : "");
}

static int alt_ok(const gold_word *g, const char *got)
{
    if (strcmp(got, g->root) == 0)
        return 1;
    size_t n = strlen(got);
    for (const char *p = g->alts; *p;) {
        const char *q = strchr(p, ',');
        size_t m = q ? (size_t)(q - p) : strlen(p);
        if (m == n && memcmp(p, got, n) == 0)
            return 1;
        if (!q)
            break;
        p = q + 1;
    }
    return 0;
}

typedef struct pair_stats {
    long same_pairs, same_merged, diff_pairs, diff_merged;
    long unrelated_merged; /* merged pairs whose gold roots neither stemmer relates */
} pair_stats;

/* Pairs of gold words: recall over same-root pairs, false merges over
 * different-root pairs.  Counted from the joint (gold root, term) classes. */
typedef struct keyed {
    const char *root, *term;
    const gold_word *g;
} keyed;

/* Two gold roots are related when either stemmer gives them one root
 * (pernyataan and nyata, pengaruh and memengaruhi): the two treebanks keep
 * such derivations apart, so merging their words is not a merge of
 * unrelated words.  The same relation judges both stemmers. */
static int related_roots(const gold_word *a, const gold_word *b)
{
    return strcmp(a->root_cari, b->root_cari) == 0 || strcmp(a->root_snow, b->root_snow) == 0;
}

static int cmp_keyed_root(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    int c = strcmp(x->root, y->root);
    return c ? c : strcmp(x->term, y->term);
}

static int cmp_keyed_term(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    int c = strcmp(x->term, y->term);
    return c ? c : strcmp(x->root, y->root);
}

static long choose2(long n)
{
    return n * (n - 1) / 2;
}

static pair_stats grouping(int use_cari)
{
    keyed *k = malloc(gold_count * sizeof *k);
    for (size_t i = 0; i < gold_count; i++)
        k[i] = (keyed){gold[i].root, use_cari ? gold[i].cari : gold[i].snow, &gold[i]};
    pair_stats st = {0, 0, 0, 0, 0};
    long both = 0; /* pairs with the same root and the same term */
    qsort(k, gold_count, sizeof *k, cmp_keyed_root);
    for (size_t i = 0; i < gold_count;) {
        size_t j = i;
        while (j < gold_count && strcmp(k[j].root, k[i].root) == 0)
            j++;
        st.same_pairs += choose2((long)(j - i));
        for (size_t a = i; a < j;) {
            size_t b = a;
            while (b < j && strcmp(k[b].term, k[a].term) == 0)
                b++;
            both += choose2((long)(b - a));
            a = b;
        }
        i = j;
    }
    long term_pairs = 0;
    qsort(k, gold_count, sizeof *k, cmp_keyed_term);
    for (size_t i = 0; i < gold_count;) {
        size_t j = i;
        while (j < gold_count && strcmp(k[j].term, k[i].term) == 0)
            j++;
        term_pairs += choose2((long)(j - i));
        for (size_t a = i; a < j; a++) /* term groups are small */
            for (size_t b = a + 1; b < j; b++)
                if (strcmp(k[a].root, k[b].root) != 0 && !related_roots(k[a].g, k[b].g))
                    st.unrelated_merged++;
        i = j;
    }
    st.same_merged = both;
    st.diff_pairs = choose2((long)gold_count) - st.same_pairs;
    st.diff_merged = term_pairs - both;
    free(k);
    return st;
}

/* ---- throughput ---- */

static char **stream;
static size_t stream_count, stream_cap;

static void stream_add(const char *w, size_t n)
{
    if (stream_count == stream_cap) {
        stream_cap = stream_cap ? stream_cap * 2 : 1 << 16;
        stream = realloc(stream, stream_cap * sizeof *stream);
        if (!stream)
            exit(1);
    }
    char *p = malloc(n + 1);
    if (!p)
        exit(1);
    memcpy(p, w, n);
    p[n] = '\0';
    stream[stream_count++] = p;
}

/* Every run of ASCII letters, lowercased, from the "text" of each line;
 * JSON escapes (\n, \u00e9) just split runs. */
static int load_corpus(const char *path, size_t limit)
{
    gzFile z = gzopen(path, "rb");
    if (!z)
        return -1;
    static char line[1 << 20];
    char w[CARI_STEM_MAX_WORD + 1];
    while (stream_count < limit && gzgets(z, line, sizeof line)) {
        size_t n = 0;
        for (const char *p = line;; p++) {
            char c = *p;
            if (c == '\\' && p[1]) { /* skip the escaped character */
                p++;
                c = ' ';
            }
            if (c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            if (c >= 'a' && c <= 'z') {
                if (n < CARI_STEM_MAX_WORD)
                    w[n++] = c;
                continue;
            }
            if (n >= 2 && stream_count < limit)
                stream_add(w, n);
            n = 0;
            if (!c)
                break;
        }
    }
    gzclose(z);
    return 0;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    const char *dir = "../shared/data", *split = "all", *corpus = NULL;
    int errors = 0;
    size_t bench_words = 2000000;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--data") && i + 1 < argc)
            dir = argv[++i];
        else if (!strcmp(argv[i], "--split") && i + 1 < argc)
            split = argv[++i];
        else if (!strcmp(argv[i], "--corpus") && i + 1 < argc)
            corpus = argv[++i];
        else if (!strcmp(argv[i], "--bench-words") && i + 1 < argc)
            bench_words = (size_t)atol(argv[++i]);
        else if (!strcmp(argv[i], "--errors"))
            errors = 1;
        else if (!strcmp(argv[i], "--dump"))
            errors = 2;
        else {
            fprintf(stderr, "usage: stem_eval [--data DIR] [--split all|tune|held] [--errors|--dump] "
                            "[--corpus FILE.jsonl.gz] [--bench-words N]\n");
            return 2;
        }
    }
    if (load(dir, split) != 0)
        return 1;
    cari_stemmer *s;
    if (cari_stemmer_new(&s) != 0) {
        fprintf(stderr, "stem_eval: cannot create the stemmer\n");
        return 1;
    }
    struct sb_stemmer *sb = sb_stemmer_new("indonesian", "UTF_8");
    char buf[512];
    long types = 0, cari_types = 0, snow_types = 0, cari_types_alt = 0, snow_types_alt = 0;
    long tokens = 0, cari_tokens = 0, snow_tokens = 0, cari_tokens_alt = 0, snow_tokens_alt = 0;
    for (size_t i = 0; i < gold_count; i++) {
        gold_word *g = &gold[i];
        stem_cari(s, g->word, buf, sizeof buf);
        g->cari = xstrdup(buf);
        stem_snowball(sb, g->word, buf, sizeof buf);
        g->snow = xstrdup(buf);
        stem_cari(s, g->root, buf, sizeof buf);
        g->root_cari = xstrdup(buf);
        stem_snowball(sb, g->root, buf, sizeof buf);
        g->root_snow = xstrdup(buf);
        int c = strcmp(g->cari, g->root) == 0, n = strcmp(g->snow, g->root) == 0;
        int ca = alt_ok(g, g->cari), na = alt_ok(g, g->snow);
        types++;
        cari_types += c;
        snow_types += n;
        cari_types_alt += ca;
        snow_types_alt += na;
        tokens += g->tokens;
        cari_tokens += c * g->tokens;
        snow_tokens += n * g->tokens;
        cari_tokens_alt += ca * g->tokens;
        snow_tokens_alt += na * g->tokens;
        if (errors == 2)
            printf("ALL\t%s\t%s\t%s\t%s\t%ld\n", g->word, g->root, g->cari, g->snow, g->tokens);
        if (errors == 1 && !c)
            printf("ERR\t%s\t%s\t%s\tsnowball=%s\ttokens=%ld\talts=%s%s\n", g->word, g->root, g->cari,
                   g->snow, g->tokens, g->alts, ca ? "\t(alt ok)" : "");
    }
    /* Sastrawi hard cases */
    char path[4096], line[4096];
    snprintf(path, sizeof path, "%s/stem_gold_sastrawi.tsv", dir);
    FILE *f = fopen(path, "r");
    long hard = 0, cari_hard = 0, snow_hard = 0;
    while (f && fgets(line, sizeof line, f)) {
        chomp(line);
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        *tab = '\0';
        hard++;
        stem_cari(s, line, buf, sizeof buf);
        int c = strcmp(buf, tab + 1) == 0;
        cari_hard += c;
        if (errors && !c)
            printf("HARD\t%s\t%s\t%s\n", line, tab + 1, buf);
        stem_snowball(sb, line, buf, sizeof buf);
        snow_hard += strcmp(buf, tab + 1) == 0;
    }
    if (f)
        fclose(f);
    pair_stats pc = grouping(1), ps = grouping(0);

    printf("split %s: %zu word types, %ld tokens\n", split, gold_count, tokens);
    printf("%-34s %12s %12s\n", "", "snowball", "cari");
    printf("%-34s %11.2f%% %11.2f%%\n", "types, strict", 100.0 * snow_types / types, 100.0 * cari_types / types);
    printf("%-34s %11.2f%% %11.2f%%\n", "types, alt_roots accepted", 100.0 * snow_types_alt / types,
           100.0 * cari_types_alt / types);
    printf("%-34s %11.2f%% %11.2f%%\n", "tokens, strict", 100.0 * snow_tokens / tokens,
           100.0 * cari_tokens / tokens);
    printf("%-34s %11.2f%% %11.2f%%\n", "tokens, alt_roots accepted", 100.0 * snow_tokens_alt / tokens,
           100.0 * cari_tokens_alt / tokens);
    if (hard)
        printf("%-34s %11.2f%% %11.2f%%   (%ld words)\n", "sastrawi hard cases", 100.0 * snow_hard / hard,
               100.0 * cari_hard / hard, hard);
    printf("%-34s %11.2f%% %11.2f%%   (%ld pairs)\n", "grouping recall (same root pairs)",
           100.0 * ps.same_merged / ps.same_pairs, 100.0 * pc.same_merged / pc.same_pairs, pc.same_pairs);
    printf("%-34s %11.4f%% %11.4f%%   (%ld pairs; %ld vs %ld merged)\n", "false merges (diff root pairs)",
           100.0 * ps.diff_merged / ps.diff_pairs, 100.0 * pc.diff_merged / pc.diff_pairs, pc.diff_pairs,
           ps.diff_merged, pc.diff_merged);
    printf("%-34s %12ld %12ld   (of those, pairs whose gold roots neither stemmer relates)\n",
           "false merges, unrelated roots", ps.unrelated_merged, pc.unrelated_merged);

    /* throughput */
    if (bench_words > 0) {
        if (!corpus || load_corpus(corpus, bench_words) != 0) {
            if (corpus)
                fprintf(stderr, "stem_eval: cannot read %s; using the gold words\n", corpus);
            while (stream_count < bench_words && gold_count > 0)
                for (size_t i = 0; i < gold_count && stream_count < bench_words; i++)
                    if (!strchr(gold[i].word, '-'))
                        stream_add(gold[i].word, strlen(gold[i].word));
        }
        /* best of three interleaved runs each: the machine is noisy */
        size_t sum_snow = 0, sum_cari = 0;
        double best_snow = 1e30, best_cari = 1e30;
        for (int rep = 0; rep < 3; rep++) {
            double t0 = now();
            for (size_t i = 0; i < stream_count; i++) {
                const sb_symbol *r = sb_stemmer_stem(sb, (const sb_symbol *)stream[i], (int)strlen(stream[i]));
                sum_snow += r ? (size_t)sb_stemmer_length(sb) : 0;
            }
            double t1 = now();
            for (size_t i = 0; i < stream_count; i++)
                sum_cari += cari_stemmer_stem(s, stream[i], strlen(stream[i]), buf, sizeof buf);
            double t2 = now();
            if (t1 - t0 < best_snow)
                best_snow = t1 - t0;
            if (t2 - t1 < best_cari)
                best_cari = t2 - t1;
        }
        double ws = stream_count / best_snow, wc = stream_count / best_cari;
        printf("throughput on %zu words (%s): snowball %.0f words/s, cari %.0f words/s, "
               "cari/snowball time ratio %.2f  (checksums %zu %zu)\n",
               stream_count, corpus ? corpus : "gold words repeated", ws, wc, ws / wc, sum_snow, sum_cari);
    }
    printf("signature %s\n", cari_stemmer_signature(s));
    sb_stemmer_delete(sb);
    cari_stemmer_free(s);
    return 0;
}
