/*
 * check.c -- cari_index_check(): verifies an index in full and reports
 * every problem, file by file (cari-index --check).
 *
 * Readers verify checksums when they open a segment and then decode only
 * what a query touches.  The checker decodes everything, and does it
 * independently of the readers where it can: its own walk of a segment's
 * frame and section table (so it names every section whose checksum
 * fails, not only the first), of the dictionary, of the tails of posting
 * lists, of position streams and of the stored text (inflated here, not
 * through the reader's cache).  Full posting blocks are decoded with the
 * codec's iterator, and what they hold is compared with their skip
 * entries.  Then come the invariants that span tables and files: passage
 * ranges inside their article's text, ids and their hashes, deletion
 * bitmaps against the manifest, no id live twice in the index.
 *
 * Formats: MANIFEST and deletion files in index.c, segments in segment.c,
 * posting lists in codec.h, stored text in docstore.h.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "codec.h"
#include "filter.h"
#include "index_internal.h"
#include "utf8.h"
#include "util.h"
#include "xapian_backend.h"

/* Problems itemised per file; the rest are counted. */
#define MAX_ITEMISED 50
/* Longest term the reader's dictionary cursor takes (segment.c). */
#define MAX_TERM 255

typedef struct checker {
    cari_check_fn fn;
    void *ctx;
    cari_check_stats st;
    const char *file;          /* the file being checked */
    uint64_t file_problems;
    int error;                 /* the check itself failed (CARI_ENOMEM) */
    char errmsg[640];          /* what failed, when the check says (else
                                  cari_strerror(error) is told) */
    uint64_t generation;       /* of the MANIFEST checked (native) */
} checker;

/* A native check's problems wait here until the check knows that no
 * commit replaced the MANIFEST meanwhile (a merge's commit removes the
 * files the old one named: they were then reported missing from a sound
 * index, found by review); then they go to the caller's function. */
typedef struct held_problem {
    char *file, *msg;
} held_problem;

typedef struct problem_hold {
    held_problem *items;
    size_t n, cap;
    int oom;
} problem_hold;

static void hold_problem(void *ctx, const char *file, const char *msg)
{
    problem_hold *h = ctx;
    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 16;
        held_problem *p = realloc(h->items, cap * sizeof *p);
        if (!p) {
            h->oom = 1;
            return;
        }
        h->items = p;
        h->cap = cap;
    }
    h->items[h->n].file = strdup(file ? file : "");
    h->items[h->n].msg = strdup(msg);
    if (!h->items[h->n].file || !h->items[h->n].msg) {
        free(h->items[h->n].file);
        free(h->items[h->n].msg);
        h->oom = 1;
        return;
    }
    h->n++;
}

static void hold_free(problem_hold *h)
{
    size_t i;
    for (i = 0; i < h->n; i++) {
        free(h->items[i].file);
        free(h->items[i].msg);
    }
    free(h->items);
    memset(h, 0, sizeof *h);
}

static void problem(checker *c, const char *fmt, ...) CARI_PRINTF(2, 3);

static void problem(checker *c, const char *fmt, ...)
{
    char msg[640];
    va_list ap;
    c->st.problems++;
    if (++c->file_problems > MAX_ITEMISED)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->fn)
        c->fn(c->ctx, c->file, msg);
}

static void begin_file(checker *c, const char *path)
{
    c->file = path;
    c->file_problems = 0;
}

static void end_file(checker *c)
{
    if (c->file_problems > MAX_ITEMISED && c->fn) {
        char msg[128];
        snprintf(msg, sizeof msg, "... and %" PRIu64 " more problems",
                 c->file_problems - MAX_ITEMISED);
        c->fn(c->ctx, c->file, msg);
    }
    c->file_problems = 0;
}

/* A term or id for messages: at most 60 bytes, control bytes, quotes and
 * backslashes as \xNN. */
static const char *show(const void *data, size_t n, char *buf, size_t cap)
{
    const unsigned char *s = data;
    size_t i, o = 0;
    for (i = 0; i < n && o + 8 < cap && i < 60; i++) {
        if (s[i] < 0x20 || s[i] == 0x7f || s[i] == '\'' || s[i] == '\\')
            o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", s[i]);
        else
            buf[o++] = (char)s[i];
    }
    if (i < n && o + 4 < cap) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = '\0';
    return buf;
}

/* ------------------------------------------------------------------ */
/* A segment's frame: header, sections, table, trailer                 */
/* ------------------------------------------------------------------ */

/* Check what every byte of the file is: header, zero padding, a section
 * whose crc matches, the table (crc in the trailer) or the trailer.
 * Reports every problem; returns 1 when the frame is sound. */
static int check_frame(checker *c, const unsigned char *map, size_t size)
{
    const unsigned char *t, *tr;
    uint64_t table_off, next = 16;
    uint32_t count, i;
    int seen[CARI_SEC_COUNT + 1] = {0}, sound = 1;
    if (size < 48) {
        problem(c, "file too short (%zu bytes): truncated", size);
        return 0;
    }
    if (memcmp(map, CARI_SEG_MAGIC, 8) != 0) {
        problem(c, "not a cari segment (bad magic)");
        return 0;
    }
    if (cari_get_u32(map + 8) != CARI_SEG_VERSION) {
        problem(c, "segment format %u, this cari reads %d (a damaged header, "
                "or another version of cari wrote it)",
                cari_get_u32(map + 8), CARI_SEG_VERSION);
        return 0;
    }
    if (cari_get_u32(map + 12) != 16)
        problem(c, "bad header size %u", cari_get_u32(map + 12));
    tr = map + size - 32;
    if (memcmp(tr + 24, CARI_SEG_END_MAGIC, 8) != 0) {
        problem(c, "no end marker: truncated, or the trailer is damaged");
        return 0;
    }
    if (cari_get_u64(tr + 16) != size) {
        problem(c, "the trailer records %" PRIu64 " bytes, the file has "
                "%zu: truncated or extended", cari_get_u64(tr + 16), size);
        return 0;
    }
    table_off = cari_get_u64(tr);
    count = cari_get_u32(tr + 8);
    if (table_off < 16 || table_off > size - 32 ||
        (uint64_t)count * 24 != size - 32 - table_off) {
        problem(c, "the trailer's section table position does not fit the "
                "file");
        return 0;
    }
    t = map + table_off;
    if (cari_crc32(t, (size_t)count * 24) != cari_get_u32(tr + 12)) {
        problem(c, "section table checksum mismatch");
        return 0;
    }
    for (i = 0; i < count; i++) {
        uint32_t id = cari_get_u32(t + 24 * i);
        uint32_t crc = cari_get_u32(t + 24 * i + 4);
        uint64_t off = cari_get_u64(t + 24 * i + 8);
        uint64_t len = cari_get_u64(t + 24 * i + 16);
        if (id < 1 || id > CARI_SEC_COUNT || seen[id] ||
            off != ((next + 7) & ~(uint64_t)7) || off > table_off ||
            len > table_off - off) {
            problem(c, "section table entry %u is not valid", i);
            return 0;
        }
        seen[id] = 1;
        for (; next < off; next++)
            if (map[next] != 0) {
                problem(c, "padding before section '%s' is not zero",
                        cari_segment_section_name((int)id));
                sound = 0;
                break;
            }
        next = off + len;
        if (cari_crc32(map + off, (size_t)len) != crc) {
            problem(c, "checksum mismatch in section '%s' (bytes %" PRIu64
                    "..%" PRIu64 ")",
                    cari_segment_section_name((int)id), off, off + len);
            sound = 0;
        }
    }
    if (next != table_off) {
        problem(c, "bytes between the last section and the table");
        sound = 0;
    }
    for (i = 1; i <= CARI_SEC_COUNT; i++)
        if (!seen[i]) {
            problem(c, "section '%s' is missing",
                    cari_segment_section_name((int)i));
            sound = 0;
        }
    return sound;
}

