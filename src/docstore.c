/*
 * docstore.c -- zlib-compressed stored articles with random access, their
 * words coded in two bytes first.  The record, index and word list are
 * documented in docstore.h.
 */
#include "docstore.h"

#include <limits.h>
#include <isa-l/igzip_lib.h>
#include <libdeflate.h>
#include <stdlib.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* ------------------------------------------------------------------ */
/* Word codes (docstore.h)                                             */
/* ------------------------------------------------------------------ */

#define WORD_LEAD 0xF5   /* two-byte codes: 0xF5..0xFF, then the low byte */
#define WORD_LEAD3 0xC1  /* three-byte codes: 0xC1, then two bytes */
#define WORD_ESC 0xC0    /* 0xC0 b: the byte b */
#define COUNT_SLOTS (1u << 18)
#define COUNT_BATCH 32

static int is_letter(unsigned c)
{
    return (unsigned)((c | 0x20) - 'a') < 26;
}

static int is_special(unsigned c)
{
    return (c & 0xfeu) == WORD_ESC || c >= WORD_LEAD;
}

/* A hash of the word p[0..n), 3 <= n <= 32: its first and last 8 bytes
 * (at most), multiplied; all the coder's lookups go through it. */
static uint32_t word_hash(const unsigned char *p, size_t n)
{
    uint64_t a = 0, b = 0;
    if (n >= 8) {
        memcpy(&a, p, 8);
        memcpy(&b, p + n - 8, 8);
    } else if (n >= 4) {
        memcpy(&a, p, 4);
        memcpy(&b, p + n - 4, 4);
    } else {
        memcpy(&a, p, 3);
    }
    a = (a ^ (b * 0x9e3779b97f4a7c15ull) ^ n) * 0xff51afd7ed558ccdull;
    return (uint32_t)(a >> 32);
}

/* A slot of the writer's table: the word's number + 1 (17 bits: up to
 * CARI_STORE_WORDS + 1), its length - 1 (5 bits) and 10 bits of its
 * hash, so that a slot of another word is mostly passed over without
 * reading the word. */
#define SLOT_WORD 0x1ffffu

static uint32_t slot_key(uint32_t hash, size_t n)
{
    return (hash >> 22) << 22 | (uint32_t)(n - 1) << 17;
}

/* p[0..n) == q[0..n), 3 <= n <= 32, without a call: first and last 8
 * (or 4) bytes, and the 8-byte pieces between. */
static inline int word_eq(const unsigned char *p, const unsigned char *q,
                          size_t n)
{
    uint64_t a, b, c, d;
    size_t i;
    if (n < 4)
        return p[0] == q[0] && p[1] == q[1] && p[2] == q[2];
    if (n < 8) {
        uint32_t x, y, z, t;
        memcpy(&x, p, 4);
        memcpy(&y, q, 4);
        memcpy(&z, p + n - 4, 4);
        memcpy(&t, q + n - 4, 4);
        return x == y && z == t;
    }
    memcpy(&a, p + n - 8, 8);
    memcpy(&b, q + n - 8, 8);
    if (a != b)
        return 0;
    for (i = 0; i + 8 < n; i += 8) {
        memcpy(&c, p + i, 8);
        memcpy(&d, q + i, 8);
        if (c != d)
            return 0;
    }
    return 1;
}

/* A word of the sample and its count; key is its hash with the low 5 bits
 * replaced by its length - 1, so that a probe compares bytes only when
 * both agree. */
typedef struct word_count {
    const unsigned char *p;
    uint32_t key, count;
} word_count;

#define COUNT_KEY(hash, n) (((hash) & ~31u) | (uint32_t)((n) - 1))
#define COUNT_LEN(w) (((w)->key & 31u) + 1)

/* A word of the sample being ranked, with its first 8 bytes big-endian
 * (zero after a shorter word's end): two words' heads order them as
 * their bytes do (memcmp, then the shorter first: a word is letters, never
 * a zero byte), unless both are 8 bytes or more and start alike.  The
 * ranking then reads the sample only for those, not for every comparison
 * (the sample is 16 MiB, visited at random). */
typedef struct ranked_word {
    uint64_t head;
    word_count w;
} ranked_word;

static uint64_t word_head(const unsigned char *p, uint32_t n)
{
    uint64_t h = 0;
    uint32_t i;
    for (i = 0; i < 8; i++)
        h = h << 8 | (i < n ? p[i] : 0u);
    return h;
}

/* a before b by their bytes */
static int word_bytes_before(const ranked_word *a, const ranked_word *b)
{
    uint32_t al, bl, m;
    int c;
    if (a->head != b->head)
        return a->head < b->head;
    al = COUNT_LEN(&a->w);
    bl = COUNT_LEN(&b->w);
    m = al < bl ? al : bl;
    c = m > 8 ? memcmp(a->w.p + 8, b->w.p + 8, m - 8) : 0;
    return c ? c < 0 : al < bl;
}

/* What coding each use of w saves before deflate, with a code of
 * code_len bytes: the word, and mostly the space after it, which is
 * implied between two codes (counted as one byte a use: four in five gaps
 * between words are one space; counting it keeps 0.06 MB more of
 * clickid_news than not, with more three-letter words listed). */
static uint64_t word_saving(const word_count *w, unsigned code_len)
{
    uint32_t len = COUNT_LEN(w);
    return len + 1 > code_len ? (uint64_t)(len + 1 - code_len) * w->count : 0;
}

/* a before b: more saved with a three-byte code first, then by bytes */
static int saving3_before(const ranked_word *a, const ranked_word *b)
{
    uint64_t sa = word_saving(&a->w, 3), sb = word_saving(&b->w, 3);
    if (sa != sb)
        return sa > sb;
    return word_bytes_before(a, b);
}

/* a before b: more uses first, then by bytes */
static int count_before(const ranked_word *a, const ranked_word *b)
{
    if (a->w.count != b->w.count)
        return a->w.count > b->w.count;
    return word_bytes_before(a, b);
}

