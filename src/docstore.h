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
 * stream (header and adler32 trailer: damage is detected on inflate) with a
 * preset dictionary when the segment has one.  A segment, which verifies
 * the CRC-32 of its sections when it opens, reads blocks as raw deflate
 * and only as far as the article it wants (load_block in docstore.c).
 *
 * Word codes: before deflate, the words of the segment's word list (up
 * to CARI_STORE_WORDS runs of 3 to 32 ASCII letters, WORDS section) are
 * replaced in every field by two bytes, a lead byte 0xF5..0xFF (never in
 * UTF-8) and the low byte of the word's number; a byte 0xC0 or 0xF5..0xFF
 * of the text itself is written as 0xC0 and that byte.  The record's
 * lengths, the index's offsets and the block sizes are of the coded bytes.
 * The list is learned from the same sample as the dictionary: the words
 * that save the most bytes, most frequent first.  Deflate then sees a
 * third fewer bytes, and its 32 KiB window reaches over more text: the
 * stored text of clickid_news is 12% smaller and deflates faster.  A
 * segment with an empty list (less than 64 KiB of text, where a list
 * costs more than it saves) stores text as is.
 *
 * The dictionary (up to 16 KiB) is built from the segment's first
 * CARI_STORE_SAMPLE bytes of records: the 64-byte pieces of text whose
 * 8-byte substrings recur most, most useful last (deflate codes near
 * distances more cheaply).  Small blocks compress almost as well as large
 * ones with it, and small blocks keep a snippet's inflate short.
 */
#ifndef CARI_DOCSTORE_H
#define CARI_DOCSTORE_H

#include <stddef.h>
#include <stdint.h>

#include <zlib.h>

#include "util.h"

/* Block size, training sample and dictionary size, measured on
 * clickid_news (deflate of the articles' text in blocks, one run, CPU
 * time): 16 KiB blocks at level 6 without a dictionary keep 41.3% of the
 * text; at level 4 with a 16 KiB dictionary 39.3% (level 4 without one:
 * 42.2%, at the same speed; a 32 KiB dictionary: 38.9% but 25% slower,
 * as zlib hashes the dictionary into the window for every block).
 * With word codes (2026-11-29), text is 66% of its bytes when deflated:
 * blocks of 24 KiB of text are 16 KiB coded, as much to inflate for a
 * snippet as 16 KiB blocks were; deflated at level 2 they keep 35.9% of
 * the text, about 1.45x as fast as level 4 did without codes (level 4
 * with codes: 34.6%, no faster than without).  Level 2 is the default
 * (cari.h), chosen for speed: the coding itself costs ~3.5% of an
 * indexing run. */
#define CARI_STORE_BLOCK 24576
#define CARI_STORE_SAMPLE (1u << 20)
#define CARI_STORE_DICT 16384
#define CARI_STORE_WORDS 2816   /* 11 lead bytes of 256 codes */
#define CARI_STORE_WORD_MIN 3   /* a shorter word saves nothing */
#define CARI_STORE_WORD_MAX 32
#define CARI_STORE_WORDS_MIN_SAMPLE 65536 /* less text: no list */

typedef struct cari_store_writer {
    int level;
    size_t block_size;
    cari_buf block;       /* the open (uncompressed) block */
    cari_buf data;        /* compressed blocks so far */
    cari_buf block_offsets; /* u64 per finished block */
    cari_buf block_sizes; /* u32 uncompressed size per finished block */
    cari_buf article_loc; /* u32 block, u32 offset per article */
    uint32_t nblocks;
    uint32_t narticles;
    uint64_t raw_bytes;
    /* the dictionary: closed blocks wait uncompressed until it is built */
    int dict_ready;
    cari_buf held;        /* closed, not yet compressed blocks */
    cari_buf held_sizes;  /* u32 per held block */
    unsigned char *dict;
    size_t dict_len;
    /* word codes: the WORDS section ({u8 len, bytes} per word), each
     * word's offset in it, and a hash table of word number + 1, length
     * and hash bits (word_lookup in docstore.c) */
    cari_buf words;
    uint32_t nwords;
    uint32_t *word_off;
    uint32_t *word_slots;
    uint32_t next_article;  /* the first article of the next block coded */
    uint32_t coded_blocks;  /* blocks coded so far */
    cari_buf coded;         /* a block, coded */
    z_stream zs;
    int zs_ready;
} cari_store_writer;

void cari_store_writer_init(cari_store_writer *w, int level,
                            size_t block_size);
int cari_store_writer_add(cari_store_writer *w, const char *title,
                          size_t title_len, const char *meta, size_t meta_len,
                          const char *text, size_t text_len);
/* Close the last block; after this data holds the STORE section, dict the
 * STOREDICT section (dict_len bytes, maybe 0), words the WORDS section
 * (maybe empty) and cari_store_writer_index() builds STOREIDX. */
int cari_store_writer_finish(cari_store_writer *w);
/* STORE_INDEX section: u32 nblocks, u32 narticles, u64 offset[nblocks + 1],
 * u32 raw_size[nblocks], {u32 block, u32 offset}[narticles]. */
int cari_store_writer_index(const cari_store_writer *w, cari_buf *out);
void cari_store_writer_free(cari_store_writer *w);
size_t cari_store_writer_memory(const cari_store_writer *w);

/* Reader over mmap'd sections. */
typedef struct cari_store_reader {
    const unsigned char *data;
    size_t data_len;
    const unsigned char *index;
    const unsigned char *dict;
    size_t dict_len;
    const unsigned char *words;  /* the WORDS section */
    uint32_t *word_loc;          /* offset << 8 | length per word */
    uint32_t nwords;
    cari_buf decoded;            /* the fetched record, decoded */
    uint32_t nblocks, narticles;
    /* set by a caller that has verified the data's checksum itself: blocks
     * are then inflated only as far as needed, without zlib's adler32 */
    int checked;
    uint32_t dict_id;     /* adler32 of dict, once computed */
    int dict_id_ready;
    /* one-block cache: the first cache.len bytes of cached_block */
    int64_t cached_block;
    cari_buf cache;
    z_stream zs;
    int zs_ready;
} cari_store_reader;

typedef struct cari_stored {
    const char *title, *meta, *text;
    size_t title_len, meta_len, text_len;
} cari_stored;

int cari_store_reader_init(cari_store_reader *r, const unsigned char *data,
                           size_t data_len, const unsigned char *index,
                           size_t index_len, const unsigned char *dict,
                           size_t dict_len, const unsigned char *words,
                           size_t words_len, uint32_t narticles);
/* Fetch article a.  The strings point into the reader's block cache: valid
 * until the next fetch on this reader.  CARI_ECORRUPT on damaged data. */
int cari_store_reader_get(cari_store_reader *r, uint32_t a, cari_stored *out);
void cari_store_reader_free(cari_store_reader *r);

/* The word list of a WORDS section: *loc (free() it) gets offset << 8 |
 * length per word.  CARI_ECORRUPT when malformed, CARI_ENOMEM. */
int cari_store_words_parse(const unsigned char *words, size_t len,
                           uint32_t **loc, uint32_t *n);
/* Decode the coded record rec[0..len) (three fields, docstore.h) into out
 * as the record it was before coding; *used gets the coded bytes it took.
 * CARI_ECORRUPT when it does not parse or names a word past the list. */
int cari_store_decode_record(const unsigned char *words, const uint32_t *loc,
                             uint32_t nwords, const unsigned char *rec,
                             size_t len, cari_buf *out, size_t *used);

#endif
