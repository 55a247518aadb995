/*
 * check_test.c -- cari_index_check(): a sound index passes with every
 * list decoded; damage is found and named, file by file -- checksums
 * (every damaged section, not only the first), missing files, the
 * manifest, and structural damage that gets past the checksums (made here
 * by recomputing them after an edit): ids, stored text, postings,
 * deletion bitmaps, an id live twice.  Then a sweep: a byte of the
 * segment changed at every offset, checksums fixed up, and the checker,
 * opening and searching must all survive it (under ASan in make check).
 */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <zlib.h>

#include "cari.h"
#include "segment.h"            /* cari_segw_*: a segment no writer makes */
#include "test_util.h"
#include "seg_image.h"

typedef struct fixture {
    char dir[256];
    char ix[300];
    char seg1[400], seg2[400], del1[400], manifest[400];
} fixture;

/* ---- building the index ---- */

static const char *const words[] = {
    "banjir", "jakarta", "warga", "pemerintah", "hujan", "sungai", "rumah",
    "nelayan", "laut", "ikan", "harga", "beras", "pasar", "petani", "sawah",
    "sekolah", "guru", "murid", "kereta", "stasiun", "jalan", "macet",
    "gunung", "api", "letusan", "abu", "desa", "kota", "presiden", "menteri"};
#define NWORDS (sizeof words / sizeof words[0])

static void add_article(cari_writer *w, test_rng *r, const char *id)
{
    char title[128], text[2048];
    size_t n = 0, k, nwords = 20 + rng_below(r, 120);
    cari_article a;
    snprintf(title, sizeof title, "Berita %s tentang %s", id,
             words[rng_below(r, NWORDS)]);
    for (k = 0; k < nwords && n + 40 < sizeof text; k++) {
        n += (size_t)snprintf(text + n, sizeof text - n, "%s%s",
                              words[rng_below(r, NWORDS)],
                              k % 12 == 11 ? ".\n\n" : " ");
    }
    a = test_article(id, title, text);
    a.meta = "{\"source\":\"test\"}";
    a.meta_len = strlen(a.meta);
    assert_int_equal(cari_writer_add(w, &a), CARI_OK);
}

/* Two commits: 300 articles (posting lists of several 128-doc blocks),
 * then 20 replaced and 10 deleted, so segment 1 has a deletion file. */
static void build(fixture *f, int narticles)
{
    cari_writer_options o = CARI_WRITER_OPTIONS_INIT;
    cari_writer *w;
    cari_error err;
    test_rng r = {42};
    char id[32];
    int i;
    o.sync = 0;
    o.threads = 1;
    assert_int_equal(cari_writer_open(f->ix, &o, &w, &err), CARI_OK);
    for (i = 0; i < narticles; i++) {
        snprintf(id, sizeof id, "a%03d", i);
        add_article(w, &r, id);
    }
    assert_int_equal(cari_writer_commit(w), CARI_OK);
    cari_writer_close(w);
    assert_int_equal(cari_writer_open(f->ix, &o, &w, &err), CARI_OK);
    for (i = 0; i < narticles / 15; i++) {
        snprintf(id, sizeof id, "a%03d", i * 7);
        add_article(w, &r, id);
    }
    for (i = 0; i < narticles / 30; i++) {
        snprintf(id, sizeof id, "a%03d", i * 11 + 1);
        assert_int_equal(cari_writer_delete(w, id, strlen(id)), CARI_OK);
    }
    assert_int_equal(cari_writer_commit(w), CARI_OK);
    cari_writer_close(w);
}

static int setup_n(void **state, int narticles)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f || test_mkdtemp(f->dir, sizeof f->dir) != 0)
        return -1;
    snprintf(f->ix, sizeof f->ix, "%s/index", f->dir);
    snprintf(f->seg1, sizeof f->seg1, "%s/seg-000001.cari", f->ix);
    snprintf(f->seg2, sizeof f->seg2, "%s/seg-000002.cari", f->ix);
    snprintf(f->del1, sizeof f->del1, "%s/seg-000001.del-000002", f->ix);
    snprintf(f->manifest, sizeof f->manifest, "%s/MANIFEST", f->ix);
    build(f, narticles);
    *state = f;
    return 0;
}

static int setup(void **state)
{
    return setup_n(state, 300);
}

static int setup_small(void **state)
{
    return setup_n(state, 30);
}

static int teardown(void **state)
{
    fixture *f = *state;
    test_rmtree(f->dir);
    free(f);
    return 0;
}