typedef int (*rank_order)(const ranked_word *, const ranked_word *);

/* Sort a[0..n) by before (a total order: no two words are equal), with
 * tmp[0..n) to merge into. */
static void rank_sort(ranked_word *a, ranked_word *tmp, size_t n,
                      rank_order before)
{
    size_t h = n / 2, i = 0, j = h, k = 0;
    if (n < 2)
        return;
    rank_sort(a, tmp, h, before);
    rank_sort(a + h, tmp, n - h, before);
    while (i < h && j < n)
        tmp[k++] = before(&a[j], &a[i]) ? a[j++] : a[i++];
    while (i < h)
        tmp[k++] = a[i++];
    memcpy(a, tmp, k * sizeof *a); /* a[j..n) is in place */
}

/* Put the k first of a[0..n) by before into a[0..k), in no order: the
 * same k words however they are found, as before is a total order.
 * Quickselect on the median of three; past a depth that only hostile
 * input reaches, the rest is sorted instead. */
static void rank_select(ranked_word *a, ranked_word *tmp, size_t n,
                        size_t k, rank_order before)
{
    int depth = 64;
    while (n > 1 && k > 0 && k < n) {
        ranked_word pivot, t;
        size_t lo = 0, i, m = n / 2;
        if (depth-- == 0) {
            rank_sort(a, tmp, n, before);
            return;
        }
        /* the median of the first, middle and last, moved to the end */
        if (before(&a[m], &a[0])) {
            t = a[m]; a[m] = a[0]; a[0] = t;
        }
        if (before(&a[n - 1], &a[0])) {
            t = a[n - 1]; a[n - 1] = a[0]; a[0] = t;
        }
        if (before(&a[m], &a[n - 1])) {
            t = a[m]; a[m] = a[n - 1]; a[n - 1] = t;
        }
        pivot = a[n - 1];
        for (i = 0; i + 1 < n; i++)
            if (before(&a[i], &pivot)) {
                t = a[i]; a[i] = a[lo]; a[lo] = t;
                lo++;
            }
        a[n - 1] = a[lo];
        a[lo] = pivot;
        /* a[0..lo) before the pivot, a[lo] the pivot, the rest after */
        if (k <= lo) {
            n = lo;
        } else {
            a += lo + 1;
            n -= lo + 1;
            k -= lo + 1;
        }
    }
}

/* Listing a word costs about half its length + 1 bytes (the list is
 * deflated: 0.381 -> 0.193 MB on clickid_news); it is kept if coding it
 * saves CARI_STORE_KEEP times that in the sample (the rest of the segment
 * only adds uses).  Counting the whole length + 1 left the list short of
 * full: 0.16 MB more of clickid_news's stored text. */
static int worth_listing(const word_count *w, unsigned code_len)
{
    return 2 * word_saving(w, code_len) >
           CARI_STORE_KEEP * (uint64_t)(COUNT_LEN(w) + 1);
}

/* A word of text to count or code: where, how long, word_hash(). */
typedef struct found_word {
    const unsigned char *p;
    uint32_t len, hash;
} found_word;

/* The next words (runs of CARI_STORE_WORD_MIN to CARI_STORE_WORD_MAX
 * ASCII letters) of [*t, end), max of them at most, into out; *t moves
 * past them (to end, or past the last word found).  The learner and the
 * coder both find words so, a batch at a time, to prefetch their hash
 * slots before they use them. */
#ifdef __SSE2__
/* The letters (is_letter) of the 16 bytes at p, a bit each. */
static unsigned letter_mask16(const unsigned char *p)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i t = _mm_sub_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)),
                             _mm_set1_epi8('a'));
    return (unsigned)_mm_movemask_epi8(
        _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(25)), t));
}
#endif

/* The first byte of [s, end) that is a letter (want 1) or is not (want
 * 0), or end: 16 bytes at a time where SSE2 is. */
static const unsigned char *find_letter(const unsigned char *s,
                                        const unsigned char *end,
                                        unsigned want)
{
#ifdef __SSE2__
    while (end - s >= 16) {
        unsigned m = letter_mask16(s) ^ (want ? 0u : 0xffffu);
        if (m)
            return s + __builtin_ctz(m);
        s += 16;
    }
#endif
    while (s < end && (unsigned)is_letter(*s) != want)
        s++;
    return s;
}

#ifdef __SSE2__
/* The letters of the 64 bytes at p, a bit each (bit i: p[i]). */
static uint64_t letter_mask64(const unsigned char *p)
{
    return (uint64_t)letter_mask16(p) | (uint64_t)letter_mask16(p + 16) << 16 |
           (uint64_t)letter_mask16(p + 32) << 32 |
           (uint64_t)letter_mask16(p + 48) << 48;
}
#endif

static size_t find_words(const unsigned char **t, const unsigned char *end,
                         found_word *out, size_t max)
{
    const unsigned char *s = *t;
    size_t nb = 0;
#ifdef __SSE2__
    /* 64 bytes at a time: the words are read off the bits of their
     * letters, a run of ones each, instead of two find_letter calls a
     * word (5% of the instructions of `cari-index -j 1` before).  A chunk
     * never starts inside a word: one that reaches the chunk's last byte
     * is finished by find_letter, and the next chunk starts after it. */
    while (nb < max && end - s >= 64) {
        uint64_t m = letter_mask64(s);
        const unsigned char *next = s + 64;
        while (m) {
            unsigned a = (unsigned)__builtin_ctzll(m), len;
            uint64_t rest = ~(m >> a); /* its first one: the word's end */
            const unsigned char *q;
            if (rest && a + (len = (unsigned)__builtin_ctzll(rest)) < 64) {
                q = s + a + len;
                m &= ~0ull << (a + len);
            } else { /* the word goes on past the chunk */
                q = find_letter(s + 64, end, 0);
                len = (unsigned)(q - (s + a));
                m = 0;
                next = q;
            }
            if (len >= CARI_STORE_WORD_MIN && len <= CARI_STORE_WORD_MAX) {
                out[nb].p = s + a;
                out[nb].len = len;
                out[nb].hash = word_hash(s + a, len);
                if (++nb == max) {
                    next = q;
                    break;
                }
            }
        }
        s = next;
    }
#endif
    while (s < end && nb < max) {
        const unsigned char *q;
        s = find_letter(s, end, 1);
        if (s == end)
            break;
        q = find_letter(s + 1, end, 0);
        if (q - s >= CARI_STORE_WORD_MIN && q - s <= CARI_STORE_WORD_MAX) {
            out[nb].p = s;
            out[nb].len = (uint32_t)(q - s);
            out[nb].hash = word_hash(s, out[nb].len);
            nb++;
        }
        s = q;
    }
    *t = s;
    return nb;
}