/* ------------------------------------------------------------------ */
/* A segment's contents                                                */
/* ------------------------------------------------------------------ */

typedef struct segcheck {
    checker *c;
    cari_segment *s;
    uint32_t na, np, nt;
    const unsigned char *sec[CARI_SEC_COUNT + 1];
    size_t len[CARI_SEC_COUNT + 1];
    uint32_t *text_len;        /* per article; UINT32_MAX when unknown */
    uint32_t *title_bytes;     /* per article; UINT32_MAX when unknown */
    uint32_t *passage_bytes;   /* per passage; UINT32_MAX when unknown */
    cari_arena arena;          /* skip tables, one list at a time */
} segcheck;

/* INFO's total lengths against the length tables. */
static void check_lengths(segcheck *sc)
{
    uint64_t body = 0, title = 0;
    uint32_t i;
    for (i = 0; i < sc->np; i++)
        body += cari_segment_body_len(sc->s, i);
    for (i = 0; i < sc->na; i++)
        title += cari_segment_title_len(sc->s, i);
    if (body != cari_segment_total_len(sc->s, CARI_FIELD_BODY))
        problem(sc->c, "info: total passage length %" PRIu64 ", the passages "
                "add up to %" PRIu64,
                cari_segment_total_len(sc->s, CARI_FIELD_BODY), body);
    if (title != cari_segment_total_len(sc->s, CARI_FIELD_TITLE))
        problem(sc->c, "info: total title length %" PRIu64 ", the titles add "
                "up to %" PRIu64,
                cari_segment_total_len(sc->s, CARI_FIELD_TITLE), title);
}

/* One stored record at rec[0..n): 1 and the text length when it parses. */
static int check_record(segcheck *sc, uint32_t a, const unsigned char *rec,
                        size_t n, uint32_t *text_len, uint32_t *title_bytes)
{
    const unsigned char *q = rec, *end = rec + n;
    const char *what[3] = {"title", "metadata", "text"};
    const unsigned char *field[3];
    uint64_t flen[3];
    size_t bad;
    int k;
    for (k = 0; k < 3; k++) {
        flen[k] = cari_varint_get(&q, end);
        if (!q || flen[k] > (uint64_t)(end - q)) {
            problem(sc->c, "stored text: the record of article %u does not "
                    "parse (its %s)", a, what[k]);
            return 0;
        }
        field[k] = q;
        q += flen[k];
    }
    if (q != end) {
        problem(sc->c, "stored text: %zu stray bytes after the record of "
                "article %u", (size_t)(end - q), a);
        return 0;
    }
    for (k = 0; k < 3; k++)
        if (!cari_utf8_valid((const char *)field[k], (size_t)flen[k], &bad))
            problem(sc->c, "stored text: the %s of article %u is not valid "
                    "UTF-8 (byte %zu)", what[k], a, bad);
    if (flen[1]) {
        int oom;
        int object = cari_meta_is_object((const char *)field[1],
                                         (size_t)flen[1], &oom);
        if (oom)
            sc->c->error = CARI_ENOMEM;
        else if (!object)
            problem(sc->c, "stored text: the metadata of article %u is not "
                    "a JSON object", a);
    }
    if (flen[2] > UINT32_MAX || flen[0] > UINT32_MAX) {
        problem(sc->c, "stored text: article %u is too long", a);
        return 0;
    }
    *text_len = (uint32_t)flen[2];
    *title_bytes = (uint32_t)flen[0];
    return 1;
}

/* Inflate stored block b into out (raw bytes); 1 when it inflates to
 * exactly its recorded size. */
static int inflate_block(segcheck *sc, z_stream *zs, uint32_t b,
                         const unsigned char *data, uint64_t start,
                         uint64_t end, uint32_t raw, cari_buf *out)
{
    int zrc;
    out->len = 0;
    if (end - start > UINT32_MAX ||
        (uint64_t)raw > (end - start) * 1032) {
        problem(sc->c, "stored text: block %u records %u bytes, more than "
                "its %" PRIu64 " compressed bytes can hold", b, raw,
                end - start);
        return 0;
    }
    if (cari_buf_reserve(out, (size_t)raw + 1)) {
        sc->c->error = CARI_ENOMEM;
        return 0;
    }
    if (inflateReset(zs) != Z_OK) {
        sc->c->error = CARI_ENOMEM;
        return 0;
    }
    zs->next_in = (unsigned char *)data + start;
    zs->avail_in = (uInt)(end - start);
    zs->next_out = out->data;
    zs->avail_out = raw + 1;
    zrc = inflate(zs, Z_FINISH);
    if (zrc == Z_NEED_DICT) {
        problem(sc->c, "stored text: block %u asks for a preset dictionary "
                "(no segment has one)", b);
        return 0;
    }
    if (zrc != Z_STREAM_END) {
        problem(sc->c, "stored text: block %u does not inflate (%s)", b,
                zs->msg ? zs->msg : "truncated or damaged data");
        return 0;
    }
    if (zs->avail_out != 1 || zs->avail_in != 0) {
        problem(sc->c, "stored text: block %u inflates to %lu bytes, its "
                "size is recorded as %u%s",
                b, zs->total_out, raw,
                zs->avail_in ? " (and compressed bytes are left over)" : "");
        return 0;
    }
    out->len = raw;
    return 1;
}

