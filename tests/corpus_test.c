/*
 * corpus_test.c -- input readers (src/corpus.c): JSON Lines (extra fields
 * as meta, integer ids, null title, CRLF, blank lines, no final newline,
 * BOM), gzip-compressed JSON Lines, standard input, and directories of
 * .txt/.md/.jsonl files (name order, hidden files and other files ignored,
 * symbolic links, loops), with a warning naming file and line for every
 * skipped record.
 */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <zlib.h>

#include <jansson.h>

#include "cari.h"
#include "corpus.h"
#include "test_util.h"

typedef struct warning {
    char file[512];
    long line;
    char message[512];
} warning;

typedef struct warnings {
    warning w[64];
    int n;
    warning damage; /* the first that says the data is damaged, past the
                       64 kept too */
    int after_damage; /* warnings after that one */
} warnings;

static void on_warning(void *ctx, const char *file, long line,
                       const char *message)
{
    warnings *ws = ctx;
    if (ws->damage.file[0])
        ws->after_damage++;
    if (strstr(message, "damaged") && !ws->damage.file[0]) {
        snprintf(ws->damage.file, sizeof ws->damage.file, "%s", file);
        ws->damage.line = line;
    }
    if (ws->n < 64) {
        snprintf(ws->w[ws->n].file, sizeof ws->w[ws->n].file, "%s", file);
        ws->w[ws->n].line = line;
        snprintf(ws->w[ws->n].message, sizeof ws->w[ws->n].message, "%s",
                 message);
    }
    ws->n++;
}

/* One article as read, copied out of the reader. */
typedef struct got {
    char id[256], title[256], text[1024], meta[512], file[512];
    size_t text_len, meta_len;
    int has_meta;
    long line;
} got;

typedef struct read_all {
    got a[256];
    int n;
    int rc;          /* the last cari_reader_next() result */
    uint64_t bytes, skipped, file_warnings;
} read_all;

static void copy_field(char *dst, size_t cap, const char *s, size_t n)
{
    assert_true(n < cap);
    if (n)
        memcpy(dst, s, n);
    dst[n] = '\0';
}

/* Read path to its end, giving each article to fn; the last
 * cari_reader_next() result, and the bytes read, records skipped and
 * other warnings (file_warnings may be NULL). */
typedef void (*article_fn)(void *ctx, cari_reader *r, const cari_article *a);

static int read_with(const char *path, warnings *ws, article_fn fn,
                     void *ctx, uint64_t *bytes, uint64_t *skipped,
                     uint64_t *file_warnings)
{
    cari_reader *r = NULL;
    cari_error err;
    cari_article a;
    int rc;
    if (ws)
        memset(ws, 0, sizeof *ws);
    rc = cari_reader_open(path, ws ? on_warning : NULL, ws, &r, &err);
    if (rc != CARI_OK)
        fail_msg("cari_reader_open(%s): %s", path, err.message);
    while ((rc = cari_reader_next(r, &a)) == 1)
        fn(ctx, r, &a);
    *bytes = cari_reader_bytes(r);
    *skipped = cari_reader_skipped(r);
    if (file_warnings)
        *file_warnings = cari_reader_file_warnings(r);
    cari_reader_close(r);
    return rc;
}

static void keep_article(void *ctx, cari_reader *r, const cari_article *a)
{
    read_all *out = ctx;
    got *g = &out->a[out->n++];
    assert_true(out->n < 256);
    copy_field(g->id, sizeof g->id, a->id, a->id_len);
    assert_int_equal(strlen(g->id), a->id_len);
    copy_field(g->title, sizeof g->title, a->title, a->title_len);
    copy_field(g->text, sizeof g->text, a->text, a->text_len);
    g->text_len = a->text_len;
    g->has_meta = a->meta != NULL;
    if (a->meta)
        copy_field(g->meta, sizeof g->meta, a->meta, a->meta_len);
    g->meta_len = a->meta_len;
    snprintf(g->file, sizeof g->file, "%s", cari_reader_file(r));
    g->line = cari_reader_line(r);
}

static void read_everything(const char *path, warnings *ws, read_all *out)
{
    memset(out, 0, sizeof *out);
    out->rc = read_with(path, ws, keep_article, out, &out->bytes,
                        &out->skipped, &out->file_warnings);
}

/* Many articles read: how many, how many of them have their number in
 * the input as their id (numbered_records), and the last one. */
typedef struct counted {
    long n, in_order;
    got last;
    uint64_t bytes, skipped, file_warnings;
    int rc;
} counted;

static void count_article(void *ctx, cari_reader *r, const cari_article *a)
{
    counted *out = ctx;
    char want[32];
    snprintf(want, sizeof want, "%ld", out->n++);
    out->in_order += a->id_len == strlen(want) &&
                     memcmp(a->id, want, a->id_len) == 0;
    copy_field(out->last.id, sizeof out->last.id, a->id, a->id_len);
    copy_field(out->last.text, sizeof out->last.text, a->text, a->text_len);
    snprintf(out->last.file, sizeof out->last.file, "%s", cari_reader_file(r));
    out->last.line = cari_reader_line(r);
}

static void count_everything(const char *path, warnings *ws, counted *out)
{
    memset(out, 0, sizeof *out);
    out->rc = read_with(path, ws, count_article, out, &out->bytes,
                        &out->skipped, &out->file_warnings);
}

typedef struct fixture {
    char dir[256];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f || test_mkdtemp(f->dir, sizeof f->dir) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    test_rmtree(f->dir);
    free(f);
    return 0;
}

static const char *path_in(const fixture *f, const char *name, char *buf,
                           size_t cap)
{
    snprintf(buf, cap, "%s/%s", f->dir, name);
    return buf;
}

static void mkdir_in(const fixture *f, const char *name)
{
    char p[512];
    assert_int_equal(mkdir(path_in(f, name, p, sizeof p), 0755), 0);
}

static void write_in(const fixture *f, const char *name, const char *data)
{
    char p[512];
    assert_int_equal(test_write_str(path_in(f, name, p, sizeof p), data), 0);
}

/* ------------------------------------------------------------------ */

static const char jsonl[] =
    /* 1 */ "{\"id\":\"a\",\"title\":\"Judul A\",\"text\":\"Isi A\","
            "\"source\":\"Antara\",\"date\":\"2024-05-01\","
            "\"tags\":[\"banjir\",1],\"extra\":{\"x\":null}}\n"
    /* 2 */ "{\"id\": 42, \"title\": null, \"text\": \"angka\"}\r\n"
    /* 3 */ "\n"
    /* 4 */ "   \t\r\n"
    /* 5 */ "{\"id\":\"bad\",\"title\":\"x\",\"text\":\"tanpa penutup}\n"
    /* 6 */ "{\"title\":\"tanpa id\",\"text\":\"x\"}\n"
    /* 7 */ "[1, 2, 3]\n"
    /* 8 */ "{\"id\":\"\",\"text\":\"id kosong\"}\n"
    /* 9 */ "{\"id\":1.5,\"text\":\"id pecahan\"}\n"
    /* 10 */ "{\"id\":\"t\",\"title\":7,\"text\":\"judul angka\"}\n"
    /* 11 */ "{\"id\":\"baris\\nbaru\",\"text\":\"id dengan newline\"}\n"
    /* 12 */ "{\"id\":\"u\",\"text\":\"rusak \xff\xfe\"}\n"
    /* 13 */ "{\"id\":\"c\",\"title\":\"C\",\"text\":\"baris\\n\\nkedua "
             "\\u00e9\"}\r\n"
    /* 14 */ "{\"id\":\"nul\",\"text\":\"a\\u0000b\"}\n"
    /* 15 */ "{\"id\":\"d\",\"text\":\"tanpa judul, tanpa newline\"}";