/*
 * Learn the word list from sample[0..n): count the runs of 3 to 32 ASCII
 * letters and keep those worth listing.  The CARI_STORE_WORDS2 most
 * frequent get two-byte codes (a two-byte code saves one byte a use more
 * than a three-byte one, so it goes to the words used most); of the rest,
 * the CARI_STORE_WORDS3 that save most with three-byte codes get those.
 * Each group is numbered most frequent first (the lead bytes of frequent
 * words then repeat, which deflate's Huffman codes like).  Builds
 * w->words and w->word_slots.
 */
static int learn_words(cari_store_writer *w, const unsigned char *sample,
                       size_t n)
{
    word_count *slots;
    ranked_word *keep = NULL, *tmp = NULL;
    size_t used = 0, nkeep = 0, n2, n3 = 0, i, k, nslots, ncount;
    const unsigned char *t = sample, *end;
    int rc = CARI_ENOMEM;
    /* less text than this gains less than its list costs (about even at
     * 64 KB, 3% larger at 24 KB): no table to count in (a small index
     * need not take its 4 MB) */
    if (n < CARI_STORE_WORDS_MIN_SAMPLE)
        n = 0;
    ncount = n ? COUNT_SLOTS : 1;
    slots = cari_calloc_touched(ncount, sizeof *slots);
    if (!slots)
        return CARI_ENOMEM;
    /* words are found a batch at a time and their slots prefetched, then
     * counted: the table is megabytes, visited at random */
    end = sample + n;
    while (t < end) {
        found_word batch[COUNT_BATCH];
        size_t nb = find_words(&t, end, batch, COUNT_BATCH);
        for (k = 0; k < nb; k++)
            __builtin_prefetch(&slots[batch[k].hash & (COUNT_SLOTS - 1)]);
        for (k = 0; k < nb; k++) {
            uint32_t key = COUNT_KEY(batch[k].hash, batch[k].len);
            size_t h = batch[k].hash & (COUNT_SLOTS - 1);
            while (slots[h].p &&
                   (slots[h].key != key ||
                    !word_eq(slots[h].p, batch[k].p, batch[k].len)))
                h = (h + 1) & (COUNT_SLOTS - 1);
            if (slots[h].p) {
                slots[h].count++;
            } else if (used < COUNT_SLOTS / 2) { /* full: count the known */
                slots[h].p = batch[k].p;
                slots[h].key = key;
                slots[h].count = 1;
                used++;
            }
        }
    }
    /* the words worth listing, out of the table (freed: the words are
     * in the sample) */
    for (i = 0; i < ncount; i++)
        nkeep += slots[i].p && worth_listing(&slots[i], 2);
    keep = malloc((nkeep ? nkeep : 1) * sizeof *keep);
    tmp = malloc((nkeep ? nkeep : 1) * sizeof *tmp);
    if (!keep || !tmp)
        goto done;
    for (i = 0, k = 0; i < ncount; i++)
        if (slots[i].p && worth_listing(&slots[i], 2)) {
            keep[k].w = slots[i];
            keep[k++].head = word_head(slots[i].p, COUNT_LEN(&slots[i]));
        }
    free(slots);
    slots = NULL;
    /* only the order of the two-byte group matters, and the order of the
     * three-byte group after its words are chosen: the CARI_STORE_WORDS2
     * used most are selected, then sorted; of the rest, the
     * CARI_STORE_WORDS3 that save most are selected, then sorted by uses
     * (the same list as sorting all three times did, 2.4% of the
     * instructions of `cari-index -j 1` on clickid_news before) */
    n2 = nkeep < CARI_STORE_WORDS2 ? nkeep : CARI_STORE_WORDS2;
    rank_select(keep, tmp, nkeep, n2, count_before);
    rank_sort(keep, tmp, n2, count_before);
    for (i = n2; i < nkeep; i++)
        if (worth_listing(&keep[i].w, 3))
            keep[n2 + n3++] = keep[i];
    if (n3 > CARI_STORE_WORDS3) {
        rank_select(keep + n2, tmp, n3, CARI_STORE_WORDS3, saving3_before);
        n3 = CARI_STORE_WORDS3;
    }
    rank_sort(keep + n2, tmp, n3, count_before);
    nkeep = n2 + n3;
    for (nslots = 1024; nslots < 2 * nkeep; nslots *= 2)
        ;
    w->word_slots = cari_calloc_touched(nslots, sizeof *w->word_slots);
    if (!w->word_slots)
        goto done;
    w->slot_mask = (uint32_t)nslots - 1;
    for (i = 0; i < nkeep; i++) {
        uint32_t len = COUNT_LEN(&keep[i].w);
        uint32_t hash = word_hash(keep[i].w.p, len);
        size_t h = hash & w->slot_mask;
        if (cari_buf_reserve(&w->words, len + 1))
            goto done;
        w->words.data[w->words.len++] = (unsigned char)len;
        while (w->word_slots[h])
            h = (h + 1) & w->slot_mask;
        w->word_slots[h] = (uint64_t)w->words.len << 32 |
                           slot_key(hash, len) | (uint32_t)(i + 1);
        memcpy(w->words.data + w->words.len, keep[i].w.p, len);
        w->words.len += len;
    }
    w->nwords = (uint32_t)nkeep;
    rc = CARI_OK;
done:
    free(slots);
    free(keep);
    free(tmp);
    return rc;
}