/* STORE and STOREIDX: every block inflates, every record decodes (with
 * the STOREWORDS list) and parses, and the records tile their blocks.
 * Fills text_len. */
static void check_store(segcheck *sc)
{
    const unsigned char *idx = sc->sec[CARI_SEC_STOREIDX];
    const unsigned char *data = sc->sec[CARI_SEC_STORE];
    uint32_t nb = cari_get_u32(idx), b, a = 0;
    const unsigned char *offs = idx + 8;
    const unsigned char *sizes = offs + 8 * ((size_t)nb + 1);
    const unsigned char *firsts = sizes + 4 * (size_t)nb;
    cari_buf raw = {0}, rec = {0};
    z_stream zs;
    /* the word list: parsed when the segment opened */
    const cari_store_reader *store = cari_segment_store(sc->s);
    /* the reader's open checked: counts, the index's size, offsets
     * ascending and ending at the data's end */
    if (cari_get_u64(offs) != 0)
        problem(sc->c, "stored text index: the first block does not start "
                "at 0");
    if (nb == 0 && sc->na > 0) {
        problem(sc->c, "stored text: %u articles and no block", sc->na);
        return;
    }
    memset(&zs, 0, sizeof zs);
    if (inflateInit(&zs) != Z_OK) {
        sc->c->error = CARI_ENOMEM;
        return;
    }
    /* the reader's open checked the blocks' first articles: ascending
     * from 0, each block holding one at least */
    for (b = 0; b < nb && !sc->c->error; b++) {
        uint32_t first = cari_get_u32(firsts + 4 * (size_t)b);
        uint32_t size = cari_get_u32(sizes + 4 * (size_t)b), off = 0, next = 0;
        uint32_t k;
        int ok;
        a = b + 1 < nb ? cari_get_u32(firsts + 4 * ((size_t)b + 1)) : sc->na;
        ok = inflate_block(sc, &zs, b, data, cari_get_u64(offs + 8 * (size_t)b),
                           cari_get_u64(offs + 8 * ((size_t)b + 1)), size,
                           &raw);
        if (!ok)
            continue;
        for (k = first; k < a; k++, off = next) {
            /* the record: three fields, each its length and its bytes */
            const unsigned char *q = raw.data + off;
            int f;
            for (f = 0; f < 3 && q; f++) {
                uint64_t n = cari_varint_get(&q, raw.data + size);
                if (q && n > (uint64_t)(raw.data + size - q))
                    q = NULL;
                else if (q)
                    q += n;
            }
            if (!q) {
                problem(sc->c, "stored text: the record of article %u runs "
                        "past its block %u (%u bytes)", k, b, size);
                break;
            }
            next = (uint32_t)(q - raw.data);
            if (store->nwords) {
                /* word codes (docstore.h): decode, then check the record */
                size_t used;
                int drc;
                rec.len = 0;
                drc = cari_store_decode_record(
                    store->words_buf.data, store->word_loc, store->nwords,
                    raw.data + off, next - off, &rec, &used);
                if (drc == CARI_ENOMEM) {
                    sc->c->error = CARI_ENOMEM;
                    break;
                }
                if (drc) {
                    problem(sc->c, "stored text: the record of article %u "
                            "does not decode (a cut field or a word code "
                            "past the segment's %u words)", k,
                            store->nwords);
                    continue;
                }
                check_record(sc, k, rec.data, rec.len, &sc->text_len[k],
                             &sc->title_bytes[k]);
                continue;
            }
            check_record(sc, k, raw.data + off, next - off, &sc->text_len[k],
                         &sc->title_bytes[k]);
        }
        if (k == a && off != size)
            problem(sc->c, "stored text: %u stray bytes after the last "
                    "record of block %u", size - off, b);
    }
    inflateEnd(&zs);
    cari_buf_free(&raw);
    cari_buf_free(&rec);
}

/* PASSAGES' byte ranges (which decode, or the segment would not have
 * opened): non-empty, in order without overlap, and inside the text. */
static void check_ranges(segcheck *sc)
{
    uint32_t a, k;
    for (a = 0; a < sc->na; a++) {
        uint32_t n = cari_segment_passage_count(sc->s, a);
        uint32_t first = cari_segment_first_passage(sc->s, a);
        for (k = 0; k < n; k++) {
            uint32_t start, end;
            if (cari_segment_passage_range(sc->s, first + k, &start, &end)) {
                problem(sc->c, "passages: the byte ranges of article %u do "
                        "not decode", a);
                break;
            }
            /* a text without words (empty, or white space alone) makes
             * one empty passage; else none is empty */
            if (end == start && n > 1)
                problem(sc->c, "passages: passage %u of article %u is empty",
                        k, a);
            if (sc->text_len[a] != UINT32_MAX && end > sc->text_len[a]) {
                problem(sc->c, "passages: passage %u of article %u ends at "
                        "byte %u, past its text (%u bytes)",
                        k, a, end, sc->text_len[a]);
                break;
            }
            sc->passage_bytes[first + k] = end - start;
        }
    }
}

/* IDS and IDTEXT (which decodes, or the segment would not have opened). */
static void check_ids(segcheck *sc)
{
    const unsigned char *ids = sc->sec[CARI_SEC_IDS];
    unsigned char *seen = calloc((size_t)sc->na / 8 + 1, 1);
    uint64_t prev_hash = 0;
    uint32_t prev_art = 0, i;
    char buf[256];
    if (!seen) {
        sc->c->error = CARI_ENOMEM;
        return;
    }
    for (i = 0; i < sc->na; i++) {
        size_t len, bad;
        const char *id = cari_segment_id(sc->s, i, &len);
        if (memchr(id, '\0', len) || memchr(id, '\n', len))
            problem(sc->c, "id text: the id of article %u holds a NUL or "
                    "newline ('%s')", i, show(id, len, buf, sizeof buf));
        else if (!cari_utf8_valid(id, len, &bad))
            problem(sc->c, "id text: the id of article %u is not valid UTF-8",
                    i);
    }
    for (i = 0; i < sc->na; i++) {
        uint32_t a = cari_get_u32(ids + 4 * (size_t)i);
        uint64_t h;
        size_t len;
        const char *id;
        if (a >= sc->na) {
            problem(sc->c, "ids: entry %u names article %u of %u", i, a,
                    sc->na);
            continue;
        }
        if (seen[a >> 3] >> (a & 7) & 1)
            problem(sc->c, "ids: article %u is listed twice", a);
        seen[a >> 3] |= (unsigned char)(1u << (a & 7));
        id = cari_segment_id(sc->s, a, &len);
        h = cari_hash64(id, len);
        if (i > 0 && (h < prev_hash || (h == prev_hash && a <= prev_art)))
            problem(sc->c, "ids: entry %u is out of order (the table must be "
                    "sorted by the ids' hashes for lookups)", i);
        prev_hash = h;
        prev_art = a;
    }
    free(seen);
}

