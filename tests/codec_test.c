/*
 * codec_test.c -- bit packing and posting lists (src/codec.c): round trips
 * for every bit width, posting lists of many sizes and gap shapes, seeks,
 * skip entries, positions, and damaged input that must be reported, not
 * crash.
 */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>

#include "codec.h"
#include "test_util.h"

/* ------------------------------------------------------------------ */
/* pack / unpack                                                       */
/* ------------------------------------------------------------------ */

static uint32_t width_max(int bits)
{
    return bits == 32 ? UINT32_MAX : bits == 0 ? 0 : (1u << bits) - 1;
}

/* Pack in[] at `bits`, check that exactly 16 * bits bytes were written,
 * then unpack from a buffer of exactly that size and compare. */
static void roundtrip128(const uint32_t *in, int bits)
{
    unsigned char out[16 * 32 + 16];
    size_t nbytes = 16 * (size_t)bits, k;
    unsigned char *exact;
    uint32_t back[CARI_BLOCK];
    memset(out, 0xa5, sizeof out);
    cari_pack128(in, bits, out);
    for (k = nbytes; k < sizeof out; k++)
        assert_int_equal(out[k], 0xa5); /* nothing past 16 * bits bytes */
    exact = malloc(nbytes ? nbytes : 1);
    assert_non_null(exact);
    memcpy(exact, out, nbytes);
    memset(back, 0x5a, sizeof back);
    cari_unpack128(exact, bits, back);
    for (k = 0; k < CARI_BLOCK; k++)
        assert_int_equal(back[k], in[k] & width_max(bits));
    free(exact);
}

static void test_pack_every_width(void **state)
{
    test_rng rng = {42};
    uint32_t in[CARI_BLOCK];
    int bits, i, round;
    (void)state;
    for (bits = 0; bits <= 32; bits++) {
        uint32_t max = width_max(bits);
        assert_int_equal(cari_bits(max), bits);
        for (i = 0; i < CARI_BLOCK; i++)
            in[i] = 0;
        roundtrip128(in, bits);
        for (i = 0; i < CARI_BLOCK; i++)
            in[i] = max;
        roundtrip128(in, bits);
        for (i = 0; i < CARI_BLOCK; i++) /* alternating edges */
            in[i] = (i & 1) ? max : 0;
        roundtrip128(in, bits);
        for (i = 0; i < CARI_BLOCK; i++) /* one value set */
            in[i] = i == 77 ? max : 0;
        roundtrip128(in, bits);
        for (round = 0; round < 20; round++) {
            for (i = 0; i < CARI_BLOCK; i++)
                in[i] = rng_u32(&rng) & max;
            roundtrip128(in, bits);
        }
    }
}

/* The byte layout is the documented one: little-endian bit order. */
static void test_pack_layout(void **state)
{
    uint32_t in[CARI_BLOCK] = {0};
    unsigned char out[16 * 32];
    (void)state;
    in[0] = 1;
    in[9] = 1;
    cari_pack128(in, 1, out);
    assert_int_equal(out[0], 0x01);
    assert_int_equal(out[1], 0x02);
    assert_int_equal(out[2], 0x00);
    memset(in, 0, sizeof in);
    in[0] = 0xa;
    in[1] = 0x5;
    in[127] = 0xf;
    cari_pack128(in, 4, out);
    assert_int_equal(out[0], 0x5a);
    assert_int_equal(out[63], 0xf0);
    memset(in, 0, sizeof in);
    in[0] = 0x12345678;
    in[1] = 0x9abcdef0;
    cari_pack128(in, 32, out);
    assert_int_equal(cari_get_u32(out), 0x12345678);
    assert_int_equal(cari_get_u32(out + 4), 0x9abcdef0);
    assert_int_equal(cari_bits(0), 0);
    assert_int_equal(cari_bits(1), 1);
    assert_int_equal(cari_bits(128), 8);
    assert_int_equal(cari_bits(UINT32_MAX), 32);
}

/* ------------------------------------------------------------------ */
/* posting lists: a reference model                                    */
/* ------------------------------------------------------------------ */

enum { GAPS_DENSE, GAPS_SPARSE, GAPS_HUGE };
enum { TF_ONES, TF_MIXED, TF_HUGE };

typedef struct plist {
    size_t n;
    uint32_t *docs, *tfs, *lens, *pbytes;
    size_t *pos_first;     /* index of each doc's first position in pos */
    uint32_t *pos;         /* all positions, doc after doc */
    int with_positions;
    uint32_t limit;        /* the docs' universe (a short list's codes
                              depend on it): just past the last doc, or
                              a little further */
    cari_buf post;         /* the encoded list */
    cari_buf stream;       /* the encoded positions */
} plist;

static void plist_free(plist *l)
{
    free(l->docs);
    free(l->tfs);
    free(l->lens);
    free(l->pbytes);
    free(l->pos_first);
    free(l->pos);
    cari_buf_free(&l->post);
    cari_buf_free(&l->stream);
    memset(l, 0, sizeof *l);
}

/* Build and encode a list of n docs.  GAPS_HUGE ends at UINT32_MAX - 2 with
 * one gap of billions in the middle; TF_HUGE has tfs up to UINT32_MAX (and
 * then no positions). */