/* The number of word p[0..n) of hash word_hash(p, n), or -1, looked up
 * from slot h on (its first slot, or the one word_candidate found).  A
 * slot holds the word's key and number (slot_key) and its offset in the
 * list. */
static long word_lookup(const cari_store_writer *w, const unsigned char *p,
                        size_t n, uint32_t hash, size_t h)
{
    uint32_t key = slot_key(hash, n);
    uint64_t v;
    while ((v = w->word_slots[h])) {
        if (((uint32_t)v & ~SLOT_WORD) == key &&
            word_eq(w->words.data + (v >> 32), p, n))
            return (long)((uint32_t)v & SLOT_WORD) - 1;
        h = (h + 1) & w->slot_mask;
    }
    return -1;
}

/* The first slot of word p[0..n) that is empty or has its key: where
 * word_lookup starts.  The listed word there is prefetched: comparing it
 * was the other miss of every lookup (the list is 0.6 MB on
 * clickid_news, the table 1 MB). */
static size_t word_candidate(const cari_store_writer *w, size_t n,
                             uint32_t hash)
{
    uint32_t key = slot_key(hash, n);
    size_t h = hash & w->slot_mask;
    uint64_t v;
    while ((v = w->word_slots[h]) && ((uint32_t)v & ~SLOT_WORD) != key)
        h = (h + 1) & w->slot_mask;
    if (v)
        __builtin_prefetch(w->words.data + (v >> 32));
    return h;
}

/* Append the coding of s[0..n) to out.  The words are found CODE_BATCH
 * at a time, a batch ahead of the one coded: the next batch's slots are
 * prefetched, then this batch's listed words, then this batch is coded.
 * With tens of thousands of words neither the table nor the list stays
 * in cache. */
#define CODE_BATCH 16

static int code_field(const cari_store_writer *w, const unsigned char *s,
                      size_t n, cari_buf *out)
{
    const unsigned char *end = s + n, *coded_end = NULL, *t = s;
    unsigned char *o;
    found_word ws[2][CODE_BATCH];
    size_t cand[CODE_BATCH], nb, k, cur = 0;
    if (cari_buf_reserve(out, 2 * n)) /* every byte escaped, at most */
        return CARI_ENOMEM;
    o = out->data + out->len;
    nb = find_words(&t, end, ws[0], CODE_BATCH);
    for (k = 0; k < nb; k++)
        __builtin_prefetch(&w->word_slots[ws[0][k].hash & w->slot_mask]);
    while (s < end) {
        const found_word *cw = ws[cur];
        const unsigned char *batch_end = t;
        size_t nnext = 0;
        if (t < end) { /* the next batch, its slots fetched meanwhile */
            nnext = find_words(&t, end, ws[cur ^ 1], CODE_BATCH);
            for (k = 0; k < nnext; k++)
                __builtin_prefetch(
                    &w->word_slots[ws[cur ^ 1][k].hash & w->slot_mask]);
        }
        for (k = 0; k < nb; k++)
            cand[k] = word_candidate(w, cw[k].len, cw[k].hash);
        for (k = 0; k <= nb; k++) {
            const unsigned char *stop = k < nb ? cw[k].p : batch_end;
            long code = k < nb ? word_lookup(w, cw[k].p, cw[k].len,
                                             cw[k].hash, cand[k])
                               : -1;
            if (code >= 0 && coded_end == s && stop == s + 1 && *s == ' ')
                s++; /* one space between two codes is implied */
            while (s < stop) { /* letters, spaces, marks, escaped bytes */
                unsigned c = *s++;
                if (is_special(c))
                    *o++ = WORD_ESC;
                *o++ = (unsigned char)c;
            }
            if (k == nb)
                break;
            if (code >= CARI_STORE_WORDS2) {
                code -= CARI_STORE_WORDS2;
                *o++ = WORD_LEAD3;
                *o++ = (unsigned char)(code >> 8);
                *o++ = (unsigned char)(code & 0xff);
            } else if (code >= 0) {
                *o++ = (unsigned char)(WORD_LEAD + (code >> 8));
                *o++ = (unsigned char)(code & 0xff);
            } else {
                memcpy(o, cw[k].p, cw[k].len);
                o += cw[k].len;
            }
            s = cw[k].p + cw[k].len;
            if (code >= 0)
                coded_end = s;
        }
        nb = nnext;
        cur ^= 1;
    }
    out->len = (size_t)(o - out->data);
    return CARI_OK;
}

/* A field of unknown length is written after room for the varint of its
 * largest possible length (field_open), and its length put there once it
 * is known, the field moved back over the room the varint does not use
 * (field_close).  The coder and the decoder both write fields so. */
static int field_open(cari_buf *b, uint64_t max_len, size_t *at,
                      size_t *room)
{
    *room = cari_varint_size(max_len);
    if (cari_buf_reserve(b, *room))
        return CARI_ENOMEM;
    *at = b->len;
    b->len += *room;
    return CARI_OK;
}

static void field_close(cari_buf *b, size_t at, size_t room)
{
    size_t n = b->len - at - room, used = cari_varint_size(n);
    if (used < room)
        memmove(b->data + at + used, b->data + at + room, n);
    cari_varint_put(b->data + at, n);
    b->len -= room - used;
}

/* Append s[0..n) to b as a record field: its length, then its bytes,
 * coded when the segment has words. */
static int put_field(const cari_store_writer *w, cari_buf *b, const void *s,
                     size_t n)
{
    size_t at, room;
    if (!w->nwords)
        return cari_buf_varint(b, n) || cari_buf_append(b, s, n)
                   ? CARI_ENOMEM
                   : CARI_OK;
    if (field_open(b, 2 * (uint64_t)n, &at, &room) || /* all escaped */
        code_field(w, s, n, b))
        return CARI_ENOMEM;
    field_close(b, at, room);
    return CARI_OK;
}

