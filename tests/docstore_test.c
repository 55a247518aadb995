/*
 * docstore_test.c -- stored articles (src/docstore.c): writer/reader round
 * trips across many blocks, records larger than a block, empty fields, NUL
 * bytes, random-order reads through the block cache, and damaged data or
 * index reported as CARI_ECORRUPT.
 */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "docstore.h"
#include "test_util.h"

typedef struct record {
    char *id, *title, *meta, *text;
    size_t id_len, title_len, meta_len, text_len;
} record;

/* A store built from records, ready for a reader. */
typedef struct store {
    record *recs;
    size_t n;
    cari_store_writer w;
    cari_buf index;
} store;

static char *random_bytes(test_rng *rng, size_t n, int binary)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz     .,\n";
    char *p = malloc(n ? n : 1);
    size_t i;
    assert_non_null(p);
    for (i = 0; i < n; i++)
        p[i] = binary ? (char)rng_next(rng)
                      : alphabet[rng_below(rng, sizeof alphabet - 1)];
    return p;
}

static void make_record(record *r, test_rng *rng, size_t k, size_t max_text)
{
    char buf[64];
    int n = snprintf(buf, sizeof buf, "artikel-%zu", k);
    r->id = malloc((size_t)n + 1);
    assert_non_null(r->id);
    memcpy(r->id, buf, (size_t)n + 1);
    r->id_len = (size_t)n;
    r->title_len = (size_t)rng_below(rng, 80);
    r->title = random_bytes(rng, r->title_len, 0);
    r->meta_len = rng_below(rng, 3) ? 0 : (size_t)rng_below(rng, 60);
    r->meta = random_bytes(rng, r->meta_len, 0);
    r->text_len = (size_t)rng_below(rng, max_text + 1);
    /* some texts are incompressible, some hold NUL bytes */
    r->text = random_bytes(rng, r->text_len, k % 7 == 3);
    if (r->text_len > 10 && k % 5 == 1)
        r->text[r->text_len / 2] = '\0';
}

static void record_free(record *r)
{
    free(r->id);
    free(r->title);
    free(r->meta);
    free(r->text);
}

/* The deflate level store_build uses (libdeflate's 6 unless a test sets
 * another). */
static int store_level = 6;

static void store_build(store *s, size_t block_size)
{
    size_t k;
    cari_store_writer_init(&s->w, store_level, block_size);
    memset(&s->index, 0, sizeof s->index);
    for (k = 0; k < s->n; k++) {
        const record *r = &s->recs[k];
        assert_int_equal(cari_store_writer_add(&s->w, r->title, r->title_len,
                                               r->meta, r->meta_len, r->text,
                                               r->text_len),
                         CARI_OK);
    }
    assert_int_equal(cari_store_writer_finish(&s->w), CARI_OK);
    assert_int_equal(cari_store_writer_index(&s->w, &s->index), CARI_OK);
    assert_int_equal(s->w.narticles, s->n);
}

static void store_free(store *s)
{
    size_t k;
    for (k = 0; k < s->n; k++)
        record_free(&s->recs[k]);
    free(s->recs);
    cari_store_writer_free(&s->w);
    cari_buf_free(&s->index);
}

static void store_random(store *s, size_t n, size_t max_text,
                         size_t block_size, uint64_t seed)
{
    test_rng rng = {seed};
    size_t k;
    s->n = n;
    s->recs = calloc(n ? n : 1, sizeof *s->recs);
    assert_non_null(s->recs);
    for (k = 0; k < n; k++)
        make_record(&s->recs[k], &rng, k, max_text);
    store_build(s, block_size);
}

static int open_reader(const store *s, cari_store_reader *r)
{
    return cari_store_reader_init(r, s->w.data.data, s->w.data.len,
                                  s->index.data, s->index.len, s->w.words_out.data, s->w.words_out.len,
                                  (uint32_t)s->n);
}

static void check_record(cari_store_reader *rd, const record *r, uint32_t a)
{
    cari_stored st;
    assert_int_equal(cari_store_reader_get(rd, a, &st), CARI_OK);
    assert_int_equal(st.title_len, r->title_len);
    if (r->title_len)
        assert_memory_equal(st.title, r->title, r->title_len);
    assert_int_equal(st.meta_len, r->meta_len);
    if (r->meta_len)
        assert_memory_equal(st.meta, r->meta, r->meta_len);
    assert_int_equal(st.text_len, r->text_len);
    if (r->text_len)
        assert_memory_equal(st.text, r->text, r->text_len);
}

