/*
 * codec.c -- bit packing of 128-value blocks and the posting-list encoder
 * and iterator.  The byte grammar is documented in codec.h.
 *
 * Unpacking is specialised per bit width (a constant width lets the compiler
 * unroll the loop and turn shifts into constants); reads never go past the
 * 16 * bits bytes of the packed block.
 */
#include "codec.h"

#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "cari's on-disk codecs assume a little-endian host"
#endif

static inline uint32_t load32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline void store32(unsigned char *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

void cari_pack128(const uint32_t *in, int bits, unsigned char *out)
{
    uint64_t acc = 0;
    int have = 0, i;
    if (bits == 0)
        return;
    for (i = 0; i < CARI_BLOCK; i++) {
        uint64_t v = bits == 32 ? in[i] : (in[i] & ((1u << bits) - 1));
        acc |= v << have;
        have += bits;
        if (have >= 32) {
            store32(out, (uint32_t)acc);
            out += 4;
            acc >>= 32;
            have -= 32;
        }
    }
}

#define UNPACK(B)                                                          \
    static void unpack_##B(const unsigned char *in, uint32_t *out)         \
    {                                                                      \
        uint64_t acc = 0;                                                  \
        int have = 0, i;                                                   \
        const uint64_t mask = (B) == 32 ? 0xffffffffu : ((1u << (B)) - 1); \
        for (i = 0; i < CARI_BLOCK; i++) {                                 \
            if (have < (B)) {                                              \
                acc |= (uint64_t)load32(in) << have;                       \
                in += 4;                                                   \
                have += 32;                                                \
            }                                                              \
            out[i] = (uint32_t)(acc & mask);                               \
            acc >>= (B);                                                   \
            have -= (B);                                                   \
        }                                                                  \
    }

UNPACK(1) UNPACK(2) UNPACK(3) UNPACK(4) UNPACK(5) UNPACK(6) UNPACK(7)
UNPACK(8) UNPACK(9) UNPACK(10) UNPACK(11) UNPACK(12) UNPACK(13) UNPACK(14)
UNPACK(15) UNPACK(16) UNPACK(17) UNPACK(18) UNPACK(19) UNPACK(20)
UNPACK(21) UNPACK(22) UNPACK(23) UNPACK(24) UNPACK(25) UNPACK(26)
UNPACK(27) UNPACK(28) UNPACK(29) UNPACK(30) UNPACK(31) UNPACK(32)

static void unpack_0(const unsigned char *in, uint32_t *out)
{
    (void)in;
    memset(out, 0, CARI_BLOCK * sizeof *out);
}

typedef void (*unpack_fn)(const unsigned char *, uint32_t *);
static const unpack_fn unpackers[33] = {
    unpack_0, unpack_1, unpack_2, unpack_3, unpack_4, unpack_5, unpack_6,
    unpack_7, unpack_8, unpack_9, unpack_10, unpack_11, unpack_12,
    unpack_13, unpack_14, unpack_15, unpack_16, unpack_17, unpack_18,
    unpack_19, unpack_20, unpack_21, unpack_22, unpack_23, unpack_24,
    unpack_25, unpack_26, unpack_27, unpack_28, unpack_29, unpack_30,
    unpack_31, unpack_32};

void cari_unpack128(const unsigned char *in, int bits, uint32_t *out)
{
    unpackers[bits](in, out);
}

/* ---- patched packing: b bits per value, larger values as exceptions ----
 *
 *   patched := u8 b, u8 n, packed(low b bits of 128 values, b),
 *              (u8 index, varint value >> b){n}
 *
 * b is chosen to minimise the bytes: one outlier gap no longer widens the
 * whole block (the idea of PForDelta). */

/* The width that makes the smallest patched block of in[0..128). */
static int best_width(const uint32_t *in, int *nexc)
{
    size_t count[34] = {0}, best_bytes = SIZE_MAX, above = 0, cost = 0;
    int w, best = 32, i;
    for (i = 0; i < CARI_BLOCK; i++)
        count[cari_bits(in[i])]++;
    /* from the widest down: `above` values are wider than w, and each
     * costs its index and the varint of its v - w high bits; as w drops by
     * one, every such exception's high part grows by a bit, which adds a
     * varint byte when v - w crosses a multiple of 7 */
    for (w = 32; w >= 0; w--) {
        size_t bytes;
        int v;
        if (w < 32) {
            above += count[w + 1];
            cost += count[w + 1] * 2;  /* index byte + one varint byte */
            for (v = w + 8; v <= 32; v += 7)
                cost += count[v];  /* v - w reached 8, 15, 22, 29 bits */
        }
        if (above > 255)
            break;
        bytes = 16 * (size_t)w + cost;
        if (bytes < best_bytes) {
            best_bytes = bytes;
            best = w;
            *nexc = (int)above;
        }
    }
    return best;
}

static int put_patched(cari_buf *out, const uint32_t *in)
{
    int n = 0, b = best_width(in, &n), i;
    uint32_t low[CARI_BLOCK];
    if (cari_buf_reserve(out, 2 + 16 * (size_t)b + (size_t)n * 6))
        return CARI_ENOMEM;
    out->data[out->len++] = (unsigned char)b;
    out->data[out->len++] = (unsigned char)n;
    for (i = 0; i < CARI_BLOCK; i++)
        low[i] = b == 32 ? in[i] : in[i] & ((1u << b) - 1);
    cari_pack128(low, b, out->data + out->len);
    out->len += 16 * (size_t)b;
    for (i = 0; i < CARI_BLOCK && n; i++)
        if (b < 32 && in[i] >> b) {
            out->data[out->len++] = (unsigned char)i;
            out->len += cari_varint_put(out->data + out->len, in[i] >> b);
        }
    return CARI_OK;
}

/* Decode a patched block from [*q, end) into out; *q advances.  0, or -1
 * when the data does not decode. */
static int get_patched(const unsigned char **q, const unsigned char *end,
                       uint32_t *out)
{
    const unsigned char *p = *q;
    int b, n, k;
    if (end - p < 2)
        return -1;
    b = p[0];
    n = p[1];
    p += 2;
    if (b > 32 || (size_t)(end - p) < 16 * (size_t)b)
        return -1;
    cari_unpack128(p, b, out);
    p += 16 * (size_t)b;
    for (k = 0; k < n; k++) {
        uint64_t high;
        int idx;
        if (p >= end || b >= 32)
            return -1;
        idx = *p++;
        if (idx >= CARI_BLOCK)
            return -1;
        high = cari_varint_get(&p, end);
        if (!p || high == 0 || high > (UINT32_MAX >> b))
            return -1;
        out[idx] |= (uint32_t)high << b;
    }
    *q = p;
    return 0;
}

/* ---- tails: Rice codes with a k both sides derive ---- */

/* The Rice parameter of count gaps that add up to at most span (less
 * count): the largest k with count * 2^(k+1) <= span, so that the zero
 * bits of all quotients add up to 2 * count at most. */
static unsigned tail_k(uint64_t span, uint64_t count)
{
    unsigned k = 0;
    while (k < 31 && count << (k + 1) <= span)
        k++;
    return k;
}

/* The bit writer of the tails and of the positions' Rice codes
 * (little-endian bit order), into room the caller has reserved for the
 * bits to come: 32 at a time, then the last to a whole byte. */
typedef struct bitw {
    unsigned char *q;
    uint64_t acc;
    unsigned n;   /* bits in acc, < 32 between calls */
} bitw;

static inline void bitw_put(bitw *w, uint64_t v, unsigned nb) /* nb <= 32 */
{
    w->acc |= v << w->n;
    w->n += nb;
    if (w->n >= 32) {
        store32(w->q, (uint32_t)w->acc);
        w->q += 4;
        w->acc >>= 32;
        w->n -= 32;
    }
}

/* v zero bits, then a one */
static inline void bitw_unary(bitw *w, uint64_t v)
{
    while (v >= 32) {
        bitw_put(w, 0, 32);
        v -= 32;
    }
    bitw_put(w, 1ull << v, (unsigned)v + 1);
}

static unsigned char *bitw_flush(bitw *w)
{
    for (; w->n > 0; w->n = w->n > 8 ? w->n - 8 : 0) {
        *w->q++ = (unsigned char)w->acc;
        w->acc >>= 8;
    }
    return w->q;
}

/* A tail's entries: per doc, the gap's Rice code with parameter k
 * (quotient in zeros, a one, the k low bits), then tf's Elias gamma code
 * (n - 1 zeros for its bit length n, a one for its top bit, its n - 1 low
 * bits: tf = 1 is the single bit 1); zero bits to the byte's end. */
static int put_tail(cari_buf *out, const uint32_t *docs, const uint32_t *tfs,
                    size_t n, int64_t prev, unsigned k)
{
    uint64_t bits = 0;
    int64_t d = prev;
    size_t i;
    bitw w;
    for (i = 0; i < n; i++) { /* the room: the codes' bits */
        bits += ((uint64_t)((int64_t)docs[i] - d - 1) >> k) + 1 + k +
                2 * (uint64_t)cari_bits(tfs[i]) - 1;
        d = docs[i];
    }
    if (cari_buf_reserve(out, (size_t)((bits + 7) / 8)))
        return CARI_ENOMEM;
    w.q = out->data + out->len;
    w.acc = 0;
    w.n = 0;
    for (i = 0; i < n; i++) {
        uint32_t gap = (uint32_t)((int64_t)docs[i] - prev - 1);
        unsigned nb = (unsigned)cari_bits(tfs[i]);
        bitw_unary(&w, gap >> k);
        if (k)
            bitw_put(&w, gap & ((1ull << k) - 1), k);
        bitw_unary(&w, nb - 1);
        if (nb > 1)
            bitw_put(&w, tfs[i] & ((1ull << (nb - 1)) - 1), nb - 1);
        prev = docs[i];
    }
    out->len = (size_t)(bitw_flush(&w) - out->data);
    return CARI_OK;
}

/* 57 bits or more of s[0..len) from bit `at` on (zeros past the end). */
static inline uint64_t bits_from(const unsigned char *s, size_t len,
                                 uint64_t at)
{
    size_t byte = (size_t)(at >> 3);
    uint64_t w = 0;
    if (byte + 8 <= len)
        memcpy(&w, s + byte, 8);
    else if (byte < len)
        memcpy(&w, s + byte, len - byte);
    return w >> (at & 7);
}

/* The zeros before the next one bit at *bit (at most max of them), and
 * the one; -1 past the end or past max. */
static inline int64_t read_unary(const unsigned char *s, size_t len,
                                 uint64_t *bit, uint64_t max)
{
    uint64_t zeros = 0, end = (uint64_t)len * 8;
    for (;;) {
        uint64_t w;
        if (*bit >= end || zeros > max)
            return -1;
        w = bits_from(s, len, *bit);
        if (w) {
            unsigned z = (unsigned)__builtin_ctzll(w);
            zeros += z;
            *bit += z + 1;
            return zeros > max || *bit > end ? -1 : (int64_t)zeros;
        }
        zeros += 56;
        *bit += 56;
    }
}

/* Decode n tail entries from s[0..len), which they must fill (zero bits
 * to the end of the last byte), after doc `base`; 0, or -1. */
static int get_tail(cari_postings *p, const unsigned char *s, size_t len,
                    uint32_t n, int64_t base, unsigned k)
{
    uint64_t bit = 0, end = (uint64_t)len * 8;
    uint32_t i;
    for (i = 0; i < n; i++) {
        uint64_t gap, tf, w = bits_from(s, len, bit);
        unsigned z = w ? (unsigned)__builtin_ctzll(w) : 64;
        if (z + k + 2 <= 57 && (w >> (z + 1 + k) & 1) &&
            bit + z + k + 2 <= end) {
            /* the usual entry: a short quotient, k bits and tf 1 within
             * the 57 bits at hand, read from them at once */
            gap = (uint64_t)z << k | (w >> (z + 1) & ((1ull << k) - 1));
            tf = 1;
            bit += z + k + 2;
        } else {
            int64_t q = read_unary(s, len, &bit, (uint64_t)UINT32_MAX >> k), nb;
            if (q < 0 || bit + k > end)
                return -1;
            gap = (uint64_t)q << k;
            if (k)
                gap |= bits_from(s, len, bit) & ((1ull << k) - 1);
            bit += k;
            nb = read_unary(s, len, &bit, 31);
            if (nb < 0 || bit + (uint64_t)nb > end)
                return -1;
            tf = (1ull << nb) |
                 (nb ? bits_from(s, len, bit) & ((1ull << nb) - 1) : 0);
            bit += (uint64_t)nb;
        }
        if (gap >= p->limit || tf > UINT32_MAX)
            return -1;
        base += (int64_t)gap + 1;
        if (base >= p->limit)
            return -1;
        p->docs[i] = (uint32_t)base;
        p->tfs[i] = (uint32_t)tf;
    }
    /* nothing but zero bits after the last entry, in its last byte */
    return end - bit < 8 && bits_from(s, len, bit) == 0 ? 0 : -1;
}

/* ---- encoder ---- */

int cari_postings_encode(cari_buf *out, const uint32_t *docs,
                         const uint32_t *tfs, const uint32_t *lens,
                         const uint32_t *pos_bytes, size_t n, uint32_t limit)
{
    size_t nblocks = cari_postings_blocks(n);
    size_t b, i;
    cari_buf data = {0};
    int rc = CARI_OK;
    uint32_t prev_last = 0;  /* last doc of the previous block, + 1 */
    int64_t prev = -1;
    if (nblocks == 0)
        return n ? put_tail(out, docs, tfs, n, -1, tail_k(limit, n))
                 : CARI_OK;
    /* blocks go to `data`, skips straight to out, then data is appended */
    for (b = 0; b < nblocks; b++) {
        size_t first = b * CARI_BLOCK;
        size_t count = n - first < CARI_BLOCK ? n - first : CARI_BLOCK;
        size_t start = data.len;
        uint32_t max_tf = 0, min_len = UINT32_MAX, pbytes = pos_bytes[b];
        for (i = first; i < first + count; i++) {
            if (tfs[i] > max_tf)
                max_tf = tfs[i];
            if (lens[i] < min_len)
                min_len = lens[i];
        }
        if (count == CARI_BLOCK) {
            uint32_t gaps[CARI_BLOCK], tfm[CARI_BLOCK];
            for (i = 0; i < CARI_BLOCK; i++) {
                gaps[i] = (uint32_t)((int64_t)docs[first + i] - prev - 1);
                tfm[i] = tfs[first + i] - 1;
                prev = docs[first + i];
            }
            if (put_patched(&data, gaps) || put_patched(&data, tfm)) {
                rc = CARI_ENOMEM;
                break;
            }
        } else {
            /* the last block: its gaps add up to less than the span from
             * the previous block's last doc to its own */
            rc |= put_tail(&data, docs + first, tfs + first, count, prev,
                           tail_k((uint64_t)(docs[first + count - 1] - prev),
                                  count));
            prev = docs[first + count - 1];
        }
        rc |= cari_buf_varint(out, docs[first + count - 1] + 1 - prev_last);
        rc |= cari_buf_varint(out, data.len - start);
        rc |= cari_buf_varint(out, pbytes);
        rc |= cari_buf_varint(out, max_tf);
        rc |= cari_buf_varint(out, min_len);
        prev_last = docs[first + count - 1] + 1;
        if (rc)
            break;
    }
    if (!rc)
        rc = cari_buf_append(out, data.data, data.len);
    cari_buf_free(&data);
    return rc ? CARI_ENOMEM : CARI_OK;
}

/* ---- positions ---- */

/* Bits of the Rice code of values[0..n) with parameter k. */
static uint64_t rice_bits(const uint32_t *values, size_t n, unsigned k)
{
    uint64_t bits = (uint64_t)n * (k + 1);
    size_t i;
    for (i = 0; i < n; i++)
        bits += values[i] >> k;
    return bits;
}

int cari_positions_encode(cari_buf *out, const uint32_t *values, size_t n)
{
    uint64_t sum = 0, best_bits;
    unsigned k = 0, best, c;
    uint32_t max = 0;
    size_t i, start;
    bitw w;
    for (i = 0; i < n; i++) {
        sum += values[i];
        if (values[i] > max)
            max = values[i];
    }
    /* the best k is near log2 of the mean (Rice codes fit geometric
     * values); try its neighbours too */
    if (n && sum / n > 0)
        k = (unsigned)cari_bits((uint32_t)(sum / n > UINT32_MAX ? UINT32_MAX
                                                                : sum / n)) - 1;
    {
        /* k - 1 .. k + 2 in one pass (64-bit shifts: k + 2 may pass 31) */
        unsigned lo = k ? k - 1 : 0;
        uint64_t sh[4] = {0, 0, 0, 0};
        for (i = 0; i < n; i++) {
            uint64_t v = values[i];
            sh[0] += v >> lo;
            sh[1] += v >> (lo + 1);
            sh[2] += v >> (lo + 2);
            sh[3] += v >> (lo + 3);
        }
        best = k;  /* ties go to k, then to the lower neighbour */
        best_bits = (uint64_t)n * (k + 1) + sh[k - lo];
        for (c = 0; c < 4 && lo + c < 32; c++) {
            uint64_t b = (uint64_t)n * (lo + c + 1) + sh[c];
            if (b < best_bits) {
                best_bits = b;
                best = lo + c;
            }
        }
    }
    /* a byte a value when that is no larger; a Rice block must then not
     * be n bytes long, which would read as bytes (k = 31 never is) */
    if (max < 256 && n <= 1 + (best_bits + 7) / 8) {
        if (cari_buf_reserve(out, n))
            return CARI_ENOMEM;
        for (i = 0; i < n; i++)
            out->data[out->len++] = (unsigned char)values[i];
        return CARI_OK;
    }
    if (1 + (best_bits + 7) / 8 == n) {
        /* n bytes would read as a byte a value: a neighbouring k, or 31
         * (1 + 4n bytes at least) */
        unsigned alt = best ? best - 1 : best + 1;
        if (1 + (rice_bits(values, n, alt) + 7) / 8 == n)
            alt = 31;
        best = alt;
        best_bits = rice_bits(values, n, best);
    }
    start = out->len;
    if (cari_buf_reserve(out, 1 + (size_t)((best_bits + 7) / 8)))
        return CARI_ENOMEM;
    out->data[start] = (unsigned char)best;
    w.q = out->data + start + 1;
    w.acc = 0;
    w.n = 0;
    for (i = 0; i < n; i++) {
        bitw_unary(&w, values[i] >> best);
        if (best)
            bitw_put(&w, values[i] & ((1ull << best) - 1), best);
    }
    out->len = (size_t)(bitw_flush(&w) - out->data);
    return CARI_OK;
}

int cari_posbits_open(cari_posbits *r, const unsigned char *blk, size_t len,
                      uint64_t n)
{
    r->bit = 0;
    if (len == n) {
        r->plain = 1;
        r->k = 0;
        r->s = blk;
        r->len = len;
        return len ? 0 : -1;
    }
    if (len == 0 || blk[0] > 31)
        return -1;
    r->plain = 0;
    r->k = blk[0];
    r->s = blk + 1;
    r->len = len - 1;
    return 0;
}

/* 57 or more bits from bit `at` on (zeros past the end). */
static inline uint64_t bits_at(const cari_posbits *r, uint64_t at)
{
    return bits_from(r->s, r->len, at);
}

int cari_posbits_get(cari_posbits *r, uint32_t *v)
{
    uint64_t end = (uint64_t)r->len * 8;
    int64_t q;
    if (r->plain) {
        if (r->bit >= end)
            return -1;
        *v = r->s[r->bit >> 3];
        r->bit += 8;
        return 0;
    }
    q = read_unary(r->s, r->len, &r->bit, UINT32_MAX >> r->k);
    if (q < 0 || r->bit + r->k > end)
        return -1;
    *v = (uint32_t)((uint64_t)q << r->k);
    if (r->k) {
        *v |= (uint32_t)(bits_at(r, r->bit) & ((1ull << r->k) - 1));
        r->bit += r->k;
    }
    return 0;
}

/* Skip n values: only their ends are needed, found 57 bits at a time. */
static int posbits_skip(cari_posbits *r, uint64_t n)
{
    uint64_t end = (uint64_t)r->len * 8, bit = r->bit;
    unsigned k = r->k;
    if (r->plain) {
        if (n > (end - bit) / 8)
            return -1;
        r->bit = bit + 8 * n;
        return 0;
    }
    while (n) {
        uint64_t w;
        unsigned avail;
        if (bit >= end)
            return -1;
        w = bits_at(r, bit);
        avail = 57;
        if (!w) {       /* 56 bits of a long quotient */
            bit += 56;
            continue;
        }
        /* take every value that ends within this window */
        while (n && w) {
            unsigned used = (unsigned)__builtin_ctzll(w) + 1 + k;
            if (used > avail)
                break;
            w = used < 64 ? w >> used : 0;
            avail -= used;
            bit += used;
            n--;
        }
        if (n && w) {
            /* a value that crosses the window: the slow way */
            cari_posbits t = *r;
            uint32_t v;
            t.bit = bit;
            if (cari_posbits_get(&t, &v))
                return -1;
            bit = t.bit;
            n--;
        } else if (n) {
            bit += avail;  /* the window's last bits are a value's zeros */
        }
    }
    if (bit > end)
        return -1;
    r->bit = bit;
    return 0;
}

int cari_posbits_done(const cari_posbits *r)
{
    uint64_t end = (uint64_t)r->len * 8;
    return r->bit <= end && end - r->bit < 8 && bits_at(r, r->bit) == 0;
}

/* ---- iterator ---- */

/* Decode block b (whose first entry follows doc `base`, -1 for none). */
static int decode_block(cari_postings *p, uint32_t b, int64_t base)
{
    const unsigned char *q, *end;
    uint32_t count, i;
    if (p->nblocks) {
        q = p->data + p->skips[b].offset;
        end = b + 1 < p->nblocks ? p->data + p->skips[b + 1].offset : p->end;
        count = b + 1 < p->nblocks ? CARI_BLOCK
                                   : p->df - (p->nblocks - 1) * CARI_BLOCK;
        p->pos_block = p->pos + p->skips[b].pos_offset;
        p->pos_block_end = b + 1 < p->nblocks
                               ? p->pos + p->skips[b + 1].pos_offset
                               : p->pos_end;
    } else {
        q = p->data;
        end = p->end;
        count = p->df;
        p->pos_block = p->pos;
        p->pos_block_end = p->pos_end;
    }
    if (count == CARI_BLOCK && p->nblocks) {
        if (get_patched(&q, end, p->docs) || get_patched(&q, end, p->tfs) ||
            q != end)
            goto corrupt;
        for (i = 0; i < CARI_BLOCK; i++) {
            base += (int64_t)p->docs[i] + 1;
            p->docs[i] = (uint32_t)base;
            if (p->tfs[i] == UINT32_MAX) /* tf would wrap to 0 */
                goto corrupt;
            p->tfs[i] += 1;
        }
        if (base >= p->limit)
            goto corrupt;
    } else {
        /* Rice codes whose k the list's shape gives (put_tail): the span
         * to the block's last doc for a long list's last block, the doc
         * count for a short list */
        unsigned k = p->nblocks
                         ? tail_k((uint64_t)((int64_t)p->skips[b].last_doc - base),
                                  count)
                         : tail_k(p->limit, count);
        if (get_tail(p, q, (size_t)(end - q), count, base, k))
            goto corrupt;
    }
    if (p->nblocks && p->docs[count - 1] != p->skips[b].last_doc)
        goto corrupt;
    p->block = b;
    p->n = count;
    p->i = 0;
    p->pos_i = 0;
    p->pos_open = 0;
    p->doc = p->docs[0];
    return CARI_OK;
corrupt:
    p->corrupt = 1;
    p->doc = CARI_DOC_END;
    p->n = 0;
    return CARI_ECORRUPT;
}

int cari_postings_open_limit(cari_postings *p, const unsigned char *data,
                             size_t len, const unsigned char *pos,
                             size_t pos_len, uint32_t df, uint32_t limit,
                             cari_arena *arena)
{
    const unsigned char *q = data, *end = data + len;
    uint32_t b;
    uint64_t last = 0, off = 0, poff = 0;
    p->limit = limit < CARI_DOC_END ? limit : CARI_DOC_END;
    p->data = data;
    p->end = end;
    p->pos = pos;
    p->pos_end = pos + pos_len;
    p->df = df;
    p->corrupt = 0;
    p->skips = NULL;
    p->nblocks = 0;
    p->doc = CARI_DOC_END;
    p->n = p->i = 0;
    p->derived = NULL;
    if (df == 0)
        return CARI_OK;
    if (df >= CARI_BLOCK) {
        /* 64-bit: df + 127 wraps for df near UINT32_MAX */
        uint32_t nb = (uint32_t)(((uint64_t)df + CARI_BLOCK - 1) / CARI_BLOCK);
        /* a skip entry is at least 5 bytes: refuse a df the data cannot
         * hold before allocating its skip table */
        if ((uint64_t)nb * 5 > len)
            goto corrupt;
        p->skips = cari_arena_alloc(arena, nb * sizeof *p->skips);
        if (!p->skips)
            return CARI_ENOMEM;
        for (b = 0; b < nb; b++) {
            cari_skip *s = &p->skips[b];
            last += cari_varint_get(&q, end);
            s->offset = (uint32_t)off;
            s->pos_offset = (uint32_t)poff;
            off += cari_varint_get(&q, end);
            poff += cari_varint_get(&q, end);
            s->max_tf = (uint32_t)cari_varint_get(&q, end);
            s->min_len = (uint32_t)cari_varint_get(&q, end);
            if (!q || last == 0 || last > CARI_DOC_END)
                goto corrupt;
            s->last_doc = (uint32_t)(last - 1);
        }
        if (off > (uint64_t)(end - q) || poff > pos_len)
            goto corrupt;
        p->data = q;
        p->nblocks = nb;
    }
    return decode_block(p, 0, -1);
corrupt:
    p->corrupt = 1;
    return CARI_ECORRUPT;
}

static uint32_t derived_seek(cari_postings *p, uint32_t target);

uint32_t cari_postings_seek(cari_postings *p, uint32_t target)
{
    if (p->doc == CARI_DOC_END)
        return CARI_DOC_END;
    if (target <= p->doc)
        return p->doc;
    if (p->docs[p->n - 1] < target) {
        /* past this block: find the block that may hold target */
        uint32_t b = p->block + 1;
        if (CARI_UNLIKELY(p->derived != NULL))
            return derived_seek(p, target);  /* (its n is 1) */
        if (!p->nblocks) {
            p->doc = CARI_DOC_END;
            return CARI_DOC_END;
        }
        if (b < p->nblocks && p->skips[b].last_doc < target) {
            /* galloping, then binary search, for the first block whose
             * last doc reaches target: a sparse seek over a long list
             * (MaxScore probing a common word) skips blocks by the
             * hundred */
            uint32_t lo = b, step = 1, hi;
            while (lo + step < p->nblocks &&
                   p->skips[lo + step].last_doc < target) {
                lo += step;
                step *= 2;
            }
            hi = lo + step < p->nblocks ? lo + step : p->nblocks;
            while (hi - lo > 1) {
                uint32_t mid = lo + (hi - lo) / 2;
                if (p->skips[mid].last_doc < target)
                    lo = mid;
                else
                    hi = mid;
            }
            b = hi;
        }
        if (b >= p->nblocks) {
            p->doc = CARI_DOC_END;
            return CARI_DOC_END;
        }
        if (decode_block(p, b, p->skips[b - 1].last_doc))
            return CARI_DOC_END;
    }
    while (p->docs[p->i] < target)
        p->i++;
    p->doc = p->docs[p->i];
    return p->doc;
}

int cari_postings_block_positions(const cari_postings *p, cari_posbits *r)
{
    uint64_t values = 0;
    uint32_t k;
    if (!p->pos_block || p->pos_block_end < p->pos_block)
        return -1;
    for (k = 0; k < p->n; k++)
        values += p->tfs[k];
    return cari_posbits_open(r, p->pos_block,
                             (size_t)(p->pos_block_end - p->pos_block), values);
}

int cari_postings_positions(cari_postings *p, uint32_t *out, uint32_t max)
{
    cari_posbits *r = &p->pos_bits;
    uint32_t k, tf, n = 0, v;
    uint64_t pos = 0;
    if (p->doc == CARI_DOC_END || !p->pos_block)
        return -1;
    if (!p->pos_open) {
        if (cari_postings_block_positions(p, r))
            goto corrupt;
        p->pos_open = 1;
    }
    /* walk past the positions of the entries before the cursor */
    if (p->pos_i < p->i) {
        uint64_t skip = 0;
        for (k = p->pos_i; k < p->i; k++)
            skip += p->tfs[k];
        if (posbits_skip(r, skip))
            goto corrupt;  /* pos_i stays: every later entry fails too */
        p->pos_i = p->i;
    }
    /* the cursor's own: read again if asked twice (the reader stays at
     * the entry's start until the cursor moves on) */
    {
        cari_posbits at = *r;
        tf = p->tfs[p->i];
        for (k = 0; k < tf; k++) {
            /* a gap that takes the position past 2^32 - 1 is damage
             * (adding it first could wrap the sum round to a small,
             * valid-looking one) */
            if (cari_posbits_get(&at, &v) || v > UINT32_MAX - pos)
                goto corrupt;
            pos += v;
            if (n < max)
                out[n++] = (uint32_t)pos;
        }
    }
    return (int)n;
corrupt:
    p->corrupt = 1;
    return -1;
}

/* ---- derived lists ---- */

typedef struct cari_derived {
    cari_postings ranks;  /* the list as coded: ranks in the base's list */
    cari_postings base;   /* the base's list: rank -> doc */
    cari_skip one;        /* the skip entry shown for a short list */
} cari_derived;

/* Move the base walker forward to its entry of rank r (at or after its
 * current one); its doc, or CARI_DOC_END (then corrupt) when r is past
 * the list. */
static uint32_t base_at_rank(cari_postings *b, uint32_t r)
{
    uint32_t blk = r / CARI_BLOCK;
    if (b->doc == CARI_DOC_END)
        return CARI_DOC_END;
    if (b->nblocks) {
        if (blk >= b->nblocks)
            return CARI_DOC_END;
        if (blk != b->block &&
            cari_postings_seek(b, b->skips[blk - 1].last_doc + 1) ==
                CARI_DOC_END)
            return CARI_DOC_END;
    } else if (blk) {
        return CARI_DOC_END;
    }
    if (r - blk * CARI_BLOCK >= b->n)
        return CARI_DOC_END;
    b->i = r - blk * CARI_BLOCK;
    b->doc = b->docs[b->i];
    return b->doc;
}

/* Show the ranks walker's entry as p's doc. */
static uint32_t derived_show(cari_postings *p)
{
    cari_derived *d = p->derived;
    uint32_t doc = d->ranks.doc == CARI_DOC_END
                       ? CARI_DOC_END
                       : base_at_rank(&d->base, d->ranks.doc);
    if (doc == CARI_DOC_END) {
        /* past the end, or a rank the base's list does not have (which
         * the ranks walker's limit, the base's df, rules out unless the
         * base's list is damaged) */
        if (d->ranks.doc != CARI_DOC_END || d->ranks.corrupt ||
            d->base.corrupt)
            p->corrupt = 1;
        p->doc = CARI_DOC_END;
        return CARI_DOC_END;
    }
    p->doc = p->docs[0] = doc;
    p->tfs[0] = d->ranks.tfs[d->ranks.i];
    p->block = d->ranks.nblocks ? d->ranks.block : 0;
    return doc;
}

static uint32_t derived_seek(cari_postings *p, uint32_t target)
{
    cari_derived *d = p->derived;
    uint32_t r;
    /* the first base doc >= target has the smallest rank a match can
     * have; the ranks walker goes to the first of its ranks from there */
    if (cari_postings_seek(&d->base, target) == CARI_DOC_END) {
        p->corrupt |= d->base.corrupt;
        p->doc = CARI_DOC_END;
        return CARI_DOC_END;
    }
    r = cari_postings_ordinal(&d->base);
    if (d->ranks.doc < r)
        cari_postings_seek(&d->ranks, r);
    return derived_show(p);
}

int cari_postings_open_derived(cari_postings *p, const unsigned char *data,
                               size_t len, uint32_t df,
                               const unsigned char *base, size_t base_len,
                               const unsigned char *base_pos,
                               size_t base_pos_len, uint32_t base_df,
                               uint32_t limit, cari_arena *arena)
{
    cari_derived *d;
    int rc;
    memset(p, 0, offsetof(cari_postings, docs));
    p->doc = CARI_DOC_END;
    p->pos_block = p->pos_block_end = NULL;
    p->pos_i = 0;
    p->pos_open = 0;
    p->corrupt = 0;
    p->limit = limit < CARI_DOC_END ? limit : CARI_DOC_END;
    p->df = df;
    p->derived = NULL;
    if (df == 0)
        return CARI_OK;
    /* a subset of the base's docs: no more of them */
    if (df > base_df) {
        p->corrupt = 1;
        return CARI_ECORRUPT;
    }
    d = cari_arena_alloc(arena, sizeof *d);
    if (!d)
        return CARI_ENOMEM;
    rc = cari_postings_open_limit(&d->ranks, data, len, data + len, 0, df,
                                  base_df, arena);
    if (!rc)
        rc = cari_postings_open_limit(&d->base, base, base_len, base_pos,
                                      base_pos_len, base_df, limit, arena);
    if (rc) {
        p->corrupt = 1;
        return rc;
    }
    p->derived = d;
    p->data = data;
    p->end = data + len;
    p->n = 1;
    p->i = 0;
    if (d->ranks.nblocks) {
        p->skips = d->ranks.skips;
        p->nblocks = d->ranks.nblocks;
    } else {
        /* a short list: one entry bounding all of it (min_len 0: its
         * lengths are not at hand, and 0 never understates a bound) */
        uint32_t k, max_tf = 0;
        for (k = 0; k < d->ranks.n; k++)
            if (d->ranks.tfs[k] > max_tf)
                max_tf = d->ranks.tfs[k];
        d->one.max_tf = max_tf;
        d->one.min_len = 0;
        d->one.last_doc = CARI_DOC_END - 1;
        p->skips = &d->one;
        p->nblocks = 1;
    }
    derived_show(p);
    return p->corrupt ? CARI_ECORRUPT : CARI_OK;
}