typedef struct list_ref {
    const char *term;          /* for messages, already shown */
    int field;
    uint32_t df;
    int exact;                 /* an exact form: no positions */
    const unsigned char *post, *pos;
    size_t post_len, pos_len;
    const cari_term_info *derived; /* coded against a base term, or NULL */
} list_ref;

static const char *const field_names[CARI_NFIELDS] = {"text", "title"};

/* Compare a block's skip entry with what the block held. */
static void check_skip(segcheck *sc, const list_ref *l, const cari_skip *sk,
                       uint32_t b, uint32_t max_tf, uint32_t min_len)
{
    /* a derived list's entries say min length 0 (segment.c) */
    if (l->derived)
        min_len = 0;
    if (sk->max_tf != max_tf || sk->min_len != min_len)
        problem(sc->c, "term '%s' (%s): skip entry %u says max tf %u, min "
                "length %u; its block has %u and %u",
                l->term, field_names[l->field], b, sk->max_tf, sk->min_len,
                max_tf, min_len);
}

/* Open the positions reader of the iterator's block b of list l; 0 when
 * it opens, else reports why. */
static int open_pos_block(segcheck *sc, const list_ref *l,
                          const cari_postings *p, uint32_t b,
                          cari_posbits *r)
{
    if (cari_postings_block_positions(p, r) == 0)
        return 0;
    problem(sc->c, "term '%s' (%s): positions block %u (bytes %zu-%zu) "
            "does not open", l->term, field_names[l->field], b,
            (size_t)(p->pos_block - l->pos),
            (size_t)(p->pos_block_end - l->pos));
    return -1;
}

/* A positions block must end where the next one begins: all its bytes
 * used, nothing but zero bits after its last value. */
static int pos_block_ends(segcheck *sc, const list_ref *l, uint32_t b,
                          const cari_posbits *r)
{
    if (cari_posbits_done(r))
        return 0;
    problem(sc->c, "term '%s' (%s): positions block %u has %" PRIu64
            " stray bits after its values", l->term, field_names[l->field], b,
            (uint64_t)r->len * 8 - r->bit);
    return -1;
}

/* One posting list and its positions, decoded in full. */
static void check_list(segcheck *sc, const list_ref *l)
{
    cari_postings p;
    cari_posbits r;
    uint32_t limit = l->field == CARI_FIELD_BODY ? sc->np : sc->na;
    uint32_t count = 0, block = UINT32_MAX, max_tf = 0, min_len = UINT32_MAX;
    uint32_t pblock = UINT32_MAX;  /* the positions block r reads */
    int64_t prev = -1;
    int rc, positions_ok = !l->exact;
    /* a derived list of fewer than 128 docs shows one made-up skip entry
     * (codec.h): only coded entries are checked */
    int has_skips = !l->derived || l->df >= CARI_BLOCK;
    cari_arena_reset(&sc->arena);
    rc = l->derived ? cari_term_open(&p, l->derived, l->field, &sc->arena)
                    : cari_postings_open_limit(&p, l->post, l->post_len,
                                               l->pos, l->pos_len, l->df,
                                               limit, &sc->arena);
    if (rc == CARI_ENOMEM) {
        sc->c->error = rc;
        return;
    }
    if (rc) {
        problem(sc->c, "term '%s' (%s): the posting list's skip entries do "
                "not decode", l->term, field_names[l->field]);
        return;
    }
    while (p.doc != CARI_DOC_END) {
        uint32_t d = p.doc, tf = cari_postings_tf(&p), len, k;
        uint32_t b = p.nblocks ? p.block : 0;
        if (d >= limit) {
            problem(sc->c, "term '%s' (%s): doc %u is out of range (%u docs)",
                    l->term, field_names[l->field], d, limit);
            return;
        }
        if ((int64_t)d <= prev) {
            problem(sc->c, "term '%s' (%s): doc ids not ascending at %u",
                    l->term, field_names[l->field], d);
            return;
        }
        prev = d;
        if (p.nblocks && p.block != block && has_skips) {
            if (block != UINT32_MAX)
                check_skip(sc, l, &p.skips[block], block, max_tf, min_len);
            block = p.block;
            max_tf = 0;
            min_len = UINT32_MAX;
        }
        if (positions_ok && b != pblock) {
            if ((pblock != UINT32_MAX && pos_block_ends(sc, l, pblock, &r)) ||
                open_pos_block(sc, l, &p, b, &r))
                positions_ok = 0;
            pblock = b;
        }
        len = l->field == CARI_FIELD_BODY ? cari_segment_body_len(sc->s, d)
                                          : cari_segment_title_len(sc->s, d);
        if (tf > max_tf)
            max_tf = tf;
        if (len < min_len)
            min_len = len;
        if (positions_ok) {
            uint64_t at = 0;
            uint32_t bytes = l->field == CARI_FIELD_BODY
                                 ? sc->passage_bytes[d]
                                 : sc->title_bytes[d];
            for (k = 0; k < tf; k++) {
                uint32_t gap;
                if (cari_posbits_get(&r, &gap)) {
                    problem(sc->c, "term '%s' (%s): the positions of doc %u "
                            "do not decode", l->term, field_names[l->field], d);
                    positions_ok = 0;
                    break;
                }
                if (k > 0 && gap == 0) {
                    problem(sc->c, "term '%s' (%s): the positions of doc %u "
                            "are not ascending", l->term,
                            field_names[l->field], d);
                    positions_ok = 0;
                    break;
                }
                at += gap;
                /* a token takes a byte at least: a position is less than
                 * the field's length in bytes */
                if (at >= bytes) {
                    problem(sc->c, "term '%s' (%s): position %" PRIu64 " of "
                            "doc %u is past the end of its %u bytes",
                            l->term, field_names[l->field], at, d, bytes);
                    positions_ok = 0;
                    break;
                }
            }
            sc->c->st.positions += k;
        }
        count++;
        sc->c->st.postings++;
        cari_postings_next(&p);
    }
    if (p.corrupt) {
        problem(sc->c, "term '%s' (%s): the posting list does not decode "
                "(after %u of its %u docs)",
                l->term, field_names[l->field], count, l->df);
        return;
    }
    if (block != UINT32_MAX && has_skips)
        check_skip(sc, l, &p.skips[block], block, max_tf, min_len);
    if (count != l->df) {
        problem(sc->c, "term '%s' (%s): the dictionary says %u docs, the list "
                "holds %u", l->term, field_names[l->field], l->df, count);
        return;
    }
    if (positions_ok && pblock != UINT32_MAX)
        pos_block_ends(sc, l, pblock, &r);
    /* (the iterator checks that every block, the last too, ends where its
     * entries do) */
}