static void test_roundtrip_many_blocks(void **state)
{
    store s;
    cari_store_reader rd;
    size_t k, *order;
    test_rng rng = {5};
    (void)state;
    store_random(&s, 2000, 3000, CARI_STORE_BLOCK, 1);
    assert_true(s.w.nblocks > 50);
    assert_int_equal(open_reader(&s, &rd), CARI_OK);
    assert_int_equal(rd.nblocks, s.w.nblocks);
    assert_int_equal(rd.narticles, 2000);
    for (k = 0; k < s.n; k++)
        check_record(&rd, &s.recs[k], (uint32_t)k);
    /* random order: the one-block cache is refilled as needed */
    order = malloc(s.n * sizeof *order);
    assert_non_null(order);
    for (k = 0; k < s.n; k++)
        order[k] = k;
    for (k = s.n - 1; k > 0; k--) {
        size_t j = (size_t)rng_below(&rng, k + 1), t = order[k];
        order[k] = order[j];
        order[j] = t;
    }
    for (k = 0; k < s.n; k++)
        check_record(&rd, &s.recs[order[k]], (uint32_t)order[k]);
    /* back and forth between the first and last article */
    for (k = 0; k < 10; k++) {
        check_record(&rd, &s.recs[0], 0);
        check_record(&rd, &s.recs[s.n - 1], (uint32_t)(s.n - 1));
    }
    /* out of range */
    {
        cari_stored st;
        assert_int_equal(cari_store_reader_get(&rd, 2000, &st), CARI_EINVAL);
        assert_int_equal(cari_store_reader_get(&rd, UINT32_MAX, &st),
                         CARI_EINVAL);
    }
    free(order);
    cari_store_reader_free(&rd);
    cari_store_reader_free(&rd); /* twice is harmless */
    /* a block that asks for a preset dictionary is damage (none has one),
     * read whole or in part */
    {
        unsigned char *copy = malloc(s.w.data.len);
        int checked;
        assert_non_null(copy);
        memcpy(copy, s.w.data.data, s.w.data.len);
        assert_int_equal(copy[1] & 0x20, 0);
        copy[1] = (unsigned char)((copy[1] & 0xc0) | 0x20); /* FDICT */
        copy[1] = (unsigned char)(copy[1] +
                                  (31 - (copy[0] << 8 | copy[1]) % 31) % 31);
        assert_int_equal(copy[1] & 0x20, 0x20);
        assert_int_equal((copy[0] << 8 | copy[1]) % 31, 0);
        for (checked = 0; checked < 2; checked++) {
            cari_stored st;
            assert_int_equal(cari_store_reader_init(&rd, copy, s.w.data.len,
                                                    s.index.data, s.index.len,
                                                    s.w.words_out.data,
                                                    s.w.words_out.len, 2000),
                             CARI_OK);
            rd.checked = checked;
            assert_int_equal(cari_store_reader_get(&rd, 0, &st),
                             CARI_ECORRUPT);
            cari_store_reader_free(&rd);
        }
        free(copy);
    }
    store_free(&s);
}

static void test_small_blocks(void **state)
{
    static const size_t sizes[] = {1, 50, 1000};
    size_t i, k;
    (void)state;
    for (i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        store s;
        cari_store_reader rd;
        store_random(&s, 300, 500, sizes[i], 10 + i);
        if (sizes[i] == 1)
            assert_int_equal(s.w.nblocks, 300); /* one record per block */
        assert_int_equal(open_reader(&s, &rd), CARI_OK);
        for (k = s.n; k-- > 0;)
            check_record(&rd, &s.recs[k], (uint32_t)k);
        cari_store_reader_free(&rd);
        store_free(&s);
    }
}

/* Every level round-trips, ISA-L's (1..3) and libdeflate's (4..12), on
 * text and on random bytes that do not compress (records k % 7 == 3),
 * across the word list's learning. */
static void test_levels(void **state)
{
    static const int levels[] = {1, 2, 3, 4, 12};
    size_t i, k;
    (void)state;
    for (i = 0; i < 2 * sizeof levels / sizeof *levels; i++) {
        store s;
        cari_store_reader rd;
        store_level = levels[i / 2];
        /* blocks of 16 KiB, and of one record each (some all random) */
        store_random(&s, 400, 6000, i % 2 ? 1 : CARI_STORE_BLOCK, 40 + i);
        store_level = 6;
        assert_true(s.w.nblocks > 50);
        assert_true(s.w.data.len < s.w.raw_bytes);
        assert_int_equal(open_reader(&s, &rd), CARI_OK);
        for (k = 0; k < s.n; k++)
            check_record(&rd, &s.recs[k], (uint32_t)k);
        cari_store_reader_free(&rd);
        store_free(&s);
    }
}

static void test_big_record(void **state)
{
    store s;
    cari_store_reader rd;
    test_rng rng = {3};
    size_t k;
    (void)state;
    s.n = 5;
    s.recs = calloc(5, sizeof *s.recs);
    assert_non_null(s.recs);
    for (k = 0; k < 5; k++)
        make_record(&s.recs[k], &rng, k, 100);
    /* record 2: 10 block sizes of text, partly incompressible */
    free(s.recs[2].text);
    s.recs[2].text_len = 10 * 16384 + 17;
    s.recs[2].text = random_bytes(&rng, s.recs[2].text_len, 1);
    memset(s.recs[2].text, 'x', 50000);
    store_build(&s, 16384);
    /* the big record closes its block: what follows starts a new one */
    assert_int_equal(s.w.nblocks, 2);
    assert_int_equal(cari_get_u32(s.w.block_first.data + 4), 3);
    assert_int_equal(open_reader(&s, &rd), CARI_OK);
    for (k = 0; k < 5; k++)
        check_record(&rd, &s.recs[k], (uint32_t)k);
    check_record(&rd, &s.recs[2], 2);
    cari_store_reader_free(&rd);
    store_free(&s);
}

