/*
 * docstore.c -- zlib-compressed stored articles with random access, and
 * the preset dictionary that lets small blocks compress well.  The record,
 * index and dictionary are documented in docstore.h.
 */
#include "docstore.h"

#include <stdlib.h>

/* ------------------------------------------------------------------ */
/* Dictionary training                                                 */
/* ------------------------------------------------------------------ */

#define GRAM 8            /* bytes per counted substring */
#define PIECE 64          /* bytes per dictionary piece */
#define COUNT_BITS 20     /* counter table: 4 MiB */

static uint32_t gram_hash(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return (uint32_t)((v * 0x9e3779b97f4a7c15ull) >> (64 - COUNT_BITS));
}

typedef struct piece {
    size_t off;
    uint64_t score;
} piece;

static int cmp_piece(const void *x, const void *y)
{
    const piece *a = x, *b = y;
    if (a->score != b->score)
        return a->score < b->score ? 1 : -1;
    return a->off < b->off ? -1 : a->off > b->off;
}

static uint64_t piece_score(const uint32_t *count, const unsigned char *p)
{
    uint64_t s = 0;
    size_t i;
    for (i = 0; i + GRAM <= PIECE; i++) {
        uint32_t c = count[gram_hash(p + i)];
        if (c > 1)
            s += c;
    }
    return s;
}

/*
 * Build a dictionary of at most cap bytes from sample[0..n): count 8-byte
 * substrings, score each 64-byte piece by how often its substrings recur,
 * then take pieces best first, each time discounting what the pieces taken
 * already cover (a piece mostly covered is skipped), and lay them out best
 * last.  Returns the length written to dict (0 for samples too small to
 * learn from).
 */
static size_t train_dict(const unsigned char *sample, size_t n,
                         unsigned char *dict, size_t cap)
{
    uint32_t *count;
    piece *pieces, *chosen;
    size_t npieces, nchosen = 0, i, len = 0;
    if (n < 4 * cap)
        return 0;
    count = calloc((size_t)1 << COUNT_BITS, sizeof *count);
    npieces = n / PIECE;
    pieces = malloc(npieces * sizeof *pieces);
    chosen = malloc((cap / PIECE + 1) * sizeof *chosen);
    if (!count || !pieces || !chosen) {
        free(count);
        free(pieces);
        free(chosen);
        return 0;
    }
    for (i = 0; i + GRAM <= n; i++)
        count[gram_hash(sample + i)]++;
    for (i = 0; i < npieces; i++) {
        pieces[i].off = i * PIECE;
        pieces[i].score = piece_score(count, sample + i * PIECE);
    }
    qsort(pieces, npieces, sizeof *pieces, cmp_piece);
    for (i = 0; i < npieces && (nchosen + 1) * PIECE <= cap; i++) {
        const unsigned char *p = sample + pieces[i].off;
        size_t k;
        /* what earlier pieces took is zeroed: a piece whose score halved
         * mostly repeats them */
        if (piece_score(count, p) * 2 < pieces[i].score || pieces[i].score == 0)
            continue;
        chosen[nchosen++] = pieces[i];
        for (k = 0; k + GRAM <= PIECE; k++)
            count[gram_hash(p + k)] = 0;
    }
    for (i = nchosen; i-- > 0;) {
        memcpy(dict + len, sample + chosen[i].off, PIECE);
        len += PIECE;
    }
    free(count);
    free(pieces);
    free(chosen);
    return len;
}

/* ------------------------------------------------------------------ */
/* Writer                                                              */
/* ------------------------------------------------------------------ */

void cari_store_writer_init(cari_store_writer *w, int level,
                            size_t block_size)
{
    memset(w, 0, sizeof *w);
    w->level = level;
    w->block_size = block_size;
}