static void test_jsonl(void **state)
{
    fixture *f = *state;
    char p[512];
    warnings ws;
    static read_all r;
    int i;
    static const long bad_lines[] = {5, 6, 7, 8, 9, 10, 11, 12, 14};
    write_in(f, "berita.jsonl", jsonl);
    read_everything(path_in(f, "berita.jsonl", p, sizeof p), &ws, &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.n, 4);
    /* extra fields become meta, in their order, as a JSON object */
    assert_string_equal(r.a[0].id, "a");
    assert_string_equal(r.a[0].title, "Judul A");
    assert_string_equal(r.a[0].text, "Isi A");
    assert_int_equal(r.a[0].line, 1);
    assert_true(r.a[0].has_meta);
    assert_string_equal(r.a[0].meta, "{\"source\":\"Antara\",\"date\":"
                                     "\"2024-05-01\",\"tags\":[\"banjir\",1],"
                                     "\"extra\":{\"x\":null}}");
    assert_int_equal(r.a[0].meta_len, strlen(r.a[0].meta));
    /* an integer id is accepted as its decimal text; null title is empty */
    assert_string_equal(r.a[1].id, "42");
    assert_string_equal(r.a[1].title, "");
    assert_string_equal(r.a[1].text, "angka");
    assert_false(r.a[1].has_meta);
    assert_int_equal(r.a[1].meta_len, 0);
    assert_int_equal(r.a[1].line, 2);
    /* CRLF, escapes, and the line numbers after skipped records */
    assert_string_equal(r.a[2].id, "c");
    assert_string_equal(r.a[2].text, "baris\n\nkedua \xc3\xa9");
    assert_int_equal(r.a[2].line, 13);
    /* the last line has no newline */
    assert_string_equal(r.a[3].id, "d");
    assert_string_equal(r.a[3].title, "");
    assert_int_equal(r.a[3].line, 15);
    assert_string_equal(r.a[3].file, p);
    /* one warning per bad record, with file and line; "\u0000" in a
     * string is refused by the JSON parser, so line 14 is one of them */
    assert_int_equal(ws.n, 9);
    assert_int_equal(r.skipped, 9);
    for (i = 0; i < 9; i++) {
        assert_string_equal(ws.w[i].file, p);
        assert_int_equal(ws.w[i].line, bad_lines[i]);
        assert_true(strlen(ws.w[i].message) > 5);
    }
    assert_non_null(strstr(ws.w[0].message, "malformed JSON"));
    assert_non_null(strstr(ws.w[1].message, "no \"id\""));
    assert_non_null(strstr(ws.w[2].message, "not a JSON object"));
    /* an id of 1.5 is told that an integer would do (found by review:
     * "\"id\" is not a non-empty string", though 42 is taken) */
    assert_non_null(strstr(ws.w[4].message, "nor an integer"));
    /* the \u0000 is named as such, not as jansson's flag (found by
     * review: "\u0000 is not allowed without JSON_ALLOW_NUL") */
    assert_null(strstr(ws.w[8].message, "JSON_ALLOW_NUL"));
    assert_non_null(strstr(ws.w[8].message, "\\u0000 (NUL)"));
    /* every byte was consumed */
    assert_int_equal(r.bytes, strlen(jsonl));
    /* without a warning callback the records are still skipped */
    read_everything(p, NULL, &r);
    assert_int_equal(r.n, 4);
    assert_int_equal(r.skipped, 9);
}

static void test_jsonl_bom(void **state)
{
    fixture *f = *state;
    char p[512];
    warnings ws;
    static read_all r;
    write_in(f, "bom.jsonl",
             "\xef\xbb\xbf{\"id\":\"pertama\",\"title\":\"T\",\"text\":\"x\"}\n"
             "{\"id\":\"kedua\",\"title\":\"T\",\"text\":\"y\"}\n");
    read_everything(path_in(f, "bom.jsonl", p, sizeof p), &ws, &r);
    assert_int_equal(ws.n, 0);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.a[0].id, "pertama");
    assert_int_equal(r.a[0].line, 1);
    assert_string_equal(r.a[1].id, "kedua");
    /* only at the start of the file: elsewhere it is damage, and the
     * warning says what it is (jansson's "near" showed an invisible
     * character: found by review) */
    write_in(f, "bom2.jsonl",
             "{\"id\":\"pertama\",\"title\":\"T\",\"text\":\"x\"}\n"
             "\xef\xbb\xbf{\"id\":\"kedua\",\"title\":\"T\",\"text\":\"y\"}\n");
    read_everything(path_in(f, "bom2.jsonl", p, sizeof p), &ws, &r);
    assert_int_equal(r.n, 1);
    assert_int_equal(ws.n, 1);
    assert_int_equal(ws.w[0].line, 2);
    assert_non_null(strstr(ws.w[0].message, "byte order mark"));
}

/* A file compressed otherwise than gzip, or UTF-16 (known by their first
 * bytes), is skipped with one warning that says so, not read as 99 lines
 * of malformed JSON (found by review). */
static void test_other_compression(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *name, *bytes;
        size_t len;
    } files[] = {
        {"xz", "\xfd" "7zXZ\0\0\x04\xe6\xd6\xb4\x46\n{}\n", 16},
        {"zstd", "\x28\xb5\x2f\xfd\x24\x2a\n\x01\x02", 9},
        {"bzip2", "BZh91AY&SY\n\x17\x72", 13},
        {"zip", "PK\x03\x04\x14\0\n\0\0", 9},
        {"UTF-16", "\xff\xfe{\0\"\0i\0d\0\n\0", 12},
        {"UTF-16", "\xfe\xff\0{\0\"\0i\0d\0\n", 12},
    };
    char p[512], name[64];
    warnings ws;
    static read_all r;
    size_t k;
    for (k = 0; k < sizeof files / sizeof files[0]; k++) {
        snprintf(name, sizeof name, "lain-%zu.jsonl", k);
        assert_int_equal(test_write_file(path_in(f, name, p, sizeof p),
                                         files[k].bytes, files[k].len),
                         0);
        read_everything(p, &ws, &r);
        assert_int_equal(r.rc, 0);
        assert_int_equal(r.n, 0);
        assert_int_equal(ws.n, 1);
        /* a file, not a record (found by review: counted as one) */
        assert_int_equal(r.skipped, 0);
        assert_int_equal(r.file_warnings, 1);
        assert_string_equal(ws.w[0].file, p);
        assert_non_null(strstr(ws.w[0].message, files[k].name));
        assert_non_null(strstr(ws.w[0].message, "does not read"));
    }
    /* a UTF-16 text file in a directory: said so, not "binary data" */
    mkdir_in(f, "u16");
    assert_int_equal(test_write_file(path_in(f, "u16/a.txt", p, sizeof p),
                                     "\xff\xfeJ\0u\0\n\0", 8),
                     0);
    read_everything(path_in(f, "u16", p, sizeof p), &ws, &r);
    assert_int_equal(r.n, 0);
    assert_int_equal(ws.n, 1);
    assert_non_null(strstr(ws.w[0].message, "UTF-16"));
    /* a record that starts with BZh but no digit is a record (malformed) */
    write_in(f, "bzh.jsonl", "BZh\n{\"id\":\"a\",\"text\":\"x\"}\n");
    read_everything(path_in(f, "bzh.jsonl", p, sizeof p), &ws, &r);
    assert_int_equal(r.n, 1);
    assert_int_equal(ws.n, 1);
    assert_non_null(strstr(ws.w[0].message, "malformed JSON"));
}

/* Write text as a gzip file with zlib's gz* API. */
static void write_gz(const char *path, const char *text, size_t len)
{
    gzFile gz = gzopen(path, "wb9");
    assert_non_null(gz);
    assert_int_equal(gzwrite(gz, text, (unsigned)len), (int)len);
    assert_int_equal(gzclose(gz), Z_OK);
}