/* DICT and DICTIDX, and through them every posting list. */
static void check_dictionary(segcheck *sc)
{
    const unsigned char *dict = sc->sec[CARI_SEC_DICT];
    const unsigned char *idx = sc->sec[CARI_SEC_DICTIDX];
    size_t dict_len = sc->len[CARI_SEC_DICT];
    uint32_t nb = (uint32_t)(sc->len[CARI_SEC_DICTIDX] / 4), b;
    uint64_t post_sum = 0, pos_sum = 0, terms = 0;
    char prev[MAX_TERM + 1], cur[MAX_TERM + 1], shown[256], shown2[256];
    cari_term_info dinfo;
    size_t prev_len = 0, cur_len = 0;
    int have_prev = 0;
    for (b = 0; b < nb && !sc->c->error; b++) {
        uint32_t off = cari_get_u32(idx + 4 * (size_t)b);
        uint32_t end = b + 1 < nb ? cari_get_u32(idx + 4 * ((size_t)b + 1))
                                  : (uint32_t)dict_len;
        uint32_t n = sc->nt - b * CARI_DICT_BLOCK, k;
        const unsigned char *q, *e;
        uint64_t post_off, pos_off;
        if (n > CARI_DICT_BLOCK)
            n = CARI_DICT_BLOCK;
        if ((b == 0 && off != 0) || off >= end || end > dict_len) {
            problem(sc->c, "dictionary index: block %u is at %u..%u of %zu "
                    "bytes", b, off, end, dict_len);
            return;
        }
        q = dict + off;
        e = dict + end;
        post_off = cari_varint_get(&q, e);
        pos_off = cari_varint_get(&q, e);
        if (!q) {
            problem(sc->c, "dictionary: block %u's header does not decode", b);
            continue;
        }
        if (post_off != post_sum || pos_off != pos_sum) {
            problem(sc->c, "dictionary: block %u starts at postings byte %"
                    PRIu64 " and positions byte %" PRIu64 "; the blocks "
                    "before it end at %" PRIu64 " and %" PRIu64,
                    b, post_off, pos_off, post_sum, pos_sum);
            post_sum = post_off;  /* go on from where the block says */
            pos_sum = pos_off;
        }
        for (k = 0; k < n && !sc->c->error; k++) {
            uint64_t prefix = cari_varint_get(&q, e);
            uint64_t slen = cari_varint_get(&q, e);
            unsigned fields = (unsigned)(slen & 3);
            uint32_t df[CARI_NFIELDS];
            int f, positional, derived;
            size_t bad;
            slen >>= 2;
            if (!q || prefix > cur_len || slen > (uint64_t)(e - q) ||
                prefix + slen > MAX_TERM || (k == 0 && prefix != 0)) {
                problem(sc->c, "dictionary: entry %u of block %u does not "
                        "decode", k, b);
                break;
            }
            memcpy(cur + prefix, q, (size_t)slen);
            cur_len = (size_t)(prefix + slen);
            q += slen;
            show(cur, cur_len, shown, sizeof shown);
            if (cur_len == 0)
                problem(sc->c, "dictionary: an empty term (block %u)", b);
            if (have_prev) {
                size_t m = prev_len < cur_len ? prev_len : cur_len;
                int c = memcmp(prev, cur, m);
                if (c > 0 || (c == 0 && prev_len >= cur_len))
                    problem(sc->c, "dictionary: term '%s' does not sort after "
                            "'%s'", shown,
                            show(prev, prev_len, shown2, sizeof shown2));
            }
            if (!cari_utf8_valid(cur, cur_len, &bad))
                problem(sc->c, "dictionary: term '%s' is not valid UTF-8",
                        shown);
            memcpy(prev, cur, cur_len);
            prev_len = cur_len;
            have_prev = 1;
            terms++;
            positional = cari_term_positional(cur, cur_len);
            derived = 0;
            if (cur_len && cur[0] == '=') {
                /* an exact form: plain lists, or ranks in its base's */
                char base[256], shownb[256];
                size_t base_len;
                if (cari_segment_base_get(&q, e, cur + 1, cur_len - 1, base,
                                          &base_len)) {
                    problem(sc->c, "dictionary: the base term of '%s' does "
                            "not decode", shown);
                    break;
                }
                if (base_len) {
                    derived = 1;
                    if (cari_segment_lookup(sc->s, cur, cur_len, &dinfo) != 1) {
                        problem(sc->c, "term '%s': its lists are coded "
                                "against term '%s', which does not hold "
                                "all of its docs", shown,
                                show(base, base_len, shownb, sizeof shownb));
                        derived = -1;  /* its lists cannot be read */
                    }
                }
            }
            for (f = 0; f < CARI_NFIELDS; f++) {
                uint64_t d = 0, pl = 0, xl = 0;
                uint32_t limit = f == CARI_FIELD_BODY ? sc->np : sc->na;
                list_ref l;
                df[f] = 0;
                if (!(fields >> f & 1))
                    continue;
                d = cari_varint_get(&q, e);
                pl = cari_varint_get(&q, e);
                if (positional)
                    xl = cari_varint_get(&q, e);
                if (!q)
                    break;
                df[f] = (uint32_t)(d > UINT32_MAX ? UINT32_MAX : d);
                if (d == 0) {
                    problem(sc->c, "term '%s' (%s): the dictionary names the "
                            "field with no docs", shown, field_names[f]);
                    continue;
                }
                if (post_sum + pl > sc->len[CARI_SEC_POSTINGS] ||
                    pos_sum + xl > sc->len[CARI_SEC_POSITIONS]) {
                    problem(sc->c, "term '%s' (%s): its lists run past the "
                            "postings or positions section", shown,
                            field_names[f]);
                    post_sum += pl;
                    pos_sum += xl;
                    continue;
                }
                l.term = shown;
                l.field = f;
                l.df = df[f];
                /* exact forms and metadata terms (filter.h) have no
                 * positions, nor their length in the dictionary */
                l.exact = !positional;
                l.post = sc->sec[CARI_SEC_POSTINGS] + post_sum;
                l.post_len = (size_t)pl;
                l.pos = sc->sec[CARI_SEC_POSITIONS] + pos_sum;
                l.pos_len = (size_t)xl;
                l.derived = derived > 0 ? &dinfo : NULL;
                post_sum += pl;
                pos_sum += xl;
                if (d > limit)
                    problem(sc->c, "term '%s' (%s): df %" PRIu64 " is more "
                            "than the %u docs", shown, field_names[f], d,
                            limit);
                else if (pl == 0)
                    problem(sc->c, "term '%s' (%s): df %" PRIu64 " and an "
                            "empty posting list", shown, field_names[f], d);
                else if (!l.exact && xl < (d + 7) / 8)  /* a bit a position */
                    problem(sc->c, "term '%s' (%s): %" PRIu64 " position "
                            "bytes cannot hold %" PRIu64 " docs' positions",
                            shown, field_names[f], xl, d);
                else if (derived >= 0)
                    check_list(sc, &l);
            }
            if (!q) {
                problem(sc->c, "dictionary: the entry of term '%s' does not "
                        "decode", shown);
                break;
            }
            if (df[0] == 0 && df[1] == 0)
                problem(sc->c, "dictionary: term '%s' occurs nowhere", shown);
        }
        if (k == n && q != e)
            problem(sc->c, "dictionary: %zu stray bytes after block %u",
                    (size_t)(e - q), b);
    }
    if (sc->c->error)
        return;
    sc->c->st.terms += terms;
    if (terms != sc->nt)
        problem(sc->c, "dictionary: %" PRIu64 " terms decode, the info section "
                "says %u", terms, sc->nt);
    if (post_sum != sc->len[CARI_SEC_POSTINGS])
        problem(sc->c, "postings: the dictionary's lists cover %" PRIu64
                " of %zu bytes", post_sum, sc->len[CARI_SEC_POSTINGS]);
    if (pos_sum != sc->len[CARI_SEC_POSITIONS])
        problem(sc->c, "positions: the dictionary's streams cover %" PRIu64
                " of %zu bytes", pos_sum, sc->len[CARI_SEC_POSITIONS]);
}

