/*
 * passage.c -- article text -> passages.  A passage is the unit that is
 * ranked and shown, so it should hold one topic and be short enough to read
 * as a result: paragraphs, long ones cut at sentence ends, tiny ones merged.
 *
 * Default sizes (CARI_PASSAGE_PARAMS_INIT): news paragraphs in
 * clickid_news are 20-80 words; 100/150/20 keeps most paragraphs whole and
 * cuts the few very long ones.  Tuned on the eval valid splits in docs/.
 */
#include "passage.h"

#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "cari.h"

void cari_spanvec_free(cari_spanvec *v)
{
    free(v->items);
    v->items = NULL;
    v->len = v->cap = 0;
}

static int push(cari_spanvec *v, uint32_t start, uint32_t end)
{
    if (v->len == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        cari_span32 *p = realloc(v->items, cap * sizeof *p);
        if (!p)
            return CARI_ENOMEM;
        v->items = p;
        v->cap = cap;
    }
    v->items[v->len].start = start;
    v->items[v->len].end = end;
    v->len++;
    return CARI_OK;
}

static const unsigned char space_table[256] = {
    [' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1, ['\f'] = 1, ['\v'] = 1};

static int is_space(unsigned char c)
{
    return space_table[c];
}

#ifdef __SSE2__
/* The white space (as space_table has it) of the 16 bytes at p, a bit
 * each. */
static unsigned space_mask16(const unsigned char *p)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i t = _mm_sub_epi8(v, _mm_set1_epi8('\t')); /* \t..\r: 0..4 */
    __m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(4)), t);
    __m128i sp = _mm_cmpeq_epi8(v, _mm_set1_epi8(' '));
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(ctl, sp));
}

static int popcount16(unsigned x)
{
    x = x - ((x >> 1) & 0x5555u);
    x = (x & 0x3333u) + ((x >> 2) & 0x3333u);
    x = (x + (x >> 4)) & 0x0f0fu;
    return (int)((x + (x >> 8)) & 0x1fu);
}
#endif

/* Words are runs of non-space bytes; counted 16 bytes at a time where
 * SSE2 is, else without a branch per byte (this runs over every byte of
 * every article, twice). */
static int count_words(const char *s, size_t start, size_t end)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned prev = 1;  /* the byte before start counts as space */
    int n = 0;
    size_t i = start;
#ifdef __SSE2__
    for (; i + 16 <= end; i += 16) {
        unsigned sp = space_mask16(u + i);
        /* a word starts at a byte that is not space after one that is */
        n += popcount16(~sp & (sp << 1 | prev) & 0xffffu);
        prev = sp >> 15;
    }
#endif
    for (; i < end; i++) {
        unsigned sp = space_table[u[i]];
        n += (int)(prev & (sp ^ 1u));
        prev = sp;
    }
    return n;
}

/* Trim white space off [*start, *end). */
static void trim(const char *s, size_t *start, size_t *end)
{
    while (*start < *end && is_space((unsigned char)s[*start]))
        (*start)++;
    while (*end > *start && is_space((unsigned char)s[*end - 1]))
        (*end)--;
}

/* If a sentence ends at s[i] (., ! or ? then closing quotes/brackets, then
 * white space), return the index just past the closing marks, else 0. */
static size_t sentence_end(const char *s, size_t i, size_t end)
{
    size_t j;
    unsigned char c = (unsigned char)s[i];
    if (c != '.' && c != '!' && c != '?')
        return 0;
    j = i + 1;
    while (j < end) {
        unsigned char d = (unsigned char)s[j];
        if (d == '"' || d == '\'' || d == ')' || d == ']' || d == '.' ||
            d == '!' || d == '?')
            j++;
        else if (d == 0xe2 && j + 2 < end && (unsigned char)s[j + 1] == 0x80 &&
                 ((unsigned char)s[j + 2] == 0x9d ||
                  (unsigned char)s[j + 2] == 0x99))
            j += 3;  /* ” or ’ */
        else
            break;
    }
    if (j < end && !is_space((unsigned char)s[j]))
        return 0;
    /* "Rp. 5" or "No. 3": a one- or two-letter word before the dot is
     * usually an abbreviation, not a sentence end */
    if (c == '.' && i >= 1 && !is_space((unsigned char)s[i - 1]) &&
        (i < 3 || is_space((unsigned char)s[i - 2]) ||
         is_space((unsigned char)s[i - 3])))
        return 0;
    return j;
}