static void test_empty_fields_and_nul(void **state)
{
    cari_store_writer w;
    cari_buf index = {0};
    cari_store_reader rd;
    cari_stored st;
    static const char text[] = "teks\0dengan\0NUL";
    (void)state;
    cari_store_writer_init(&w, 1, CARI_STORE_BLOCK);
    assert_int_equal(cari_store_writer_add(&w, NULL, 0, NULL, 0, NULL, 0),
                     CARI_OK);
    assert_int_equal(cari_store_writer_add(&w, "", 0, "{}", 2, text,
                                           sizeof text),
                     CARI_OK);
    assert_int_equal(cari_store_writer_add(&w, "\0", 1, "", 0, "", 0),
                     CARI_OK);
    assert_int_equal(cari_store_writer_finish(&w), CARI_OK);
    assert_int_equal(cari_store_writer_index(&w, &index), CARI_OK);
    assert_int_equal(w.raw_bytes, 2 + sizeof text + 1);
    assert_int_equal(cari_store_reader_init(&rd, w.data.data, w.data.len,
                                            index.data, index.len, w.words_out.data, w.words_out.len, 3),
                     CARI_OK);
    assert_int_equal(cari_store_reader_get(&rd, 0, &st), CARI_OK);
    assert_int_equal(cari_store_reader_get(&rd, 1, &st), CARI_OK);
    assert_int_equal(st.title_len, 0);
    assert_int_equal(st.meta_len, 2);
    assert_memory_equal(st.meta, "{}", 2);
    assert_int_equal(st.text_len, sizeof text);
    assert_memory_equal(st.text, text, sizeof text);
    assert_int_equal(cari_store_reader_get(&rd, 2, &st), CARI_OK);
    assert_int_equal(st.title_len, 1);
    assert_int_equal(st.title[0], '\0');
    cari_store_reader_free(&rd);
    cari_store_writer_free(&w);
    cari_buf_free(&index);

    /* no articles at all */
    cari_store_writer_init(&w, 6, CARI_STORE_BLOCK);
    assert_int_equal(cari_store_writer_finish(&w), CARI_OK);
    assert_int_equal(cari_store_writer_index(&w, &index), CARI_OK);
    assert_int_equal(w.nblocks, 0);
    assert_int_equal(cari_store_reader_init(&rd, w.data.data, w.data.len,
                                            index.data, index.len, w.words_out.data, w.words_out.len, 0),
                     CARI_OK);
    assert_int_equal(cari_store_reader_get(&rd, 0, &st), CARI_EINVAL);
    cari_store_reader_free(&rd);
    cari_store_writer_free(&w);
    cari_buf_free(&index);
}

/* Fetch every article of a damaged store: each is either correct or
 * CARI_ECORRUPT; returns how many were reported. */
static size_t fetch_all_damaged(const store *s, const unsigned char *data,
                                const unsigned char *index, size_t index_len)
{
    cari_store_reader rd;
    size_t k, bad = 0;
    int rc = cari_store_reader_init(&rd, data, s->w.data.len, index,
                                    index_len, s->w.words_out.data, s->w.words_out.len, (uint32_t)s->n);
    if (rc != CARI_OK) {
        assert_int_equal(rc, CARI_ECORRUPT);
        return s->n;
    }
    for (k = 0; k < s->n; k++) {
        cari_stored st;
        rc = cari_store_reader_get(&rd, (uint32_t)k, &st);
        if (rc == CARI_ECORRUPT) {
            bad++;
            continue;
        }
        assert_int_equal(rc, CARI_OK);
        /* whatever is returned lies inside the reader's block, or its
         * decoded record */
        if (rd.nwords)
            assert_true((const unsigned char *)st.text + st.text_len <=
                        rd.decoded.data + rd.decoded.len);
        else
            assert_true((const unsigned char *)st.text + st.text_len <=
                        rd.cache.data + rd.cache.len);
    }
    cari_store_reader_free(&rd);
    return bad;
}

/* With the checksum verified by the caller, a block is inflated raw
 * (without adler32), whole, once for all its articles: every order of
 * access returns the right bytes. */
static void test_checked_block_cache(void **state)
{
    store s;
    cari_store_reader rd;
    size_t k;
    test_rng rng = {9};
    (void)state;
    store_random(&s, 600, 3000, CARI_STORE_BLOCK, 3);
    assert_int_equal(open_reader(&s, &rd), CARI_OK);
    rd.checked = 1;
    /* first articles of a block, then backwards within it, then forward */
    for (k = 0; k < s.n; k++)
        check_record(&rd, &s.recs[k], (uint32_t)k);
    for (k = s.n; k-- > 0;)
        check_record(&rd, &s.recs[k], (uint32_t)k);
    for (k = 0; k < 3 * s.n; k++) {
        uint32_t a = (uint32_t)rng_below(&rng, s.n);
        check_record(&rd, &s.recs[a], a);
    }
    /* the first article's block is there whole */
    cari_store_reader_free(&rd);
    assert_int_equal(open_reader(&s, &rd), CARI_OK);
    rd.checked = 1;
    check_record(&rd, &s.recs[0], 0);
    assert_int_equal(rd.cached_block, 0);
    assert_int_equal(rd.cache.len, cari_get_u32(s.index.data + 8 +
                                                8 * ((size_t)rd.nblocks + 1)));
    cari_store_reader_free(&rd);
    store_free(&s);
}