static void test_jsonl_gz(void **state)
{
    fixture *f = *state;
    char p[512], plain[512];
    warnings ws;
    static read_all r, r2;
    int i;
    write_gz(path_in(f, "berita.jsonl.gz", p, sizeof p), jsonl,
             strlen(jsonl));
    read_everything(p, &ws, &r);
    write_in(f, "sama.jsonl", jsonl);
    read_everything(path_in(f, "sama.jsonl", plain, sizeof plain), NULL, &r2);
    /* the same articles, lines and warnings as the plain file */
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.n, r2.n);
    for (i = 0; i < r.n; i++) {
        assert_string_equal(r.a[i].id, r2.a[i].id);
        assert_string_equal(r.a[i].text, r2.a[i].text);
        assert_string_equal(r.a[i].meta, r2.a[i].meta);
        assert_int_equal(r.a[i].line, r2.a[i].line);
        assert_string_equal(r.a[i].file, p);
    }
    assert_int_equal(ws.n, 9);
    assert_string_equal(ws.w[0].file, p);
    assert_int_equal(ws.w[0].line, 5);
    /* bytes count the uncompressed input */
    assert_int_equal(r.bytes, strlen(jsonl));
}

static void test_jsonl_gz_truncated(void **state)
{
    fixture *f = *state;
    char p[512], cut[512];
    char *text = malloc(200 * 120);
    size_t n = 0, len = 0;
    unsigned char *gz;
    warnings ws;
    static read_all r;
    int i, truncated = 0;
    assert_non_null(text);
    for (i = 0; i < 200; i++)
        n += (size_t)snprintf(text + n, 200 * 120 - n,
                              "{\"id\":\"%d\",\"title\":\"t\",\"text\":"
                              "\"isi nomor %d %d\"}\n",
                              i, i * 7919, i * 104729);
    write_gz(path_in(f, "utuh.jsonl.gz", p, sizeof p), text, n);
    gz = test_read_file(p, &len);
    assert_non_null(gz);
    assert_int_equal(test_write_file(path_in(f, "potong.jsonl.gz", cut,
                                             sizeof cut),
                                     gz, len / 2),
                     0);
    read_everything(cut, &ws, &r);
    /* what could be read was read, and the truncation was reported once,
     * at the line it cut (that line is not returned too, to be reported
     * again as malformed JSON) */
    assert_true(r.n > 10 && r.n < 200);
    assert_int_equal(ws.n, 1);
    assert_int_equal(r.skipped, 0);  /* the rest of a file, not a record */
    assert_int_equal(r.file_warnings, 1);
    for (i = 0; i < ws.n && i < 64; i++)
        if (strstr(ws.w[i].message, "truncated")) {
            truncated = 1;
            assert_string_equal(ws.w[i].file, cut);
            assert_int_equal(ws.w[i].line, r.n + 1);
        }
    assert_true(truncated);
    free(gz);
    free(text);
}

/* n records of JSON Lines, numbered from first; the text is malloc'd. */
static char *numbered_records(int first, int n, size_t *len)
{
    char *text = malloc((size_t)n * 160 + 1);
    size_t o = 0;
    int i;
    assert_non_null(text);
    for (i = first; i < first + n; i++) /* numbers that deflate poorly */
        o += (size_t)snprintf(text + o, 160,
                              "{\"id\":\"%d\",\"title\":\"judul %d\",\"text\":"
                              "\"isi nomor %u dan %u\"}\n",
                              i, i, (unsigned)i * 2654435761u,
                              (unsigned)i * 40503u * 2246822519u);
    *len = o;
    return text;
}

/* gzip members one after another read as one stream (as gzip -d and
 * zlib's gzread do), across many reads of compressed input; gzip data is
 * known by its bytes, not the file's name; bytes after the last member
 * that are no member end the file, as they end gzread's, but with a
 * warning at the line they start (gzread's silence lost the records of a
 * plain file appended to a gzip one: found by review, 2026-12-01). */
static void test_jsonl_gz_members(void **state)
{
    fixture *f = *state;
    char p[512], q[512], cat[512];
    size_t l1, l2, g1 = 0, g2 = 0;
    char *a = numbered_records(0, 30000, &l1), *b = numbered_records(30000, 10, &l2);
    unsigned char *z1, *z2, *both;
    counted r;
    warnings ws;
    write_gz(path_in(f, "a.jsonl.gz", p, sizeof p), a, l1);
    write_gz(path_in(f, "b.jsonl.gz", q, sizeof q), b, l2);
    z1 = test_read_file(p, &g1);
    z2 = test_read_file(q, &g2);
    assert_non_null(z1);
    assert_non_null(z2);
    assert_true(g1 > 2 * (256 << 10)); /* more than one read of input */
    both = malloc(g1 + g2 + 9);
    assert_non_null(both);
    memcpy(both, z1, g1);
    memcpy(both + g1, z2, g2);
    memcpy(both + g1 + g2, "sampah\n{}", 9);
    assert_int_equal(test_write_file(path_in(f, "dua.jsonl", cat, sizeof cat),
                                     both, g1 + g2 + 9),
                     0);
    count_everything(cat, &ws, &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.n, 30010);
    assert_int_equal(r.in_order, 30010);
    assert_int_equal(ws.n, 1);
    assert_string_equal(ws.w[0].file, cat);
    assert_int_equal(ws.w[0].line, 30011);
    assert_string_equal(ws.w[0].message, CARI_WARNING_GZIP_TRAILING);
    assert_int_equal(r.skipped, 0);
    assert_int_equal(r.file_warnings, 1);
    assert_string_equal(r.last.id, "30009");
    assert_int_equal(r.last.line, 30010);
    assert_string_equal(r.last.text, "isi nomor 2499280233 dan 1049759305");
    assert_int_equal(r.bytes, l1 + l2);
    /* the members alone: no warning */
    assert_int_equal(test_write_file(cat, both, g1 + g2), 0);
    count_everything(cat, &ws, &r);
    assert_int_equal(r.n, 30010);
    assert_int_equal(ws.n, 0);
    assert_int_equal(r.skipped, 0);
    /* a member whose last line has no newline, then a plain record: the
     * open line is read, and the warning is at that line */
    {
        static const char open_line[] = "{\"id\":\"a\",\"text\":\"x\"}\n"
                                        "{\"id\":\"b\",\"text\":\"y\"}";
        write_gz(q, open_line, sizeof open_line - 1);
    }
    free(z2);
    z2 = test_read_file(q, &g2);
    assert_non_null(z2);
    memcpy(both, z2, g2);
    memcpy(both + g2, "\n{}", 3);
    assert_int_equal(test_write_file(cat, both, g2 + 3), 0);
    count_everything(cat, &ws, &r);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.last.id, "b");
    assert_int_equal(ws.n, 1);
    assert_int_equal(ws.w[0].line, 2);
    assert_string_equal(ws.w[0].message, CARI_WARNING_GZIP_TRAILING);
    free(both);
    free(z1);
    free(z2);
    free(a);
    free(b);
}

/* Append to out one gzip member of text whose header has the fields
 * flags announces (RFC 1952): an extra field of extra_len bytes, a name,
 * a comment of comment_len bytes, and the header CRC16 (FHCRC), wrong
 * on purpose when bad_hcrc.  Returns the member's length. */
enum { GZ_FHCRC = 2, GZ_FEXTRA = 4, GZ_FNAME = 8, GZ_FCOMMENT = 16 };