/* Code a held block, raw[0..n) (whole records), into w->coded. */
static int code_block(cari_store_writer *w, const unsigned char *raw,
                      size_t n)
{
    const unsigned char *q = raw, *end = raw + n;
    w->coded.len = 0;
    while (q < end) {
        int f;
        for (f = 0; f < 3; f++) {
            uint64_t len = cari_varint_get(&q, end);
            if (!q || len > (uint64_t)(end - q))
                return CARI_EINVAL;
            if (put_field(w, &w->coded, q, (size_t)len))
                return CARI_ENOMEM;
            q += len;
        }
    }
    return CARI_OK;
}

int cari_store_words_parse(const unsigned char *words, size_t len,
                           uint32_t **loc, uint32_t *n)
{
    size_t off = 0, count = 0;
    uint32_t *l;
    *loc = NULL;
    *n = 0;
    while (off < len) { /* count, and check */
        unsigned wl = words[off];
        if (wl == 0 || wl > len - off - 1 || ++count > CARI_STORE_WORDS)
            return CARI_ECORRUPT;
        off += 1 + wl;
    }
    l = malloc((count ? count : 1) * sizeof *l);
    if (!l)
        return CARI_ENOMEM;
    for (off = 0, count = 0; off < len; off += 1 + words[off])
        l[count++] = (uint32_t)(off + 1) << 8 | words[off];
    *loc = l;
    *n = (uint32_t)count;
    return CARI_OK;
}

/* Decoding reserves output room for DECODE_CHUNK coded bytes at a time:
 * they decode to at most 16 times as many (a 2-byte code to 32). */
#define DECODE_CHUNK 256

int cari_store_decode_record(const unsigned char *words, const uint32_t *loc,
                             uint32_t nwords, const unsigned char *rec,
                             size_t len, cari_buf *out, size_t *used)
{
    const unsigned char *q = rec, *end = rec + len;
    int f;
    for (f = 0; f < 3; f++) {
        uint64_t n = cari_varint_get(&q, end);
        const unsigned char *s, *e;
        size_t at, room;
        if (!q || n > (uint64_t)(end - q))
            return CARI_ECORRUPT;
        if (field_open(out, 17 * n, &at, &room))
            return CARI_ENOMEM;
        for (s = q, e = q + n; s < e;) {
            const unsigned char *ce = e - s < DECODE_CHUNK ? e : s + DECODE_CHUNK;
            unsigned char *o;
            if (cari_buf_reserve(out, 17 * (size_t)(ce - s) + 34))
                return CARI_ENOMEM;
            o = out->data + out->len;
            while (s < ce) { /* a code may end two bytes past ce */
                unsigned c = *s;
                if (!is_special(c)) {
                    *o++ = (unsigned char)c;
                    s++;
                    continue;
                }
                if (s + 1 >= e)
                    return CARI_ECORRUPT; /* cut */
                if (c == WORD_ESC) {
                    *o++ = s[1];
                    s += 2;
                } else {
                    uint32_t code, w;
                    if (c == WORD_LEAD3) {
                        if (s + 2 >= e)
                            return CARI_ECORRUPT; /* cut */
                        code = CARI_STORE_WORDS2 + ((uint32_t)s[1] << 8 | s[2]);
                        s += 3;
                    } else {
                        code = (c - WORD_LEAD) << 8 | s[1];
                        s += 2;
                    }
                    if (code >= nwords)
                        return CARI_ECORRUPT;
                    w = loc[code];
                    memcpy(o, words + (w >> 8), w & 0xff);
                    o += w & 0xff;
                    if (s < e && (*s == WORD_LEAD3 || *s >= WORD_LEAD))
                        *o++ = ' '; /* implied between two codes */
                }
            }
            out->len = (size_t)(o - out->data);
        }
        field_close(out, at, room);
        q += n;
    }
    *used = (size_t)(q - rec);
    return CARI_OK;
}

/* ------------------------------------------------------------------ */
/* Writer                                                              */
/* ------------------------------------------------------------------ */

void cari_store_writer_init(cari_store_writer *w, int level,
                            size_t block_size)
{
    memset(w, 0, sizeof *w);
    w->level = level;
    w->block_size = block_size;
    w->sample = CARI_STORE_SAMPLE;
}

/* ISA-L's level buffer for each of its levels 1..CARI_STORE_ISAL_LEVELS */
static const uint32_t isal_level_buf[] = {0, ISAL_DEF_LVL1_DEFAULT,
                                          ISAL_DEF_LVL2_DEFAULT,
                                          ISAL_DEF_LVL3_DEFAULT};

/* Deflate raw[0..n) with ISA-L (levels 1..CARI_STORE_ISAL_LEVELS) into
 * w->data: its size, or 0 when it does not fit in cap bytes (or ISA-L
 * fails otherwise): then libdeflate does the block. */
static size_t isal_block(cari_store_writer *w, const unsigned char *raw,
                         size_t n, size_t cap)
{
    struct isal_zstream z;
    if (!w->isal_buf &&
        !(w->isal_buf = malloc(isal_level_buf[w->level])))
        return 0;
    /* zeroed first: ISA-L 2.30's init leaves fields that the stateless
     * call reads (valgrind: "depends on uninitialised value(s)"), and
     * the bytes of a block then depended on the stack: a merge wrote
     * other bytes than a fresh run, once in a while (tests/merge.t).
     * All but the state's history buffer and level-0 hash heads, which
     * the stateless call at levels 1..3 does not read (it hashes into
     * level_buf): they are 80 of the struct's 82 KB, written for every
     * 16 KiB block */
    memset(&z, 0, offsetof(struct isal_zstream, internal_state) +
                      offsetof(struct isal_zstate, buffer));
    isal_deflate_stateless_init(&z);
    z.level = (uint32_t)w->level;
    z.level_buf = w->isal_buf;
    z.level_buf_size = isal_level_buf[w->level];
    z.gzip_flag = IGZIP_ZLIB;
    z.end_of_stream = 1;
    z.flush = NO_FLUSH;
    z.next_in = (uint8_t *)(uintptr_t)raw;
    z.avail_in = (uint32_t)n;
    z.next_out = w->data.data + w->data.len;
    z.avail_out = (uint32_t)cap;
    if (isal_deflate_stateless(&z) != COMP_OK)
        return 0;
    return z.total_out;
}