static void test_damaged_data(void **state)
{
    store s;
    unsigned char *copy;
    size_t at, len, reported = 0, flips = 0, unnoticed = 0, k;
    cari_store_reader rd;
    cari_stored st;
    (void)state;
    store_random(&s, 60, 800, 4096, 21);
    len = s.w.data.len;
    assert_true(s.w.nblocks >= 4);
    copy = malloc(len);
    assert_non_null(copy);
    /* garbage in the middle of block 1: its articles are damaged, the
     * others still read */
    memcpy(copy, s.w.data.data, len);
    {
        uint64_t b1 = cari_get_u64(s.index.data + 8 + 8);
        uint64_t b2 = cari_get_u64(s.index.data + 8 + 16);
        memset(copy + b1 + (b2 - b1) / 3, 0x5a, (size_t)(b2 - b1) / 3);
    }
    assert_int_equal(cari_store_reader_init(&rd, copy, len, s.index.data,
                                            s.index.len, s.w.words_out.data, s.w.words_out.len, (uint32_t)s.n),
                     CARI_OK);
    for (k = 0; k < s.n; k++) {
        if (k >= cari_get_u32(s.w.block_first.data + 4) &&
            k < cari_get_u32(s.w.block_first.data + 8)) { /* in block 1 */
            assert_int_equal(cari_store_reader_get(&rd, (uint32_t)k, &st),
                             CARI_ECORRUPT);
        } else {
            check_record(&rd, &s.recs[k], (uint32_t)k);
        }
    }
    cari_store_reader_free(&rd);
    /* every single-bit change: correct data or CARI_ECORRUPT, never a
     * crash or wrong bytes; only the padding bits after a block's last
     * deflate code can change unnoticed */
    for (at = 0; at < len; at += 5 + at % 17) {
        size_t reported_before = reported;
        memcpy(copy, s.w.data.data, len);
        copy[at] ^= (unsigned char)(1u << (at % 8));
        assert_int_equal(cari_store_reader_init(&rd, copy, len, s.index.data,
                                                s.index.len, s.w.words_out.data, s.w.words_out.len, (uint32_t)s.n),
                         CARI_OK);
        for (k = 0; k < s.n; k++) {
            int rc = cari_store_reader_get(&rd, (uint32_t)k, &st);
            if (rc == CARI_ECORRUPT) {
                reported++;
                continue;
            }
            assert_int_equal(rc, CARI_OK);
            assert_int_equal(st.text_len, s.recs[k].text_len);
            if (st.text_len)
                assert_memory_equal(st.text, s.recs[k].text, st.text_len);
        }
        cari_store_reader_free(&rd);
        flips++;
        unnoticed += reported == reported_before;
    }
    assert_true(flips > 100);
    assert_true(unnoticed <= s.w.nblocks);
    /* truncated data: the index no longer matches */
    assert_int_equal(cari_store_reader_init(&rd, s.w.data.data, len - 1,
                                            s.index.data, s.index.len, s.w.words_out.data, s.w.words_out.len,
                                            (uint32_t)s.n),
                     CARI_ECORRUPT);
    free(copy);
    store_free(&s);
}

static void test_damaged_index(void **state)
{
    store s;
    unsigned char *idx;
    size_t n, at;
    cari_store_reader rd;
    test_rng rng = {8};
    uint32_t nb;
    int round;
    (void)state;
    store_random(&s, 40, 900, 4096, 33);
    n = s.index.len;
    nb = s.w.nblocks;
    idx = malloc(n + 8);
    assert_non_null(idx);
    /* wrong article count, short index, long index */
    assert_int_equal(cari_store_reader_init(&rd, s.w.data.data, s.w.data.len,
                                            s.index.data, n, s.w.words_out.data, s.w.words_out.len, 41),
                     CARI_ECORRUPT);
    assert_int_equal(cari_store_reader_init(&rd, s.w.data.data, s.w.data.len,
                                            s.index.data, n - 1, s.w.words_out.data, s.w.words_out.len, 40),
                     CARI_ECORRUPT);
    assert_int_equal(cari_store_reader_init(&rd, s.w.data.data, s.w.data.len,
                                            s.index.data, 7, s.w.words_out.data, s.w.words_out.len, 40),
                     CARI_ECORRUPT);
    memcpy(idx, s.index.data, n);
    memset(idx + n, 0, 8);
    assert_int_equal(cari_store_reader_init(&rd, s.w.data.data, s.w.data.len,
                                            idx, n + 8, s.w.words_out.data, s.w.words_out.len, 40),
                     CARI_ECORRUPT);
    /* block offsets out of order */
    memcpy(idx, s.index.data, n);
    cari_put_u64(idx + 8 + 8 * 2, cari_get_u64(idx + 8 + 8 * 3) + 1);
    assert_int_equal(cari_store_reader_init(&rd, s.w.data.data, s.w.data.len,
                                            idx, n, s.w.words_out.data, s.w.words_out.len, 40),
                     CARI_ECORRUPT);
    /* blocks' first articles: not from 0, not ascending, past the last */
    at = 8 + 8 * ((size_t)nb + 1) + 4 * (size_t)nb;
    assert_true(nb >= 4 && cari_get_u32(s.index.data + at + 4 * 2) >
                               cari_get_u32(s.index.data + at + 4) + 1);
    memcpy(idx, s.index.data, n);
    cari_put_u32(idx + at, 1);
    assert_int_equal(fetch_all_damaged(&s, s.w.data.data, idx, n), s.n);
    memcpy(idx, s.index.data, n);
    cari_put_u32(idx + at + 4 * 2, cari_get_u32(idx + at + 4));
    assert_int_equal(fetch_all_damaged(&s, s.w.data.data, idx, n), s.n);
    memcpy(idx, s.index.data, n);
    cari_put_u32(idx + at + 4 * ((size_t)nb - 1), 40);
    assert_int_equal(fetch_all_damaged(&s, s.w.data.data, idx, n), s.n);
    /* a block's first article one earlier: the block's last article is
     * then looked for past its records */
    memcpy(idx, s.index.data, n);
    cari_put_u32(idx + at + 4 * 2, cari_get_u32(idx + at + 4 * 2) - 1);
    assert_true(fetch_all_damaged(&s, s.w.data.data, idx, n) >= 1);
    /* a raw block size one too small or too large */
    memcpy(idx, s.index.data, n);
    cari_put_u32(idx + 8 + 8 * ((size_t)nb + 1),
                 cari_get_u32(idx + 8 + 8 * ((size_t)nb + 1)) - 1);
    assert_true(fetch_all_damaged(&s, s.w.data.data, idx, n) >= 1);
    memcpy(idx, s.index.data, n);
    cari_put_u32(idx + 8 + 8 * ((size_t)nb + 1),
                 cari_get_u32(idx + 8 + 8 * ((size_t)nb + 1)) + 1);
    assert_true(fetch_all_damaged(&s, s.w.data.data, idx, n) >= 1);
    /* an absurd raw size is refused before the block is allocated */
    memcpy(idx, s.index.data, n);
    cari_put_u32(idx + 8 + 8 * ((size_t)nb + 1), UINT32_MAX);
    assert_int_equal(cari_store_reader_init(&rd, s.w.data.data, s.w.data.len,
                                            idx, n, s.w.words_out.data, s.w.words_out.len, 40),
                     CARI_OK);
    {
        cari_stored st;
        assert_int_equal(cari_store_reader_get(&rd, 0, &st), CARI_ECORRUPT);
        assert_true(rd.cache.cap < (1u << 20));
    }
    cari_store_reader_free(&rd);
    /* random damage to the counts, the block offsets, the raw sizes and
     * the article table (offsets into the middle of records): no crash,
     * no reads outside the block */
    for (round = 0; round < 1000; round++) {
        size_t pos = (size_t)rng_below(&rng, n);
        memcpy(idx, s.index.data, n);
        idx[pos] = (unsigned char)rng_next(&rng);
        fetch_all_damaged(&s, s.w.data.data, idx, n);
    }
    free(idx);
    store_free(&s);
}