static void plist_make(plist *l, size_t n, int gaps, int tfs, uint64_t seed)
{
    test_rng rng = {seed};
    size_t k, total = 0;
    uint64_t d = 0;
    memset(l, 0, sizeof *l);
    l->n = n;
    l->docs = calloc(n + 1, 4);
    l->tfs = calloc(n + 1, 4);
    l->lens = calloc(n + 1, 4);
    l->pbytes = calloc(n + 1, 4);
    l->pos_first = calloc(n + 1, sizeof *l->pos_first);
    assert_true(l->docs && l->tfs && l->lens && l->pbytes && l->pos_first);
    l->with_positions = tfs != TF_HUGE;
    for (k = 0; k < n; k++) {
        uint64_t gap;
        switch (gaps) {
        case GAPS_DENSE:
            gap = rng_below(&rng, 4);
            break;
        case GAPS_SPARSE: /* mostly short, now and then 20 bits */
            gap = rng_below(&rng, 64) == 0 ? rng_below(&rng, 1u << 20)
                                           : rng_below(&rng, 300);
            break;
        default:
            gap = rng_below(&rng, 1000);
            break;
        }
        d = k == 0 ? (seed & 1 ? 0 : gap) : d + gap + 1;
        assert_true(d < UINT32_MAX - 2);
        l->docs[k] = (uint32_t)d;
        switch (tfs) {
        case TF_ONES:
            l->tfs[k] = 1;
            break;
        case TF_MIXED:
            if (rng_below(&rng, 3))
                l->tfs[k] = 1;
            else if (rng_below(&rng, 10))
                l->tfs[k] = 2 + (uint32_t)rng_below(&rng, 30);
            else
                l->tfs[k] = 100 + (uint32_t)rng_below(&rng, 900);
            break;
        default:
            l->tfs[k] = rng_below(&rng, 4) == 0   ? UINT32_MAX
                        : rng_below(&rng, 3) == 0 ? (1u << 31)
                                                  : 1 + rng_u32(&rng) % 100000;
            break;
        }
        l->lens[k] = 1 + (uint32_t)rng_below(&rng, 65535);
    }
    if (gaps == GAPS_HUGE && n > 0) {
        /* push the second half up so the last doc is UINT32_MAX - 2 */
        uint32_t shift = (UINT32_MAX - 2) - l->docs[n - 1];
        for (k = n / 2; k < n; k++)
            l->docs[k] += shift;
        assert_int_equal(l->docs[n - 1], UINT32_MAX - 2);
    }
    l->limit = n == 0 ? 1 : l->docs[n - 1] + 1;
    if (seed % 3 == 0 && l->limit < UINT32_MAX - 5000)
        l->limit += (uint32_t)rng_below(&rng, 5000);
    /* positions: first position and gaps, Rice coded per block (pbytes[b]
     * the size of block b) */
    if (l->with_positions) {
        size_t at = 0, nb = cari_postings_blocks(n), b;
        uint32_t *vals;
        for (k = 0; k < n; k++)
            total += l->tfs[k];
        l->pos = malloc((total ? total : 1) * 4);
        vals = malloc((total ? total : 1) * 4);
        assert_true(l->pos && vals);
        for (k = 0; k < n; k++) {
            uint32_t j, p = (uint32_t)rng_below(&rng, 5000), last = 0;
            l->pos_first[k] = at;
            for (j = 0; j < l->tfs[k]; j++) {
                if (j)
                    p += (uint32_t)rng_below(&rng, 50);
                if (rng_below(&rng, 100) == 0)
                    p += 1u << 24; /* a long gap now and then */
                vals[at] = p - last;
                l->pos[at++] = p;
                last = p;
            }
        }
        l->pos_first[n] = at;
        for (b = 0; b < (nb ? nb : 1) && n; b++) {
            size_t from = nb ? b * CARI_BLOCK : 0, to = nb ? from + CARI_BLOCK : n;
            size_t before = l->stream.len;
            if (to > n)
                to = n;
            assert_int_equal(cari_positions_encode(&l->stream,
                                                   vals + l->pos_first[from],
                                                   l->pos_first[to] -
                                                       l->pos_first[from]),
                             CARI_OK);
            l->pbytes[b] = (uint32_t)(l->stream.len - before);
        }
        free(vals);
    }
    assert_int_equal(cari_postings_encode(&l->post, l->docs, l->tfs, l->lens,
                                          l->pbytes, n, l->limit),
                     CARI_OK);
}

/* Open an iterator over l. */
static int plist_open(const plist *l, cari_postings *p, cari_arena *arena,
                      uint32_t df)
{
    static const unsigned char none[1];
    return cari_postings_open_limit(p, l->post.data ? l->post.data : none,
                                    l->post.len,
                                    l->stream.data ? l->stream.data : none,
                                    l->stream.len, df, l->limit, arena);
}

/* The iterator is on doc k of l: check doc, tf and (if asked) positions. */
static void check_at(cari_postings *p, const plist *l, size_t k,
                     int positions)
{
    assert_int_equal(p->doc, l->docs[k]);
    assert_int_equal(cari_postings_tf(p), l->tfs[k]);
    if (positions && l->with_positions) {
        uint32_t buf[1000], j;
        int got = cari_postings_positions(p, buf, 1000);
        uint32_t want = l->tfs[k] < 1000 ? l->tfs[k] : 1000;
        assert_int_equal(got, (int)want);
        for (j = 0; j < want; j++)
            assert_int_equal(buf[j], l->pos[l->pos_first[k] + j]);
        /* asking twice gives the same answer */
        assert_int_equal(cari_postings_positions(p, buf, 1), want ? 1 : 0);
        assert_int_equal(buf[0], l->pos[l->pos_first[k]]);
    }
    assert_int_equal(p->corrupt, 0);
}

/* Walk the whole list with next(); positions of every doc (stride 1) or of
 * every third doc (the others are walked past lazily). */
static void check_iterate(const plist *l, int pos_stride)
{
    cari_arena arena = {0};
    cari_postings p;
    size_t k;
    assert_int_equal(plist_open(l, &p, &arena, (uint32_t)l->n), CARI_OK);
    for (k = 0; k < l->n; k++) {
        if (k)
            assert_int_equal(cari_postings_next(&p), l->docs[k]);
        check_at(&p, l, k, pos_stride && k % (size_t)pos_stride == 0);
    }
    assert_int_equal(cari_postings_next(&p), CARI_DOC_END);
    assert_int_equal(p.doc, CARI_DOC_END);
    assert_int_equal(cari_postings_next(&p), CARI_DOC_END); /* stays there */
    assert_int_equal(p.corrupt, 0);
    cari_arena_free(&arena);
}

/* Skip entries hold the right last doc, max tf, min len and offsets. */
static void check_skips(const plist *l)
{
    cari_arena arena = {0};
    cari_postings p;
    size_t b, nb = l->n >= CARI_BLOCK ? (l->n + CARI_BLOCK - 1) / CARI_BLOCK
                                      : 0;
    uint64_t pos_off = 0;
    assert_int_equal(plist_open(l, &p, &arena, (uint32_t)l->n), CARI_OK);
    assert_int_equal(p.nblocks, nb);
    if (nb == 0)
        assert_null(cari_postings_block_skip(&p));
    for (b = 0; b < nb; b++) {
        size_t first = b * CARI_BLOCK, last = first + CARI_BLOCK, k;
        uint32_t max_tf = 0, min_len = UINT32_MAX;
        if (last > l->n)
            last = l->n;
        for (k = first; k < last; k++) {
            if (l->tfs[k] > max_tf)
                max_tf = l->tfs[k];
            if (l->lens[k] < min_len)
                min_len = l->lens[k];
        }
        assert_int_equal(p.skips[b].last_doc, l->docs[last - 1]);
        assert_int_equal(p.skips[b].max_tf, max_tf);
        assert_int_equal(p.skips[b].min_len, min_len);
        assert_int_equal(p.skips[b].pos_offset, pos_off);
        if (b == 0)
            assert_int_equal(p.skips[b].offset, 0);
        else
            assert_true(p.skips[b].offset > p.skips[b - 1].offset);
        pos_off += l->pbytes[b];
    }
    /* block_skip follows the cursor from block to block */
    if (nb) {
        assert_ptr_equal(cari_postings_block_skip(&p), &p.skips[0]);
        assert_int_equal(cari_postings_seek(&p, l->docs[l->n - 1]),
                         l->docs[l->n - 1]);
        assert_ptr_equal(cari_postings_block_skip(&p), &p.skips[nb - 1]);
        assert_int_equal(cari_postings_block_skip(&p)->last_doc,
                         l->docs[l->n - 1]);
    }
    cari_arena_free(&arena);
}