/* Everything in an open segment. */
static void check_contents(checker *c, cari_segment *s)
{
    segcheck sc;
    int i;
    memset(&sc, 0, sizeof sc);
    sc.c = c;
    sc.s = s;
    sc.na = cari_segment_articles(s);
    sc.np = cari_segment_passages(s);
    sc.nt = cari_segment_terms(s);
    for (i = 1; i <= CARI_SEC_COUNT; i++)
        sc.sec[i] = cari_segment_section(s, i, &sc.len[i]);
    sc.text_len = malloc(((size_t)sc.na + 1) * sizeof *sc.text_len);
    sc.title_bytes = malloc(((size_t)sc.na + 1) * sizeof *sc.title_bytes);
    sc.passage_bytes = malloc(((size_t)sc.np + 1) * sizeof *sc.passage_bytes);
    if (!sc.text_len || !sc.title_bytes || !sc.passage_bytes) {
        c->error = CARI_ENOMEM;
        goto done;
    }
    /* UINT32_MAX: unknown (the stored text or the ranges are damaged) */
    memset(sc.text_len, 0xff, ((size_t)sc.na + 1) * sizeof *sc.text_len);
    memset(sc.title_bytes, 0xff, ((size_t)sc.na + 1) * sizeof *sc.title_bytes);
    memset(sc.passage_bytes, 0xff,
           ((size_t)sc.np + 1) * sizeof *sc.passage_bytes);
    c->st.articles += sc.na;
    c->st.passages += sc.np;
    check_lengths(&sc);
    if (!c->error)
        check_store(&sc);
    if (!c->error)
        check_ranges(&sc);
    if (!c->error)
        check_ids(&sc);
    if (!c->error)
        check_dictionary(&sc);
done:
    free(sc.text_len);
    free(sc.title_bytes);
    free(sc.passage_bytes);
    cari_arena_free(&sc.arena);
}

/* A segment file: its frame, then (when sound) its contents.  *out gets
 * the open segment when the reader can open it. */
static void check_segment(checker *c, const char *path, cari_segment **out)
{
    struct stat st;
    unsigned char *map;
    cari_error err;
    int fd, sound, rc;
    *out = NULL;
    fd = cari_open_index_file(path);
    if (fd == CARI_NOT_REGULAR) {
        problem(c, "not a regular file");
        return;
    }
    if (fd < 0 && errno != ENOENT && errno != ENOTDIR && errno != ELOOP) {
        /* not readable by this process (permissions, no file
         * descriptor left): says nothing of the index */
        c->error = errno == EMFILE || errno == ENFILE || errno == ENOMEM
                       ? CARI_ENOMEM : CARI_EIO;
        snprintf(c->errmsg, sizeof c->errmsg, "%.400s: cannot open: %s", path,
                 strerror(errno));
        return;
    }
    if (fd < 0) {
        problem(c, "%s", errno == ENOENT ? "missing (MANIFEST names it)"
                                         : strerror(errno));
        return;
    }
    if (fstat(fd, &st) != 0) {
        problem(c, "%s", strerror(errno));
        close(fd);
        return;
    }
    c->st.files++;
    c->st.bytes += (uint64_t)st.st_size;
    if (st.st_size < 48) {
        close(fd);
        problem(c, "file too short (%lld bytes): truncated",
                (long long)st.st_size);
        return;
    }
    map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED && (errno == ENOMEM || errno == EAGAIN)) {
        /* no address space or memory left: not the index's fault */
        c->error = CARI_ENOMEM;
        snprintf(c->errmsg, sizeof c->errmsg, "%.400s: cannot map: %s", path,
                 strerror(errno));
        return;
    }
    if (map == MAP_FAILED) {
        problem(c, "cannot map: %s", strerror(errno));
        return;
    }
    sound = check_frame(c, map, (size_t)st.st_size);
    munmap(map, (size_t)st.st_size);
    if (!sound)
        return;
    rc = cari_segment_open(path, out, &err);
    if (rc == CARI_ENOMEM) {
        c->error = CARI_ENOMEM;
        return;
    }
    if (rc != CARI_OK) {
        size_t n = strlen(path);
        /* the reader's message starts with the path */
        problem(c, "%s", strncmp(err.message, path, n) == 0 &&
                             err.message[n] == ':'
                             ? err.message + n + 2
                             : err.message);
        return;
    }
    c->st.segments++;
    check_contents(c, *out);
}

