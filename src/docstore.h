/*
 * docstore.h -- stored articles: title, metadata and text, in
 * zlib-deflated blocks with random access by article number.
 * Internal to libcari.
 *
 * Record (uncompressed, inside a block):
 *   varint title_len, title, varint meta_len, meta, varint text_len, text
 * (the ids live uncompressed in the segment's IDTEXT section).
 * A block is closed once it holds CARI_STORE_BLOCK bytes (so the record that
 * crosses the size stays whole in it) and deflated on its own, as a zlib
 * stream (header and adler32 trailer: damage is detected on inflate),
 * written and read by libdeflate (zlib reads it too).  A segment, which
 * verifies the CRC-32 of its sections when it opens, reads blocks as raw
 * deflate, whole, one block cached (load_block in docstore.c).
 *
 * Word codes: before deflate, the words of the segment's word list (up
 * to CARI_STORE_WORDS runs of 3 to 32 ASCII letters, WORDS section) are
 * replaced in every field by a code: the CARI_STORE_WORDS2 words used
 * most by two bytes, a lead byte 0xF5..0xFF and the low byte of the
 * word's number; the others by three, 0xC1 and the big-endian number
 * less CARI_STORE_WORDS2 (there are others only once the two-byte codes
 * are all taken).  0xC1 and 0xF5..0xFF are never in UTF-8; a byte 0xC0,
 * 0xC1 or 0xF5..0xFF of the text itself is written as 0xC0 and that
 * byte.  A code directly followed by a code stands for its word and one
 * space (segment format 9): a single space between two coded words is
 * not written (two such words are never adjacent in the text, where a
 * word is a whole run of letters).  The record's lengths, the index's
 * offsets and the block sizes are of the coded bytes.  The list is
 * learned from the segment's first CARI_STORE_SAMPLE bytes of records
 * (held uncompressed until then; less when the index writer's memory
 * budget is small, cari_segw_set_budget): the words whose coding saves,
 * in the sample alone, more than listing them costs (learn_words in
 * docstore.c).  On clickid_news deflate then sees 18.9 MB of coded bytes
 * for 45 MB of text, and its 32 KiB window reaches over more text: the
 * stored text with its list keeps 30.4% of the text (13.78 MB), against
 * 32.3% when the spaces were written (four in five gaps between words
 * are one space), 36.8% with two-byte codes alone (a list of 2,816 words
 * learned from 1 MiB) and 38.9% with zlib at level 4, a 16 KiB preset
 * dictionary and no codes.
 * A segment with an empty list (less than 64 KiB of text, where a list
 * costs more than it saves) stores text as is.  The list itself is
 * deflated (libdeflate's level 6; inflated when the segment opens):
 * words share prefixes and endings, and clickid_news's list of 68,352
 * words goes from 0.616 to 0.313 MB (level 12 made 0.293 MB, in 8 times
 * the time).
 */
#ifndef CARI_DOCSTORE_H
#define CARI_DOCSTORE_H

#include <stddef.h>
#include <stdint.h>


#include "util.h"