/* Seeks: to docs with several strides, to targets between docs, past the
 * end, and to targets not above the current doc. */
static void check_seeks(const plist *l, uint64_t seed)
{
    static const size_t strides[] = {1, 2, 3, 63, 127, 128, 129, 200, 1000,
                                     5000};
    cari_arena arena = {0};
    cari_postings p;
    size_t s, k;
    test_rng rng = {seed};
    for (s = 0; s < sizeof strides / sizeof *strides; s++) {
        size_t stride = strides[s];
        if (stride > l->n && stride != 1)
            continue;
        /* exact targets */
        assert_int_equal(plist_open(l, &p, &arena, (uint32_t)l->n), CARI_OK);
        for (k = stride - 1; k < l->n; k += stride) {
            assert_int_equal(cari_postings_seek(&p, l->docs[k]), l->docs[k]);
            check_at(&p, l, k, (k / stride) % 2 == 0);
            /* a target at or below the current doc does not move it */
            assert_int_equal(cari_postings_seek(&p, l->docs[k]), l->docs[k]);
            if (l->docs[k] > 0)
                assert_int_equal(cari_postings_seek(&p, l->docs[k] - 1),
                                 l->docs[k]);
        }
        assert_int_equal(cari_postings_seek(&p, CARI_DOC_END), CARI_DOC_END);
        assert_int_equal(p.corrupt, 0);
        cari_arena_reset(&arena);
        /* targets between docs land on the next doc */
        assert_int_equal(plist_open(l, &p, &arena, (uint32_t)l->n), CARI_OK);
        for (k = stride; k < l->n; k += stride) {
            uint32_t lo = l->docs[k - 1], hi = l->docs[k], t;
            if (hi - lo < 2 || p.doc >= hi)
                continue;
            t = lo + 1 + (uint32_t)rng_below(&rng, hi - lo - 1);
            if (t <= p.doc)
                continue;
            assert_int_equal(cari_postings_seek(&p, t), hi);
            check_at(&p, l, k, 1);
        }
        cari_arena_reset(&arena);
    }
    /* one doc at a time from a fresh iterator: positions after a seek that
     * skipped whole blocks and entries */
    for (k = 0; k < 300 && l->n; k++) {
        /* the first doc, the last, the middle, block 0's last, then any */
        size_t i = k == 0   ? 0
                   : k == 1 ? l->n - 1
                   : k == 2 ? l->n / 2
                   : k == 3 ? 127
                            : (size_t)rng_below(&rng, l->n);
        if (i >= l->n)
            continue;
        assert_int_equal(plist_open(l, &p, &arena, (uint32_t)l->n), CARI_OK);
        assert_int_equal(cari_postings_seek(&p, l->docs[i]), l->docs[i]);
        check_at(&p, l, i, 1);
        if (i + 1 < l->n) {
            assert_int_equal(cari_postings_next(&p), l->docs[i + 1]);
            check_at(&p, l, i + 1, 1);
        }
        cari_arena_reset(&arena);
    }
    /* past the end */
    assert_int_equal(plist_open(l, &p, &arena, (uint32_t)l->n), CARI_OK);
    if (l->docs[l->n - 1] < CARI_DOC_END - 1)
        assert_int_equal(cari_postings_seek(&p, l->docs[l->n - 1] + 1),
                         CARI_DOC_END);
    else
        assert_int_equal(cari_postings_seek(&p, CARI_DOC_END), CARI_DOC_END);
    assert_int_equal(cari_postings_seek(&p, 5), CARI_DOC_END);
    assert_int_equal(p.corrupt, 0);
    cari_arena_free(&arena);
}

static void check_list(size_t n, int gaps, int tfs, uint64_t seed)
{
    plist l;
    plist_make(&l, n, gaps, tfs, seed);
    check_iterate(&l, 1);
    check_iterate(&l, 3);
    check_skips(&l);
    check_seeks(&l, seed + 1);
    plist_free(&l);
}

static const size_t list_sizes[] = {1, 2, 127, 128, 129, 255, 256, 1000,
                                    100000};
#define NSIZES (sizeof list_sizes / sizeof *list_sizes)

static void test_postings_dense(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < NSIZES; i++) {
        check_list(list_sizes[i], GAPS_DENSE, TF_ONES, 100 + i);
        check_list(list_sizes[i], GAPS_DENSE, TF_MIXED, 200 + i);
    }
}

static void test_postings_sparse(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < NSIZES; i++)
        check_list(list_sizes[i], GAPS_SPARSE, TF_MIXED, 300 + i);
}

static void test_postings_huge_gaps(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < NSIZES; i++) {
        check_list(list_sizes[i], GAPS_HUGE, TF_MIXED, 400 + i);
        check_list(list_sizes[i], GAPS_HUGE, TF_ONES, 500 + i);
    }
}

/* A derived list (an exact form's, coded as ranks in its base's list):
 * every base doc with odds 1/every, walked and sought as the plain list
 * of those docs would be. */