static size_t gz_member(unsigned char *out, const char *text, int flags,
                        size_t extra_len, const char *name,
                        size_t comment_len, int bad_hcrc)
{
    size_t o = 0, len = strlen(text);
    uLong crc;
    z_stream z;
    static const unsigned char fixed[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0,
                                            0, 3};
    memcpy(out, fixed, sizeof fixed);
    out[3] = (unsigned char)flags;
    o = sizeof fixed;
    if (flags & GZ_FEXTRA) {
        assert_true(extra_len <= 0xffff);
        out[o++] = (unsigned char)(extra_len & 0xff);
        out[o++] = (unsigned char)(extra_len >> 8);
        memset(out + o, 'e', extra_len);
        o += extra_len;
    }
    if (flags & GZ_FNAME) {
        memcpy(out + o, name, strlen(name) + 1);
        o += strlen(name) + 1;
    }
    if (flags & GZ_FCOMMENT) {
        memset(out + o, 'c', comment_len);
        o += comment_len;
        out[o++] = 0;
    }
    if (flags & GZ_FHCRC) {
        uLong h = crc32(0, out, (uInt)o) ^ (bad_hcrc ? 1u : 0u);
        out[o++] = (unsigned char)(h & 0xff);
        out[o++] = (unsigned char)((h >> 8) & 0xff);
    }
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, -15, 9,
                                  Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (unsigned char *)text;
    z.avail_in = (uInt)len;
    z.next_out = out + o;
    z.avail_out = (uInt)deflateBound(&z, (uLong)len);
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    o += z.total_out;
    deflateEnd(&z);
    crc = crc32(0, (const unsigned char *)text, (uInt)len);
    for (int i = 0; i < 4; i++)
        out[o++] = (unsigned char)((crc >> (8 * i)) & 0xff);
    for (int i = 0; i < 4; i++)
        out[o++] = (unsigned char)(((uLong)len >> (8 * i)) & 0xff);
    return o;
}

static const char gz_rec1[] = "{\"id\":\"pertama\",\"title\":\"t\",\"text\":"
                              "\"banjir di kota\"}\n";
static const char gz_rec2[] = "{\"id\":\"kedua\",\"title\":\"t\",\"text\":"
                              "\"banjir lagi\"}\n";

/* A valid member whose header has a header CRC (FHCRC) is read whole
 * wherever it falls: here the second member's 26-byte header straddles
 * the reader's 256 KiB input buffer, starting 1 to 26 bytes before its
 * end (the first member's comment pads it).  igzip 2.30 checks the CRC16
 * of the part of the header it got in its last call only, and such files
 * were reported damaged at line 2. */
static void test_jsonl_gz_header_crc_straddles(void **state)
{
    fixture *f = *state;
    char p[512];
    unsigned char *gz = malloc((256u << 10) + 4096);
    size_t before;
    int failures = 0;
    assert_non_null(gz);
    path_in(f, "lintas.jsonl.gz", p, sizeof p);
    for (before = 1; before <= 26; before++) {
        size_t target = (256u << 10) - before, base, m1, m2;
        counted r;
        warnings ws;
        base = gz_member(gz, gz_rec1, GZ_FCOMMENT, 0, NULL, 0, 0);
        m1 = gz_member(gz, gz_rec1, GZ_FCOMMENT, 0, NULL, target - base, 0);
        assert_int_equal(m1, target);
        m2 = gz_member(gz + m1, gz_rec2, GZ_FNAME | GZ_FHCRC, 0,
                       "artikel.jsonl", 0, 0);
        assert_int_equal(test_write_file(p, gz, m1 + m2), 0);
        count_everything(p, &ws, &r);
        assert_int_equal(r.rc, 0);
        if (r.n != 2 || ws.n != 0) {
            print_message("member 2 at %zu bytes before 256 KiB: %ld "
                          "articles, %d warnings\n", before, r.n, ws.n);
            failures++;
            continue;
        }
        assert_string_equal(r.last.id, "kedua");
        assert_int_equal(r.last.line, 2);
    }
    assert_int_equal(failures, 0);
    free(gz);
}

/* A header larger than the input buffer (64 KiB of extra field, a
 * 300 KB name, a comment, FHCRC) is read too; one whose CRC16 does not
 * match, one cut short, and one that is not deflate are damage: one
 * warning at the line where that member starts, what came before kept. */
static void test_jsonl_gz_header_fields(void **state)
{
    fixture *f = *state;
    char p[512];
    size_t cap = 1u << 20, o, name_len = 300000;
    unsigned char *gz = malloc(cap);
    char *name = malloc(name_len + 1);
    counted r;
    warnings ws;
    int kind;
    assert_non_null(gz);
    assert_non_null(name);
    memset(name, 'n', name_len);
    name[name_len] = '\0';
    path_in(f, "kepala.jsonl.gz", p, sizeof p);
    o = gz_member(gz, gz_rec1, 0, 0, NULL, 0, 0);
    o += gz_member(gz + o, gz_rec2,
                   GZ_FEXTRA | GZ_FNAME | GZ_FCOMMENT | GZ_FHCRC, 0xffff,
                   name, 1000, 0);
    assert_true(o > (256u << 10) + 65535);
    assert_int_equal(test_write_file(p, gz, o), 0);
    count_everything(p, &ws, &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.n, 2);
    assert_int_equal(ws.n, 0);
    assert_string_equal(r.last.id, "kedua");
    for (kind = 0; kind < 3; kind++) {
        size_t m1 = gz_member(gz, gz_rec1, 0, 0, NULL, 0, 0);
        o = m1 + gz_member(gz + m1, gz_rec2, GZ_FNAME | GZ_FHCRC, 0, name,
                           0, kind == 0);
        if (kind == 1)
            o = m1 + 1000;  /* cut inside the name */
        if (kind == 2)
            gz[m1 + 2] = 7; /* CM: not deflate */
        assert_int_equal(test_write_file(p, gz, o), 0);
        count_everything(p, &ws, &r);
        assert_int_equal(r.rc, 0);
        assert_int_equal(r.n, 1);
        assert_string_equal(r.last.id, "pertama");
        assert_int_equal(ws.n, 1);
        assert_int_equal(r.skipped, 0);
        assert_int_equal(r.file_warnings, 1);
        assert_string_equal(ws.damage.file, p);
        assert_int_equal(ws.damage.line, 2);
    }
    free(name);
    free(gz);
}

/* Corrupted bytes in the middle of a gzip file: the records before them
 * are read, the damage is reported with the file and line, the rest of
 * the file is skipped and the next file read. */
static void test_jsonl_gz_damaged(void **state)
{
    fixture *f = *state;
    char p[512], root[512];
    size_t len, glen = 0;
    char *text = numbered_records(0, 20000, &len);
    unsigned char *gz;
    counted r;
    warnings ws;
    int i;
    assert_int_equal(mkdir(path_in(f, "rusak", root, sizeof root), 0755), 0);
    write_gz(path_in(f, "rusak/a.jsonl.gz", p, sizeof p), text, len);
    gz = test_read_file(p, &glen);
    assert_non_null(gz);
    for (i = 0; i < 64; i++)
        gz[glen / 2 + (size_t)i] ^= 0x5a;
    assert_int_equal(test_write_file(p, gz, glen), 0);
    write_in(f, "rusak/b.jsonl", "{\"id\":\"akhir\",\"title\":\"t\",\"text\":\"x\"}\n");
    count_everything(root, &ws, &r);
    assert_int_equal(r.rc, 0);
    assert_true(r.n > 1000);
    assert_true(r.n < 20000);
    /* what came before the damage is whole, and in order */
    assert_true(r.in_order >= r.n / 2);
    assert_string_equal(r.last.id, "akhir");
    /* the damage is reported, in the file, past the last good line, and
     * once: no warning follows it (the line it cut is not returned to be
     * reported again).  Lines inflated wrong before igzip saw the damage
     * each get their own warning. */
    assert_string_equal(ws.damage.file, p);
    assert_true(ws.damage.line >= r.in_order);
    assert_int_equal(ws.after_damage, 0);
    assert_int_equal(r.file_warnings, 1);  /* the damage */
    assert_int_equal(r.skipped, (uint64_t)ws.n - 1);
    free(gz);
    free(text);
}

/* Gzip files damaged every way (bits flipped, cut short, garbage from
 * some byte on, a damaged second member): the reader never fails the
 * run, and keeps what comes before the damage. */
static void count_good(void *ctx, cari_reader *r, const cari_article *a)
{
    counted *out = ctx;
    char want[32];
    (void)r;
    snprintf(want, sizeof want, "%ld", out->n % 1500);
    out->in_order += a->id_len == strlen(want) &&
                     memcmp(a->id, want, a->id_len) == 0;
    out->n++;
}