/* Cut paragraph [start, end) into pieces near target words. */
static int cut_paragraph(const char *s, size_t start, size_t end,
                         const cari_passage_params *p, cari_spanvec *out)
{
    size_t piece = start, i, last_cut = 0;
    int words = 0, in = 0;
    for (i = start; i < end; i++) {
        size_t se;
        if (is_space((unsigned char)s[i])) {
            in = 0;
            continue;
        }
        if (!in) {
            in = 1;
            words++;
            /* one endless sentence: cut at a word boundary */
            if (words > p->max_words) {
                size_t a = piece, b = last_cut ? last_cut : i;
                trim(s, &a, &b);
                if (push(out, (uint32_t)a, (uint32_t)b))
                    return CARI_ENOMEM;
                piece = b;
                last_cut = 0;
                words = count_words(s, piece, i + 1);
            }
        }
        se = sentence_end(s, i, end);
        if (se) {
            if (words >= p->target_words) {
                size_t a = piece, b = se;
                trim(s, &a, &b);
                if (push(out, (uint32_t)a, (uint32_t)b))
                    return CARI_ENOMEM;
                piece = se;
                words = 0;
                last_cut = 0;
            } else {
                last_cut = se;
            }
            i = se - 1;
            in = 0;
        }
    }
    {
        size_t a = piece, b = end;
        trim(s, &a, &b);
        if (b > a && push(out, (uint32_t)a, (uint32_t)b))
            return CARI_ENOMEM;
    }
    return CARI_OK;
}

int cari_split_passages(const char *text, size_t len,
                        const cari_passage_params *p, cari_spanvec *out)
{
    size_t i = 0, para = 0, k, w;
    int words[256], *counts = words;
    out->len = 0;
    while (i <= len) {
        /* a paragraph ends at a blank line or at the end of the text */
        int blank = 0;
        size_t next = i;
        if (i < len && text[i] != '\n') {
            const char *nl = memchr(text + i, '\n', len - i);
            i = nl ? (size_t)(nl - text) : len;
            continue;
        }
        if (i < len) {
            size_t j = i + 1;
            while (j < len && text[j] != '\n' && is_space((unsigned char)text[j]))
                j++;
            if (j < len && text[j] == '\n') {
                blank = 1;
                next = j;
            }
        }
        if (blank || i == len) {
            size_t a = para, b = i;
            trim(text, &a, &b);
            if (b > a) {
                if (count_words(text, a, b) > p->max_words) {
                    if (cut_paragraph(text, a, b, p, out))
                        return CARI_ENOMEM;
                } else if (push(out, (uint32_t)a, (uint32_t)b)) {
                    return CARI_ENOMEM;
                }
            }
            if (i == len)
                break;
            para = next + 1;
            i = next + 1;
            continue;
        }
        i++;
    }
    /* merge short passages into a neighbour: the next one, or for the last
     * passage the previous one; word counts are taken once and summed */
    if (out->len > sizeof words / sizeof words[0]) {
        counts = malloc(out->len * sizeof *counts);
        if (!counts)
            return CARI_ENOMEM;
    }
    for (k = 0; k < out->len; k++)
        counts[k] = count_words(text, out->items[k].start, out->items[k].end);
    for (k = 0, w = 0; k < out->len; k++) {
        cari_span32 cur = out->items[k];
        int n = counts[k];
        if (w > 0 && counts[w - 1] < p->min_words) {
            out->items[w - 1].end = cur.end;  /* previous was short */
            counts[w - 1] += n;
            continue;
        }
        if (k == out->len - 1 && w > 0 && n < p->min_words) {
            out->items[w - 1].end = cur.end;  /* last one is short */
            counts[w - 1] += n;
            continue;
        }
        counts[w] = n;
        out->items[w++] = cur;
    }
    /* short passages merged at the end (rule one) can leave the last one
     * short still: it joins the one before */
    if (w > 1 && counts[w - 1] < p->min_words) {
        out->items[w - 2].end = out->items[w - 1].end;
        counts[w - 2] += counts[w - 1];
        w--;
    }
    if (counts != words)
        free(counts);
    out->len = w;
    if (out->len == 0 && push(out, 0, 0))
        return CARI_ENOMEM;
    return CARI_OK;
}
