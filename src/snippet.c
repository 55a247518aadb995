/*
 * snippet.c -- chooses the window of a passage that shows the most query
 * words (distinct words first, then all matches, then the earliest), and
 * renders it on one line with the matches as byte ranges.
 */
#include "snippet.h"

#include <stdlib.h>
#include <string.h>

int cari_termlist_push(cari_termlist *tl, cari_arena *arena, size_t *cap,
                       const char *term, size_t len)
{
    if (tl->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        const char **terms = cari_arena_alloc(arena, ncap * sizeof *terms);
        size_t *lens = cari_arena_alloc(arena, ncap * sizeof *lens);
        if (!terms || !lens)
            return CARI_ENOMEM;
        if (tl->n) {
            memcpy(terms, tl->terms, tl->n * sizeof *terms);
            memcpy(lens, tl->lens, tl->n * sizeof *lens);
        }
        tl->terms = terms;
        tl->lens = lens;
        *cap = ncap;
    }
    ((const char **)tl->terms)[tl->n] = term;
    ((size_t *)tl->lens)[tl->n] = len;
    tl->n++;
    return CARI_OK;
}

int cari_termlist_group(cari_termlist *tl, cari_arena *arena,
                        const cari_termgroup *g)
{
    if (tl->ngroups == tl->groups_cap) {
        size_t ncap = tl->groups_cap ? tl->groups_cap * 2 : 4;
        cari_termgroup *groups = cari_arena_alloc(arena, ncap * sizeof *groups);
        if (!groups)
            return CARI_ENOMEM;
        if (tl->ngroups)
            memcpy(groups, tl->groups, tl->ngroups * sizeof *groups);
        tl->groups = groups;
        tl->groups_cap = ncap;
    }
    ((cari_termgroup *)tl->groups)[tl->ngroups++] = *g;
    return CARI_OK;
}

/* Index of the query term equal to term, or -1. */
static int query_index(const cari_termlist *q, const char *term, size_t n)
{
    size_t i;
    for (i = 0; i < q->n; i++)
        if (q->lens[i] == n && memcmp(q->terms[i], term, n) == 0)
            return (int)i;
    return -1;
}

typedef struct word {
    size_t start, end;
    size_t item;  /* its first token in the analyzer's output */
    int match;  /* query term index + 1, or 0 */
} word;

/* Which of g's terms word k holds, as bits (bit j: g->terms[j]). */
static uint64_t group_bits(const cari_tokvec *tv, const word *w, size_t nw,
                           size_t k, const cari_termgroup *g)
{
    size_t i, j, end = k + 1 < nw ? w[k + 1].item : tv->len;
    uint64_t bits = 0;
    for (i = w[k].item; i < end; i++) {
        const cari_term_token *t = &tv->items[i];
        if (t->stop)
            continue;
        for (j = 0; j < g->n && j < 64; j++)
            if (g->lens[j] == t->term_len &&
                memcmp(g->terms[j], t->term, t->term_len) == 0)
                bits |= (uint64_t)1 << j;
    }
    return bits;
}

/*
 * Mark the words of w (one per position) where the phrase or NEAR group g
 * holds, as the search matches it: a phrase's terms at their offsets from
 * a start; a NEAR group's where every term (a term named twice: two of its
 * words) lies in one window of window + 1 positions.  A word matched
 * already keeps its mark; the j-th term marks id + j + 1.  bits: scratch
 * of nw.  Words of the group elsewhere stay unmarked (found by review:
 * "kereta cepat" highlighted every kereta and every cepat of the passage).
 */