static void test_jsonl_gz_mutations(void **state)
{
    fixture *f = *state;
    char p[512], m[512];
    size_t len, glen = 0;
    char *text = numbered_records(0, 1500, &len);
    unsigned char *gz, *mut;
    test_rng rng = {77};
    int it;
    write_gz(path_in(f, "asal.jsonl.gz", p, sizeof p), text, len);
    gz = test_read_file(p, &glen);
    assert_non_null(gz);
    mut = malloc(2 * glen);
    assert_non_null(mut);
    path_in(f, "rusak.jsonl.gz", m, sizeof m);
    for (it = 0; it < 300; it++) {
        size_t ml = glen, k;
        counted c;
        memcpy(mut, gz, glen);
        switch (it % 4) {
        case 0: /* a few bits flipped */
            for (k = 0; k < 1 + rng_below(&rng, 8); k++)
                mut[rng_below(&rng, glen)] ^= (unsigned char)(1u << rng_below(&rng, 8));
            break;
        case 1: /* cut short */
            ml = 1 + (size_t)rng_below(&rng, glen - 1);
            break;
        case 2: /* garbage from some byte on */
            for (k = (size_t)rng_below(&rng, glen); k < glen; k++)
                mut[k] = (unsigned char)rng_next(&rng);
            break;
        default: /* a second member, damaged */
            memcpy(mut + glen, gz, glen);
            ml = 2 * glen;
            mut[glen + 10 + rng_below(&rng, glen - 20)] ^= 0x10;
        }
        assert_int_equal(test_write_file(m, mut, ml), 0);
        memset(&c, 0, sizeof c);
        c.rc = read_with(m, NULL, count_good, &c, &c.bytes, &c.skipped,
                         &c.file_warnings);
        assert_int_equal(c.rc, 0);
        /* a cut file gives the records before the cut, in order; a
         * damaged second member leaves the first whole.  (Flipped bits
         * and garbage can turn a record into another or into an error:
         * for those, that the run goes on, and under ASan that nothing
         * is read out of bounds.) */
        if (it % 4 == 1) {
            assert_int_equal(c.in_order, c.n);
            assert_int_equal(c.skipped, 0);  /* one cut, one warning */
            assert_int_equal(c.file_warnings, 1);
        }
        if (it % 4 == 3)
            assert_true(c.in_order >= 1500);
    }
    free(mut);
    free(gz);
    free(text);
}

/* gzip data on standard input is inflated too. */
static void test_stdin_gz(void **state)
{
    fixture *f = *state;
    char p[512];
    size_t len;
    char *text = numbered_records(5, 3, &len);
    int saved = dup(0), fd;
    static read_all r;
    write_gz(path_in(f, "stdin.jsonl.gz", p, sizeof p), text, len);
    fd = open(p, O_RDONLY);
    assert_true(fd >= 0 && saved >= 0);
    assert_int_equal(dup2(fd, 0), 0);
    close(fd);
    read_everything("-", NULL, &r);
    assert_int_equal(dup2(saved, 0), 0);
    close(saved);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.n, 3);
    assert_string_equal(r.a[2].id, "7");
    assert_string_equal(r.a[2].file, "(standard input)");
    free(text);
}

static void test_stdin(void **state)
{
    fixture *f = *state;
    char p[512];
    int saved = dup(0), fd;
    static read_all r;
    warnings ws;
    write_in(f, "stdin.jsonl",
             "{\"id\":\"s1\",\"title\":\"A\",\"text\":\"x\"}\n"
             "rusak\n"
             "{\"id\":\"s2\",\"title\":\"B\",\"text\":\"y\"}\n");
    fd = open(path_in(f, "stdin.jsonl", p, sizeof p), O_RDONLY);
    assert_true(fd >= 0 && saved >= 0);
    assert_int_equal(dup2(fd, 0), 0);
    close(fd);
    read_everything("-", &ws, &r);
    assert_int_equal(dup2(saved, 0), 0);
    close(saved);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.a[1].id, "s2");
    assert_int_equal(r.a[1].line, 3);
    assert_string_equal(r.a[1].file, "(standard input)");
    assert_int_equal(ws.n, 1);
    assert_string_equal(ws.w[0].file, "(standard input)");
    assert_int_equal(ws.w[0].line, 2);
}

/* r read exactly the articles of ids want[0..n), in that order. */
static void assert_ids(const read_all *r, const char *const *want, size_t n)
{
    size_t i;
    assert_int_equal(r->n, (int)n);
    for (i = 0; i < n; i++)
        assert_string_equal(r->a[i].id, want[i]);
}

static void test_directory(void **state)
{
    fixture *f = *state;
    char p[512], root[512], target[512];
    warnings ws;
    static read_all r;
    static const char *const want_ids[] = {
        "a.txt", "b.md", "bom.txt", "crlf.txt", "link.txt", "nested-1",
        "nested-2", "sub/c.txt", "sub/d.jsonl-1", "sub/deeper/e.md",
        "sub/deeper/f-1", "z-only-title.txt"};
    mkdir_in(f, "root");
    mkdir_in(f, "root/sub");
    mkdir_in(f, "root/sub/deeper");
    mkdir_in(f, "root/sub/kosong");
    mkdir_in(f, "root/.tersembunyi");
    write_in(f, "root/a.txt", "Judul A\n\nParagraf satu.\n\nParagraf dua.\n");
    write_in(f, "root/b.md", "# Judul Markdown  \n\nIsi *markdown*.");
    write_in(f, "root/bom.txt", "\xef\xbb\xbfJudul BOM\nIsi langsung.");
    write_in(f, "root/crlf.txt", "\r\n\r\nJudul CRLF\r\n\r\nIsi CRLF.\r\n");
    write_in(f, "root/nested.jsonl",
             "{\"id\":\"nested-1\",\"title\":\"N1\",\"text\":\"x\"}\n"
             "{\"id\":\"nested-2\",\"title\":\"N2\",\"text\":\"y\"}\n");
    write_in(f, "root/sub/c.txt", "Judul C\n\nIsi C.");
    write_in(f, "root/sub/d.jsonl",
             "{\"id\":\"sub/d.jsonl-1\",\"title\":\"D\",\"text\":\"z\"}\n"
             "bukan json\n");
    write_in(f, "root/sub/deeper/e.md", "## Dua pagar\nIsi E");
    write_in(f, "root/z-only-title.txt", "Hanya judul");
    /* ignored: other extensions, hidden files and directories */
    write_in(f, "root/catatan.pdf", "%PDF");
    write_in(f, "root/README", "bukan artikel");
    write_in(f, "root/gambar.txt.bak", "x");
    write_in(f, "root/.tersembunyi.txt", "Rahasia\n\nx");
    write_in(f, "root/.tersembunyi/x.txt", "Rahasia\n\nx");
    /* bad files: warned with file and line, skipped */
    {
        char b[] = "Judul\n\nbaris dua\nada \0 NUL\n";
        assert_int_equal(test_write_file(path_in(f, "root/sub/biner.txt", p,
                                                 sizeof p),
                                         b, sizeof b - 1),
                         0);
    }
    write_in(f, "root/sub/rusak.txt", "Judul\n\nteks \xc3\x28 rusak\n");
    /* symbolic links: to a file (read), to a directory and loops (not
     * followed), dangling (skipped) */
    path_in(f, "root/a.txt", target, sizeof target);
    assert_int_equal(symlink(target, path_in(f, "root/link.txt", p,
                                             sizeof p)),
                     0);
    assert_int_equal(symlink("..", path_in(f, "root/sub/naik", p, sizeof p)),
                     0);
    assert_int_equal(symlink(".", path_in(f, "root/sub/deeper/sini", p,
                                          sizeof p)),
                     0);
    assert_int_equal(symlink("putar.txt", path_in(f, "root/putar.txt", p,
                                                  sizeof p)),
                     0);
    assert_int_equal(symlink("tidak-ada.txt", path_in(f, "root/hilang.txt", p,
                                                      sizeof p)),
                     0);
    /* gzip inside a directory */
    {
        static const char e[] =
            "{\"id\":\"sub/deeper/f-1\",\"title\":\"F\",\"text\":\"gz\"}\n";
        write_gz(path_in(f, "root/sub/deeper/f.jsonl.gz", p, sizeof p), e,
                 strlen(e));
    }
    /* a trailing slash on the root does not change the ids */
    snprintf(root, sizeof root, "%s/root/", f->dir);
    read_everything(root, &ws, &r);
    assert_int_equal(r.rc, 0);
    assert_ids(&r, want_ids, sizeof want_ids / sizeof *want_ids);
    /* titles and texts of text files */
    assert_string_equal(r.a[0].title, "Judul A");
    assert_string_equal(r.a[0].text, "Paragraf satu.\n\nParagraf dua.\n");
    assert_int_equal(r.a[0].line, 1);
    assert_false(r.a[0].has_meta);
    assert_string_equal(r.a[1].title, "Judul Markdown");
    assert_string_equal(r.a[1].text, "Isi *markdown*.");
    assert_string_equal(r.a[2].title, "Judul BOM");
    assert_string_equal(r.a[2].text, "Isi langsung.");
    assert_string_equal(r.a[3].title, "Judul CRLF");
    assert_string_equal(r.a[3].text, "Isi CRLF.\r\n");
    assert_string_equal(r.a[4].title, "Judul A"); /* through the link */
    assert_int_equal(r.a[6].line, 2);
    assert_string_equal(r.a[9].title, "Dua pagar");
    assert_string_equal(r.a[9].text, "Isi E");
    assert_string_equal(r.a[11].title, "Hanya judul");
    assert_string_equal(r.a[11].text, "");
    /* warnings, in path order: the dangling link, the link loop, the NUL
     * file, the bad JSON line, the bad UTF-8 file; each one is a skip */
    assert_int_equal(ws.n, 5);
    assert_int_equal(r.skipped, 5);  /* .txt links: each an article */
    assert_int_equal(r.file_warnings, 0);
    {
        char hilang[512], putar[512], biner[512], rusak[512], d[512];
        snprintf(hilang, sizeof hilang, "%s/root/hilang.txt", f->dir);
        snprintf(putar, sizeof putar, "%s/root/putar.txt", f->dir);
        snprintf(d, sizeof d, "%s/root/sub/d.jsonl", f->dir);
        snprintf(biner, sizeof biner, "%s/root/sub/biner.txt", f->dir);
        snprintf(rusak, sizeof rusak, "%s/root/sub/rusak.txt", f->dir);
        assert_string_equal(ws.w[0].file, hilang);
        assert_non_null(strstr(ws.w[0].message, "symbolic link"));
        assert_string_equal(ws.w[1].file, putar);
        assert_non_null(strstr(ws.w[1].message, "symbolic link"));
        assert_string_equal(ws.w[2].file, biner);
        assert_int_equal(ws.w[2].line, 4);
        assert_non_null(strstr(ws.w[2].message, "NUL"));
        assert_string_equal(ws.w[3].file, d);
        assert_int_equal(ws.w[3].line, 2);
        assert_string_equal(ws.w[4].file, rusak);
        assert_int_equal(ws.w[4].line, 3);
        assert_non_null(strstr(ws.w[4].message, "UTF-8"));
    }
}