/* Text from a small vocabulary, with bytes the codes use themselves. */
static char *wordy_text(test_rng *rng, size_t n)
{
    static const char *const vocab[] = {
        "yang", "dan", "Jakarta", "pemerintah", "mengatakan", "di", "ke",
        "Presiden", "masyarakat", "tahun", "kebijakan", "pembangunan",
        "ab", "xyz", "sangatpanjangsekalikatainimelebihitigapuluhhuruf",
        "caf\xc3\xa9", "\xc0", "\xf5\x01", "\xff", "\xc1\x80", "\xf4\x8f",
        "bakso", "BAKSO", "Bakso", "\n\n", ", ", ". ", "\xe2\x80\x94"};
    char *p = malloc(n + 64);
    size_t len = 0;
    assert_non_null(p);
    while (len < n) {
        const char *w = vocab[rng_below(rng, sizeof vocab / sizeof *vocab)];
        size_t l = strlen(w);
        memcpy(p + len, w, l);
        len += l;
        p[len++] = rng_below(rng, 4) ? ' ' : '\0';
    }
    return p;
}

/* The coded bytes of a built store's blocks (their raw sizes in the
 * index: what deflate was given). */
static uint64_t coded_bytes(const store *s)
{
    uint64_t coded = 0;
    size_t k;
    for (k = 0; k < s->w.nblocks; k++)
        coded += cari_get_u32(s->index.data + 8 + 8 * (s->w.nblocks + 1) +
                              4 * k);
    return coded;
}

/* A store with a word list reads back every record: in order through a
 * fresh reader, and backwards through one that inflates blocks only as far
 * as asked (checked). */
static void check_coded_store(store *s)
{
    cari_store_reader rd;
    size_t k;
    assert_true(s->w.nwords <= CARI_STORE_WORDS);
    assert_int_equal(open_reader(s, &rd), CARI_OK);
    assert_int_equal(rd.nwords, s->w.nwords);
    for (k = 0; k < s->n; k++)
        check_record(&rd, &s->recs[k], (uint32_t)k);
    cari_store_reader_free(&rd);
    assert_int_equal(open_reader(s, &rd), CARI_OK);
    rd.checked = 1;
    for (k = s->n; k-- > 0;)
        check_record(&rd, &s->recs[k], (uint32_t)k);
    cari_store_reader_free(&rd);
    /* the word list dropped (a writer's segments, a merge's sources): the
     * next read loads it again */
    assert_int_equal(open_reader(s, &rd), CARI_OK);
    for (k = 0; k < s->n; k++) {
        if (k % 7 == 0) {
            cari_store_reader_drop_words(&rd);
            assert_null(rd.word_loc);
        }
        check_record(&rd, &s->recs[k], (uint32_t)k);
        assert_non_null(rd.word_loc);
    }
    cari_store_reader_free(&rd);
}

/* What the coder makes of text[0..n) when every run of 3 to 32 ASCII
 * letters is listed with a two-byte code: the runs coded, a single space
 * between two codes implied, the bytes 0xC0, 0xC1 and 0xF5..0xFF escaped,
 * the rest as they are; found a byte at a time, as a reference. */
static size_t reference_coded_len(const unsigned char *t, size_t n)
{
    size_t i = 0, out = 0, coded_end = SIZE_MAX;
    while (i < n) {
        size_t j = i;
        while (j < n && ((t[j] | 0x20) >= 'a' && (t[j] | 0x20) <= 'z'))
            j++;
        if (j == i) {
            out += ((t[i] & 0xfe) == 0xc0 || t[i] >= 0xf5) ? 2 : 1;
            i++;
        } else if (j - i >= CARI_STORE_WORD_MIN &&
                   j - i <= CARI_STORE_WORD_MAX) {
            if (coded_end + 1 == i && t[i - 1] == ' ')
                out--; /* the space counted before */
            out += 2;
            coded_end = i = j;
        } else {
            out += j - i;
            i = j;
        }
    }
    return out;
}

/* The coder's words are whole runs of ASCII letters, 3 to 32 of them:
 * runs of every length from 1 to 80, in both cases, at random offsets,
 * between bytes that are not letters, the ones next to A..Z and a..z
 * among them.  The list holds exactly the runs of 3 to 32 letters (the
 * learner finds runs 16 bytes at a time: a run cut short or run on would
 * list another word), and the coder codes every one of them (it finds
 * runs 64 bytes at a time, the longest across two chunk ends). */