/* ---- running the checker ---- */

typedef struct found {
    char text[16384];
    int n;
} found;

static void collect(void *ctx, const char *file, const char *problem)
{
    found *fd = ctx;
    size_t len = strlen(fd->text);
    fd->n++;
    snprintf(fd->text + len, sizeof fd->text - len, "%s: %s\n", file,
             problem);
}

static int check(const fixture *f, found *fd, cari_check_stats *st)
{
    cari_error err;
    cari_check_stats local;
    memset(fd, 0, sizeof *fd);
    return cari_index_check(f->ix, collect, fd, st ? st : &local, &err);
}

/* Assert the check finds damage and names file and problem. */
static void expect_problem(const fixture *f, const char *file,
                           const char *what)
{
    found fd;
    int rc = check(f, &fd, NULL);
    if (rc != CARI_ECORRUPT || !strstr(fd.text, file) ||
        !strstr(fd.text, what))
        fail_msg("expected '%s' in %s; got rc %d and:\n%s", what, file, rc,
                 fd.text);
}

/* ---- editing files ---- */

static unsigned char *slurp(const char *path, size_t *len)
{
    unsigned char *d = test_read_file(path, len);
    assert_non_null(d);
    return d;
}

static void spit(const char *path, const unsigned char *d, size_t len)
{
    assert_int_equal(test_write_file(path, d, len), 0);
}

/* Section id's offset and length in a segment image. */
static void section(const unsigned char *d, size_t len, uint32_t id,
                    size_t *off, size_t *n)
{
    if (seg_image_section(d, len, id, off, n) != 0)
        fail_msg("no section %u", id);
}

enum { INFO = 1, ARTICLES, PASSAGES, DICT, DICTIDX, POSTINGS, POSITIONS,
       STORE, STOREIDX, IDS, IDTEXT, STOREWORDS };

/* ---- tests ---- */

static void test_sound_index(void **state)
{
    fixture *f = *state;
    cari_check_stats st;
    found fd;
    assert_int_equal(check(f, &fd, &st), CARI_OK);
    assert_int_equal(fd.n, 0);
    assert_int_equal(st.problems, 0);
    assert_int_equal(st.segments, 2);
    assert_int_equal(st.articles, 300 + 20);
    /* live and deleted as a reader counts them (found by review: the
     * CLI said "320 articles" where --stats said 290 and 30 deleted):
     * 20 replaced and 10 deleted in segment 1, a056 of them replaced and
     * then deleted, so its copy in segment 2 too */
    assert_int_equal(st.deleted, 20 + 10);
    {
        cari_index *ix;
        cari_index_stats is;
        cari_error err;
        assert_int_equal(cari_index_open(f->ix, &ix, &err), CARI_OK);
        cari_index_get_stats(ix, &is);
        assert_int_equal(st.articles - st.deleted, is.articles);
        assert_int_equal(st.passages - st.deleted_passages, is.passages);
        assert_int_equal(st.deleted, is.deleted);
        assert_true(st.deleted_passages >= st.deleted);
        cari_index_close(ix);
    }
    assert_true(st.terms > 30);
    assert_true(st.postings > 1000);
    assert_true(st.positions >= st.postings);
    /* MANIFEST, 2 segments, their deletion files (a056 was replaced and
     * then deleted in the second session) */
    assert_int_equal(st.files, 5);
    assert_int_equal(st.unreferenced, 0);
    /* a leftover of an interrupted writer is counted, not damage */
    {
        char path[512];
        snprintf(path, sizeof path, "%s/seg-000009.cari", f->ix);
        assert_int_equal(test_write_str(path, "partial"), 0);
        assert_int_equal(check(f, &fd, &st), CARI_OK);
        assert_int_equal(st.unreferenced, 1);
    }
}

static void test_no_index(void **state)
{
    fixture *f = *state;
    cari_check_stats st;
    cari_error err;
    char path[512];
    snprintf(path, sizeof path, "%s/nothing", f->dir);
    assert_int_equal(cari_index_check(path, NULL, NULL, &st, &err),
                     CARI_ENOTFOUND);
    assert_int_equal(cari_index_check(NULL, NULL, NULL, &st, &err),
                     CARI_EINVAL);
}

static void test_manifest(void **state)
{
    fixture *f = *state;
    size_t len;
    unsigned char *d = slurp(f->manifest, &len);
    d[len / 2] ^= 0x20;
    spit(f->manifest, d, len);
    free(d);
    expect_problem(f, "MANIFEST", "checksum mismatch");
    /* without a cari_error to fill (found by review: crashed) */
    {
        cari_check_stats st;
        assert_int_equal(cari_index_check(f->ix, NULL, NULL, &st, NULL),
                         CARI_ECORRUPT);
    }
}