static void check_derived(size_t nbase, unsigned every, uint64_t seed)
{
    static const unsigned char none[1];
    test_rng rng = {seed * 7 + 1};
    plist b;
    cari_postings p;
    cari_arena arena = {0};
    cari_buf post = {0};
    uint32_t *docs, *ranks, *tfs, *lens, *pb, max_tf = 0, bound = 0;
    size_t n = 0, k, j, nb;
    plist_make(&b, nbase, seed & 1 ? GAPS_DENSE : GAPS_SPARSE, TF_MIXED, seed);
    docs = calloc(nbase + 1, 4);
    ranks = calloc(nbase + 1, 4);
    tfs = calloc(nbase + 1, 4);
    lens = calloc(nbase + 1, 4);
    pb = calloc(nbase / CARI_BLOCK + 2, 4);
    assert_true(docs && ranks && tfs && lens && pb);
    for (k = 0; k < nbase; k++) {
        if (rng_below(&rng, every))
            continue;
        ranks[n] = (uint32_t)k;
        docs[n] = b.docs[k];
        tfs[n] = 1 + (uint32_t)rng_below(&rng, 4);
        lens[n] = b.lens[k];
        if (tfs[n] > max_tf)
            max_tf = tfs[n];
        n++;
    }
    assert_int_equal(cari_postings_encode(&post, ranks, tfs, lens, pb, n,
                                          (uint32_t)nbase),
                     CARI_OK);
#define OPEN_DERIVED()                                                      \
    cari_postings_open_derived(&p, post.data ? post.data : none, post.len,  \
                               (uint32_t)n, b.post.data, b.post.len,        \
                               b.stream.data ? b.stream.data : none,        \
                               b.stream.len, (uint32_t)nbase, b.limit,      \
                               &arena)
    /* the whole walk, doc by doc */
    assert_int_equal(OPEN_DERIVED(), CARI_OK);
    /* block bounds: shown skip entries cover every tf */
    assert_true(p.nblocks >= 1 || n == 0);
    nb = p.nblocks;
    for (k = 0; k < nb; k++)
        if (p.skips[k].max_tf > bound)
            bound = p.skips[k].max_tf;
    assert_true(bound >= max_tf);
    for (k = 0; k < n; k++) {
        assert_int_equal(p.doc, docs[k]);
        assert_int_equal(cari_postings_tf(&p), tfs[k]);
        assert_int_equal(cari_postings_positions(&p, ranks, 1), -1);
        cari_postings_next(&p);
    }
    assert_int_equal(p.doc, CARI_DOC_END);
    assert_int_equal(p.corrupt, 0);
    cari_arena_reset(&arena);
    /* rising seeks to any target (between docs too), from one cursor */
    assert_int_equal(OPEN_DERIVED(), CARI_OK);
    j = 0;
    for (k = 0; k < 400 && p.doc != CARI_DOC_END; k++) {
        uint32_t t = p.doc + 1 + (uint32_t)rng_below(&rng, 3000);
        while (j < n && docs[j] < t)
            j++;
        assert_int_equal(cari_postings_seek(&p, t),
                         j < n ? docs[j] : CARI_DOC_END);
        if (j < n)
            assert_int_equal(cari_postings_tf(&p), tfs[j]);
    }
    assert_int_equal(p.corrupt, 0);
    cari_arena_reset(&arena);
    /* one seek from a fresh cursor to each of some docs */
    for (k = 0; k < 100 && n; k++) {
        j = (size_t)rng_below(&rng, n);
        assert_int_equal(OPEN_DERIVED(), CARI_OK);
        assert_int_equal(cari_postings_seek(&p, docs[j]), docs[j]);
        assert_int_equal(cari_postings_tf(&p), tfs[j]);
        if (j + 1 < n)
            assert_int_equal(cari_postings_next(&p), docs[j + 1]);
        cari_arena_reset(&arena);
    }
    /* more docs than the base has: refused */
    if (n) {
        assert_int_equal(cari_postings_open_derived(
                             &p, post.data, post.len, (uint32_t)nbase + 1,
                             b.post.data, b.post.len, b.stream.data,
                             b.stream.len, (uint32_t)nbase, b.limit, &arena),
                         CARI_ECORRUPT);
        cari_arena_reset(&arena);
    }
#undef OPEN_DERIVED
    cari_arena_free(&arena);
    cari_buf_free(&post);
    free(docs);
    free(ranks);
    free(tfs);
    free(lens);
    free(pb);
    plist_free(&b);
}

static void test_postings_derived(void **state)
{
    static const unsigned every[] = {1, 2, 5, 40};
    size_t i, e;
    (void)state;
    for (i = 0; i < NSIZES; i++)
        for (e = 0; e < 4; e++)
            check_derived(list_sizes[i], every[e], 700 + i * 4 + e);
}

/* A rank past the base's list (a damaged exact form, or a base list that
 * lost entries) is damage, never a read past the base's docs. */
static void test_corrupt_derived_rank(void **state)
{
    plist b;
    cari_postings p;
    cari_arena arena = {0};
    cari_buf post = {0};
    uint32_t ranks[3] = {0, 5, 300}, tfs[3] = {1, 1, 1}, lens[3] = {1, 1, 1};
    uint32_t pb[4] = {0};
    int rc;
    (void)state;
    plist_make(&b, 200, GAPS_SPARSE, TF_MIXED, 42);
    /* coded for a base of 400 docs, read against one of 200 */
    assert_int_equal(cari_postings_encode(&post, ranks, tfs, lens, pb, 3, 400),
                     CARI_OK);
    rc = cari_postings_open_derived(&p, post.data, post.len, 3, b.post.data,
                                    b.post.len, b.stream.data, b.stream.len,
                                    200, b.limit, &arena);
    if (rc == CARI_OK) {
        while (p.doc != CARI_DOC_END)
            assert_true(p.doc < b.limit && cari_postings_next(&p) != 0);
        assert_int_equal(p.corrupt, 1);
    } else {
        assert_int_equal(rc, CARI_ECORRUPT);
    }
    cari_arena_free(&arena);
    cari_buf_free(&post);
    plist_free(&b);
}

static void test_postings_huge_tfs(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < NSIZES; i++)
        check_list(list_sizes[i], i % 2 ? GAPS_HUGE : GAPS_SPARSE, TF_HUGE,
                   600 + i);
}

/* Hand-made edge lists: the largest doc id, a single doc 0, all docs
 * consecutive from 0 (every gap 0: zero bits). */
/* A list that decodes to a doc id past the field's doc count (a segment
 * whose checksums were fixed up after damage: check_test.c's sweep found
 * search indexing its passage table with it) is damage, not a doc. */