/* Deflate raw[0..n) as the next block of data, in the zlib format that
 * the reader inflates with libdeflate (zlib reads it too).  Levels 1..3
 * are ISA-L's igzip, 4..12 libdeflate's: on clickid_news's coded blocks
 * igzip at the default level 2 keeps 0.8% more than libdeflate's level 2
 * did, and `cari-index -j 1` took 2.25 s instead of 2.47 (docstore.h). */
static int compress_block(cari_store_writer *w, const unsigned char *raw,
                          size_t n)
{
    size_t cap, z = 0;
    if (n > UINT32_MAX || cari_buf_u32(&w->block_sizes, (uint32_t)n) ||
        cari_buf_u64(&w->block_offsets, w->spilled + w->data.len))
        return CARI_ENOMEM;
    if (w->level <= CARI_STORE_ISAL_LEVELS) {
        cap = n + n / 8 + 1024;
        if (cari_buf_reserve(&w->data, cap))
            return CARI_ENOMEM;
        z = isal_block(w, raw, n, cap);
    }
    if (!z) {  /* libdeflate's level, or a block igzip could not do */
        if (!w->ld &&
            !(w->ld = libdeflate_alloc_compressor(
                  w->level > CARI_STORE_ISAL_LEVELS ? w->level : 1)))
            return CARI_ENOMEM;
        cap = libdeflate_zlib_compress_bound(w->ld, n);
        if (cari_buf_reserve(&w->data, cap))
            return CARI_ENOMEM;
        z = libdeflate_zlib_compress(w->ld, raw, n,
                                     w->data.data + w->data.len, cap);
        if (z == 0)
            return CARI_ENOMEM; /* cannot be: cap is the bound */
    }
    w->data.len += z;
    return CARI_OK;
}

/* Learn the words from the held blocks (the segment's first), code them
 * and compress them; the blocks that follow are coded as their articles
 * come (cari_store_writer_add). */
static int learn_and_drain(cari_store_writer *w)
{
    size_t off = 0, nheld = w->held_sizes.len / 4;
    uint32_t b;
    int rc;
    if ((rc = learn_words(w, w->held.data, w->held.len)))
        return rc;
    w->learned = 1;
    for (b = 0; b < nheld; b++) {
        const unsigned char *raw = w->held.data + off;
        size_t n = cari_get_u32(w->held_sizes.data + 4 * (size_t)b);
        off += n;
        if (w->nwords) {
            if ((rc = code_block(w, raw, n)))
                return rc;
            raw = w->coded.data;
            n = w->coded.len;
        }
        if ((rc = compress_block(w, raw, n)))
            return rc;
    }
    cari_buf_free(&w->held);
    cari_buf_free(&w->held_sizes);
    return CARI_OK;
}

static int close_block(cari_store_writer *w)
{
    int rc;
    if (w->block.len == 0)
        return CARI_OK;
    w->nblocks++;
    /* the sample is learned before a block would take it past w->sample:
     * after, its buffer (grown by doubling) could hold twice that */
    if (!w->learned && w->held.len &&
        w->held.len + w->block.len > w->sample &&
        (rc = learn_and_drain(w)))
        return rc;
    if (w->learned) {
        rc = compress_block(w, w->block.data, w->block.len);
    } else {
        rc = cari_buf_append(&w->held, w->block.data, w->block.len) ||
                     cari_buf_u32(&w->held_sizes, (uint32_t)w->block.len)
                 ? CARI_ENOMEM
                 : CARI_OK;
        if (!rc && w->held.len >= w->sample)
            rc = learn_and_drain(w);
    }
    w->block.len = 0;
    w->block_raw = 0;
    return rc;
}

int cari_store_writer_add(cari_store_writer *w, const char *title,
                          size_t title_len, const char *meta, size_t meta_len,
                          const char *text, size_t text_len)
{
    int rc = 0;
    /* a block closes at block_size bytes of records as they came: coded
     * blocks cover as much text as the uncoded ones */
    if (w->block_raw >= w->block_size && close_block(w))
        return CARI_ENOMEM;
    if (w->block.len + 2 * (title_len + meta_len + text_len) + 30 > UINT32_MAX)
        return CARI_EINVAL;
    if (w->block.len == 0) /* the first article of block w->nblocks */
        rc |= cari_buf_u32(&w->block_first, w->narticles);
    rc |= put_field(w, &w->block, title, title_len);
    rc |= put_field(w, &w->block, meta, meta_len);
    rc |= put_field(w, &w->block, text, text_len);
    if (rc)
        return CARI_ENOMEM;
    w->block_raw += cari_varint_size(title_len) + title_len +
                    cari_varint_size(meta_len) + meta_len +
                    cari_varint_size(text_len) + text_len;
    w->narticles++;
    w->raw_bytes += title_len + meta_len + text_len;
    return CARI_OK;
}