/* Block size and level, measured on clickid_news (2026-11-29).  Before
 * word codes: zlib on 16 KiB blocks kept 41.3% of the text at level 6
 * without a dictionary, 39.3% at level 4 with a 16 KiB preset dictionary
 * (42.2% without one).  Codes leave 66% of the bytes to deflate, which a
 * dictionary no longer helps much: on the coded text, zlib at level 2
 * with one keeps 54.7% of 16 KiB coded blocks, libdeflate at level 1
 * without one 55.0%, 2.5x as fast (its levels 5-9: 54.0%, half as fast
 * as its level 1).  Level 2 was the default (cari.h): on clickid_news
 * (format 15, 2026-11-29) it keeps 0.10 MB more than level 1 for 2% more
 * indexing time (-j 1, 7 interleaved runs: 3.17 -> 3.25 s), which took
 * the index under FTS5's size (27.04 MB against 27.1).  Since 2026-11-30
 * levels 1..3 are ISA-L's igzip (CARI_STORE_ISAL_LEVELS), 4..12
 * libdeflate's.  On clickid_news, -j 1, the segment (stored text and
 * all) is 26.25 / 26.25 / 26.21 MB at igzip's levels 1 / 2 / 3 against
 * 26.05 MB with libdeflate's level 2, and the run took 2.29 / 2.25 /
 * 2.37 s against 2.47 s (medians of 7 interleaved runs; level 3 costs
 * more than its 0.04 MB are worth).  The default stays level 2.
 *
 * Blocks hold 16 KiB of text, not 24 (16 KiB coded): a snippet inflates
 * from its block's start, and inflating costs by the text covered, not
 * by the bytes written: with 24 KiB blocks --snippets p50 was 14% slower
 * than before codes, with 16 KiB 8% faster; the index is 0.3 MB larger
 * for it.
 *
 * The sample and the rule for keeping a word, measured on clickid_news
 * (2026-11-29, one -j 1 run each; stored text and list together): a 1
 * MiB sample filled the two-byte codes alone, 16.73 MB; with three-byte
 * codes, a 4 MiB sample gives 15.33 MB, 8 MiB 15.00 and 16 MiB 14.69
 * (a list learned from all 45 MB would keep about 0.3% of the text
 * less).  Keeping a word when it saves 2 or 4 times its listing: 15.22
 * and 15.53 MB at 8 MiB.  Indexing time: the same as with two-byte codes
 * alone within the noise (9 interleaved runs each), once the learner and
 * the coder prefetch their tables; peak RSS likewise (115 MB).  Since the
 * list is deflated (format 11) a word's listing costs about half its
 * bytes: counted so, the list fills all 68,352 codes (45,108 before) and
 * the stored text with its list takes 13.44 MB, not 13.60 (format 15,
 * 2026-11-29).  62,208 more three-byte codes (0xC0 and a byte that is
 * not special) kept only 0.02 MB more: not done. */
#define CARI_STORE_BLOCK 16384
/* Levels 1..3 deflate with ISA-L's igzip, 4..12 with libdeflate. */
#define CARI_STORE_ISAL_LEVELS 3
#ifndef CARI_STORE_SAMPLE
#define CARI_STORE_SAMPLE (16u << 20)
#endif
#ifndef CARI_STORE_KEEP
#define CARI_STORE_KEEP 1
#endif
#define CARI_STORE_WORDS2 2816  /* 11 lead bytes of 256 two-byte codes */
#define CARI_STORE_WORDS3 65536 /* one lead byte of 65536 three-byte codes */
#define CARI_STORE_WORDS (CARI_STORE_WORDS2 + CARI_STORE_WORDS3)
#define CARI_STORE_WORD_MIN 3   /* a shorter word saves nothing */
#define CARI_STORE_WORD_MAX 32
#define CARI_STORE_WORDS_MIN_SAMPLE 65536 /* less text: no list */

typedef struct cari_store_writer {
    int level;
    size_t block_size;
    size_t sample;        /* bytes of records the word list is learned from
                             (CARI_STORE_SAMPLE unless the caller sets it) */
    cari_buf block;       /* the open block, coded once the list is learned */
    size_t block_raw;     /* its records' bytes before coding */
    cari_buf data;        /* compressed blocks so far (after spilled) */
    uint64_t spilled;     /* bytes of blocks that a merge moved out of data
                             into a file (the offsets count them) */
    cari_buf block_offsets; /* u64 per finished block */
    cari_buf block_sizes; /* u32 uncompressed size per finished block */
    cari_buf block_first; /* u32 first article per block */
    uint32_t nblocks;
    uint32_t narticles;
    uint64_t raw_bytes;
    /* the word list: closed blocks wait uncompressed until it is learned */
    int learned;
    cari_buf held;        /* closed, not yet compressed blocks */
    cari_buf held_sizes;  /* u32 per held block */
    /* word codes: the WORDS section ({u8 len, bytes} per word), each
     * word's offset in it, and a hash table of word number + 1, length
     * and hash bits (word_lookup in docstore.c) */
    cari_buf words;
    cari_buf words_out;     /* the STOREWORDS section, once finished */
    uint32_t nwords;
    uint64_t *word_slots;
    uint32_t slot_mask;     /* word_slots has slot_mask + 1 slots */
    cari_buf coded;         /* a held block, coded */
    struct libdeflate_compressor *ld;
    unsigned char *isal_buf;  /* ISA-L's level buffer (levels 1..3) */
} cari_store_writer;