static void test_word_boundaries(void **state)
{
    static const unsigned char seps[] = {' ', '@', '[', '`', '{', 0xc1,
                                         0xe1, '0', '-', '\n', 0xc0};
    enum { LONGEST = 80 };
    char words[LONGEST + 1][LONGEST + 1];
    cari_buf text = {0};
    store s;
    test_rng rng = {99};
    size_t i, k, off, coded;
    int listed[LONGEST + 1] = {0};
    (void)state;
    for (i = 1; i <= LONGEST; i++) {
        for (k = 0; k < i; k++)
            words[i][k] = (char)((k + i) % 2 ? 'a' + (k * 3 + i) % 26
                                             : 'A' + (k * 5 + i) % 26);
        words[i][i] = '\0';
    }
    for (k = 0; k < 100; k++)
        for (i = 1; i <= LONGEST; i++) {
            size_t j, ns = 1 + (size_t)rng_below(&rng, 3);
            for (j = 0; j < ns; j++)
                assert_int_equal(
                    cari_buf_append(&text,
                                    &seps[rng_below(&rng, sizeof seps)], 1),
                    CARI_OK);
            assert_int_equal(cari_buf_append(&text, words[i], i), CARI_OK);
        }
    assert_int_equal(cari_buf_append(&text, " ", 1), CARI_OK);
    s.n = 1;
    s.recs = calloc(1, sizeof *s.recs);
    assert_non_null(s.recs);
    s.recs[0].text = malloc(text.len);
    assert_non_null(s.recs[0].text);
    memcpy(s.recs[0].text, text.data, text.len);
    s.recs[0].text_len = text.len;
    cari_buf_free(&text);
    store_build(&s, CARI_STORE_BLOCK);
    for (off = 0; off < s.w.words.len; off += 1 + s.w.words.data[off]) {
        size_t len = s.w.words.data[off];
        assert_true(len >= CARI_STORE_WORD_MIN && len <= CARI_STORE_WORD_MAX);
        assert_memory_equal(s.w.words.data + off + 1, words[len], len);
        listed[len]++;
    }
    for (i = 1; i <= LONGEST; i++)
        assert_int_equal(listed[i], i >= CARI_STORE_WORD_MIN &&
                                        i <= CARI_STORE_WORD_MAX);
    /* one block: the record's three lengths, then its coded text */
    assert_int_equal(s.w.nblocks, 1);
    coded = reference_coded_len((const unsigned char *)s.recs[0].text,
                                s.recs[0].text_len);
    assert_int_equal(coded_bytes(&s), 2 + cari_varint_size(coded) + coded);
    check_coded_store(&s);
    store_free(&s);
}

/* The word list (learn_words) against a reference that ranks the same
 * words as the learner once did, by three full sorts: the words used most
 * get two-byte codes, in order of uses; of the rest, the
 * CARI_STORE_WORDS3 that save most with three-byte codes, in order of
 * uses; ties by bytes.  More words than both groups hold, many ties, and
 * words that share their first 8 bytes, so that the learner's selections
 * and its tie-break past 8 bytes are all used. */
typedef struct ref_word {
    char w[40];
    size_t len;
    uint32_t count;
} ref_word;

static int ref_bytes(const ref_word *a, const ref_word *b)
{
    int c = memcmp(a->w, b->w, a->len < b->len ? a->len : b->len);
    return c ? c : (a->len > b->len) - (a->len < b->len);
}

static uint64_t ref_saving(const ref_word *a, size_t code_len)
{
    return a->len + 1 > code_len ? (uint64_t)(a->len + 1 - code_len) * a->count
                                 : 0;
}

static int ref_by_count(const void *x, const void *y)
{
    const ref_word *a = x, *b = y;
    if (a->count != b->count)
        return a->count < b->count ? 1 : -1;
    return ref_bytes(a, b);
}

static int ref_by_saving3(const void *x, const void *y)
{
    const ref_word *a = x, *b = y;
    uint64_t sa = ref_saving(a, 3), sb = ref_saving(b, 3);
    if (sa != sb)
        return sa < sb ? 1 : -1;
    return ref_bytes(a, b);
}

static int ref_worth(const ref_word *a, size_t code_len)
{
    return 2 * ref_saving(a, code_len) >
           CARI_STORE_KEEP * (uint64_t)(a->len + 1);
}

