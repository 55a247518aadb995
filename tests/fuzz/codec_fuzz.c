/*
 * codec_fuzz.c -- the posting-list iterator on arbitrary bytes, and the
 * encoder and iterator on arbitrary doc lists.
 *
 * Input: byte 0 picks the mode.
 *  0 mod 4: bytes 1..4 are df, 5..8 the doc limit, 9..10 the length of the
 *    posting bytes; the rest is postings then positions.  The list is
 *    opened and walked with next, seek (targets from the input) and
 *    positions.  Asserts: docs ascending and below the limit, at most df
 *    of them, tf >= 1, positions ascending... or p->corrupt.
 *  2 mod 4: a derived list over a base list (walk_derived).
 *  odd: the rest is read as gaps and tfs; they are encoded, then decoded
 *    and must come back exactly, with skip entries that bound each block,
 *    and positions made from the same bytes (Rice-coded blocks) too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t get32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The checks of every doc a walk meets (below limit, ascending, at most
 * df of them, tf >= 1), then its next step: a seek when the input's byte
 * k says so, else next. */
typedef struct walker {
    uint32_t limit, df, count, prev;
    int first;
    size_t k;
} walker;

static void check_doc(walker *v, const cari_postings *p)
{
    if (p->doc >= v->limit || (!v->first && p->doc <= v->prev) ||
        ++v->count > v->df || cari_postings_tf(p) == 0)
        abort();
    v->first = 0;
    v->prev = p->doc;
}

static void step(walker *v, cari_postings *p, const uint8_t *data, size_t size)
{
    if (v->k < size && data[v->k] & 1) {
        uint32_t s = data[v->k] >> 1;
        cari_postings_seek(p, p->doc + 1 + s * s);
    } else {
        cari_postings_next(p);
    }
    v->k++;
}

static void walk(const uint8_t *data, size_t size)
{
    cari_postings p;
    cari_arena arena = {0};
    walker v = {0, 0, 0, 0, 1, 11};
    uint32_t pos[64];
    size_t plen;
    if (size < 11)
        return;
    v.df = get32(data + 1) % 100000;
    v.limit = get32(data + 5);
    plen = (size_t)(data[9] | data[10] << 8);
    if (plen > size - 11)
        plen = size - 11;
    if (cari_postings_open_limit(&p, data + 11, plen, data + 11 + plen,
                                 size - 11 - plen, v.df, v.limit,
                                 &arena) == CARI_OK) {
        while (p.doc != CARI_DOC_END) {
            int np, i;
            check_doc(&v, &p);
            np = cari_postings_positions(&p, pos, 64);
            for (i = 1; i < np; i++)
                if (pos[i] < pos[i - 1])
                    abort();  /* decoded from gaps: never descending */
            step(&v, &p, data, size);
        }
    }
    cari_arena_free(&arena);
}