int cari_store_writer_finish(cari_store_writer *w)
{
    if (close_block(w))
        return CARI_ENOMEM;
    if (!w->learned && learn_and_drain(w))
        return CARI_ENOMEM;
    if (w->nwords && !w->words_out.len) {
        /* the list deflated once (read once, at open), at libdeflate's
         * level 6: on clickid_news's list (616,161 bytes) level 12 kept
         * 292,931 bytes in 92-142 ms, 4-6% of `cari-index -j 1`; level 6
         * keeps 312,652 (+0.07% of the index) in 11 ms */
        struct libdeflate_compressor *c = libdeflate_alloc_compressor(6);
        size_t cap, z;
        if (!c)
            return CARI_ENOMEM;
        cap = libdeflate_zlib_compress_bound(c, w->words.len);
        if (cari_buf_u32(&w->words_out, (uint32_t)w->words.len) ||
            cari_buf_reserve(&w->words_out, cap)) {
            libdeflate_free_compressor(c);
            return CARI_ENOMEM;
        }
        z = libdeflate_zlib_compress(c, w->words.data, w->words.len,
                                     w->words_out.data + 4, cap);
        libdeflate_free_compressor(c);
        if (z == 0)
            return CARI_ENOMEM; /* cannot be: cap is the bound */
        w->words_out.len += z;
    }
    return cari_buf_u64(&w->block_offsets, w->spilled + w->data.len);
}

int cari_store_words_inflate(const unsigned char *sec, size_t len,
                             cari_buf *out)
{
    struct libdeflate_decompressor *d;
    enum libdeflate_result res;
    uint32_t raw;
    out->len = 0;
    if (len == 0)
        return CARI_OK;
    if (len < 4)
        return CARI_ECORRUPT;
    raw = cari_get_u32(sec);
    /* a list of CARI_STORE_WORDS words of CARI_STORE_WORD_MAX bytes, at
     * most: damage must not ask for more */
    if (raw == 0 || raw > CARI_STORE_WORDS * (CARI_STORE_WORD_MAX + 1))
        return CARI_ECORRUPT;
    if (cari_buf_reserve(out, raw))
        return CARI_ENOMEM;
    /* libdeflate, twice as fast as zlib here: the list is inflated at
     * every open */
    if (!(d = libdeflate_alloc_decompressor()))
        return CARI_ENOMEM;
    res = libdeflate_zlib_decompress(d, sec + 4, len - 4, out->data, raw,
                                     NULL); /* exactly raw bytes, or fails */
    libdeflate_free_decompressor(d);
    if (res != LIBDEFLATE_SUCCESS)
        return CARI_ECORRUPT;
    out->len = raw;
    return CARI_OK;
}

int cari_store_writer_index(const cari_store_writer *w, cari_buf *out)
{
    int rc = 0;
    rc |= cari_buf_u32(out, w->nblocks);
    rc |= cari_buf_u32(out, w->narticles);
    rc |= cari_buf_append(out, w->block_offsets.data, w->block_offsets.len);
    rc |= cari_buf_append(out, w->block_sizes.data, w->block_sizes.len);
    rc |= cari_buf_append(out, w->block_first.data, w->block_first.len);
    return rc ? CARI_ENOMEM : CARI_OK;
}

size_t cari_store_writer_memory(const cari_store_writer *w)
{
    return w->block.cap + w->data.cap + w->block_offsets.cap +
           w->block_sizes.cap + w->block_first.cap + w->held.cap +
           w->coded.cap + w->words.cap +
           (w->word_slots ? ((size_t)w->slot_mask + 1) * 8 : 0) +
           (w->ld ? (size_t)1 << 20 : 0) + /* libdeflate: up to ~1 MiB */
           (w->isal_buf ? isal_level_buf[w->level] : 0);
}

void cari_store_writer_free(cari_store_writer *w)
{
    cari_buf_free(&w->block);
    cari_buf_free(&w->data);
    cari_buf_free(&w->block_offsets);
    cari_buf_free(&w->block_sizes);
    cari_buf_free(&w->block_first);
    cari_buf_free(&w->held);
    cari_buf_free(&w->held_sizes);
    cari_buf_free(&w->words);
    cari_buf_free(&w->words_out);
    free(w->word_slots);
    w->word_slots = NULL;
    w->nwords = 0;
    cari_buf_free(&w->coded);
    libdeflate_free_compressor(w->ld);
    w->ld = NULL;
    free(w->isal_buf);
    w->isal_buf = NULL;
}

/* ------------------------------------------------------------------ */
/* Reader                                                              */
/* ------------------------------------------------------------------ */

int cari_store_reader_init(cari_store_reader *r, const unsigned char *data,
                           size_t data_len, const unsigned char *index,
                           size_t index_len, const unsigned char *words,
                           size_t words_len, uint32_t narticles)
{
    uint32_t nb, na, b;
    memset(r, 0, sizeof *r);
    r->cached_block = -1;
    if (index_len < 8)
        return CARI_ECORRUPT;
    nb = cari_get_u32(index);
    na = cari_get_u32(index + 4);
    if (na != narticles ||
        index_len != 8 + 8 * ((size_t)nb + 1) + 8 * (size_t)nb ||
        (nb == 0) != (na == 0))
        return CARI_ECORRUPT;
    r->data = data;
    r->data_len = data_len;
    r->index = index;
    r->first = index + 8 + 8 * ((size_t)nb + 1) + 4 * (size_t)nb;
    r->nblocks = nb;
    r->narticles = na;
    /* each block holds an article at least: first articles ascend from 0 */
    for (b = 0; b < nb; b++) {
        uint32_t f = cari_get_u32(r->first + 4 * (size_t)b);
        if (f >= na || (b == 0 ? f != 0
                               : f <= cari_get_u32(r->first + 4 * (size_t)b - 4)))
            return CARI_ECORRUPT;
    }
    /* offsets must be ascending and inside the data */
    for (b = 0; b < nb; b++)
        if (cari_get_u64(index + 8 + 8 * b) > cari_get_u64(index + 16 + 8 * b))
            return CARI_ECORRUPT;
    if (cari_get_u64(index + 8 + 8 * (size_t)nb) != data_len)
        return CARI_ECORRUPT;
    r->words = words;
    r->words_len = words_len;
    return cari_store_reader_load_words(r);
}