static void test_word_list_order(void **state)
{
    enum { NW = 90000 };
    ref_word *words = calloc(NW, sizeof *words), *keep;
    size_t i, k, nkeep = 0, n2, n3 = 0, off;
    cari_buf text = {0};
    store s;
    test_rng rng = {2024};
    (void)state;
    assert_non_null(words);
    for (i = 0; i < NW; i++) {
        ref_word *w = &words[i];
        size_t x = i, j;
        /* a fifth share their first 11 letters, the rest their first 4 */
        const char *head = i % 5 == 0 ? "panjangkata" : "kata";
        w->len = strlen(head);
        memcpy(w->w, head, w->len);
        for (j = 0; j < 4 + i % 3; j++, x /= 26)
            w->w[w->len++] = (char)('a' + x % 26);
        if (i < 4000)  /* used often, with ties */
            w->count = 5 + (uint32_t)rng_below(&rng, 40);
        else
            w->count = 1 + (uint32_t)rng_below(&rng, 3);
    }
    /* the words "kata" + 4..6 letters of i are distinct: 4 letters hold
     * 26^4 > NW numbers */
    s.n = 0;
    s.recs = calloc(256, sizeof *s.recs);
    assert_non_null(s.recs);
    /* records of about 60 KB, each text starting with a space (the
     * record's length bytes never join its first word) */
    for (k = 0; k < 3; k++)
        for (i = 0; i < NW; i++) {
            size_t u;
            uint32_t uses = words[i].count / 3 + (k < words[i].count % 3);
            for (u = 0; u < uses; u++) {
                if (text.len > 60000) {
                    record *r = &s.recs[s.n++];
                    assert_true(s.n < 256);
                    r->text = malloc(text.len);
                    assert_non_null(r->text);
                    memcpy(r->text, text.data, text.len);
                    r->text_len = text.len;
                    text.len = 0;
                }
                assert_int_equal(cari_buf_append(&text, " ", 1), CARI_OK);
                assert_int_equal(
                    cari_buf_append(&text, words[i].w, words[i].len),
                    CARI_OK);
            }
        }
    if (text.len) {
        record *r = &s.recs[s.n++];
        r->text = malloc(text.len);
        assert_non_null(r->text);
        memcpy(r->text, text.data, text.len);
        r->text_len = text.len;
    }
    cari_buf_free(&text);
    store_build(&s, CARI_STORE_BLOCK);

    /* the reference */
    keep = calloc(NW, sizeof *keep);
    assert_non_null(keep);
    for (i = 0; i < NW; i++)
        if (ref_worth(&words[i], 2))
            keep[nkeep++] = words[i];
    qsort(keep, nkeep, sizeof *keep, ref_by_count);
    n2 = nkeep < CARI_STORE_WORDS2 ? nkeep : CARI_STORE_WORDS2;
    for (i = n2; i < nkeep; i++)
        if (ref_worth(&keep[i], 3))
            keep[n2 + n3++] = keep[i];
    assert_true(n2 == CARI_STORE_WORDS2 && n3 > CARI_STORE_WORDS3);
    qsort(keep + n2, n3, sizeof *keep, ref_by_saving3);
    n3 = CARI_STORE_WORDS3;
    qsort(keep + n2, n3, sizeof *keep, ref_by_count);

    assert_int_equal(s.w.nwords, n2 + n3);
    for (i = 0, off = 0; i < n2 + n3; i++) {
        assert_true(off < s.w.words.len);
        assert_int_equal(s.w.words.data[off], keep[i].len);
        assert_memory_equal(s.w.words.data + off + 1, keep[i].w,
                            keep[i].len);
        off += 1 + keep[i].len;
    }
    assert_int_equal(off, s.w.words.len);
    check_coded_store(&s);
    free(keep);
    free(words);
    store_free(&s);
}

/* Word codes (docstore.h): a store of repetitive text learns a list, its
 * blocks are smaller than the text, and every byte comes back: words at
 * a field's start and end, runs longer than a word may be, the code and
 * escape bytes themselves, NUL bytes, words split by a block's end. */
static void test_word_codes(void **state)
{
    store s;
    cari_store_reader rd;
    test_rng rng = {77};
    size_t k;
    (void)state;
    s.n = 400;
    s.recs = calloc(s.n, sizeof *s.recs);
    assert_non_null(s.recs);
    for (k = 0; k < s.n; k++) {
        record *r = &s.recs[k];
        r->id = NULL;
        r->title_len = (size_t)rng_below(&rng, 60);
        r->title = wordy_text(&rng, r->title_len);
        r->meta_len = 0;
        r->meta = NULL;
        r->text_len = (size_t)rng_below(&rng, 5000);
        r->text = wordy_text(&rng, r->text_len);
    }
    store_build(&s, CARI_STORE_BLOCK);
    assert_true(s.w.nwords > 5);
    assert_true(coded_bytes(&s) < s.w.raw_bytes * 3 / 4);
    check_coded_store(&s);
    /* a word list that does not parse is damage */
    {
        unsigned char bad[3] = {5, 'a', 'b'};
        uint32_t *loc;
        uint32_t n;
        assert_int_equal(cari_store_words_parse(bad, 3, &loc, &n),
                         CARI_ECORRUPT);
        bad[0] = 0;
        assert_int_equal(cari_store_words_parse(bad, 1, &loc, &n),
                         CARI_ECORRUPT);
        /* the section inflates to the list, and only to its size */
        {
            cari_buf list = {0};
            unsigned char *sec = malloc(s.w.words_out.len);
            assert_non_null(sec);
            memcpy(sec, s.w.words_out.data, s.w.words_out.len);
            assert_int_equal(cari_store_words_inflate(sec, s.w.words_out.len,
                                                      &list),
                             CARI_OK);
            assert_int_equal(list.len, s.w.words.len);
            assert_memory_equal(list.data, s.w.words.data, list.len);
            sec[0]++;
            assert_int_equal(cari_store_words_inflate(sec, s.w.words_out.len,
                                                      &list),
                             CARI_ECORRUPT);
            assert_int_equal(cari_store_words_inflate(sec, 3, &list),
                             CARI_ECORRUPT);
            memset(sec, 0xff, 4); /* more than any list */
            assert_int_equal(cari_store_words_inflate(sec, s.w.words_out.len,
                                                      &list),
                             CARI_ECORRUPT);
            assert_int_equal(cari_store_words_inflate(sec, 0, &list), CARI_OK);
            assert_int_equal(list.len, 0);
            cari_buf_free(&list);
            free(sec);
        }
        assert_int_equal(cari_store_reader_init(
                             &rd, s.w.data.data, s.w.data.len, s.index.data,
                             s.index.len, s.w.words_out.data, s.w.words_out.len - 1,
                             (uint32_t)s.n),
                         CARI_ECORRUPT);
        cari_store_reader_free(&rd);
    }
    store_free(&s);
}

/* Three-byte codes: a store whose sample holds more words worth listing
 * than there are two-byte codes lists more, and every byte comes back
 * (0xC1, their lead byte, among the text's own bytes). */