static void round_trip(const uint8_t *data, size_t size)
{
    size_t n = 0, i, k;
    uint32_t *docs = malloc((size / 2 + 1) * sizeof *docs);
    uint32_t *tfs = malloc((size / 2 + 1) * sizeof *tfs);
    uint32_t *lens = malloc((size / 2 + 1) * sizeof *lens);
    uint32_t *pb = malloc((size / 2 + 1) * sizeof *pb);
    uint64_t doc = 0;
    uint32_t *vals = NULL;
    cari_buf out = {0}, pos = {0};
    cari_arena arena = {0};
    cari_postings p;
    static const unsigned char none[1];
    if (!docs || !tfs || !lens || !pb)
        abort();
    for (i = 1; i + 1 < size; i += 2) {
        /* a gap: small mostly, large when the high bit is set */
        uint64_t gap = data[i] & 0x80 ? (uint64_t)(data[i] & 0x7f) << 20
                                      : data[i];
        doc += gap + (n ? 1 : 0);
        if (doc >= CARI_DOC_END)
            break;
        docs[n] = (uint32_t)doc;
        tfs[n] = (uint32_t)(data[i + 1] & 0x3f) + 1;
        lens[n] = data[i + 1];
        pb[n] = 0;
        n++;
    }
    /* positions: entry k's tf positions climb by gaps taken from the
     * input, wide ones (up to 2^31) when a byte's top bits say so */
    {
        size_t total = 0, at = 0, nb = cari_postings_blocks(n), b;
        for (k = 0; k < n; k++)
            total += tfs[k];
        vals = malloc((total + 1) * sizeof *vals);
        if (!vals)
            abort();
        for (k = 0; k < n; k++) {
            uint64_t sum = 0;
            uint32_t j;
            for (j = 0; j < tfs[k]; j++) {
                uint8_t c = data[(k * 31 + j * 7) % size];
                uint32_t v = (c & 0xc0) == 0xc0 ? (uint32_t)c << 23 : c & 0x3f;
                if (sum + v > UINT32_MAX)
                    v = 0;
                sum += v;
                vals[at++] = v;
            }
        }
        at = 0;
        for (b = 0, k = 0; b < (nb ? nb : 1) && n; b++) {
            size_t end = nb && (b + 1) * CARI_BLOCK < n ? (b + 1) * CARI_BLOCK : n;
            size_t from = at, before = pos.len;
            for (; k < end; k++)
                at += tfs[k];
            if (cari_positions_encode(&pos, vals + from, at - from) != CARI_OK)
                abort();
            pb[b] = (uint32_t)(pos.len - before);
        }
    }
    if (cari_postings_encode(&out, docs, tfs, lens, pb, n, CARI_DOC_END) !=
        CARI_OK)
        abort();
    if (cari_postings_open_limit(&p, out.data ? out.data : none, out.len,
                                 pos.data ? pos.data : none, pos.len,
                                 (uint32_t)n, CARI_DOC_END, &arena) != CARI_OK)
        abort();
    for (k = 0, i = 0; k < n; k++) {
        const cari_skip *sk = cari_postings_block_skip(&p);
        uint32_t got[64], j;
        uint64_t want = 0;
        int np;
        if (p.doc != docs[k] || cari_postings_tf(&p) != tfs[k])
            abort();
        if (sk && (sk->last_doc < docs[k] || sk->max_tf < tfs[k] ||
                   sk->min_len > lens[k]))
            abort();
        /* every third doc's positions (the others are walked past) */
        if (k % 3 == 0) {
            np = cari_postings_positions(&p, got, 64);
            if (np != (int)tfs[k])
                abort();
            for (j = 0; j < tfs[k]; j++) {
                want += vals[i + j];
                if (got[j] != want)
                    abort();
            }
        }
        i += tfs[k];
        cari_postings_next(&p);
    }
    if (p.doc != CARI_DOC_END || p.corrupt)
        abort();
    cari_buf_free(&out);
    cari_buf_free(&pos);
    cari_arena_free(&arena);
    free(vals);
    free(docs);
    free(tfs);
    free(lens);
    free(pb);
}

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return a < b ? -1 : a > b;
}

/* A derived list (an exact form's ranks in its base's list): bytes 1..4
 * the base's df, 5..8 the doc limit, 9..10 the base list's length, 11..12
 * the form's df, 13..14 its list's length, then the two lists.  Walked
 * with next and seek; every doc must be below the limit, ascending, at
 * most df of them, and one of the base's docs as a plain walk decodes
 * them (while that walk finds no damage). */
static void walk_derived(const uint8_t *data, size_t size)
{
    cari_postings p, b;
    cari_arena arena = {0};
    walker v = {0, 0, 0, 0, 1, 15};
    uint32_t bdf, *bdocs, nb = 0;
    size_t blen, len;
    int base_ok;
    if (size < 15)
        return;
    bdf = get32(data + 1) % 20000;
    v.limit = get32(data + 5);
    blen = (size_t)(data[9] | data[10] << 8);
    v.df = (uint32_t)(data[11] | data[12] << 8);
    len = (size_t)(data[13] | data[14] << 8);
    if (blen > size - 15)
        blen = size - 15;
    if (len > size - 15 - blen)
        len = size - 15 - blen;
    bdocs = malloc(((size_t)bdf + 1) * sizeof *bdocs);
    if (!bdocs)
        abort();
    if (cari_postings_open_limit(&b, data + 15, blen, data + 15, 0, bdf,
                                 v.limit, &arena) == CARI_OK)
        while (b.doc != CARI_DOC_END && nb < bdf) {
            bdocs[nb++] = b.doc;
            cari_postings_next(&b);
        }
    base_ok = !b.corrupt && nb == bdf;
    if (cari_postings_open_derived(&p, data + 15 + blen, len, v.df,
                                   data + 15, blen, data + 15, 0, bdf,
                                   v.limit, &arena) == CARI_OK) {
        if (p.df && p.nblocks < 1)
            abort();  /* block bounds always: cursors use them */
        while (p.doc != CARI_DOC_END) {
            check_doc(&v, &p);
            if (base_ok && !bsearch(&p.doc, bdocs, nb, sizeof *bdocs, cmp_u32))
                abort();
            step(&v, &p, data, size);
        }
    }
    free(bdocs);
    cari_arena_free(&arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1)
        round_trip(data, size);
    else if ((data[0] & 3) == 2)
        walk_derived(data, size);
    else
        walk(data, size);
    return 0;
}
