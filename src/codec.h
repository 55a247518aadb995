/*
 * codec.h -- postings compression: blocks of 128 bit-packed integers,
 * varints, and the posting-list encoder and iterator.  Internal to libcari.
 *
 * Posting list byte grammar (one list per term and field; df comes from the
 * term dictionary, never from the list):
 *
 *   list     := (df < 128)  tail
 *             | (df >= 128) skips block* tail?
 *   skips    := skip{ceil(df / 128)}          one per block, the tail included
 *   skip     := varint last_doc_delta         last doc of the block minus the
 *                                             last doc of the previous block
 *                                             (first block: the last doc + 1)
 *               varint bytes                  length of the block's data
 *               varint pos_bytes              length of its positions block
 *               varint max_tf                 largest tf in the block
 *               varint min_len                smallest field length in it
 *   block    := patched(doc gaps)             128 full entries:
 *               patched(tf - 1)               gap = doc - previous doc - 1
 *                                             (previous doc of the first
 *                                             entry: the last doc of the
 *                                             previous block, or -1)
 *   patched  := u8 b, u8 n, packed(the low b bits of the 128 values, b),
 *               (u8 index, varint value >> b){n}   the n values wider
 *                                             than b bits (b chosen to
 *                                             make the block smallest)
 *   tail     := entry{df % 128}, zero bits to  the last, partial block:
 *               the byte's end                bit-coded, little-endian bit
 *                                             order (as positions)
 *   entry    := rice(gap, k) gamma(tf)
 *   gamma(v) := n - 1 zero bits (n: v's bit length), a one bit, the low
 *               n - 1 bits of v
 *   k        := the largest k with count * 2^(k+1) <= span (at most 31),
 *               count the tail's entries and span its last doc's distance
 *               from the doc before it (the previous block's last, from
 *               the skip entries), or, for a list of df < 128, the field's
 *               doc count (passages or articles of the segment): both
 *               sides derive it, and the quotients' zero bits add up to
 *               2 * count at most.  Against varints (format 14 and
 *               before) this keeps 0.3 MB of clickid_news's 2.9 MB of
 *               tails.
 *   packed(v, b) := 128 values of b bits, little-endian bit order, in
 *                   16 * b bytes (b = 0 stores nothing: all values are 0)
 *
 * Positions live in a separate stream, in blocks that match the list's:
 * one per skip entry (so a block's positions start at its pos_bytes sum),
 * or one for a list of df < 128.
 *
 *   pblock   := u8{n}                  a block of exactly n bytes for its
 *                                      n values: one byte each
 *             | u8 k, rice(value, k)*, zero bits to the next byte
 *                                      any other length
 *   rice     := (value >> k) zero bits, a one bit, the low k bits of value
 *               (bits little-endian: the first at bit 0 of the first byte)
 *   values   := for every entry of the block, tf values: its first
 *               position, then the gap to each next position (n = the
 *               sum of the block's tfs, known from the posting list)
 *
 * k (0-31) is chosen per block to make it smallest.  Most positions are
 * small numbers within a passage, about 6 bits each this way, against the
 * byte a varint takes (format 6 and before); a block of one or two values
 * is smaller as bytes, with no k.  Exact-form and metadata terms have no
 * positions: their streams are empty.
 */
#ifndef CARI_CODEC_H
#define CARI_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define CARI_BLOCK 128

/* Bits needed to store v (0 for 0). */
static inline int cari_bits(uint32_t v)
{
    return v ? 32 - __builtin_clz(v) : 0;
}

/* Pack 128 values of `bits` bits into out (16 * bits bytes). */
void cari_pack128(const uint32_t *in, int bits, unsigned char *out);
/* Unpack 128 values of `bits` bits from in (reads exactly 16 * bits
 * bytes). */
void cari_unpack128(const unsigned char *in, int bits, uint32_t *out);

/* ---- encoder ---- */

/*
 * Append one posting list to out: docs[0..n) ascending, tfs[] >= 1,
 * lens[] the field length of each doc (for block maxima), and pos_bytes[]
 * the size of each block's positions (cari_positions_encode(); one per
 * block of 128 entries, the last partial one included, and unused for a
 * list of n < 128, which has no skip entries).  limit is the field's doc
 * count (docs are below it); a reader must open the list with the same.
 */
int cari_postings_encode(cari_buf *out, const uint32_t *docs,
                         const uint32_t *tfs, const uint32_t *lens,
                         const uint32_t *pos_bytes, size_t n, uint32_t limit);

/* Blocks of a list of n entries: the skip entries it has (0 below 128). */
static inline size_t cari_postings_blocks(size_t n)
{
    return n >= CARI_BLOCK ? (n + CARI_BLOCK - 1) / CARI_BLOCK : 0;
}

/* Append one positions block holding values[0..n) (first positions and
 * gaps, as the grammar above says).  Returns CARI_OK or CARI_ENOMEM. */
int cari_positions_encode(cari_buf *out, const uint32_t *values, size_t n);

/* A reader of one positions block. */
typedef struct cari_posbits {
    const unsigned char *s;  /* the block's bits after its k byte, or bytes */
    size_t len;              /* bytes of them */
    uint64_t bit;            /* next bit to read */
    unsigned k;
    int plain;               /* a byte a value */
} cari_posbits;

/* Start reading the block [blk, blk + len) of n values: -1 when it is
 * empty or its k is out of range. */