/* Deflate raw[0..n) as the next block of data. */
static int compress_block(cari_store_writer *w, const unsigned char *raw,
                          size_t n)
{
    size_t cap;
    int zrc;
    if (!w->zs_ready) {
        if (deflateInit(&w->zs, w->level) != Z_OK)
            return CARI_ENOMEM;
        w->zs_ready = 1;
    } else if (deflateReset(&w->zs) != Z_OK) {
        return CARI_ENOMEM;
    }
    if (w->dict_len &&
        deflateSetDictionary(&w->zs, w->dict, (uInt)w->dict_len) != Z_OK)
        return CARI_ENOMEM;
    cap = deflateBound(&w->zs, (uLong)n);
    if (cari_buf_u64(&w->block_offsets, w->data.len) ||
        cari_buf_reserve(&w->data, cap))
        return CARI_ENOMEM;
    w->zs.next_in = (unsigned char *)raw;
    w->zs.avail_in = (uInt)n;
    w->zs.next_out = w->data.data + w->data.len;
    w->zs.avail_out = (uInt)cap;
    zrc = deflate(&w->zs, Z_FINISH);
    if (zrc != Z_STREAM_END)
        return CARI_ENOMEM;
    w->data.len += cap - w->zs.avail_out;
    return CARI_OK;
}

/* Build the dictionary from the held blocks and compress them. */
static int make_dict_and_drain(cari_store_writer *w)
{
    size_t i, off = 0, nheld = w->held_sizes.len / 4;
    w->dict = malloc(CARI_STORE_DICT);
    if (!w->dict)
        return CARI_ENOMEM;
    w->dict_len = train_dict(w->held.data, w->held.len, w->dict,
                             CARI_STORE_DICT);
    w->dict_ready = 1;
    for (i = 0; i < nheld; i++) {
        uint32_t n = cari_get_u32(w->held_sizes.data + 4 * i);
        int rc = compress_block(w, w->held.data + off, n);
        if (rc)
            return rc;
        off += n;
    }
    cari_buf_free(&w->held);
    cari_buf_free(&w->held_sizes);
    return CARI_OK;
}

static int close_block(cari_store_writer *w)
{
    int rc;
    if (w->block.len == 0)
        return CARI_OK;
    if (cari_buf_u32(&w->block_sizes, (uint32_t)w->block.len))
        return CARI_ENOMEM;
    w->nblocks++;
    if (w->dict_ready) {
        rc = compress_block(w, w->block.data, w->block.len);
    } else {
        rc = cari_buf_append(&w->held, w->block.data, w->block.len) ||
                     cari_buf_u32(&w->held_sizes, (uint32_t)w->block.len)
                 ? CARI_ENOMEM
                 : CARI_OK;
        if (!rc && w->held.len >= CARI_STORE_SAMPLE)
            rc = make_dict_and_drain(w);
    }
    w->block.len = 0;
    return rc;
}

int cari_store_writer_add(cari_store_writer *w, const char *title,
                          size_t title_len, const char *meta, size_t meta_len,
                          const char *text, size_t text_len)
{
    int rc = 0;
    if (w->block.len >= w->block_size && close_block(w))
        return CARI_ENOMEM;
    if (w->block.len + title_len + meta_len + text_len + 30 > UINT32_MAX)
        return CARI_EINVAL;
    rc |= cari_buf_u32(&w->article_loc, w->nblocks);
    rc |= cari_buf_u32(&w->article_loc, (uint32_t)w->block.len);
    rc |= cari_buf_varint(&w->block, title_len);
    rc |= cari_buf_append(&w->block, title, title_len);
    rc |= cari_buf_varint(&w->block, meta_len);
    rc |= cari_buf_append(&w->block, meta, meta_len);
    rc |= cari_buf_varint(&w->block, text_len);
    rc |= cari_buf_append(&w->block, text, text_len);
    if (rc)
        return CARI_ENOMEM;
    w->narticles++;
    w->raw_bytes += title_len + meta_len + text_len;
    return CARI_OK;
}

int cari_store_writer_finish(cari_store_writer *w)
{
    if (close_block(w))
        return CARI_ENOMEM;
    if (!w->dict_ready && make_dict_and_drain(w))
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
           w->block_sizes.cap + w->article_loc.cap + w->held.cap +
           (w->zs_ready ? 300000 : 0);
}