/* A deletion file against its manifest entry; the bitmap in *out. */
static void check_deletes(checker *c, const char *path,
                          const cari_manifest_entry *e, unsigned char **out)
{
    int fd = cari_open_index_file(path);
    FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
    size_t bytes = ((size_t)e->articles + 7) / 8, n;
    unsigned char *buf;
    uint32_t count;
    *out = NULL;
    if (fd == CARI_NOT_REGULAR) {
        problem(c, "not a regular file");
        return;
    }
    if (fd >= 0 && !f)
        close(fd);
    if (!f && errno != ENOENT && errno != ENOTDIR && errno != ELOOP) {
        c->error = errno == EMFILE || errno == ENFILE || errno == ENOMEM
                       ? CARI_ENOMEM : CARI_EIO;
        snprintf(c->errmsg, sizeof c->errmsg, "%.400s: cannot open: %s", path,
                 strerror(errno));
        return;
    }
    if (!f) {
        problem(c, "%s", errno == ENOENT ? "missing (MANIFEST names it)"
                                         : strerror(errno));
        return;
    }
    buf = malloc(16 + bytes + 5);
    if (!buf) {
        fclose(f);
        c->error = CARI_ENOMEM;
        return;
    }
    n = fread(buf, 1, 16 + bytes + 5, f);
    fclose(f);
    c->st.files++;
    c->st.bytes += n;
    if (n != 16 + bytes + 4) {
        problem(c, "%zu bytes, a deletion file for %u articles has %zu", n,
                e->articles, 16 + bytes + 4);
    } else if (memcmp(buf, "CARIDEL", 8) != 0 || cari_get_u32(buf + 8) != 1) {
        problem(c, "not a deletion file (bad magic or version)");
    } else if (cari_crc32(buf, 16 + bytes) !=
               cari_get_u32(buf + 16 + bytes)) {
        problem(c, "checksum mismatch");
    } else if (cari_get_u32(buf + 12) != e->articles) {
        problem(c, "covers %u articles, the segment has %u",
                cari_get_u32(buf + 12), e->articles);
    } else {
        count = cari_count_bits(buf + 16, e->articles);
        if (count != e->ndeleted)
            problem(c, "%u articles marked deleted, MANIFEST says %u", count,
                    e->ndeleted);
        if ((e->articles & 7) && (buf[16 + bytes - 1] >> (e->articles & 7)))
            problem(c, "bits set past the last article");
        *out = malloc(bytes ? bytes : 1);
        if (*out)
            memcpy(*out, buf + 16, bytes);
        else
            c->error = CARI_ENOMEM;
    }
    free(buf);
}

/* ------------------------------------------------------------------ */
/* The index                                                           */
/* ------------------------------------------------------------------ */

typedef struct live_id {
    uint64_t hash;
    uint32_t seg, article;
} live_id;

static int cmp_live_id(const void *x, const void *y)
{
    const live_id *a = x, *b = y;
    if (a->hash != b->hash)
        return a->hash < b->hash ? -1 : 1;
    if (a->seg != b->seg)
        return a->seg < b->seg ? -1 : 1;
    return a->article < b->article ? -1 : a->article > b->article;
}

/* The articles of segs[i] that both it and its deletion bitmap (sized
 * by the manifest) cover: a count that differs from the manifest's is
 * reported already, and reading ids past the segment's end crashed the
 * checker (found by review). */
static uint32_t articles_known(const cari_manifest *m, cari_segment **segs,
                               size_t i)
{
    uint32_t held = cari_segment_articles(segs[i]);
    return held < m->entries[i].articles ? held : m->entries[i].articles;
}

/* The deleted articles and their passages, by the deletion bitmaps read
 * (what cari_index_stats leaves out of its live counts). */
static void count_deleted(checker *c, const cari_manifest *m,
                          cari_segment **segs, unsigned char **deleted)
{
    size_t i;
    for (i = 0; i < m->n; i++) {
        uint32_t a;
        if (!segs[i] || !deleted[i])
            continue;
        for (a = 0; a < articles_known(m, segs, i); a++)
            if (deleted[i][a >> 3] >> (a & 7) & 1) {
                c->st.deleted++;
                c->st.deleted_passages +=
                    cari_segment_passage_count(segs[i], a);
            }
    }
}

/* No id may be live in two places. */
static void check_unique_ids(checker *c, const char *dir,
                             const cari_manifest *m, cari_segment **segs,
                             unsigned char **deleted)
{
    live_id *ids;
    size_t n = 0, cap = 0, i, j;
    char path[4096], name[64], shown[256];
    for (i = 0; i < m->n; i++)
        if (segs[i])
            cap += articles_known(m, segs, i);
    ids = malloc((cap ? cap : 1) * sizeof *ids);
    if (!ids) {
        c->error = CARI_ENOMEM;
        return;
    }
    for (i = 0; i < m->n; i++) {
        uint32_t a;
        if (!segs[i])
            continue;
        for (a = 0; a < articles_known(m, segs, i); a++) {
            size_t len;
            const char *id;
            if (deleted[i] && (deleted[i][a >> 3] >> (a & 7) & 1))
                continue;
            id = cari_segment_id(segs[i], a, &len);
            ids[n].hash = cari_hash64(id, len);
            ids[n].seg = (uint32_t)i;
            ids[n].article = a;
            n++;
        }
    }
    if (n)
        qsort(ids, n, sizeof *ids, cmp_live_id);
    for (i = 0; i < n; i = j) {
        for (j = i + 1; j < n && ids[j].hash == ids[i].hash; j++) {
            size_t la, lb, k;
            const char *b = cari_segment_id(segs[ids[j].seg], ids[j].article,
                                            &lb);
            for (k = i; k < j; k++) {
                const char *a = cari_segment_id(segs[ids[k].seg],
                                                ids[k].article, &la);
                if (la != lb || memcmp(a, b, la) != 0)
                    continue;
                cari_segment_file_name(name, sizeof name,
                                       m->entries[ids[j].seg].number);
                if (cari_path_join(path, sizeof path, dir, name))
                    continue;
                begin_file(c, path);
                problem(c, "id '%s' is live twice (articles %u and %u of "
                        "segments %u and %u): a deletion is missing",
                        show(b, lb, shown, sizeof shown), ids[k].article,
                        ids[j].article, m->entries[ids[k].seg].number,
                        m->entries[ids[j].seg].number);
                end_file(c);
                break;
            }
        }
    }
    free(ids);
}

