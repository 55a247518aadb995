/*
 * jsonl_fuzz.c -- the JSON Lines reader: its fast scanner for flat records
 * and the jansson path behind it.
 *
 * Input: the bytes of a .jsonl file.  It is read twice, once as usual and
 * once with every record through jansson, and the two must agree: the
 * same articles (id, title, text) in the same order, the same number of
 * records skipped.  (The fast path promises to take only records jansson
 * reads the same way.)  Every article's strings are valid UTF-8 and
 * analyzed.
 */
#include <stddef.h>
#include <stdint.h>

#include "corpus.h"
#include "fuzz_util.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct seen {
    char *s;
    size_t len, cap;
    uint64_t skipped;
    long articles;
} seen;

static void append(seen *v, const char *p, size_t n)
{
    if (v->len + n + 1 > v->cap) {
        v->cap = (v->len + n + 1) * 2;
        v->s = realloc(v->s, v->cap);
        if (!v->s)
            abort();
    }
    memcpy(v->s + v->len, p, n);
    v->len += n;
}

static int count_token(void *ctx, const cari_token *t)
{
    (void)t;
    (*(long *)ctx)++;
    return 0;
}

static cari_analyzer *an;

static void read_all(const char *path, int jansson_only, seen *v)
{
    cari_reader *r;
    cari_article a;
    cari_error err;
    int rc;
    size_t bad;
    memset(v, 0, sizeof *v);
    if (cari_reader_open(path, NULL, NULL, &r, &err) != CARI_OK)
        abort();
    if (jansson_only)
        cari_reader_use_jansson_only(r);
    while ((rc = cari_reader_next(r, &a)) == 1) {
        long tokens = 0;
        char len[64];
        if (!a.id_len || !cari_utf8_valid(a.id, a.id_len, &bad) ||
            !cari_utf8_valid(a.title, a.title_len, &bad) ||
            !cari_utf8_valid(a.text, a.text_len, &bad))
            abort();
        v->articles++;
        snprintf(len, sizeof len, "|%zu,%zu,%zu|", a.id_len, a.title_len,
                 a.text_len);
        append(v, len, strlen(len));
        append(v, a.id, a.id_len);
        append(v, a.title, a.title_len);
        append(v, a.text, a.text_len);
        if (!jansson_only &&
            cari_analyze(an, a.text, a.text_len, count_token, &tokens) != 0)
            abort();
    }
    if (rc < 0 && rc != CARI_EIO)
        abort();
    v->skipped = cari_reader_skipped(r);
    cari_reader_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[300];
    seen fast, slow;
    FILE *f;
    if (!an) {
        cari_error err;
        if (cari_analyzer_new(&an, &err) != CARI_OK)
            abort();
        snprintf(path, sizeof path, "%s/in.jsonl", fuzz_scratch());
    }
    f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    read_all(path, 0, &fast);
    read_all(path, 1, &slow);
    if (fast.articles != slow.articles || fast.skipped != slow.skipped ||
        fast.len != slow.len || (fast.len && memcmp(fast.s, slow.s, fast.len)))
        abort();  /* the fast path read a record otherwise than jansson */
    free(fast.s);
    free(slow.s);
    return 0;
}