/* MANIFEST, with a valid checksum, gives segment 2 another article count
 * (more or fewer than it holds): the mismatch is reported, and the check
 * of live ids reads no id past the segment's end (found by review: with
 * a larger count it crashed). */
static void test_manifest_counts(void **state)
{
    fixture *f = *state;
    static const long delta[] = {5000, 100000, -1};
    size_t len, k;
    unsigned char *orig = slurp(f->manifest, &len);
    for (k = 0; k < sizeof delta / sizeof delta[0]; k++) {
        char out[4096], *line, *save = NULL, *copy = strndup((char *)orig, len);
        size_t n = 0;
        assert_non_null(copy);
        for (line = strtok_r(copy, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
            unsigned num, arts, pass, gen, del;
            if (!strncmp(line, "checksum ", 9))
                break;
            if (sscanf(line, "segment %u %u %u %u %u", &num, &arts, &pass,
                       &gen, &del) == 5 && num == 2)
                n += (size_t)snprintf(out + n, sizeof out - n,
                                      "segment %u %ld %u %u %u\n", num,
                                      (long)arts + delta[k], pass, gen, del);
            else
                n += (size_t)snprintf(out + n, sizeof out - n, "%s\n", line);
        }
        n += (size_t)snprintf(out + n, sizeof out - n, "checksum %08x\n",
                              (unsigned)crc32(0, (const unsigned char *)out,
                                              (uInt)n));
        spit(f->manifest, (const unsigned char *)out, n);
        free(copy);
        expect_problem(f, "seg-000002.cari", "MANIFEST says");
    }
    free(orig);
}

static void test_missing_files(void **state)
{
    fixture *f = *state;
    found fd;
    assert_int_equal(unlink(f->seg2), 0);
    assert_int_equal(unlink(f->del1), 0);
    assert_int_equal(check(f, &fd, NULL), CARI_ECORRUPT);
    assert_int_equal(fd.n, 2);
    assert_non_null(strstr(fd.text, "seg-000002.cari: missing"));
    assert_non_null(strstr(fd.text, "seg-000001.del-000002: missing"));
}

/* A byte changed in every section: every section is named. */
static void test_every_checksum(void **state)
{
    fixture *f = *state;
    size_t len, off, n;
    unsigned char *d = slurp(f->seg1, &len);
    uint32_t id;
    found fd;
    for (id = INFO; id <= IDTEXT; id++) {
        section(d, len, id, &off, &n);
        d[off + n / 2] ^= 0x01;
    }
    spit(f->seg1, d, len);
    free(d);
    assert_int_equal(check(f, &fd, NULL), CARI_ECORRUPT);
    assert_int_equal(fd.n, IDTEXT);
    assert_non_null(strstr(fd.text, "checksum mismatch in section 'info'"));
    assert_non_null(strstr(fd.text, "checksum mismatch in section 'postings'"));
    assert_non_null(strstr(fd.text, "checksum mismatch in section 'id text'"));
    /* and the other segment is still checked: no problem there */
    assert_null(strstr(fd.text, "seg-000002"));
}

static void test_truncated(void **state)
{
    fixture *f = *state;
    size_t len;
    unsigned char *d = slurp(f->seg2, &len);
    spit(f->seg2, d, len - 100);
    free(d);
    expect_problem(f, "seg-000002.cari", "truncated");
}

static void test_ids_damaged(void **state)
{
    fixture *f = *state;
    size_t len, off, n;
    unsigned char *d = slurp(f->seg1, &len), tmp[4];
    /* swap the first two entries of the ids table */
    section(d, len, IDS, &off, &n);
    memcpy(tmp, d + off, 4);
    memcpy(d + off, d + off + 4, 4);
    memcpy(d + off + 4, tmp, 4);
    /* and put a newline in the last id (its last byte is the section's) */
    section(d, len, IDTEXT, &off, &n);
    d[off + n - 1] = '\n';
    seg_image_fix_crcs(d, len);
    spit(f->seg1, d, len);
    free(d);
    expect_problem(f, "seg-000001.cari", "ids: entry 1 is out of order");
    expect_problem(f, "seg-000001.cari", "holds a NUL or newline");
}

/* Id text that does not decode (the first id front-coded on nothing):
 * the segment does not open, and the checker says why. */
static void test_idtext_damaged(void **state)
{
    fixture *f = *state;
    size_t len, off, n;
    unsigned char *d = slurp(f->seg1, &len);
    section(d, len, IDTEXT, &off, &n);
    assert_int_equal(d[off], 0);
    d[off] = 1;
    seg_image_fix_crcs(d, len);
    spit(f->seg1, d, len);
    free(d);
    expect_problem(f, "seg-000001.cari", "bad id table");
}

static void test_store_damaged(void **state)
{
    fixture *f = *state;
    size_t len, off, n;
    unsigned char *d = slurp(f->seg2, &len);
    section(d, len, STORE, &off, &n);
    memset(d + off + n / 2, 0xa5, 8);
    seg_image_fix_crcs(d, len);
    spit(f->seg2, d, len);
    free(d);
    expect_problem(f, "seg-000002.cari", "stored text: block");
}

/* Stored metadata that is not a JSON object (cari_writer_add refuses
 * it, so the segment is written by hand, the same article with "[...]"
 * for its "{...}": the same counts, so MANIFEST still fits). */
static void test_store_meta_not_object(void **state)
{
    fixture *f = *state;
    char ix[300], seg[350], tmp[350];
    static const char *const metas[] = {"{\"source\":\"test\"}",
                                        "[\"source\",\"test\"]"};
    cari_passage_params pp = CARI_PASSAGE_PARAMS_INIT;
    cari_writer_options o = CARI_WRITER_OPTIONS_INIT;
    cari_segment_writer *sw;
    cari_analyzer *an;
    cari_writer *w;
    cari_article a;
    cari_error err;
    uint32_t no;
    uint64_t terms;
    found fd;
    fixture g = *f;
    snprintf(ix, sizeof ix, "%s/meta", f->dir);
    snprintf(seg, sizeof seg, "%s/seg-000001.cari", ix);
    snprintf(tmp, sizeof tmp, "%s/new.cari", f->dir);
    snprintf(g.ix, sizeof g.ix, "%s", ix);
    a = test_article("m1", "Judul", "Banjir merendam rumah warga.");
    a.meta = metas[0];
    a.meta_len = strlen(a.meta);
    o.sync = 0;
    o.threads = 1;
    assert_int_equal(cari_writer_open(ix, &o, &w, &err), CARI_OK);
    assert_int_equal(cari_writer_add(w, &a), CARI_OK);
    assert_int_equal(cari_writer_commit(w), CARI_OK);
    cari_writer_close(w);
    assert_int_equal(check(&g, &fd, NULL), CARI_OK);
    a.meta = metas[1];
    a.meta_len = strlen(a.meta);
    assert_int_equal(cari_analyzer_new(&an, NULL), CARI_OK);
    assert_int_equal(cari_segw_new(6, &pp, &sw), CARI_OK);
    assert_int_equal(cari_segw_add(sw, an, &a, &no), CARI_OK);
    assert_int_equal(cari_segw_write(sw, tmp, 0, &terms, &err), CARI_OK);
    assert_int_equal(rename(tmp, seg), 0);
    cari_segw_free(sw);
    cari_analyzer_free(an);
    expect_problem(&g, "seg-000001.cari",
                   "the metadata of article 0 is not a JSON object");
}

/* The stored text's word list (docstore.h) does not parse: the segment
 * does not open, and the checker and the reader say why. */
static void test_store_words_damaged(void **state)
{
    fixture *f = *state;
    size_t len, off, n;
    unsigned char *d = slurp(f->seg1, &len);
    cari_index *ix;
    cari_error err;
    section(d, len, STOREWORDS, &off, &n);
    assert_true(n > 0); /* the fixture's text repeats enough to learn words */
    d[off] = 0; /* a word of no bytes: the list does not parse */
    seg_image_fix_crcs(d, len);
    spit(f->seg1, d, len);
    free(d);
    expect_problem(f, "seg-000001.cari", "bad stored text word list");
    assert_int_equal(cari_index_open(f->ix, &ix, &err), CARI_ECORRUPT);
    assert_non_null(strstr(err.message, "bad stored text word list"));
}

static void test_postings_damaged(void **state)
{
    fixture *f = *state;
    size_t len, off, n, i;
    unsigned char *d = slurp(f->seg1, &len);
    section(d, len, POSTINGS, &off, &n);
    for (i = 0; i < n; i += 97)
        d[off + i] ^= 0x5a;
    seg_image_fix_crcs(d, len);
    spit(f->seg1, d, len);
    free(d);
    expect_problem(f, "seg-000001.cari", "term '");
}

static void test_dictionary_damaged(void **state)
{
    fixture *f = *state;
    size_t len, off, n;
    unsigned char *d = slurp(f->seg1, &len);
    section(d, len, DICTIDX, &off, &n);
    d[off + 4] ^= 0x03;  /* block 1's offset */
    seg_image_fix_crcs(d, len);
    spit(f->seg1, d, len);
    free(d);
    expect_problem(f, "seg-000001.cari", "dictionary");
}

/* A deletion file with a valid checksum that disagrees with MANIFEST, and
 * an id that becomes live twice. */
static void test_deletions_damaged(void **state)
{
    fixture *f = *state;
    size_t len, i;
    unsigned char *d = slurp(f->del1, &len);
    for (i = 16; i < len - 4 && d[i] == 0; i++)
        ;
    assert_true(i < len - 4);
    d[i] &= (unsigned char)(d[i] - 1);  /* clear the lowest set bit */
    cari_put_u32(d + len - 4, (uint32_t)crc32(0, d, (uInt)(len - 4)));
    spit(f->del1, d, len);
    free(d);
    expect_problem(f, "seg-000001.del-000002", "MANIFEST says");
    /* the bit belonged to a replaced or deleted article: if replaced, its
     * id is now live in both segments */
    {
        found fd;
        check(f, &fd, NULL);
        assert_true(fd.n >= 1);
    }
}

static void test_many_problems_itemised(void **state)
{
    fixture *f = *state;
    size_t len, off, n, i;
    unsigned char *d = slurp(f->seg1, &len);
    cari_check_stats st;
    found fd;
    section(d, len, IDS, &off, &n);
    for (i = 0; i < n; i += 12)  /* every hash wrong */
        d[off + i] ^= 0xff;
    seg_image_fix_crcs(d, len);
    spit(f->seg1, d, len);
    free(d);
    assert_int_equal(check(f, &fd, &st), CARI_ECORRUPT);
    assert_true(st.problems > 100);
    assert_int_equal(fd.n, 51);  /* 50 itemised, then "... and N more" */
    assert_non_null(strstr(fd.text, "more problems"));
}

/* A byte changed at every offset of a small segment, checksums fixed:
 * the checker, the reader and searches must survive every one.  Damage
 * the checker cannot see is damage that decodes to a valid index. */
static void test_sweep(void **state)
{
    fixture *f = *state;
    size_t len, i, caught = 0, tried = 0;
    unsigned char *orig = slurp(f->seg1, &len), *d = malloc(len);
    static const char *const queries[] = {"banjir jakarta", "\"hujan deras\"",
                                          "ik*", "title:berita", "laut -ikan"};
    assert_non_null(d);
    /* every 5th byte (CARI_SWEEP_STEP=1: all of them; about 4 ms each) */
    size_t step = getenv("CARI_SWEEP_STEP") ? strtoul(getenv("CARI_SWEEP_STEP"),
                                                      NULL, 10) : 5;
    if (step == 0)
        step = 1;
    for (i = 16; i + 32 < len; i += step) {
        cari_index *ix;
        cari_error err;
        found fd;
        size_t q;
        memcpy(d, orig, len);
        d[i] ^= (unsigned char)(1u << (i % 8));
        seg_image_fix_crcs(d, len);
        spit(f->seg1, d, len);
        tried++;
        if (check(f, &fd, NULL) == CARI_ECORRUPT)
            caught++;

        if (cari_index_open(f->ix, &ix, &err) != CARI_OK)
            continue;
        for (q = 0; q < sizeof queries / sizeof queries[0]; q++) {
            cari_hits *h = NULL;
            int rc = cari_search(ix, queries[q], strlen(queries[q]), NULL, &h);
            assert_true(rc == CARI_OK || rc == CARI_ECORRUPT ||
                        rc == CARI_ENOTERMS);
            cari_hits_free(h);
        }
        cari_index_close(ix);
    }
    spit(f->seg1, orig, len);
    print_message("# structural sweep: %zu offsets changed, %zu caught by "
                  "the checker\n", tried, caught);
    assert_true(caught * 2 > tried);
    free(orig);
    free(d);
}

/* The results of a few queries, as text: ids, passages and scores. */
static void results(const char *dir, char *out, size_t cap, int *status)
{
    static const char *const queries[] = {"banjir jakarta", "\"hujan\"",
                                          "ik*", "title:berita", "laut -ikan",
                                          "warga NEAR/3 sungai"};
    cari_index *ix;
    cari_error err;
    size_t q, n = 0;
    out[0] = '\0';
    *status = cari_index_open(dir, &ix, &err);
    if (*status)
        return;
    for (q = 0; q < sizeof queries / sizeof queries[0] && !*status; q++) {
        cari_hits *h = NULL;
        size_t i;
        *status = cari_search(ix, queries[q], strlen(queries[q]), NULL, &h);
        for (i = 0; !*status && i < cari_hits_count(h); i++) {
            cari_hit hit;
            cari_hits_get(h, i, &hit);
            n += (size_t)snprintf(out + n, cap - n, "%zu %.*s#%u %.6f %.20s\n",
                                  q, (int)hit.id_len, hit.id, hit.passage,
                                  hit.score, hit.snippet ? hit.snippet : "");
            if (n >= cap)
                n = cap - 1;
        }
        cari_hits_free(h);
    }
    cari_index_close(ix);
}

/* Raw damage, no checksum fixed: a byte changed in every file of the
 * index at many offsets (CARI_SLOW_TESTS=1: every byte), and each file cut
 * short at many lengths.  Opening or searching must report CARI_ECORRUPT
 * -- and then the checker too -- or give exactly the intact results. */
static void test_raw_sweep(void **state)
{
    fixture *f = *state;
    static char ref[65536], got[65536];
    const char *names[] = {"MANIFEST", "seg-000001.cari", "seg-000002.cari",
                           "seg-000001.del-000002", "seg-000002.del-000002"};
    int slow = getenv("CARI_SLOW_TESTS") && !strcmp(getenv("CARI_SLOW_TESTS"),
                                                      "1");
    size_t tried = 0, reported = 0, harmless = 0, k;
    int status;
    results(f->ix, ref, sizeof ref, &status);
    assert_int_equal(status, CARI_OK);
    assert_true(strlen(ref) > 100);
    for (k = 0; k < sizeof names / sizeof names[0]; k++) {
        char path[512];
        size_t len, at, step;
        unsigned char *orig, *d;
        snprintf(path, sizeof path, "%s/%s", f->ix, names[k]);
        orig = test_read_file(path, &len);
        if (!orig)
            continue;  /* segment 2 may keep all its articles */
        d = malloc(len + 1);
        assert_non_null(d);
        step = slow ? 1 : 13;
        for (at = 0; at < len + len / 7 + 1; at += step) {
            int cut = at >= len, rc;
            found fd;
            memcpy(d, orig, len);
            if (cut)  /* the lengths past len stand for cuts */
                spit(path, d, (at - len) * 7);
            else {
                d[at] ^= (unsigned char)(1u << (at % 8));
                spit(path, d, len);
            }
            tried++;
            results(f->ix, got, sizeof got, &status);
            rc = check(f, &fd, NULL);
            if (status == CARI_ECORRUPT) {
                reported++;
                if (rc != CARI_ECORRUPT)
                    fail_msg("%s %s %zu: the reader reports damage, the "
                             "checker does not", names[k],
                             cut ? "cut to" : "byte", cut ? (at - len) * 7 : at);
            } else if (status == CARI_OK && strcmp(got, ref) == 0) {
                harmless++;
            } else {
                fail_msg("%s %s %zu: status %d, %s", names[k],
                         cut ? "cut to" : "byte", cut ? (at - len) * 7 : at,
                         status, status ? "not damage" : "other results");
            }
        }
        spit(path, orig, len);
        free(orig);
        free(d);
    }
    print_message("# raw damage: %zu copies, %zu reported as damage, %zu "
                  "harmless (same results)\n", tried, reported, harmless);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sound_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_index, setup_small, teardown),
        cmocka_unit_test_setup_teardown(test_manifest, setup_small, teardown),
        cmocka_unit_test_setup_teardown(test_manifest_counts, setup_small,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_missing_files, setup_small,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_every_checksum, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated, setup_small, teardown),
        cmocka_unit_test_setup_teardown(test_idtext_damaged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ids_damaged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_damaged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_words_damaged, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_postings_damaged, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_dictionary_damaged, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_deletions_damaged, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_many_problems_itemised, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store_meta_not_object,
                                        setup_small, teardown),
        cmocka_unit_test_setup_teardown(test_sweep, setup_small, teardown),
        cmocka_unit_test_setup_teardown(test_raw_sweep, setup_small,
                                        teardown),
    };
    TEST_FILTER_FROM_ENV();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