int cari_store_reader_load_words(cari_store_reader *r)
{
    int rc;
    if (r->word_loc || r->words_len == 0)
        return CARI_OK;
    if ((rc = cari_store_words_inflate(r->words, r->words_len,
                                       &r->words_buf)) ||
        (rc = cari_store_words_parse(r->words_buf.data, r->words_buf.len,
                                     &r->word_loc, &r->nwords))) {
        cari_store_reader_drop_words(r);
        return rc;
    }
    return CARI_OK;
}

void cari_store_reader_drop_words(cari_store_reader *r)
{
    free(r->word_loc);
    r->word_loc = NULL;
    r->nwords = 0;
    cari_buf_free(&r->words_buf);
}

/*
 * Make block b available in the cache, whole.  libdeflate inflates it in
 * one call (the block is 16 KiB of text before word codes): about 2.5
 * times zlib's speed, which also beat inflating only as far as the
 * article asked for (zlib, kept streams, until 2026-11-30: a snippet
 * cost half a block on average).  Snippets of ten articles, p50 of 1000
 * title queries: docs/BENCHMARKS.md.
 *
 * When the caller has verified the data's checksum (r->checked: a segment
 * checks its sections' CRC-32 at open), the zlib wrapper is read here
 * and the deflate data inflated raw, without the adler32 of the text.
 * Otherwise the block is inflated as a zlib stream, adler32 checked.  No
 * block has a preset dictionary (libdeflate refuses one: damage), and
 * every byte of the block must be used.
 */
static int load_block(cari_store_reader *r, uint32_t b)
{
    const unsigned char *offs = r->index + 8;
    const unsigned char *sizes = offs + 8 * ((size_t)r->nblocks + 1);
    uint64_t start = cari_get_u64(offs + 8 * (size_t)b);
    uint64_t end = cari_get_u64(offs + 8 * ((size_t)b + 1));
    uint32_t raw = cari_get_u32(sizes + 4 * (size_t)b);
    const unsigned char *z = r->data + start;
    size_t zlen = (size_t)(end - start), in_used = 0, out_len = 0;
    enum libdeflate_result res;
    if ((int64_t)b == r->cached_block)
        return CARI_OK;
    r->cached_block = -1;
    r->cache.len = 0;
    /* deflate expands at most 1032:1: a larger size is damage, refused
     * before it is allocated */
    if (raw > (end - start) * 1032)
        return CARI_ECORRUPT;
    if (cari_buf_reserve(&r->cache, (size_t)raw + 1))
        return CARI_ENOMEM;
    if (!r->ld && !(r->ld = libdeflate_alloc_decompressor()))
        return CARI_ENOMEM;
    if (r->checked) {
        /* the zlib wrapper: CMF FLG, data, ADLER32 (no FDICT) */
        if (zlen < 6 || (z[0] & 0x0f) != 8 /* deflate */ ||
            ((unsigned)z[0] << 8 | z[1]) % 31 != 0 || (z[1] & 0x20))
            return CARI_ECORRUPT;
        z += 2;
        zlen -= 6;
        res = libdeflate_deflate_decompress_ex(r->ld, z, zlen, r->cache.data,
                                               raw, &in_used, &out_len);
    } else {
        res = libdeflate_zlib_decompress_ex(r->ld, z, zlen, r->cache.data,
                                            raw, &in_used, &out_len);
    }
    if (res != LIBDEFLATE_SUCCESS || out_len != raw || in_used != zlen)
        return CARI_ECORRUPT;
    r->cache.len = raw;
    r->cached_block = b;
    return CARI_OK;
}

/* The block holding article a: the last whose first article is <= a. */
static uint32_t block_of(const cari_store_reader *r, uint32_t a)
{
    uint32_t lo = 0, hi = r->nblocks;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (cari_get_u32(r->first + 4 * (size_t)mid) <= a)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

int cari_store_reader_get(cari_store_reader *r, uint32_t a, cari_stored *out)
{
    const unsigned char *q, *end;
    uint32_t b, k, i;
    uint64_t n, raw, pos = 0, start = 0;
    int rc, f;
    if (a >= r->narticles)
        return CARI_EINVAL;
    b = block_of(r, a);
    k = a - cari_get_u32(r->first + 4 * (size_t)b);
    rc = load_block(r, b);
    if (rc)
        return rc;
    raw = r->cache.len;  /* the whole block */
    /* the records before a's in its block are passed over by their
     * fields' lengths */
    for (i = 0; i <= k; i++) {
        start = pos;
        for (f = 0; f < 3; f++) {
            if (pos >= raw)
                return CARI_ECORRUPT;
            q = r->cache.data + pos;
            n = cari_varint_get(&q, r->cache.data + raw);
            if (!q)
                return CARI_ECORRUPT;
            pos = (uint64_t)(q - r->cache.data) + n;
            if (pos > raw)
                return CARI_ECORRUPT;
        }
    }
    q = r->cache.data + start;
    end = r->cache.data + pos;
    if (r->words_len) {
        size_t used;
        if ((rc = cari_store_reader_load_words(r)))
            return rc;
        r->decoded.len = 0;
        rc = cari_store_decode_record(r->words_buf.data, r->word_loc,
                                      r->nwords, q, (size_t)(end - q),
                                      &r->decoded, &used);
        if (rc)
            return rc;
        q = r->decoded.data;
        end = q + r->decoded.len;
    }
#define FIELD(s, l)                                   \
    n = cari_varint_get(&q, end);                      \
    if (!q || n > (uint64_t)(end - q))                 \
        return CARI_ECORRUPT;                          \
    out->s = (const char *)q;                          \
    out->l = (size_t)n;                                \
    q += n;
    FIELD(title, title_len)
    FIELD(meta, meta_len)
    FIELD(text, text_len)
#undef FIELD
    return CARI_OK;
}

void cari_store_reader_free(cari_store_reader *r)
{
    cari_buf_free(&r->cache);
    cari_buf_free(&r->decoded);
    cari_store_reader_drop_words(r);
    libdeflate_free_decompressor(r->ld);
    r->ld = NULL;
    r->cached_block = -1;
}
