/*
 * docstore.h -- stored articles: id, title, metadata and text, in
 * zlib-deflated blocks with random access by article number.
 * Internal to libcari.
 *
 * Record (uncompressed, inside a block):
 *   varint id_len, id, varint title_len, title, varint meta_len, meta,
 *   varint text_len, text
 * Blocks are deflated independently (raw zlib streams with the header
 * and adler32 trailer, so damage is detected on inflate); a block holds
 * whole records and is closed once it reaches the block size, so a record
 * larger than the block size gets a block of its own.
 */
#ifndef CARI_DOCSTORE_H
#define CARI_DOCSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* Default block size: 16 KiB of text per block keeps a snippet fetch to a
 * small inflate; measured in docs/BENCHMARKS.md. */
#define CARI_STORE_BLOCK 16384

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
} cari_store_writer;

void cari_store_writer_init(cari_store_writer *w, int level,
                            size_t block_size);
int cari_store_writer_add(cari_store_writer *w, const char *id, size_t id_len,
                          const char *title, size_t title_len,
                          const char *meta, size_t meta_len, const char *text,
                          size_t text_len);
/* Close the last block; after this the buffers hold the final sections:
 * data (the STORE section) and the index built by
 * cari_store_writer_index(). */
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
    uint32_t nblocks, narticles;
    /* one-block cache */
    int64_t cached_block;
    cari_buf cache;
} cari_store_reader;

typedef struct cari_stored {
    const char *id, *title, *meta, *text;
    size_t id_len, title_len, meta_len, text_len;
} cari_stored;

int cari_store_reader_init(cari_store_reader *r, const unsigned char *data,
                           size_t data_len, const unsigned char *index,
                           size_t index_len, uint32_t narticles);
/* Fetch article a.  The strings point into the reader's block cache: valid
 * until the next fetch on this reader.  CARI_ECORRUPT on damaged data. */
int cari_store_reader_get(cari_store_reader *r, uint32_t a, cari_stored *out);
void cari_store_reader_free(cari_store_reader *r);

#endif