/* Count the segment and deletion files (and MANIFEST.tmp) that the
 * manifest does not name: CARI_ENOMEM when the directory cannot be listed
 * for lack of memory (which would count none: a clean directory). */
static int count_unreferenced(checker *c, const char *dir,
                              const cari_manifest *m)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    if (!d)
        return errno == ENOMEM ? CARI_ENOMEM : CARI_OK;
    while ((de = readdir(d)) != NULL)
        if (cari_index_file_named(m, de->d_name) == 0)
            c->st.unreferenced++;
    closedir(d);
    return CARI_OK;
}

static int check_native(const char *dir, checker *c, cari_error *err)
{
    cari_error merr;  /* the manifest's, read even when err is NULL */
    cari_manifest m;
    cari_analyzer *an = NULL;
    cari_segment **segs = NULL;
    unsigned char **deleted = NULL;
    char path[4096], name[64];
    int rc, analyzer_differs = 0;
    size_t i;
    if (cari_path_join(path, sizeof path, dir, "MANIFEST"))
        return cari_set_error(err, CARI_EINVAL, "index path too long");
    rc = cari_manifest_read(dir, &m, &merr);
    if (rc == CARI_ECORRUPT) {
        size_t n = strlen(path);
        begin_file(c, path);
        problem(c, "%s", strncmp(merr.message, path, n) == 0 &&
                             merr.message[n] == ':'
                             ? merr.message + n + 2
                             : merr.message);
        end_file(c);
        return cari_set_error(err, CARI_ECORRUPT, "%s", merr.message);
    }
    if (rc)
        return cari_set_error(err, rc, "%s", merr.message);
    c->generation = m.generation;
    c->st.files++;
    rc = cari_analyzer_new(&an, err);
    if (rc) {
        cari_manifest_free(&m);
        return rc;
    }
    analyzer_differs = strcmp(m.analyzer, cari_analyzer_signature(an)) != 0;
    segs = calloc(m.n + 1, sizeof *segs);
    deleted = calloc(m.n + 1, sizeof *deleted);
    if (!segs || !deleted) {
        c->error = CARI_ENOMEM;
        goto done;
    }
    for (i = 0; i < m.n && !c->error; i++) {
        const cari_manifest_entry *e = &m.entries[i];
        cari_segment_file_name(name, sizeof name, e->number);
        if (cari_path_join(path, sizeof path, dir, name)) {
            c->error = CARI_EINVAL;
            break;
        }
        begin_file(c, path);
        check_segment(c, path, &segs[i]);
        if (segs[i] && (cari_segment_articles(segs[i]) != e->articles ||
                        cari_segment_passages(segs[i]) != e->passages))
            problem(c, "holds %u articles and %u passages, MANIFEST says %u "
                    "and %u", cari_segment_articles(segs[i]),
                    cari_segment_passages(segs[i]), e->articles, e->passages);
        end_file(c);
        if (e->deletes_gen && !c->error) {
            cari_deletes_file_name(name, sizeof name, e->number,
                                   e->deletes_gen);
            if (cari_path_join(path, sizeof path, dir, name)) {
                c->error = CARI_EINVAL;
                break;
            }
            begin_file(c, path);
            check_deletes(c, path, e, &deleted[i]);
            end_file(c);
        }
    }
    if (!c->error)
        check_unique_ids(c, dir, &m, segs, deleted);
    if (!c->error)
        count_deleted(c, &m, segs, deleted);
    if (!c->error)
        c->error = count_unreferenced(c, dir, &m);
done:
    for (i = 0; segs && i < m.n; i++)
        cari_segment_close(segs[i]);
    for (i = 0; deleted && i < m.n; i++)
        free(deleted[i]);
    free(segs);
    free(deleted);
    cari_manifest_free(&m);
    cari_analyzer_free(an);
    if (c->error && c->errmsg[0])
        return cari_set_error(err, c->error, "cannot check %s: %s", dir,
                              c->errmsg);
    if (c->error)
        return cari_set_error(err, c->error, "checking %s: %s", dir,
                              cari_strerror(c->error));
    if (c->st.problems)
        return cari_set_error(err, CARI_ECORRUPT, "%s: %" PRIu64 " problem%s "
                              "found", dir, c->st.problems,
                              c->st.problems == 1 ? "" : "s");
    if (analyzer_differs)
        return cari_set_error(err, CARI_EVERSION,
                              "%s: the index is sound, but was built with "
                              "another analyzer; rebuild it to search it "
                              "with this cari", dir);
    return CARI_OK;
}

int cari_index_check(const char *dir, cari_check_fn fn, void *ctx,
                     cari_check_stats *stats, cari_error *err)
{
    checker c;
    int rc;
    memset(&c, 0, sizeof c);
    c.fn = fn;
    c.ctx = ctx;
    if (stats)
        memset(stats, 0, sizeof *stats);
    if (!dir || !*dir)
        return cari_set_error(err, CARI_EINVAL, "no index directory given");
    if (cari_xapian_is_index(dir)) {
        rc = cari_xapian_check(dir, fn, ctx, &c.st, err);
    } else {
        /* checked again (at most 10 times in all) while a commit replaces
         * the MANIFEST during the check; the problems of the last check
         * alone are reported */
        problem_hold h;
        int tries;
        memset(&h, 0, sizeof h);
        for (tries = 0;; tries++) {
            cari_manifest m;
            cari_error e2;
            int changed = 0;
            hold_free(&h);
            memset(&c, 0, sizeof c);
            c.fn = hold_problem;
            c.ctx = &h;
            rc = check_native(dir, &c, err);
            if (rc == CARI_OK || tries == 9)
                break;
            if (cari_manifest_read(dir, &m, &e2) == CARI_OK) {
                changed = m.generation != c.generation;
                cari_manifest_free(&m);
            }
            if (!changed)
                break;
        }
        if (h.oom && rc == CARI_OK)
            rc = cari_set_error(err, CARI_ENOMEM, "out of memory");
        for (size_t i = 0; fn && i < h.n; i++)
            fn(ctx, h.items[i].file, h.items[i].msg);
        hold_free(&h);
    }
    if (stats)
        *stats = c.st;
    return rc;
}
