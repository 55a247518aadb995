/*
 * analyzer_fuzz.c -- the analyzer (tokenizer, folding, stemming, numbers,
 * addresses, the term cache) and the passage splitter, on arbitrary bytes.
 *
 * Input: any bytes.  They are analyzed as a title (the whole input, as
 * the indexer does), through the public cari_analyze(), and as a body
 * (split into passages, each analyzed on its own, as the indexer does).
 * Asserts: every token's byte range lies inside the analyzed text, is not
 * empty, does not go backwards, and holds valid UTF-8; every term is
 * non-empty (but for stopwords), valid UTF-8 and free of NUL bytes;
 * positions count up by one per surface token, alternatives share their
 * token's position and never come first (and its byte range, but for a
 * bound form joined to the next word, which ends where that word does);
 * no term comes twice at a position; the number of positions is what
 * the run returns; a second run (from the term cache) and cari_analyze()
 * give the same tokens; passages are ordered, do not overlap and lie
 * inside the text.
 */
#include <stddef.h>
#include <stdint.h>

#include "analyzer_internal.h"
#include "fuzz_util.h"
#include "passage.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cari_analyzer *an;

/* Check the tokens of one run over text[0..len), which used n positions. */
static void check_run(const cari_tokvec *v, long n, size_t len)
{
    size_t i, k, bad, prev_start = 0, joined_end = 0, group = 0;
    uint32_t next_position = 0;
    if (n < 0 || (size_t)n > len)
        abort();
    for (i = 0; i < v->len; i++) {
        const cari_term_token *t = &v->items[i];
        if (t->start >= t->end || t->end > len || t->start < prev_start)
            abort();
        /* no term twice at a position: the index would hold the
         * position twice ("antar kan" joined stems to "antar") */
        if (!t->alternative)
            group = i;
        else if (!t->stop)
            for (k = group; k < i; k++)
                if (!v->items[k].stop &&
                    v->items[k].term_len == t->term_len &&
                    memcmp(v->items[k].term, t->term, t->term_len) == 0)
                    abort();
        if (t->term_len == 0 && !t->stop)
            abort();
        if (!cari_utf8_valid(t->term, t->term_len, &bad) ||
            memchr(t->term, '\0', t->term_len))
            abort();
        if (t->alternative && t->joined) {
            /* a bound form joined to the next word: from the token before
             * it to the end of the next token */
            if (i == 0 || t->stop || t->position != v->items[i - 1].position ||
                t->start != v->items[i - 1].start ||
                t->end <= v->items[i - 1].end || joined_end)
                abort();
            joined_end = t->end;
        } else if (t->alternative) {
            /* an extra term of the token before it, same place */
            if (i == 0 || t->stop || t->position != v->items[i - 1].position ||
                t->start != v->items[i - 1].start ||
                t->end != v->items[i - 1].end)
                abort();
        } else {
            if (t->position != next_position)
                abort();
            if (joined_end && (t->end != joined_end || t->position !=
                               v->items[i - 1].position + 1))
                abort();
            joined_end = 0;
            next_position++;
        }
        prev_start = t->start;
    }
    if ((long)next_position != n)
        abort();
}

/* The surface text of every token is valid UTF-8 (invalid bytes separate
 * tokens). */
static void check_surfaces(const cari_tokvec *v, const char *text)
{
    size_t i, bad;
    for (i = 0; i < v->len; i++)
        if (!cari_utf8_valid(text + v->items[i].start,
                             v->items[i].end - v->items[i].start, &bad))
            abort();
}

/* Copy of a run's tokens, terms included (they live in the cache only
 * until the next run). */
typedef struct snapshot {
    cari_term_token *items;
    char *terms;
    size_t len;
} snapshot;

static void take(snapshot *s, const cari_tokvec *v)
{
    size_t i, total = 0, at = 0;
    for (i = 0; i < v->len; i++)
        total += v->items[i].term_len;
    s->items = malloc((v->len + 1) * sizeof *s->items);
    s->terms = malloc(total + 1);
    if (!s->items || !s->terms)
        abort();
    for (i = 0; i < v->len; i++) {
        s->items[i] = v->items[i];
        memcpy(s->terms + at, v->items[i].term, v->items[i].term_len);
        s->items[i].term = s->terms + at;
        s->items[i].slot = 0;
        at += v->items[i].term_len;
    }
    s->len = v->len;
}

static int same_token(const cari_term_token *a, const char *term,
                      size_t term_len, size_t start, size_t end,
                      uint32_t position, int stop, int alternative)
{
    return a->term_len == term_len && !memcmp(a->term, term, term_len) &&
           a->start == start && a->end == end && a->position == position &&
           a->stop == stop && a->alternative == alternative;
}

static void compare(const snapshot *s, const cari_tokvec *v)
{
    size_t i;
    if (s->len != v->len)
        abort();
    for (i = 0; i < v->len; i++) {
        const cari_term_token *t = &v->items[i];
        if (!same_token(&s->items[i], t->term, t->term_len, t->start, t->end,
                        t->position, t->stop, t->alternative))
            abort();
    }
}

typedef struct public_run {
    const snapshot *s;
    size_t i;
} public_run;

static int public_token(void *ctx, const cari_token *t)
{
    public_run *r = ctx;
    if (r->i >= r->s->len ||
        !same_token(&r->s->items[r->i], t->term, t->term_len, t->start,
                    t->end, t->position, t->stop, t->alternative))
        abort();
    r->i++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    cari_tokvec v = {0};
    cari_spanvec spans = {0};
    cari_passage_params params = CARI_PASSAGE_PARAMS_INIT;
    snapshot first;
    public_run pr;
    size_t k;
    long n;
    if (!an) {
        cari_error err;
        if (cari_analyzer_new(&an, &err) != CARI_OK)
            abort();
    }
    /* as a title: the whole input */
    n = cari_analyzer_run(an, text, size, 0, &v);
    check_run(&v, n, size);
    check_surfaces(&v, text);
    take(&first, &v);
    /* again: the same tokens, now from the cache */
    if (cari_analyzer_run(an, text, size, 0, &v) != n)
        abort();
    compare(&first, &v);
    /* the public interface gives them too */
    pr.s = &first;
    pr.i = 0;
    if (cari_analyze(an, text, size, public_token, &pr) != CARI_OK ||
        pr.i != first.len)
        abort();
    free(first.items);
    free(first.terms);
    /* as a body: passages, each analyzed on its own */
    if (cari_split_passages(text, size, &params, &spans) != 0 || spans.len == 0)
        abort();
    for (k = 0; k < spans.len; k++) {
        cari_span32 sp = spans.items[k];
        if (sp.start > sp.end || sp.end > size ||
            (k > 0 && sp.start < spans.items[k - 1].end))
            abort();
        n = cari_analyzer_run(an, text + sp.start, sp.end - sp.start, 0, &v);
        check_run(&v, n, sp.end - sp.start);
        check_surfaces(&v, text + sp.start);
    }
    cari_spanvec_free(&spans);
    cari_tokvec_free(&v);
    return 0;
}