void cari_store_writer_init(cari_store_writer *w, int level,
                            size_t block_size);
int cari_store_writer_add(cari_store_writer *w, const char *title,
                          size_t title_len, const char *meta, size_t meta_len,
                          const char *text, size_t text_len);
/* Close the last block; after this data holds the STORE section,
 * words_out the STOREWORDS section (empty when the list is: else u32 the
 * list's size, then the list as a zlib stream) and
 * cari_store_writer_index() builds STOREIDX. */
int cari_store_writer_finish(cari_store_writer *w);
/* STORE_INDEX section: u32 nblocks, u32 narticles, u64 offset[nblocks + 1],
 * u32 raw_size[nblocks], u32 first_article[nblocks] (ascending from 0:
 * a block holds an article at least).  An article's record is found by
 * passing over the records before it in its block (their fields' lengths
 * lead from one to the next). */
int cari_store_writer_index(const cari_store_writer *w, cari_buf *out);
void cari_store_writer_free(cari_store_writer *w);
size_t cari_store_writer_memory(const cari_store_writer *w);

/* Reader over mmap'd sections. */
typedef struct cari_store_reader {
    const unsigned char *data;
    size_t data_len;
    const unsigned char *index;
    const unsigned char *first;  /* the index's first_article[] */
    const unsigned char *words;  /* the STOREWORDS section */
    size_t words_len;
    cari_buf words_buf;          /* the word list, inflated */
    uint32_t *word_loc;          /* offset << 8 | length per word; NULL
                                    while not loaded */
    uint32_t nwords;             /* of the loaded list (0 while not) */
    cari_buf decoded;            /* the fetched record, decoded */
    uint32_t nblocks, narticles;
    /* set by a caller that has verified the data's checksum itself: blocks
     * are then inflated without zlib's adler32 */
    int checked;
    /* one-block cache: cached_block, inflated whole */
    int64_t cached_block;
    cari_buf cache;
    struct libdeflate_decompressor *ld;  /* made at the first block */
} cari_store_reader;

typedef struct cari_stored {
    const char *title, *meta, *text;
    size_t title_len, meta_len, text_len;
} cari_stored;

int cari_store_reader_init(cari_store_reader *r, const unsigned char *data,
                           size_t data_len, const unsigned char *index,
                           size_t index_len, const unsigned char *words,
                           size_t words_len, uint32_t narticles);
/* Fetch article a.  The strings point into the reader's block cache: valid
 * until the next fetch on this reader.  CARI_ECORRUPT on damaged data. */
int cari_store_reader_get(cari_store_reader *r, uint32_t a, cari_stored *out);
void cari_store_reader_free(cari_store_reader *r);
/* The word list: init loads it (so damage is found at open; when it is the
 * list that fails, init has set r->words_len, which it sets only once the
 * index has checked out); drop gives
 * its memory back (a writer holding many segments, a merge done with a
 * source) and a fetch loads it again.  load: CARI_OK when loaded (or the
 * store has none), CARI_ECORRUPT, CARI_ENOMEM. */
int cari_store_reader_load_words(cari_store_reader *r);
void cari_store_reader_drop_words(cari_store_reader *r);

/* Inflate a STOREWORDS section into out (the list; empty for an empty
 * section).  CARI_ECORRUPT when it does not inflate to its size,
 * CARI_ENOMEM. */
int cari_store_words_inflate(const unsigned char *sec, size_t len,
                             cari_buf *out);
/* The word list (inflated): *loc (free() it) gets offset << 8 | length
 * per word.  CARI_ECORRUPT when malformed, CARI_ENOMEM. */
int cari_store_words_parse(const unsigned char *words, size_t len,
                           uint32_t **loc, uint32_t *n);
/* Decode the coded record rec[0..len) (three fields, docstore.h) into out
 * as the record it was before coding; *used gets the coded bytes it took.
 * CARI_ECORRUPT when it does not parse or names a word past the list. */
int cari_store_decode_record(const unsigned char *words, const uint32_t *loc,
                             uint32_t nwords, const unsigned char *rec,
                             size_t len, cari_buf *out, size_t *used);

#endif