static void test_directory_edges(void **state)
{
    static const char *const huruf_ids[] = {"A.TXT", "b.Md", "c.markdown",
                                             "d", "e", "g"};
    fixture *f = *state;
    char p[4096];
    warnings ws;
    static read_all r;
    size_t n;
    int depth;
    cari_reader *rd = (cari_reader *)1;
    cari_error err;
    /* an empty directory: no articles, no error */
    mkdir_in(f, "kosong");
    read_everything(path_in(f, "kosong", p, sizeof p), &ws, &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.n, 0);
    assert_int_equal(ws.n, 0);
    /* a directory of only ignored files */
    mkdir_in(f, "abaikan");
    write_in(f, "abaikan/.x.txt", "x\n\ny");
    write_in(f, "abaikan/x.doc", "x");
    read_everything(path_in(f, "abaikan", p, sizeof p), &ws, &r);
    assert_int_equal(r.n, 0);
    /* nesting deeper than the limit is skipped with a warning */
    n = (size_t)snprintf(p, sizeof p, "%s/dalam", f->dir);
    assert_int_equal(mkdir(p, 0755), 0);
    for (depth = 0; depth < 70; depth++) {
        n += (size_t)snprintf(p + n, sizeof p - n, "/d");
        assert_int_equal(mkdir(p, 0755), 0);
        if (depth == 10) {
            char t[4200];
            snprintf(t, sizeof t, "%s/ok.txt", p);
            assert_int_equal(test_write_str(t, "Dangkal\n\nx"), 0);
        }
    }
    snprintf(p + n, sizeof p - n, "/jauh.txt");
    assert_int_equal(test_write_str(p, "Terlalu dalam\n\nx"), 0);
    read_everything(path_in(f, "dalam", p, sizeof p), &ws, &r);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.a[0].title, "Dangkal");
    assert_int_equal(ws.n, 1);
    assert_non_null(strstr(ws.w[0].message, "deeper"));
    /* a directory, not a record (found by review: counted as one) */
    assert_int_equal(r.skipped, 0);
    assert_int_equal(r.file_warnings, 1);
    /* a name that cannot be an id (not UTF-8, a line break): the file is
     * skipped with a warning that says so, not the writer's "invalid
     * UTF-8" that sent people looking in the text (found by review) */
    mkdir_in(f, "nama");
    write_in(f, "nama/baik.txt", "Baik\n\nIsi.");
    write_in(f, "nama/caf\xe9.txt", "Kafe\n\nIsi.");
    write_in(f, "nama/dua\nbaris.txt", "Dua\n\nIsi.");
    read_everything(path_in(f, "nama", p, sizeof p), &ws, &r);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.a[0].id, "baik.txt");
    assert_int_equal(ws.n, 2);
    assert_int_equal(r.skipped, 2);
    assert_non_null(strstr(ws.w[0].message, "not valid UTF-8"));
    assert_non_null(strstr(ws.w[0].file, "caf\xe9.txt"));
    assert_non_null(strstr(ws.w[1].message, "line break"));
    /* suffixes in any case, .markdown, and gzip'd .json/.ndjson: a
     * directory of them was read as empty, in silence (found by review) */
    mkdir_in(f, "huruf");
    write_in(f, "huruf/A.TXT", "Besar\n\nIsi.");
    write_in(f, "huruf/b.Md", "Campur\n\nIsi.");
    write_in(f, "huruf/c.markdown", "Panjang\n\nIsi.");
    write_in(f, "huruf/d.JSONL",
             "{\"id\":\"d\",\"title\":\"D\",\"text\":\"isi\"}\n");
    {
        static const char e[] = "{\"id\":\"e\",\"title\":\"E\",\"text\":\"isi\"}\n";
        static const char g[] = "{\"id\":\"g\",\"title\":\"G\",\"text\":\"isi\"}\n";
        write_gz(path_in(f, "huruf/e.json.gz", p, sizeof p), e, strlen(e));
        write_gz(path_in(f, "huruf/g.NDJSON.GZ", p, sizeof p), g, strlen(g));
    }
    write_in(f, "huruf/h.txt.bak", "Bukan\n\nIsi.");
    read_everything(path_in(f, "huruf", p, sizeof p), &ws, &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(ws.n, 0);
    assert_ids(&r, huruf_ids, sizeof huruf_ids / sizeof *huruf_ids);
    /* a single .txt file given directly: its id is the path as given */
    write_in(f, "satu.txt", "Satu\n\nIsi.");
    read_everything(path_in(f, "satu.txt", p, sizeof p), &ws, &r);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.a[0].title, "Satu");
    assert_string_equal(r.a[0].id, p);
    /* open errors */
    assert_int_equal(cari_reader_open(path_in(f, "tidak-ada", p, sizeof p),
                                      NULL, NULL, &rd, &err),
                     CARI_ENOTFOUND);
    assert_null(rd);
    assert_int_equal(err.code, CARI_ENOTFOUND);
    assert_int_equal(cari_reader_open(NULL, NULL, NULL, &rd, &err),
                     CARI_EINVAL);
    assert_int_equal(cari_reader_next(NULL, NULL), CARI_EINVAL);
    cari_reader_close(NULL);
    assert_string_equal(cari_reader_file(NULL), "");
    assert_int_equal(cari_reader_line(NULL), 0);
}

