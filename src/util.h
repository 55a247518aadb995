/*
 * util.h -- small shared pieces: growable byte buffers, an arena, varints,
 * hashing, error messages and file helpers.  Internal to libcari.
 */
#ifndef CARI_UTIL_H
#define CARI_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "cari.h"

#if defined(__GNUC__)
#define CARI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define CARI_LIKELY(x) __builtin_expect(!!(x), 1)
#define CARI_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define CARI_PRINTF(a, b)
#define CARI_LIKELY(x) (x)
#define CARI_UNLIKELY(x) (x)
#endif

/* Record code and a formatted detail in err (may be NULL); returns code. */
int cari_set_error(cari_error *err, int code, const char *fmt, ...)
    CARI_PRINTF(3, 4);

/* ---- growable byte buffer ---- */

typedef struct cari_buf {
    unsigned char *data;
    size_t len, cap;
} cari_buf;

int cari_buf_reserve(cari_buf *b, size_t extra);
int cari_buf_append(cari_buf *b, const void *p, size_t n);
void cari_buf_free(cari_buf *b);

static inline int cari_buf_putc(cari_buf *b, unsigned char c)
{
    if (CARI_UNLIKELY(b->len == b->cap) && cari_buf_reserve(b, 1))
        return CARI_ENOMEM;
    b->data[b->len++] = c;
    return CARI_OK;
}

/* ---- varints (LEB128, at most 10 bytes for 64 bits) ---- */

static inline size_t cari_varint_put(unsigned char *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (unsigned char)v;
    return n;
}

/* Bytes cari_varint_put() takes for v. */
static inline size_t cari_varint_size(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static inline int cari_buf_varint(cari_buf *b, uint64_t v)
{
    if (CARI_UNLIKELY(b->cap - b->len < 10) && cari_buf_reserve(b, 10))
        return CARI_ENOMEM;
    b->len += cari_varint_put(b->data + b->len, v);
    return CARI_OK;
}

/* Decode a varint from [*p, end); on overrun or overlong input returns 0
 * and sets *p to NULL, so callers check once after a run of reads. */
static inline uint64_t cari_varint_get(const unsigned char **p,
                                       const unsigned char *end)
{
    const unsigned char *q = *p;
    uint64_t v = 0;
    int shift = 0;
    if (!q)
        return 0;
    while (q < end && shift < 64) {
        unsigned char c = *q++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *p = q;
            return v;
        }
        shift += 7;
    }
    *p = NULL;
    return 0;
}

/* ---- little-endian fixed-width integers ---- */

static inline void cari_put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static inline void cari_put_u64(unsigned char *p, uint64_t v)
{
    cari_put_u32(p, (uint32_t)v);
    cari_put_u32(p + 4, (uint32_t)(v >> 32));
}

static inline uint32_t cari_get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static inline uint64_t cari_get_u64(const unsigned char *p)
{
    return (uint64_t)cari_get_u32(p) | (uint64_t)cari_get_u32(p + 4) << 32;
}

static inline uint16_t cari_get_u16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

int cari_buf_u32(cari_buf *b, uint32_t v);
int cari_buf_u64(cari_buf *b, uint64_t v);

/* calloc() for a table that is read before it is written (a hash
 * table's probes): the memory comes back written, not merely mapped.
 * calloc leaves a large block's pages unmapped, so a probe maps the
 * shared zero page and the first store faults a second time, and that
 * fault, with other threads of the process running, flushes their TLBs
 * by interrupting their cores. */
void *cari_calloc_touched(size_t n, size_t size);

/* Names the calling thread (up to 15 bytes; Linux only, else nothing), as
 * top -H, perf report --sort comm and gdb show it: the writer's threads
 * are cari-worker (a worker alone: analysis, inversion, stored text) or,
 * in a pair, cari-feed, cari-invert and cari-store; cari-encode codes the
 * later half of the lists at a flush. */
void cari_thread_name(const char *name);

/* ---- arena: bump allocation, reset in one step ---- */

typedef struct cari_arena_chunk cari_arena_chunk;
typedef struct cari_arena {
    cari_arena_chunk *head;
    size_t used;       /* bytes used in head */
    size_t total;      /* bytes held in all chunks */
} cari_arena;

