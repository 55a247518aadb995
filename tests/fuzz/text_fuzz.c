/*
 * text_fuzz.c -- the reader of .txt/.md articles in a directory.
 *
 * Input: the bytes of one file, written as DIR/a.txt and read through
 * cari_reader_open(DIR).  Asserts: the file is read as one article
 * exactly when it is valid UTF-8 without NUL bytes, and skipped with one
 * warning naming it otherwise; the article's id is "a.txt"; its title
 * and text are valid UTF-8 and lie within the file's bytes, the title is
 * one line without surrounding spaces, and the text runs to the end of
 * the file.
 */
#include <stddef.h>
#include <stdint.h>

#include <sys/stat.h>

#include "fuzz_util.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count_warning(void *ctx, const char *file, long line,
                          const char *message)
{
    (void)line;
    if (!file || !strstr(file, "a.txt") || !message || !*message)
        abort();
    (*(int *)ctx)++;
}

/* p[0..n) lies within base[0..size) (n == 0 anywhere in or just past). */
static int inside(const char *p, size_t n, const char *base, size_t size)
{
    return p >= base && p <= base + size && n <= (size_t)(base + size - p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char dir[300], path[320];
    cari_reader *r;
    cari_article a;
    cari_error err;
    FILE *f;
    int rc, warnings = 0, articles = 0, readable;
    size_t bad;
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "%s/in", fuzz_scratch());
        if (mkdir(dir, 0755) != 0)
            abort();
        snprintf(path, sizeof path, "%s/a.txt", dir);
    }
    f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    readable = !memchr(data, '\0', size) &&
               cari_utf8_valid((const char *)data, size, &bad);
    if (cari_reader_open(dir, count_warning, &warnings, &r, &err) != CARI_OK)
        abort();
    while ((rc = cari_reader_next(r, &a)) == 1) {
        /* the reader's copy of the file: text runs to its end */
        const char *base = a.text + a.text_len - size;
        articles++;
        if (a.id_len != 5 || memcmp(a.id, "a.txt", 5) != 0)
            abort();
        if (!inside(a.title, a.title_len, base, size) ||
            !inside(a.text, a.text_len, base, size) ||
            a.title + a.title_len > a.text)
            abort();
        if (!cari_utf8_valid(a.title, a.title_len, &bad) ||
            !cari_utf8_valid(a.text, a.text_len, &bad) ||
            memchr(a.title, '\n', a.title_len))
            abort();
        if (a.title_len && (a.title[0] == ' ' ||
                            a.title[a.title_len - 1] == ' ' ||
                            a.title[a.title_len - 1] == '\r'))
            abort();
    }
    if (rc != 0)
        abort();
    if (readable ? (articles != 1 || warnings != 0 || cari_reader_skipped(r))
                 : (articles != 0 || warnings != 1 ||
                    cari_reader_skipped(r) != 1))
        abort();
    cari_reader_close(r);
    return 0;
}