static void mark_group(const cari_tokvec *tv, word *w, size_t nw,
                       const cari_termgroup *g, int id, uint64_t *bits)
{
    size_t s, j, k, n = g->n < 64 ? g->n : 64;
    for (k = 0; k < nw; k++)
        bits[k] = group_bits(tv, w, nw, k, g);
    if (n == 0)
        return;
    if (g->offsets) {
        for (s = 0; s < nw; s++) {
            for (j = 0; j < n; j++) {
                size_t at = s + (g->offsets[j] - g->offsets[0]);
                if (at >= nw || !(bits[at] >> j & 1))
                    break;
            }
            if (j < n)
                continue;
            for (j = 0; j < n; j++) {
                size_t at = s + (g->offsets[j] - g->offsets[0]);
                if (!w[at].match)
                    w[at].match = id + (int)j + 1;
            }
        }
        return;
    }
    {
        /* need[j]: how many words of term j a window needs (0: a repeat
         * of an earlier term, counted there); cnt[j]: how many it has */
        int need[64], cnt[64];
        size_t hi = 0, marked = 0;
        for (j = 0; j < n; j++) {
            size_t r;
            cnt[j] = 0;
            for (r = 0; r < j; r++)
                if (g->lens[r] == g->lens[j] &&
                    memcmp(g->terms[r], g->terms[j], g->lens[j]) == 0)
                    break;
            need[j] = r == j;
            if (r < j)
                need[r]++;
        }
        for (s = 0; s < nw; s++) {
            size_t end = nw - s > (size_t)g->window ? s + g->window + 1 : nw;
            for (; hi < end; hi++)
                for (j = 0; j < n; j++)
                    cnt[j] += need[j] && (bits[hi] >> j & 1);
            for (j = 0; j < n && cnt[j] >= need[j]; j++)
                ;
            if (j == n) {
                for (k = s > marked ? s : marked; k < end; k++)
                    if (bits[k] && !w[k].match)
                        w[k].match = id + __builtin_ctzll(bits[k]) + 1;
                marked = end;
            }
            for (j = 0; j < n; j++)
                cnt[j] -= need[j] && (bits[s] >> j & 1);
        }
    }
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

int cari_snippet(cari_analyzer *an, const char *text, size_t len,
                 const cari_termlist *q, int nwords, cari_tokvec *tv,
                 cari_arena *arena, char **snippet, size_t *snippet_len,
                 cari_span **highlights, size_t *nhighlights)
{
    word *w = NULL;
    size_t nw = 0, i, best = 0, first, last, cut_start, cut_end, nids;
    long n;
    int rc = CARI_OK;
    char *out;
    size_t o = 0, nh = 0;
    cari_span *hl;
    *snippet = NULL;
    *highlights = NULL;
    *snippet_len = *nhighlights = 0;
    if (nwords < 1)
        nwords = 1;
    n = cari_analyzer_run(an, text, len, 0, tv);
    if (n < 0)
        return (int)n;
    w = malloc((tv->len ? tv->len : 1) * sizeof *w);
    if (!w)
        return CARI_ENOMEM;
    /* one word per position; a word matches if any of its terms does,
     * and so does the word a matching joined term spans ("non migas":
     * nonmigas marks both) */
    {
        size_t span_end = 0;
        int span_match = 0;
        for (i = 0; i < tv->len; i++) {
            const cari_term_token *t = &tv->items[i];
            int m = t->stop ? -1 : query_index(q, t->term, t->term_len);
            if (!t->alternative) {
                w[nw].start = t->start;
                w[nw].end = t->end;
                w[nw].item = i;
                w[nw].match = t->end <= span_end ? span_match : 0;
                nw++;
            }
            if (m >= 0 && nw && !w[nw - 1].match)
                w[nw - 1].match = m + 1;
            if (m >= 0 && t->joined) {
                span_end = t->end;
                span_match = m + 1;
            }
        }
    }
    /* phrases and NEAR groups: their words where they hold; their terms
     * take the ids after the plain terms' */
    nids = q->n;
    if (q->ngroups && nw) {
        uint64_t *bits = malloc(nw * sizeof *bits);
        if (!bits) {
            free(w);
            return CARI_ENOMEM;
        }
        for (i = 0; i < q->ngroups; i++) {
            mark_group(tv, w, nw, &q->groups[i], (int)nids, bits);
            nids += q->groups[i].n;
        }
        free(bits);
    }
    if (nw > (size_t)nwords) {
        /* slide a window of nwords words; score = distinct*1000 + matches */
        long best_score = -1;
        int *count = calloc(nids + 1, sizeof *count);
        long distinct = 0, matches = 0;
        if (!count) {
            free(w);
            return CARI_ENOMEM;
        }
        for (i = 0; i < nw; i++) {
            if (w[i].match) {
                matches++;
                if (count[w[i].match]++ == 0)
                    distinct++;
            }
            if (i >= (size_t)nwords) {
                size_t k = i - (size_t)nwords;
                if (w[k].match) {
                    matches--;
                    if (--count[w[k].match] == 0)
                        distinct--;
                }
            }
            if (i + 1 >= (size_t)nwords) {
                long score = distinct * 1000 + matches;
                if (score > best_score) {
                    best_score = score;
                    best = i + 1 - (size_t)nwords;
                }
            }
        }
        free(count);
        /* start a little before the first match so it reads in context,
         * but never so far that the window's last match falls off its end
         * (a short --snippet-words lost its only match so) */
        for (i = best; i < best + (size_t)nwords && !w[i].match; i++)
            ;
        if (i < best + (size_t)nwords && i - best < 3) {
            size_t back = 3 - (i - best), l = best + (size_t)nwords - 1;
            while (!w[l].match)
                l--;
            if (back > best + (size_t)nwords - 1 - l)
                back = best + (size_t)nwords - 1 - l;
            best = best >= back ? best - back : 0;
        }
        first = best;
        last = best + (size_t)nwords - 1;
    } else {
        first = 0;
        last = nw ? nw - 1 : 0;
    }
    /* the cut: from the first word (or the text start) to just after the
     * last word, with the punctuation that ends it */
    cut_start = (nw == 0 || first == 0) ? 0 : w[first].start;
    if (nw == 0 || last == nw - 1) {
        cut_end = len;
    } else {
        cut_end = w[last].end;
        while (cut_end < len && !is_space((unsigned char)text[cut_end]) &&
               cut_end < w[last + 1].start)
            cut_end++;
    }
    out = cari_arena_alloc(arena, (cut_end - cut_start) + 8);
    hl = cari_arena_alloc(arena, (last - first + 1) * sizeof *hl + 1);
    if (!out || !hl) {
        free(w);
        return CARI_ENOMEM;
    }
    if (cut_start > 0) {
        memcpy(out, "\xe2\x80\xa6", 3);  /* … */
        o = 3;
    }
    {
        size_t k = first, p = cut_start;
        int in_space = 0;
        while (p < cut_end) {
            unsigned char c = (unsigned char)text[p];
            while (nw && k <= last && p >= w[k].end)
                k++;
            if (nw && k <= last && p == w[k].start && w[k].match) {
                hl[nh].start = o;
                memcpy(out + o, text + p, w[k].end - p);
                o += w[k].end - p;
                hl[nh].end = o;
                nh++;
                p = w[k].end;
                k++;
                in_space = 0;
                continue;
            }
            if (is_space(c)) {
                if (!in_space && o > 0)
                    out[o++] = ' ';
                in_space = 1;
                p++;
                continue;
            }
            in_space = 0;
            out[o++] = (char)c;
            p++;
        }
        while (o > 0 && out[o - 1] == ' ')
            o--;
    }
    if (cut_end < len) {
        memcpy(out + o, " \xe2\x80\xa6", 4);
        o += 4;
    }
    out[o] = '\0';
    *snippet = out;
    *snippet_len = o;
    *highlights = hl;
    *nhighlights = nh;
    free(w);
    return rc;
}