/* A long record (2 MB of text) crosses read-buffer boundaries intact. */
static void test_long_record(void **state)
{
    fixture *f = *state;
    size_t n = 2u << 20, i, len = 0;
    char *line = malloc(n + 200), p[512];
    cari_reader *r;
    cari_error err;
    cari_article a;
    assert_non_null(line);
    len += (size_t)snprintf(line, 200, "{\"id\":\"panjang\",\"text\":\"");
    for (i = 0; i < n; i++)
        line[len++] = (char)('a' + i % 26);
    len += (size_t)snprintf(line + len, 200, "\"}\n{\"id\":\"sesudah\"}\n");
    assert_int_equal(test_write_file(path_in(f, "panjang.jsonl", p, sizeof p),
                                     line, len),
                     0);
    assert_int_equal(cari_reader_open(p, NULL, NULL, &r, &err), CARI_OK);
    assert_int_equal(cari_reader_next(r, &a), 1);
    assert_int_equal(a.text_len, n);
    assert_int_equal(a.text[n - 1], (char)('a' + (n - 1) % 26));
    assert_int_equal(cari_reader_next(r, &a), 1);
    assert_int_equal(a.id_len, 7);
    assert_int_equal(a.text_len, 0);
    assert_int_equal(cari_reader_line(r), 2);
    assert_int_equal(cari_reader_next(r, &a), 0);
    assert_int_equal(cari_reader_next(r, &a), 0); /* stays at the end */
    assert_int_equal(cari_reader_bytes(r), len);
    cari_reader_close(r);
    free(line);
}

/* Every record through the fast path and through jansson: the same
 * articles (meta compared as JSON values) and the same skipped lines.
 * Handwritten edge cases, then seeded random mutations of valid records. */
typedef struct seen {
    char *rec;   /* id \x1f title \x1f text */
    char *meta;
    long line;
} seen;

static int collect(const char *path, int jansson_only, seen *out, int cap,
                   long *skipped_lines, int *nskipped)
{
    cari_reader *r;
    cari_article a;
    cari_error err;
    warnings ws;
    int n = 0, i;
    memset(&ws, 0, sizeof ws);
    assert_int_equal(cari_reader_open(path, on_warning, &ws, &r, &err), CARI_OK);
    if (jansson_only)
        cari_reader_use_jansson_only(r);
    while (cari_reader_next(r, &a) == 1 && n < cap) {
        size_t len = a.id_len + a.title_len + a.text_len + 3;
        out[n].rec = malloc(len);
        assert_non_null(out[n].rec);
        memcpy(out[n].rec, a.id, a.id_len);
        out[n].rec[a.id_len] = '\x1f';
        memcpy(out[n].rec + a.id_len + 1, a.title, a.title_len);
        out[n].rec[a.id_len + 1 + a.title_len] = '\x1f';
        memcpy(out[n].rec + a.id_len + 2 + a.title_len, a.text, a.text_len);
        out[n].rec[len - 1] = '\0';
        /* records with NUL bytes compare by length too */
        out[n].meta = a.meta_len ? strndup(a.meta, a.meta_len) : NULL;
        out[n].line = cari_reader_line(r);
        n++;
    }
    cari_reader_close(r);
    *nskipped = ws.n < 64 ? ws.n : 64;
    for (i = 0; i < *nskipped; i++)
        skipped_lines[i] = ws.w[i].line;
    return n;
}

static void compare_paths(const char *path)
{
    static seen fa[3000], sa[3000];
    long fsk[64], ssk[64];
    int nf, ns, kf, ks, i;
    nf = collect(path, 0, fa, 3000, fsk, &kf);
    ns = collect(path, 1, sa, 3000, ssk, &ks);
    for (i = 0; i < nf && i < ns; i++)
        if (fa[i].line != sa[i].line || strcmp(fa[i].rec, sa[i].rec) != 0)
            fail_msg("record %d: fast line %ld '%s', jansson line %ld '%s'",
                     i, fa[i].line, fa[i].rec, sa[i].line, sa[i].rec);
    assert_int_equal(nf, ns);
    assert_int_equal(kf, ks);
    for (i = 0; i < kf; i++)
        assert_int_equal(fsk[i], ssk[i]);
    for (i = 0; i < nf; i++) {
        assert_int_equal(fa[i].line, sa[i].line);
        assert_string_equal(fa[i].rec, sa[i].rec);
        assert_int_equal(!fa[i].meta, !sa[i].meta);
        if (fa[i].meta) {
            json_t *x = json_loads(fa[i].meta, 0, NULL);
            json_t *y = json_loads(sa[i].meta, 0, NULL);
            assert_non_null(x);
            assert_non_null(y);
            if (!json_equal(x, y))
                fail_msg("line %ld: meta %s vs %s", fa[i].line, fa[i].meta,
                         sa[i].meta);
            json_decref(x);
            json_decref(y);
        }
        free(fa[i].rec);
        free(sa[i].rec);
        free(fa[i].meta);
        free(sa[i].meta);
    }
}