static void test_corrupt_doc_past_limit(void **state)
{
    uint32_t docs[300], tfs[300], lens[300], pb[300];
    cari_buf out = {0};
    cari_arena arena = {0};
    cari_postings p;
    static const unsigned char none[1];
    size_t k, n;
    (void)state;
    for (n = 3; n <= 300; n += 297) {  /* a short list, then blocks */
        out.len = 0;
        for (k = 0; k < n; k++) {
            docs[k] = (uint32_t)(2 * k);
            tfs[k] = 1;
            lens[k] = 5;
            pb[k] = 0;
        }
        assert_int_equal(cari_postings_encode(&out, docs, tfs, lens, pb, n,
                                              2 * (uint32_t)n - 1),
                         0);
        /* every doc below the limit: decodes in full */
        assert_int_equal(cari_postings_open_limit(&p, out.data, out.len, none,
                                                  0, (uint32_t)n,
                                                  2 * (uint32_t)n - 1, &arena),
                         CARI_OK);
        for (k = 0; p.doc != CARI_DOC_END; k++)
            cari_postings_next(&p);
        assert_int_equal(k, n);
        assert_int_equal(p.corrupt, 0);
        /* the last doc at the limit: damage, the doc never handed out */
        if (cari_postings_open_limit(&p, out.data, out.len, none, 0,
                                     (uint32_t)n, 2 * (uint32_t)n - 2,
                                     &arena) == CARI_OK)
            while (p.doc != CARI_DOC_END) {
                assert_true(p.doc < 2 * n - 2);
                cari_postings_next(&p);
            }
        assert_int_equal(p.corrupt, 1);
    }
    /* positions 5, then a gap of 2^32 - 1: damage -- the sum would wrap
     * to 4, a descending position that looks valid (found by codec_fuzz
     * when gaps were varints) */
    {
        static const uint32_t gaps[2] = {5, UINT32_MAX};
        uint32_t d0 = 0, tf2 = 2, len0 = 9, pb0 = 0;
        cari_buf pos = {0}, post = {0};
        uint32_t got[4];
        assert_int_equal(cari_postings_encode(&post, &d0, &tf2, &len0, &pb0, 1,
                                              CARI_DOC_END),
                         CARI_OK); /* doc 0, tf 2 */
        assert_int_equal(cari_positions_encode(&pos, gaps, 2), CARI_OK);
        assert_int_equal(cari_postings_open_limit(&p, post.data, post.len,
                                                  pos.data, pos.len, 1,
                                                  CARI_DOC_END, &arena),
                         CARI_OK);
        assert_int_equal(p.doc, 0);
        assert_int_equal(cari_postings_positions(&p, got, 4), -1);
        assert_int_equal(p.corrupt, 1);
        cari_buf_free(&pos);
        cari_buf_free(&post);
    }
    /* a gap's quotient past what a doc id can be (72 zero bits, k = 31
     * for one doc below 2^32 - 1): damage, not an overflow of the doc; a
     * quotient that runs past the data; stray bits after the last entry */
    {
        static const unsigned char huge[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
        static const unsigned char zeros[] = {0, 0, 0};
        static const unsigned char good[] = {0x01, 0x00, 0x00, 0x00, 0x01};
        static const unsigned char stray[] = {0x01, 0x00, 0x00, 0x00, 0x03};
        assert_int_equal(cari_postings_open_limit(&p, huge, sizeof huge, none,
                                                  0, 1, CARI_DOC_END, &arena),
                         CARI_ECORRUPT);
        assert_int_equal(p.corrupt, 1);
        assert_int_equal(cari_postings_open_limit(&p, zeros, sizeof zeros, none,
                                                  0, 1, CARI_DOC_END, &arena),
                         CARI_ECORRUPT);
        /* doc 0 tf 1 in 33 bits (k 31); then a stray one bit; cut */
        assert_int_equal(cari_postings_open_limit(&p, good, sizeof good, none,
                                                  0, 1, CARI_DOC_END, &arena),
                         CARI_OK);
        assert_int_equal(p.doc, 0);
        assert_int_equal(cari_postings_tf(&p), 1);
        assert_int_equal(cari_postings_open_limit(&p, stray, sizeof stray, none,
                                                  0, 1, CARI_DOC_END, &arena),
                         CARI_ECORRUPT);
        assert_int_equal(cari_postings_open_limit(&p, stray, 4, none, 0, 1,
                                                  CARI_DOC_END, &arena),
                         CARI_ECORRUPT);
    }
    cari_buf_free(&out);
    cari_arena_free(&arena);
}

static void test_postings_edges(void **state)
{
    uint32_t docs[256], tfs[256], lens[256], pb[256];
    cari_buf out = {0};
    cari_arena arena = {0};
    cari_postings p;
    static const unsigned char none[1];
    size_t k;
    (void)state;
    docs[0] = CARI_DOC_END - 1;
    tfs[0] = 7;
    lens[0] = 3;
    pb[0] = 0;
    assert_int_equal(
        cari_postings_encode(&out, docs, tfs, lens, pb, 1, CARI_DOC_END), 0);
    assert_int_equal(cari_postings_open_limit(&p, out.data, out.len, none, 0, 1,
                                              CARI_DOC_END, &arena),
                     CARI_OK);
    assert_int_equal(p.doc, CARI_DOC_END - 1);
    assert_int_equal(cari_postings_tf(&p), 7);
    assert_int_equal(cari_postings_next(&p), CARI_DOC_END);
    assert_int_equal(p.corrupt, 0);

    /* 256 consecutive docs, tf 1: both blocks pack to 0 bits */
    out.len = 0;
    for (k = 0; k < 256; k++) {
        docs[k] = (uint32_t)k;
        tfs[k] = 1;
        lens[k] = 10;
        pb[k] = 0;
    }
    assert_int_equal(
        cari_postings_encode(&out, docs, tfs, lens, pb, 256, CARI_DOC_END), 0);
    assert_int_equal(cari_postings_open_limit(&p, out.data, out.len, none, 0,
                                              256, CARI_DOC_END, &arena),
                     CARI_OK);
    for (k = 0; k < 256; k++) {
        assert_int_equal(p.doc, k);
        cari_postings_next(&p);
    }
    assert_int_equal(p.doc, CARI_DOC_END);
    assert_int_equal(p.corrupt, 0);
    /* 2 blocks * (2 header bytes, nothing packed) plus the skips */
    assert_true(out.len < 40);

    /* the last doc of a full block is CARI_DOC_END - 1 */
    out.len = 0;
    for (k = 0; k < 128; k++)
        docs[k] = CARI_DOC_END - 128 + (uint32_t)k;
    assert_int_equal(
        cari_postings_encode(&out, docs, tfs, lens, pb, 128, CARI_DOC_END), 0);
    assert_int_equal(cari_postings_open_limit(&p, out.data, out.len, none, 0,
                                              128, CARI_DOC_END, &arena),
                     CARI_OK);
    assert_int_equal(p.doc, CARI_DOC_END - 128);
    assert_int_equal(cari_postings_seek(&p, CARI_DOC_END - 1),
                     CARI_DOC_END - 1);
    assert_int_equal(cari_postings_next(&p), CARI_DOC_END);
    assert_int_equal(p.corrupt, 0);

    /* df 0: an empty list is at its end at once */
    assert_int_equal(
        cari_postings_open_limit(&p, none, 0, none, 0, 0, CARI_DOC_END, &arena),
        CARI_OK);
    assert_int_equal(p.doc, CARI_DOC_END);
    assert_int_equal(cari_postings_next(&p), CARI_DOC_END);
    cari_buf_free(&out);
    cari_arena_free(&arena);
}

/* ------------------------------------------------------------------ */
/* damaged input                                                       */
/* ------------------------------------------------------------------ */

/*
 * Use a possibly damaged list the way the search does: open, walk with a
 * mix of next() and seek(), read positions.  It must not crash or hang;
 * returns 1 when the damage was reported (open failed, p->corrupt set or
 * positions returned -1).  Whatever it yields must still be ascending doc
 * ids below CARI_DOC_END.
 */
static int use_list(const unsigned char *data, size_t len,
                    const unsigned char *pos, size_t pos_len, uint32_t df,
                    uint32_t limit, uint64_t seed)
{
    cari_arena arena = {0};
    cari_postings p;
    test_rng rng = {seed};
    uint32_t prev = 0, buf[64];
    size_t steps = 0;
    int first = 1, reported = 0, rc;
    rc = cari_postings_open_limit(&p, data, len, pos, pos_len, df, limit,
                                  &arena);
    if (rc != CARI_OK) {
        assert_int_equal(rc, CARI_ECORRUPT);
        cari_arena_free(&arena);
        return 1;
    }
    while (p.doc != CARI_DOC_END) {
        uint32_t d = p.doc;
        assert_true(first || d > prev);
        first = 0;
        prev = d;
        if (rng_below(&rng, 2) && cari_postings_positions(&p, buf, 64) < 0)
            reported = 1;
        if (rng_below(&rng, 4) == 0 && d < UINT32_MAX - 4000)
            cari_postings_seek(&p, d + 1 + (uint32_t)rng_below(&rng, 2000));
        else
            cari_postings_next(&p);
        assert_true(++steps <= (size_t)df + 1);
    }
    if (p.corrupt)
        reported = 1;
    cari_arena_free(&arena);
    return reported;
}

/* Positions blocks (Rice codes): value sets of every shape come back, the
 * block is used to its last byte, and the code is near the best k's size;
 * damaged blocks are refused. */
static void test_positions_blocks(void **state)
{
    test_rng rng = {4242};
    static uint32_t vals[5000], got;
    int round;
    (void)state;
    for (round = 0; round < 400; round++) {
        size_t n = 1 + (size_t)rng_below(&rng, round % 4 == 0   ? 5000
                                               : round % 3 == 0 ? 4
                                                                : 300);
        size_t i;
        unsigned shape = round % 5;
        cari_buf out = {0};
        cari_posbits r;
        uint64_t best = UINT64_MAX;
        unsigned k;
        for (i = 0; i < n; i++) {
            switch (shape) {
            case 0: vals[i] = 0; break;                      /* all zero */
            case 1: vals[i] = (uint32_t)rng_below(&rng, 150); break;
            case 2: vals[i] = rng_u32(&rng); break;          /* any width */
            case 3: /* small, with a rare huge outlier */
                vals[i] = rng_below(&rng, 200) ? (uint32_t)rng_below(&rng, 8)
                                               : UINT32_MAX - (uint32_t)i;
                break;
            default: vals[i] = 1u << rng_below(&rng, 32); break;
            }
        }
        assert_int_equal(cari_positions_encode(&out, vals, n), CARI_OK);
        assert_int_equal(cari_posbits_open(&r, out.data, out.len, n), 0);
        /* values that fit a byte never take more than a byte each: the
         * encoder falls back to plain bytes when Rice codes are larger */
        {
            uint32_t max = 0;
            for (i = 0; i < n; i++)
                if (vals[i] > max)
                    max = vals[i];
            if (max < 256)
                assert_true(out.len <= n);
        }
        for (i = 0; i < n; i++) {
            assert_int_equal(cari_posbits_get(&r, &got), 0);
            assert_int_equal(got, vals[i]);
        }
        assert_true(cari_posbits_done(&r));
        /* no more values in it */
        assert_int_not_equal(cari_posbits_get(&r, &got), 0);
        /* within a byte of the best Rice parameter's size */
        for (k = 0; k < 32; k++) {
            uint64_t bits = (uint64_t)n * (k + 1);
            for (i = 0; i < n; i++)
                bits += vals[i] >> k;
            if (bits < best)
                best = bits;
        }
        if (shape != 3)  /* the outliers pull the guess, not far */
            assert_true(out.len <= 1 + (best + 7) / 8 + 1);
        /* a block cut short does not give the values back */
        if (out.len > 1) {
            int same = cari_posbits_open(&r, out.data, out.len - 1, n) == 0;
            for (i = 0; i < n && same; i++)
                same = cari_posbits_get(&r, &got) == 0 && got == vals[i];
            assert_false(same && cari_posbits_done(&r));
        }
        cari_buf_free(&out);
    }
    {
        /* k past 31, an empty block, a quotient past 2^32 */
        static const unsigned char badk[2] = {32, 0xff};
        unsigned char wide[8] = {31, 0, 0, 0, 0, 0, 0, 0};
        cari_posbits r;
        assert_int_not_equal(cari_posbits_open(&r, badk, 2, 5), 0);
        assert_int_not_equal(cari_posbits_open(&r, badk, 0, 0), 0);
        assert_int_not_equal(cari_posbits_open(&r, badk, 0, 3), 0);
        /* k 31: quotient 2 (bits 0 0 1) is 2^32: too large */
        wide[1] = 0x04;
        assert_int_equal(cari_posbits_open(&r, wide, 8, 1), 0);
        assert_int_not_equal(cari_posbits_get(&r, &got), 0);
        /* quotient 1 with low bits all ones: 2^32 - 1 is the largest */
        wide[1] = 0x02 | 0xfc;
        wide[2] = wide[3] = wide[4] = 0xff;
        wide[5] = 0x01;
        assert_int_equal(cari_posbits_open(&r, wide, 8, 1), 0);
        assert_int_equal(cari_posbits_get(&r, &got), 0);
        assert_int_equal(got, UINT32_MAX);
        assert_true(cari_posbits_done(&r) == 0);  /* two zero bytes left */
    }
    {
        /* one or two small values: a byte each, no k */
        static const uint32_t two[2] = {5, 200};
        cari_buf out = {0};
        cari_posbits r;
        assert_int_equal(cari_positions_encode(&out, two, 2), CARI_OK);
        assert_int_equal(out.len, 2);
        assert_int_equal(cari_posbits_open(&r, out.data, out.len, 2), 0);
        assert_int_equal(cari_posbits_get(&r, &got), 0);
        assert_int_equal(got, 5);
        assert_int_equal(cari_posbits_get(&r, &got), 0);
        assert_int_equal(got, 200);
        assert_true(cari_posbits_done(&r));
        assert_int_not_equal(cari_posbits_get(&r, &got), 0);
        cari_buf_free(&out);
    }
}

static void test_corrupt_truncated(void **state)
{
    static const size_t sizes[] = {1, 2, 100, 127, 128, 129, 300, 1000};
    size_t i, cut;
    (void)state;
    for (i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        plist l;
        plist_make(&l, sizes[i], GAPS_SPARSE, TF_MIXED, 700 + i);
        /* every shorter list is reported */
        for (cut = 0; cut < l.post.len; cut++) {
            unsigned char *copy = malloc(cut ? cut : 1);
            assert_non_null(copy);
            memcpy(copy, l.post.data, cut);
            assert_int_equal(use_list(copy, cut, l.stream.data, l.stream.len,
                                      (uint32_t)l.n, l.limit, cut),
                             1);
            free(copy);
        }
        /* so is every shorter position stream, once all positions are
         * read -- but for one length: a last block cut to as many bytes
         * as it has values reads as a byte a value (codec.h; the section
         * checksums catch such damage, and the reads stay in the block) */
        for (cut = 0; cut < l.stream.len; cut += 1 + cut / 50) {
            unsigned char *copy = malloc(cut ? cut : 1);
            cari_arena arena = {0};
            cari_postings p;
            int reported = 0;
            uint32_t buf[1000];
            size_t nb = cari_postings_blocks(l.n), last = nb ? nb - 1 : 0;
            size_t start = 0, b;
            for (b = 0; b < last; b++)
                start += l.pbytes[b];
            if (cut > start &&
                cut - start == l.pos_first[l.n] - l.pos_first[last * CARI_BLOCK]) {
                free(copy);
                continue;
            }
            assert_non_null(copy);
            memcpy(copy, l.stream.data, cut);
            if (cari_postings_open_limit(&p, l.post.data, l.post.len, copy, cut,
                                         (uint32_t)l.n, l.limit,
                                         &arena) != CARI_OK) {
                reported = 1;
            } else {
                while (p.doc != CARI_DOC_END && !reported) {
                    if (cari_postings_positions(&p, buf, 1000) < 0)
                        reported = 1;
                    cari_postings_next(&p);
                }
            }
            assert_int_equal(reported, 1);
            cari_arena_free(&arena);
            free(copy);
        }
        plist_free(&l);
    }
}

static void test_corrupt_wrong_df(void **state)
{
    static const size_t sizes[] = {1, 2, 100, 127, 128, 129, 256, 1000};
    static const uint32_t bad_dfs[] = {0, 1, 2, 126, 127, 128, 129, 255, 256,
                                       257, 1000, 1u << 20, UINT32_MAX - 200,
                                       UINT32_MAX - 127, UINT32_MAX - 1,
                                       UINT32_MAX};
    size_t i, j;
    (void)state;
    for (i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        plist l;
        plist_make(&l, sizes[i], GAPS_DENSE, TF_MIXED, 800 + i);
        for (j = 0; j < sizeof bad_dfs / sizeof *bad_dfs; j++)
            use_list(l.post.data, l.post.len, l.stream.data, l.stream.len,
                     bad_dfs[j], l.limit, j);
        /* a df one too large for a short list runs out of entries */
        if (l.n + 1 < CARI_BLOCK)
            assert_int_equal(use_list(l.post.data, l.post.len, l.stream.data,
                                      l.stream.len, (uint32_t)l.n + 1, l.limit,
                                      1),
                             1);
        plist_free(&l);
    }
}

/* A df near UINT32_MAX over bytes that decode as many valid entries (gap 0,
 * tf 1 is the byte 0x01) must be refused, not written past the 128-entry
 * block buffer. */
static void test_corrupt_huge_df(void **state)
{
    static const uint32_t dfs[] = {UINT32_MAX, UINT32_MAX - 1,
                                   UINT32_MAX - 126, UINT32_MAX - 127,
                                   UINT32_MAX - 128, 1u << 31};
    unsigned char *data = malloc(4096);
    static const unsigned char none[1];
    size_t i;
    (void)state;
    assert_non_null(data);
    memset(data, 0x01, 4096);
    for (i = 0; i < sizeof dfs / sizeof *dfs; i++) {
        cari_arena arena = {0};
        cari_postings p;
        int rc = cari_postings_open_limit(&p, data, 4096, none, 0, dfs[i],
                                          CARI_DOC_END, &arena);
        if (rc == CARI_OK) {
            size_t steps = 0;
            while (p.doc != CARI_DOC_END && steps++ < 10000)
                cari_postings_next(&p);
            assert_int_equal(p.corrupt, 1);
        } else {
            assert_int_equal(rc, CARI_ECORRUPT);
        }
        /* the skip table of a huge df is not allocated from 4 KB of data */
        assert_true(arena.total < (1u << 20));
        cari_arena_free(&arena);
    }
    free(data);
}

/* A packed block whose tf field decodes to tf - 1 = UINT32_MAX would give a
 * tf of 0; that is damage (a posting has tf >= 1), as in the tail. */
static void test_corrupt_packed_tf_zero(void **state)
{
    cari_buf out = {0};
    uint32_t docs[128], tfs[128], lens[128], pb[128];
    cari_arena arena = {0};
    cari_postings p;
    static const unsigned char none[1];
    size_t k, at;
    (void)state;
    for (k = 0; k < 128; k++) {
        docs[k] = (uint32_t)k;
        tfs[k] = k == 5 ? UINT32_MAX : 1;
        lens[k] = 1;
        pb[k] = 0;
    }
    assert_int_equal(
        cari_postings_encode(&out, docs, tfs, lens, pb, 128, CARI_DOC_END), 0);
    /* the block ends with the patched tfs: width 0, one exception, entry
     * 5, the varint of tf - 1 = UINT32_MAX - 1; make it UINT32_MAX, which
     * would wrap tf to 0 */
    at = out.len - 8;
    assert_int_equal(out.data[at], 0);      /* b */
    assert_int_equal(out.data[at + 1], 1);  /* n */
    assert_int_equal(out.data[at + 2], 5);  /* index */
    assert_int_equal(out.data[at + 3], 0xfe);
    out.data[at + 3] = 0xff;
    if (cari_postings_open_limit(&p, out.data, out.len, none, 0, 128,
                                 CARI_DOC_END, &arena) == CARI_OK) {
        while (p.doc != CARI_DOC_END) {
            assert_true(cari_postings_tf(&p) >= 1);
            cari_postings_next(&p);
        }
        assert_int_equal(p.corrupt, 1);
    }
    cari_buf_free(&out);
    cari_arena_free(&arena);
}

/* Positions of docs whose tf is larger than what the position stream
 * holds are reported as damage, for the doc itself and when walking past
 * an earlier doc's positions. */
static void test_corrupt_positions_short_stream(void **state)
{
    uint32_t docs[3] = {1, 2, 3}, tfs[3] = {1000000, 2, 1};
    uint32_t lens[3] = {1, 1, 1}, pb[3] = {3, 2, 1};
    unsigned char stream[6] = {1, 1, 1, 4, 1, 9};
    cari_buf out = {0};
    cari_arena arena = {0};
    cari_postings p;
    uint32_t buf[4];
    (void)state;
    assert_int_equal(
        cari_postings_encode(&out, docs, tfs, lens, pb, 3, CARI_DOC_END), 0);
    assert_int_equal(cari_postings_open_limit(&p, out.data, out.len, stream, 6,
                                              3, CARI_DOC_END, &arena),
                     CARI_OK);
    assert_int_equal(cari_postings_positions(&p, buf, 4), -1);
    assert_int_equal(p.corrupt, 1);
    assert_int_equal(cari_postings_open_limit(&p, out.data, out.len, stream, 6,
                                              3, CARI_DOC_END, &arena),
                     CARI_OK);
    assert_int_equal(cari_postings_next(&p), 2);
    assert_int_equal(cari_postings_positions(&p, buf, 4), -1);
    assert_int_equal(p.corrupt, 1);
    cari_buf_free(&out);
    cari_arena_free(&arena);
}

static void hang_alarm(int sig)
{
    static const char msg[] = "# hung: the test ran out of time\n";
    (void)sig;
    if (write(2, msg, sizeof msg - 1) < 0)
        _exit(2);
    _exit(1);
}

/* Pathological input: doc 0 claims ~4e9 positions in a 6-byte stream.
 * Reading the positions of each of the 120 docs must not walk 4e9 varints
 * every time (that took minutes); the alarm turns such a hang into a
 * failure, the fixed code takes microseconds. */
static void test_corrupt_positions_pathological(void **state)
{
    uint32_t docs[120], tfs[120], lens[120], pb[120], buf[4], k;
    unsigned char stream[6] = {1, 1, 1, 4, 1, 9};
    cari_buf out = {0};
    cari_arena arena = {0};
    cari_postings p;
    int failures = 0;
    (void)state;
    for (k = 0; k < 120; k++) {
        docs[k] = 3 * k;
        tfs[k] = k == 0 ? UINT32_MAX - 1 : 1;
        lens[k] = 1;
        pb[k] = 0;
    }
    assert_int_equal(
        cari_postings_encode(&out, docs, tfs, lens, pb, 120, CARI_DOC_END), 0);
    assert_int_equal(cari_postings_open_limit(&p, out.data, out.len, stream, 6,
                                              120, CARI_DOC_END, &arena),
                     CARI_OK);
    signal(SIGALRM, hang_alarm);
    alarm(20);
    while (p.doc != CARI_DOC_END) {
        if (cari_postings_positions(&p, buf, 4) < 0)
            failures++;
        cari_postings_next(&p);
    }
    alarm(0);
    assert_int_equal(failures, 120);
    assert_int_equal(p.corrupt, 1);
    cari_buf_free(&out);
    cari_arena_free(&arena);
}

static void test_corrupt_garbage(void **state)
{
    test_rng rng = {9001};
    unsigned char data[600], pos[300];
    int round;
    (void)state;
    for (round = 0; round < 3000; round++) {
        size_t len = (size_t)rng_below(&rng, sizeof data + 1), k;
        size_t pos_len = (size_t)rng_below(&rng, sizeof pos + 1);
        uint32_t df = round % 3 == 0 ? (uint32_t)rng_below(&rng, 400)
                      : round % 3 == 1 ? (uint32_t)rng_below(&rng, 130)
                                       : rng_u32(&rng);
        for (k = 0; k < len; k++)
            data[k] = (unsigned char)rng_next(&rng);
        for (k = 0; k < pos_len; k++)
            pos[k] = (unsigned char)rng_next(&rng);
        use_list(data, len, pos, pos_len, df, CARI_DOC_END, (uint64_t)round);
    }
}

/* Random byte mutations of valid lists (fixed seed: the same mutations on
 * every run).  Damage need not always be detectable (a list has no
 * checksum; the segment file has), but nothing may crash or hang, and what
 * is yielded stays ascending. */
static void test_corrupt_mutations(void **state)
{
    static const size_t sizes[] = {5, 127, 128, 200, 1000};
    test_rng rng = {31337};
    size_t i;
    int reported = 0, total = 0;
    (void)state;
    for (i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        plist l;
        int round;
        plist_make(&l, sizes[i], i % 2 ? GAPS_SPARSE : GAPS_HUGE, TF_MIXED,
                   900 + i);
        for (round = 0; round < 600; round++) {
            unsigned char *post = malloc(l.post.len);
            unsigned char *stream = malloc(l.stream.len);
            int m, nmut = 1 + (int)rng_below(&rng, 4);
            assert_true(post && stream);
            memcpy(post, l.post.data, l.post.len);
            memcpy(stream, l.stream.data, l.stream.len);
            for (m = 0; m < nmut; m++) {
                int in_pos = rng_below(&rng, 4) == 0;
                unsigned char *buf = in_pos ? stream : post;
                size_t n = in_pos ? l.stream.len : l.post.len;
                size_t at = (size_t)rng_below(&rng, n);
                switch (rng_below(&rng, 3)) {
                case 0:
                    buf[at] ^= (unsigned char)(1u << rng_below(&rng, 8));
                    break;
                case 1:
                    buf[at] = (unsigned char)rng_next(&rng);
                    break;
                default:
                    buf[at] = rng_below(&rng, 2) ? 0xff : 0x00;
                    break;
                }
            }
            reported += use_list(post, l.post.len, stream, l.stream.len,
                                 (uint32_t)l.n, l.limit, (uint64_t)round);
            total++;
            free(post);
            free(stream);
        }
        plist_free(&l);
    }
    /* most damage shows up as damage */
    assert_true(reported > total / 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pack_every_width),
        cmocka_unit_test(test_pack_layout),
        cmocka_unit_test(test_postings_dense),
        cmocka_unit_test(test_postings_sparse),
        cmocka_unit_test(test_postings_huge_gaps),
        cmocka_unit_test(test_postings_huge_tfs),
        cmocka_unit_test(test_postings_derived),
        cmocka_unit_test(test_corrupt_derived_rank),
        cmocka_unit_test(test_postings_edges),
        cmocka_unit_test(test_positions_blocks),
        cmocka_unit_test(test_corrupt_truncated),
        cmocka_unit_test(test_corrupt_wrong_df),
        cmocka_unit_test(test_corrupt_huge_df),
        cmocka_unit_test(test_corrupt_packed_tf_zero),
        cmocka_unit_test(test_corrupt_positions_short_stream),
        cmocka_unit_test(test_corrupt_positions_pathological),
        cmocka_unit_test(test_corrupt_garbage),
        cmocka_unit_test(test_corrupt_doc_past_limit),
        cmocka_unit_test(test_corrupt_mutations),
    };
    TEST_FILTER_FROM_ENV();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