void cari_store_writer_free(cari_store_writer *w)
{
    cari_buf_free(&w->block);
    cari_buf_free(&w->data);
    cari_buf_free(&w->block_offsets);
    cari_buf_free(&w->block_sizes);
    cari_buf_free(&w->article_loc);
    cari_buf_free(&w->held);
    cari_buf_free(&w->held_sizes);
    free(w->dict);
    w->dict = NULL;
    if (w->zs_ready)
        deflateEnd(&w->zs);
    w->zs_ready = 0;
}

/* ------------------------------------------------------------------ */
/* Reader                                                              */
/* ------------------------------------------------------------------ */

int cari_store_reader_init(cari_store_reader *r, const unsigned char *data,
                           size_t data_len, const unsigned char *index,
                           size_t index_len, const unsigned char *dict,
                           size_t dict_len, uint32_t narticles)
{
    uint32_t nb, na, b;
    memset(r, 0, sizeof *r);
    r->cached_block = -1;
    if (index_len < 8 || dict_len > 32768) /* zlib's window */
        return CARI_ECORRUPT;
    nb = cari_get_u32(index);
    na = cari_get_u32(index + 4);
    if (na != narticles ||
        index_len != 8 + 8 * ((size_t)nb + 1) + 4 * (size_t)nb + 8 * (size_t)na)
        return CARI_ECORRUPT;
    r->data = data;
    r->data_len = data_len;
    r->index = index;
    r->dict = dict;
    r->dict_len = dict_len;
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

/* (Re)start r->zs for a new block: a zlib stream (mode 1), or a raw
 * deflate stream (mode 2) whose zlib header and trailer the caller
 * handles. */
static int start_stream(cari_store_reader *r, int mode)
{
    if (r->zs_ready && r->zs_ready != mode) {
        inflateEnd(&r->zs);
        r->zs_ready = 0;
    }
    if (!r->zs_ready) {
        memset(&r->zs, 0, sizeof r->zs);
        if ((mode == 1 ? inflateInit(&r->zs)
                       : inflateInit2(&r->zs, -MAX_WBITS)) != Z_OK)
            return CARI_ENOMEM;
        r->zs_ready = mode;
        return CARI_OK;
    }
    return inflateReset(&r->zs) == Z_OK ? CARI_OK : CARI_ENOMEM;
}

/*
 * Make the first `need` bytes of block b available in the cache (need <=
 * its raw size).
 *
 * When the caller has verified the data's checksum (r->checked: a segment
 * checks its sections' CRC-32 at open), a block is inflated only as far as
 * asked and the stream is kept, so a later article of the same block
 * continues where the last one stopped: a snippet's article costs on
 * average half a block.  The zlib wrapper is then read here and the deflate
 * data inflated raw: no adler32 of the text, nor of the 16 KiB dictionary
 * for every block (zlib's inflateSetDictionary computes it); the block's
 * dictionary id is compared with the dictionary's, computed once.
 * Otherwise every block is inflated whole as a zlib stream, adler32
 * checked.
 */
static int load_block(cari_store_reader *r, uint32_t b, uint32_t need)
{
    const unsigned char *offs = r->index + 8;
    const unsigned char *sizes = offs + 8 * ((size_t)r->nblocks + 1);
    uint64_t start = cari_get_u64(offs + 8 * (size_t)b);
    uint64_t end = cari_get_u64(offs + 8 * ((size_t)b + 1));
    uint32_t raw = cari_get_u32(sizes + 4 * (size_t)b);
    int zrc, rc, flush;
    if (need > raw)
        return CARI_ECORRUPT;
    if (!r->checked)
        need = raw;
    if ((int64_t)b == r->cached_block && r->cache.len >= need)
        return CARI_OK;
    if ((int64_t)b != r->cached_block) {
        const unsigned char *z = r->data + start;
        size_t zlen = (size_t)(end - start);
        int want_dict = 0;
        r->cached_block = -1;
        r->cache.len = 0;
        /* deflate expands at most 1032:1: a larger size is damage, refused
         * before it is allocated */
        if (raw > (end - start) * 1032)
            return CARI_ECORRUPT;
        if (cari_buf_reserve(&r->cache, (size_t)raw + 1))
            return CARI_ENOMEM;
        if (r->checked) {
            /* the zlib wrapper: CMF FLG [DICTID], data, ADLER32 */
            size_t hdr = 2;
            if (zlen < 6 || (z[0] & 0x0f) != Z_DEFLATED ||
                ((unsigned)z[0] << 8 | z[1]) % 31 != 0)
                return CARI_ECORRUPT;
            if (z[1] & 0x20) {
                uint32_t id;
                if (zlen < 10 || !r->dict_len)
                    return CARI_ECORRUPT;
                id = (uint32_t)z[2] << 24 | (uint32_t)z[3] << 16 |
                     (uint32_t)z[4] << 8 | z[5];
                if (!r->dict_id_ready) {
                    r->dict_id = (uint32_t)adler32(adler32(0, Z_NULL, 0),
                                                   r->dict, (uInt)r->dict_len);
                    r->dict_id_ready = 1;
                }
                if (id != r->dict_id)
                    return CARI_ECORRUPT;
                hdr = 6;
                want_dict = 1;
            }
            z += hdr;
            zlen -= hdr + 4;
        }
        rc = start_stream(r, r->checked ? 2 : 1);
        if (rc)
            return rc;
        if (want_dict &&
            inflateSetDictionary(&r->zs, r->dict, (uInt)r->dict_len) != Z_OK)
            return CARI_ECORRUPT;
        r->zs.next_in = (unsigned char *)z;
        r->zs.avail_in = (uInt)zlen;
        r->zs.next_out = r->cache.data;
        r->cached_block = b;
    }
    /* the whole block: one byte of room more, so that trailing garbage
     * shows; part of it: exactly up to need */
    r->zs.avail_out = need == raw ? raw + 1 - (uInt)r->cache.len
                                  : need - (uInt)r->cache.len;
    flush = need == raw ? Z_FINISH : Z_SYNC_FLUSH;
    zrc = inflate(&r->zs, flush);
    if (zrc == Z_NEED_DICT) {
        if (!r->dict_len ||
            inflateSetDictionary(&r->zs, r->dict, (uInt)r->dict_len) != Z_OK)
            goto corrupt;
        zrc = inflate(&r->zs, flush);
    }
    r->cache.len = (size_t)(r->zs.next_out - r->cache.data);
    if (need == raw) {
        if (zrc != Z_STREAM_END || r->zs.avail_out != 1 ||
            r->zs.avail_in != 0)
            goto corrupt;
    } else if ((zrc != Z_OK && zrc != Z_STREAM_END) ||
               r->cache.len != need) {
        goto corrupt;
    }
    return CARI_OK;
corrupt:
    r->cached_block = -1;
    r->cache.len = 0;
    return CARI_ECORRUPT;
}

int cari_store_reader_get(cari_store_reader *r, uint32_t a, cari_stored *out)
{
    const unsigned char *loc, *q, *end;
    uint32_t b, off, need;
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
    /* the record ends where the next one of its block starts */
    need = cari_get_u32(r->index + 8 + 8 * ((size_t)r->nblocks + 1) +
                        4 * (size_t)b);
    if (a + 1 < r->narticles && cari_get_u32(loc + 8) == b &&
        cari_get_u32(loc + 12) <= need)
        need = cari_get_u32(loc + 12);
    rc = load_block(r, b, need);
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
    FIELD(title, title_len)
    FIELD(meta, meta_len)
    FIELD(text, text_len)
#undef FIELD
    return CARI_OK;
}

void cari_store_reader_free(cari_store_reader *r)
{
    cari_buf_free(&r->cache);
    if (r->zs_ready)
        inflateEnd(&r->zs);
    r->zs_ready = 0;
    r->cached_block = -1;
}