static void test_fast_json_matches_jansson(void **state)
{
    fixture *f = *state;
    char p[512];
    static const char *const cases[] = {
        "{\"id\":\"a\",\"title\":\"T\",\"text\":\"x\"}",
        "  { \"text\" : \"x\" , \"id\" : \"b\" }  ",
        "{\"id\":\"c\",\"text\":\"tab\\there \\\"q\\\" \\\\ \\/ \\b\\f\\n\\r\"}",
        "{\"id\":\"d\",\"text\":\"\\u00e9\\u20ac\\ud83d\\ude00 caf\\u00C9\"}",
        "{\"id\":\"e\",\"text\":\"\\ud83d alone\"}",
        "{\"id\":\"f\",\"text\":\"\\ude00 low alone\"}",
        "{\"id\":\"g\",\"text\":\"nul \\u0000 inside\"}",
        "{\"id\":\"h\",\"text\":\"bad \\x escape\"}",
        "{\"id\":\"i\",\"text\":\"raw \t tab\"}",
        "{\"id\":\"j\",\"source\":\"s\",\"n\":-1.5e3,\"ok\":true,\"z\":null}",
        "{\"id\":\"k\",\"source\":\"s\",\"source\":\"t\"}",
        "{\"id\":\"l\",\"id\":\"m\"}",
        "{\"id\":\"n\",\"tags\":[1,2],\"o\":{\"p\":1}}",
        "{\"id\":7,\"text\":\"integer id\"}",
        "{\"id\":\"\",\"text\":\"empty id\"}",
        "{\"title\":\"no id\"}",
        "{}",
        "[\"array\"]",
        "{\"id\":\"o\",\"text\":\"x\"} trailing",
        "{\"id\":\"p\",\"text\":\"x\",}",
        "{\"id\":\"q\" \"text\":\"x\"}",
        "{\"id\":\"r\",\"n\":01}",
        "{\"id\":\"s\",\"n\":1.}",
        "{\"id\":\"t\",\"text\":null,\"title\":null}",
        "{\"id\":\"u\",\"text\":5}",
        "{\"id\":\"v\\n\",\"text\":\"newline in id\"}",
        "{\"id\":\"w\",\"te\\u0078t\":\"escaped key\"}",
        "{\"id\":\"x\",\"text\":\"unterminated}",
        "{\"id\":\"y\",\"text\":\"\xff\xfe invalid utf8\"}",
        "{\"id\":\"z\",\"text\":\"\xc3\xa9 valid utf8 \xe2\x82\xac\"}",
        "{\"id\":\"aa\",\"meta\":\"\\u00e9\",\"text\":\"t\"}",
        /* numbers jansson rejects (int64 overflow, a real that overflows)
         * and the ones beside them that it takes */
        "{\"id\":\"ab\",\"n\":12345678901234567890,\"source\":\"s\"}",
        "{\"id\":\"ac\",\"n\":9223372036854775807}",
        "{\"id\":\"ad\",\"n\":9223372036854775808}",
        "{\"id\":\"ae\",\"n\":-9223372036854775808}",
        "{\"id\":\"af\",\"n\":-9223372036854775809}",
        "{\"id\":\"ag\",\"n\":1e400}",
        "{\"id\":\"ah\",\"n\":-1.5E+308}",
        "{\"id\":\"ai\",\"n\":1.7976931348623157e308}",
        "{\"id\":\"aj\",\"n\":1.8e308}",
        "{\"id\":\"ak\",\"n\":9.9e307,\"m\":1e-400,\"z\":0.0e99999}",
        "{\"id\":\"al\",\"n\":0.00012e312}",
        "{\"id\":\"am\",\"n\":123456789012345678901234.5e285}",
    };
    test_rng rng = {0x5eed};
    char *buf = malloc(2 << 20), line[512];
    size_t o = 0, i;
    int k;
    assert_non_null(buf);
    for (i = 0; i < sizeof cases / sizeof *cases; i++)
        o += (size_t)snprintf(buf + o, 4096, "%s\n", cases[i]);
    /* long strings with an escape, a raw control byte (an error), a
     * quote or a byte next to those at every offset from 0 to 40: the
     * fast reader scans plain bytes 16 at a time */
    {
        static const char *const specials[] = {
            "\\n", "\\\"", "\\u00e9", "\x01", "\t", "\x1f", " ", "\x7f",
            "!", "#", "[", "]", "\xc3\xa9", "\"", "\\"};
        size_t pos, sp;
        for (pos = 0; pos <= 40; pos++)
            for (sp = 0; sp < sizeof specials / sizeof *specials; sp++) {
                char a[41], b[31];
                memset(a, 'a', pos);
                a[pos] = '\0';
                memset(b, 'b', 30);
                b[30] = '\0';
                o += (size_t)snprintf(buf + o, 4096,
                                      "{\"id\":\"L%zu-%zu\",\"title\":\"%s%s%s\","
                                      "\"text\":\"%s%s%s\"}\n",
                                      pos, sp, a, specials[sp], b, b,
                                      specials[sp], a);
            }
    }
    /* random mutations: delete, duplicate or replace one byte */
    for (k = 0; k < 2000; k++) {
        const char *base = cases[rng_below(&rng, 14)];
        size_t n = strlen(base), at = (size_t)rng_below(&rng, n);
        static const char pool[] = "\"\\{}[],:u0e \x80\xc3 ";
        memcpy(line, base, n + 1);
        switch (rng_below(&rng, 3)) {
        case 0:
            memmove(line + at, line + at + 1, n - at);
            break;
        case 1:
            memmove(line + at + 1, line + at, n - at + 1);
            break;
        default:
            line[at] = pool[rng_below(&rng, sizeof pool - 1)];
        }
        if (memchr(line, '\n', strlen(line)))
            continue;
        o += (size_t)snprintf(buf + o, 1024, "%s\n", line);
    }
    buf[o] = '\0';
    write_in(f, "mixed.jsonl", buf);
    compare_paths(path_in(f, "mixed.jsonl", p, sizeof p));
    free(buf);
}

/* cari.h: "returned strings are also NUL-terminated for convenience".  An
 * article's strings were not when they were read in place: a JSON Lines
 * record's unescaped id, title and text ran on into the rest of the line,
 * escaped ones into the next string decoded, meta into whatever followed
 * it, and a text file's title into its text. */
typedef struct nul_seen {
    int n;
    char ids[16][64];
    char texts[16][64];
} nul_seen;

static void expect_nul_terminated(void *ctx, cari_reader *r,
                                  const cari_article *a)
{
    nul_seen *out = ctx;
    (void)r;
    assert_true(out->n < 16);
    assert_int_equal(a->id[a->id_len], '\0');
    assert_non_null(a->title);
    assert_int_equal(a->title[a->title_len], '\0');
    assert_non_null(a->text);
    assert_int_equal(a->text[a->text_len], '\0');
    if (a->meta)
        assert_int_equal(a->meta[a->meta_len], '\0');
    assert_int_equal(strlen(a->id), a->id_len);
    snprintf(out->ids[out->n], sizeof out->ids[0], "%s", a->id);
    snprintf(out->texts[out->n], sizeof out->texts[0], "%s", a->text);
    out->n++;
}

static void test_strings_nul_terminated(void **state)
{
    fixture *f = *state;
    char p[512];
    warnings ws;
    nul_seen arts;
    uint64_t bytes, skipped;
    int jansson;
    mkdir_in(f, "root");
    write_in(f, "root/a.txt", "Judul A\nIsi A.");
    write_in(f, "root/b.md", "## Judul B  \r\n\r\nIsi B.");
    write_in(f, "root/c.txt", "Hanya judul");
    write_in(f, "root/d.jsonl",
             /* arts in place */
             "{\"id\":\"d1\",\"title\":\"T1\",\"text\":\"x1\","
             "\"source\":\"s\"}\n"
             /* escaped: decoded one after the other */
             "{\"id\":\"d\\u0032\",\"title\":\"T\\u0032\","
             "\"text\":\"x\\u0032\",\"n\":2}\n"
             /* an integer id (the full parser) */
             "{\"id\":3,\"title\":\"T3\",\"text\":\"x3\"}\n"
             "{\"id\":\"d4\",\"text\":\"x4\"}");
    for (jansson = 0; jansson < 2; jansson++) {
        memset(&arts, 0, sizeof arts);
        if (!jansson) {
            assert_int_equal(read_with(path_in(f, "root", p, sizeof p), &ws,
                                       expect_nul_terminated, &arts, &bytes,
                                       &skipped, NULL),
                             0);
        } else {
            cari_reader *r = NULL;
            cari_error err;
            cari_article a;
            int rc;
            assert_int_equal(cari_reader_open(path_in(f, "root/d.jsonl", p,
                                                      sizeof p),
                                              NULL, NULL, &r, &err),
                             CARI_OK);
            cari_reader_use_jansson_only(r);
            while ((rc = cari_reader_next(r, &a)) == 1)
                expect_nul_terminated(&arts, r, &a);
            assert_int_equal(rc, 0);
            cari_reader_close(r);
        }
        assert_int_equal(arts.n, jansson ? 4 : 7);
    }
    /* and reading them so changed nothing of what was arts */
    memset(&arts, 0, sizeof arts);
    read_with(path_in(f, "root", p, sizeof p), &ws, expect_nul_terminated,
              &arts, &bytes, &skipped, NULL);
    assert_string_equal(arts.ids[0], "a.txt");
    assert_string_equal(arts.texts[0], "Isi A.");
    assert_string_equal(arts.ids[1], "b.md");
    assert_string_equal(arts.texts[1], "Isi B.");
    assert_string_equal(arts.texts[2], "");
    assert_string_equal(arts.ids[3], "d1");
    assert_string_equal(arts.texts[3], "x1");
    assert_string_equal(arts.ids[4], "d2");
    assert_string_equal(arts.texts[4], "x2");
    assert_string_equal(arts.ids[5], "3");
    assert_string_equal(arts.ids[6], "d4");
    assert_string_equal(arts.texts[6], "x4");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_jsonl, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jsonl_bom, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_compression, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_jsonl_gz, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jsonl_gz_truncated, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_stdin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jsonl_gz_members, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_jsonl_gz_header_crc_straddles,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_jsonl_gz_header_fields, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_jsonl_gz_damaged, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_stdin_gz, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jsonl_gz_mutations, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_directory_edges, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_long_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_strings_nul_terminated, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_fast_json_matches_jansson, setup,
                                        teardown),
    };
    TEST_FILTER_FROM_ENV();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
