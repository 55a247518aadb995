/*
 * docstore.c -- zlib-compressed stored articles with random access.  The
 * record and index layouts are documented in docstore.h.
 */
#include "docstore.h"

#include <stdlib.h>

#include <zlib.h>

void cari_store_writer_init(cari_store_writer *w, int level,
                            size_t block_size)
{
    memset(w, 0, sizeof *w);
    w->level = level;
    w->block_size = block_size;
}

static int flush_block(cari_store_writer *w)
{
    uLongf cap;
    int zrc;
    if (w->block.len == 0)
        return CARI_OK;
    if (cari_buf_u64(&w->block_offsets, w->data.len) ||
        cari_buf_u32(&w->block_sizes, (uint32_t)w->block.len))
        return CARI_ENOMEM;
    cap = compressBound((uLong)w->block.len);
    if (cari_buf_reserve(&w->data, cap))
        return CARI_ENOMEM;
    zrc = compress2(w->data.data + w->data.len, &cap, w->block.data,
                    (uLong)w->block.len, w->level);
    if (zrc != Z_OK)
        return CARI_ENOMEM;
    w->data.len += cap;
    w->block.len = 0;
    w->nblocks++;
    return CARI_OK;
}

int cari_store_writer_add(cari_store_writer *w, const char *id, size_t id_len,
                          const char *title, size_t title_len,
                          const char *meta, size_t meta_len, const char *text,
                          size_t text_len)
{
    int rc = 0;
    if (w->block.len >= w->block_size && flush_block(w))
        return CARI_ENOMEM;
    if (w->block.len + id_len + title_len + meta_len + text_len > UINT32_MAX)
        return CARI_EINVAL;
    rc |= cari_buf_u32(&w->article_loc, w->nblocks);
    rc |= cari_buf_u32(&w->article_loc, (uint32_t)w->block.len);
    rc |= cari_buf_varint(&w->block, id_len);
    rc |= cari_buf_append(&w->block, id, id_len);
    rc |= cari_buf_varint(&w->block, title_len);
    rc |= cari_buf_append(&w->block, title, title_len);
    rc |= cari_buf_varint(&w->block, meta_len);
    rc |= cari_buf_append(&w->block, meta, meta_len);
    rc |= cari_buf_varint(&w->block, text_len);
    rc |= cari_buf_append(&w->block, text, text_len);
    if (rc)
        return CARI_ENOMEM;
    w->narticles++;
    w->raw_bytes += id_len + title_len + meta_len + text_len;
    return CARI_OK;
}

int cari_store_writer_finish(cari_store_writer *w)
{
    if (flush_block(w))
        return CARI_ENOMEM;
    return cari_buf_u64(&w->block_offsets, w->data.len);
}

int cari_store_writer_index(const cari_store_writer *w, cari_buf *out)
{
    int rc = 0;
    rc |= cari_buf_u32(out, w->nblocks);
    rc |= cari_buf_u32(out, w->narticles);
    rc |= cari_buf_append(out, w->block_offsets.data, w->block_offsets.len);
    rc |= cari_buf_append(out, w->block_sizes.data, w->block_sizes.len);
    rc |= cari_buf_append(out, w->article_loc.data, w->article_loc.len);
    return rc ? CARI_ENOMEM : CARI_OK;
}

size_t cari_store_writer_memory(const cari_store_writer *w)
{
    return w->block.cap + w->data.cap + w->block_offsets.cap +
           w->block_sizes.cap + w->article_loc.cap;
}

void cari_store_writer_free(cari_store_writer *w)
{
    cari_buf_free(&w->block);
    cari_buf_free(&w->data);
    cari_buf_free(&w->block_offsets);
    cari_buf_free(&w->block_sizes);
    cari_buf_free(&w->article_loc);
}

/* ---- reader ---- */

int cari_store_reader_init(cari_store_reader *r, const unsigned char *data,
                           size_t data_len, const unsigned char *index,
                           size_t index_len, uint32_t narticles)
{
    uint32_t nb, na, b;
    memset(r, 0, sizeof *r);
    r->cached_block = -1;
    if (index_len < 8)
        return CARI_ECORRUPT;
    nb = cari_get_u32(index);
    na = cari_get_u32(index + 4);
    if (na != narticles ||
        index_len != 8 + 8 * ((size_t)nb + 1) + 4 * (size_t)nb + 8 * (size_t)na)
        return CARI_ECORRUPT;
    r->data = data;
    r->data_len = data_len;
    r->index = index;
    r->nblocks = nb;
    r->narticles = na;
    /* offsets must be ascending and inside the data */
    for (b = 0; b < nb; b++)
        if (cari_get_u64(index + 8 + 8 * b) > cari_get_u64(index + 16 + 8 * b))
            return CARI_ECORRUPT;
    if (cari_get_u64(index + 8 + 8 * (size_t)nb) != data_len)
        return CARI_ECORRUPT;
    return CARI_OK;
}

static int load_block(cari_store_reader *r, uint32_t b)
{
    const unsigned char *offs = r->index + 8;
    const unsigned char *sizes = offs + 8 * ((size_t)r->nblocks + 1);
    uint64_t start = cari_get_u64(offs + 8 * (size_t)b);
    uint64_t end = cari_get_u64(offs + 8 * ((size_t)b + 1));
    uLongf raw = cari_get_u32(sizes + 4 * (size_t)b);
    if ((int64_t)b == r->cached_block)
        return CARI_OK;
    r->cached_block = -1;
    r->cache.len = 0;
    /* deflate expands at most 1032:1: a larger size is damage, refused
     * before it is allocated */
    if (raw > (end - start) * 1032)
        return CARI_ECORRUPT;
    if (cari_buf_reserve(&r->cache, (size_t)raw + 1))
        return CARI_ENOMEM;
    if (uncompress(r->cache.data, &raw, r->data + start, (uLong)(end - start)) !=
            Z_OK ||
        raw != cari_get_u32(sizes + 4 * (size_t)b))
        return CARI_ECORRUPT;
    r->cache.len = raw;
    r->cached_block = b;
    return CARI_OK;
}

int cari_store_reader_get(cari_store_reader *r, uint32_t a, cari_stored *out)
{
    const unsigned char *loc, *q, *end;
    uint32_t b, off;
    uint64_t n;
    int rc;
    if (a >= r->narticles)
        return CARI_EINVAL;
    loc = r->index + 8 + 8 * ((size_t)r->nblocks + 1) + 4 * (size_t)r->nblocks +
          8 * (size_t)a;
    b = cari_get_u32(loc);
    off = cari_get_u32(loc + 4);
    if (b >= r->nblocks)
        return CARI_ECORRUPT;
    rc = load_block(r, b);
    if (rc)
        return rc;
    if (off >= r->cache.len)
        return CARI_ECORRUPT;
    q = r->cache.data + off;
    end = r->cache.data + r->cache.len;
#define FIELD(s, l)                                   \
    n = cari_varint_get(&q, end);                      \
    if (!q || n > (uint64_t)(end - q))                 \
        return CARI_ECORRUPT;                          \
    out->s = (const char *)q;                          \
    out->l = (size_t)n;                                \
    q += n;
    FIELD(id, id_len)
    FIELD(title, title_len)
    FIELD(meta, meta_len)
    FIELD(text, text_len)
#undef FIELD
    return CARI_OK;
}

void cari_store_reader_free(cari_store_reader *r)
{
    cari_buf_free(&r->cache);
    r->cached_block = -1;
}