static void test_three_byte_codes(void **state)
{
    enum { NVOCAB = 6000 };
    static char vocab[NVOCAB][12];
    store s;
    test_rng rng = {78};
    size_t k;
    (void)state;
    for (k = 0; k < NVOCAB; k++) {
        size_t l = 4 + (size_t)rng_below(&rng, 7), j;
        for (j = 0; j < l; j++)
            vocab[k][j] = (char)((j == 0 && k % 3 == 0 ? 'A' : 'a') +
                                 rng_below(&rng, 26));
        vocab[k][l] = '\0';
    }
    s.n = 500;
    s.recs = calloc(s.n, sizeof *s.recs);
    assert_non_null(s.recs);
    for (k = 0; k < s.n; k++) {
        record *r = &s.recs[k];
        size_t len = 0, n = 1000 + (size_t)rng_below(&rng, 3000);
        r->id = NULL;
        r->title = strdup("\xc1\x80 judul \xc0\xc1");
        assert_non_null(r->title);
        r->title_len = strlen(r->title);
        r->meta_len = 0;
        r->meta = NULL;
        r->text = malloc(n + 32);
        assert_non_null(r->text);
        while (len < n) {
            /* a skewed choice: low numbers often, all of them sometimes */
            size_t w = (size_t)rng_below(&rng, NVOCAB);
            const char *t = vocab[rng_below(&rng, 2) ? w / 8 : w];
            size_t l = strlen(t);
            memcpy(r->text + len, t, l);
            len += l;
            r->text[len++] = rng_below(&rng, 50) ? ' ' : (char)0xc1;
        }
        r->text_len = len;
    }
    store_build(&s, CARI_STORE_BLOCK);
    assert_true(s.w.nwords > CARI_STORE_WORDS2);
    assert_true(coded_bytes(&s) < s.w.raw_bytes / 2);
    check_coded_store(&s);
    store_free(&s);
}

/* Decoding a record: escapes, codes, and damage (a cut code, a code past
 * the list, a field longer than the record). */
static void test_decode_record(void **state)
{
    static const unsigned char words[] = {4, 'y', 'a', 'n', 'g',
                                          3, 'd', 'a', 'n'};
    uint32_t *loc, n;
    cari_buf out = {0};
    size_t used;
    (void)state;
    assert_int_equal(cari_store_words_parse(words, sizeof words, &loc, &n),
                     CARI_OK);
    assert_int_equal(n, 2);
    {
        static const unsigned char rec[] = {
            5, 0xf5, 0x00, ' ', 0xf5, 0x01, /* title: "yang dan" */
            0,                               /* meta: "" */
            6, 0xc0, 0xc0, 0xc0, 0xc1, 0xc0, 0xff, /* text: "\xc0\xc1\xff" */
            'z'};
        assert_int_equal(cari_store_decode_record(words, loc, n, rec,
                                                  sizeof rec, &out, &used),
                         CARI_OK);
        assert_int_equal(used, sizeof rec - 1);
        assert_int_equal(out.len, 1 + 8 + 1 + 1 + 3);
        assert_memory_equal(out.data, "\x08yang dan\x00\x03\xc0\xc1\xff", 14);
    }
    {
        /* a code followed by a code: one space between; before an
         * escape or a plain byte, none */
        static const unsigned char rec[] = {
            12, 0xf5, 0x00, 0xf5, 0x01, 0xf5, 0x00, 0xc0, 0xc1, 0xf5, 0x01,
            0xf5, 0x00, /* "yang dan yang\xc1" "dan yang" */
            0, 0};
        out.len = 0;
        assert_int_equal(cari_store_decode_record(words, loc, n, rec,
                                                  sizeof rec, &out, &used),
                         CARI_OK);
        assert_int_equal(used, sizeof rec);
        assert_int_equal(out.len, 1 + 22 + 1 + 1);
        assert_memory_equal(out.data, "\x16yang dan yang\xc1" "dan yang\0\0",
                            25);
    }
    {
        /* a cut code, a code past the list (low byte, lead byte), a cut
         * escape, a field longer than the record */
        static const unsigned char bad[][5] = {
            {2, 'a', 0xf5, 0, 0}, {2, 0xf5, 0x02, 0, 0},
            {2, 0xf6, 0x00, 0, 0}, {1, 0xc0, 0, 0}, {9, 'a', 0, 0},
            /* three-byte codes: cut after one byte and after two, past
             * the list (two words: no three-byte word at all) */
            {1, 0xc1, 0, 0}, {2, 0xc1, 0x00, 0, 0},
            {3, 0xc1, 0x00, 0x00, 0}};
        static const size_t bad_len[] = {5, 5, 5, 4, 4, 4, 5, 5};
        size_t i;
        for (i = 0; i < sizeof bad / sizeof *bad; i++) {
            out.len = 0;
            assert_int_equal(cari_store_decode_record(words, loc, n, bad[i],
                                                      bad_len[i], &out, &used),
                             CARI_ECORRUPT);
        }
    }
    free(loc);
    cari_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_many_blocks),
        cmocka_unit_test(test_small_blocks),
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_big_record),
        cmocka_unit_test(test_empty_fields_and_nul),
        cmocka_unit_test(test_checked_block_cache),
        cmocka_unit_test(test_damaged_data),
        cmocka_unit_test(test_damaged_index),
        cmocka_unit_test(test_word_codes),
        cmocka_unit_test(test_word_list_order),
        cmocka_unit_test(test_word_boundaries),
        cmocka_unit_test(test_three_byte_codes),
        cmocka_unit_test(test_decode_record),
    };
    TEST_FILTER_FROM_ENV();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