void *cari_arena_alloc(cari_arena *a, size_t n);  /* 8-byte aligned */
char *cari_arena_strndup(cari_arena *a, const char *s, size_t n);
void cari_arena_reset(cari_arena *a);  /* keeps the first chunk */
void cari_arena_free(cari_arena *a);

/* ---- hashing ---- */

uint64_t cari_hash64(const void *data, size_t len);

/* An open-addressing table of 64-bit keys for n items (UINT64_MAX:
 * empty), in arena; its size, a power of 2, in *nslots.  NULL when out of
 * memory.  cari_key_slot: key's slot, its own or the empty one it takes
 * (the caller stores the key there, and whatever it keeps beside it in
 * arrays of its own). */
uint64_t *cari_key_table(cari_arena *arena, size_t n, size_t *nslots);
static inline size_t cari_key_slot(const uint64_t *keys, size_t nslots,
                                   uint64_t key)
{
    size_t slot = (size_t)(cari_hash64(&key, sizeof key) & (nslots - 1));
    while (keys[slot] != UINT64_MAX && keys[slot] != key)
        slot = (slot + 1) & (nslots - 1);
    return slot;
}

/* ---- time ---- */

double cari_now(void);  /* monotonic seconds */

/* ---- files ---- */

/* read(2), tried again when a signal interrupts it. */
ssize_t cari_read(int fd, void *buf, size_t len);
/* Open an index file for reading: a file descriptor, -1 with errno set,
 * or CARI_NOT_REGULAR when path names something other than a regular
 * file (a FIFO, a directory, a device: damage, never waited on -- a
 * plain open of a FIFO blocks until a writer comes). */
#define CARI_NOT_REGULAR (-2)
int cari_open_index_file(const char *path);
/* Write all of buf to fd; CARI_EIO / CARI_ENOSPACE with detail in err. */
int cari_write_all(int fd, const void *buf, size_t len, const char *path,
                   cari_error *err);
/* fsync the directory so a rename or create in it is durable. */
int cari_fsync_dir(const char *dir, cari_error *err);
/* An index path that exists is a directory: CARI_OK, or CARI_EINVAL
 * "DIR: not a directory (an index is a directory)" in err (found by
 * review: a file there was reported as DIR/LOCK or DIR/MANIFEST). */
int cari_index_dir_check(const char *dir, cari_error *err);
/* mkdir -p of an index directory: CARI_OK, or the error in err
 * (cari_index_dir_check's when dir is a file). */
int cari_mkdir_p(const char *dir, cari_error *err);
/* FNV-1a, 64 bits: a hash that is the same on every platform and in every
 * run (ids in Xapian terms, shard assignment); cari_hash64 may change. */
uint64_t cari_fnv1a64(const char *s, size_t n);
/* CRC-32 (the zlib and gzip polynomial, as zlib's crc32() computes it) of
 * data[0..n): libdeflate's, which folds with carry-less multiplies where
 * the CPU has them (twice zlib's speed here). */
uint32_t cari_crc32(const void *data, size_t n);
/* The CRC-32 of the bytes before (crc) followed by data[0..n). */
uint32_t cari_crc32_update(uint32_t crc, const void *data, size_t n);
/* path = dir + "/" + name into out (size cap); CARI_EINVAL if too long. */
int cari_path_join(char *out, size_t cap, const char *dir, const char *name);

/* a[0, alen) against b[0, blen) in byte order, a prefix first (<0, 0, >0):
 * the order of terms, ids and tie keys (an empty one may be NULL). */
static inline int cari_bytes_cmp(const void *a, size_t alen, const void *b,
                                 size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int c = n ? memcmp(a, b, n) : 0;
    return c ? c : (alen > blen) - (alen < blen);
}

/* ---- JSON scanning without jansson (the JSONL reader's flat records,
 * corpus.c; the indexer's flat metadata, filter.c) ---- */

/* Past JSON white space at s[*i]. */
static inline void cari_json_skip_space(const char *s, size_t len, size_t *i)
{
    while (*i < len && (s[*i] == ' ' || s[*i] == '\t' || s[*i] == '\r' ||
                        s[*i] == '\n'))
        (*i)++;
}
/* The end of the number, true, false or null at s[i], or 0 if it is none
 * of them or a number jansson may refuse (an integer outside int64, a
 * real that could overflow a double); *real (when not NULL) says whether
 * a number has a fraction or an exponent. */
size_t cari_json_scalar_end(const char *s, size_t len, size_t i, int *real);

#endif