int cari_posbits_open(cari_posbits *r, const unsigned char *blk, size_t len,
                      uint64_t n);

/* The next value; -1 when the block ends first or the value passes
 * 2^32 - 1. */
int cari_posbits_get(cari_posbits *r, uint32_t *v);

/* 1 when the reader has used the whole block: only zero bits left in its
 * last byte. */
int cari_posbits_done(const cari_posbits *r);

/* ---- iterator ---- */

typedef struct cari_skip {
    uint32_t last_doc;   /* last doc of the block */
    uint32_t offset;     /* byte offset of the block in the list */
    uint32_t pos_offset; /* byte offset of its positions */
    uint32_t max_tf;
    uint32_t min_len;
} cari_skip;

struct cari_derived;

typedef struct cari_postings {
    const unsigned char *data, *end;  /* the list */
    const unsigned char *pos, *pos_end; /* its positions */
    uint32_t df;
    uint32_t nblocks;        /* skip entries (0 for short lists) */
    cari_skip *skips;        /* nblocks entries, owned by the caller's arena */
    uint32_t block;          /* current block */
    uint32_t n;              /* entries decoded in the current block */
    uint32_t i;              /* cursor in the current block */
    uint32_t doc;            /* current doc; CARI_DOC_END past the end */
    uint32_t docs[CARI_BLOCK];
    uint32_t tfs[CARI_BLOCK];
    /* positions of the current block: lazily walked */
    const unsigned char *pos_block, *pos_block_end; /* its bytes */
    cari_posbits pos_bits;   /* at the positions of entry pos_i */
    uint32_t pos_i;
    int pos_open;            /* pos_bits is open */
    int corrupt;             /* set when the data did not decode */
    uint32_t limit;          /* doc ids are below this */
    /* A derived list (cari_postings_open_derived): the walkers that do
     * the work; this cursor only shows their doc (docs[0], tfs[0], n 1)
     * and their skip entries' max_tf and min_len (block bounds; an exact
     * form's are coded with min_len 0, segment.c; the entries' last_doc
     * and offsets are theirs, not docs).  NULL for a plain list. */
    struct cari_derived *derived;
} cari_postings;

#define CARI_DOC_END UINT32_MAX

/*
 * Start iterating a list of df docs, all below limit: the field's doc
 * count, as given to cari_postings_encode() (a short list's codes depend
 * on it).  A doc id the data decodes to past it is damage (CARI_ECORRUPT /
 * p->corrupt), never handed to the caller as an index into its tables.
 * arena provides the skip table.  Returns CARI_OK (p->doc is the first
 * doc), CARI_ECORRUPT when the header does not decode, or CARI_ENOMEM.
 */
int cari_postings_open_limit(cari_postings *p, const unsigned char *data,
                             size_t len, const unsigned char *pos,
                             size_t pos_len, uint32_t df, uint32_t limit,
                             cari_arena *arena);

/*
 * Start iterating a derived list: the docs of an exact form ("=menulis",
 * segment.h) coded as their ranks in its base term's list ("tulis") of the
 * same field, a plain list of df entries below base_df (whose skip
 * entries hold ranks).  base/base_len/base_pos/base_pos_len/base_df: the
 * base's list; limit: the field's doc count.  The cursor then reads as a
 * plain list without positions; copying it (struct assignment) shares its
 * walkers: open it again for a second cursor.
 */
int cari_postings_open_derived(cari_postings *p, const unsigned char *data,
                               size_t len, uint32_t df,
                               const unsigned char *base, size_t base_len,
                               const unsigned char *base_pos,
                               size_t base_pos_len, uint32_t base_df,
                               uint32_t limit, cari_arena *arena);

/* The current entry's ordinal in its list (0 for the first): the rank
 * by which an exact form's derived list names it (a plain list only). */
static inline uint32_t cari_postings_ordinal(const cari_postings *p)
{
    return (p->nblocks ? p->block * CARI_BLOCK : 0) + p->i;
}

/* Advance to the first doc >= target (target > current doc); returns the
 * new doc or CARI_DOC_END.  Check p->corrupt after a run of calls. */
uint32_t cari_postings_seek(cari_postings *p, uint32_t target);

static inline uint32_t cari_postings_next(cari_postings *p)
{
    return cari_postings_seek(p, p->doc + 1);
}

static inline uint32_t cari_postings_tf(const cari_postings *p)
{
    return p->tfs[p->i];
}

/* Open r on the positions block of the iterator's current block (its
 * value count is the sum of the block's tfs); -1 when it does not open. */
int cari_postings_block_positions(const cari_postings *p, cari_posbits *r);

/*
 * Decode the positions of the current doc into out (room for max); returns
 * how many (the tf, capped at max), or -1 when the data is corrupt.
 */
int cari_postings_positions(cari_postings *p, uint32_t *out, uint32_t max);

/* Does pos[0..n), ascending (as decoded), hold a value in [lo, hi]? */
static inline int cari_positions_within(const uint32_t *pos, int n,
                                        uint32_t lo, uint32_t hi)
{
    int i;
    for (i = 0; i < n && pos[i] <= hi; i++)
        if (pos[i] >= lo)
            return 1;
    return 0;
}

/* The skip entry of the block holding the current doc, or NULL for short
 * lists (the caller then uses list-wide bounds). */
static inline const cari_skip *cari_postings_block_skip(const cari_postings *p)
{
    return p->nblocks ? &p->skips[p->block] : NULL;
}

#endif
