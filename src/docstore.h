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
 * 16 KiB keeps a snippet's inflate short. */
#define CARI_STORE_BLOCK 16384
#define CARI_STORE_SAMPLE (1u << 20)
#define CARI_STORE_DICT 16384

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
    z_stream zs;
    int zs_ready;
} cari_store_writer;

void cari_store_writer_init(cari_store_writer *w, int level,
                            size_t block_size);
int cari_store_writer_add(cari_store_writer *w, const char *title,
                          size_t title_len, const char *meta, size_t meta_len,
                          const char *text, size_t text_len);
/* Close the last block; after this data holds the STORE section, dict the
 * STOREDICT section (dict_len bytes, maybe 0) and cari_store_writer_index()
 * builds STOREIDX. */
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
                           size_t dict_len, uint32_t narticles);
/* Fetch article a.  The strings point into the reader's block cache: valid
 * until the next fetch on this reader.  CARI_ECORRUPT on damaged data. */
int cari_store_reader_get(cari_store_reader *r, uint32_t a, cari_stored *out);
void cari_store_reader_free(cari_store_reader *r);

#endif
