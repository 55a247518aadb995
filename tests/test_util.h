/*
 * test_util.h -- small helpers shared by the unit tests: a deterministic
 * random generator, temporary directories (made with mkdtemp under $TMPDIR
 * or /tmp), and, from test_file.h, which the fuzz targets share, removing
 * them recursively and whole-file read/write.
 *
 * A test file defines _POSIX_C_SOURCE / _XOPEN_SOURCE before including
 * anything, then includes cmocka's headers and this one (test_add fails
 * the test through cmocka).  Everything here is
 * static inline so a test that uses only part of it compiles without
 * warnings.
 */
#ifndef CARI_TEST_UTIL_H
#define CARI_TEST_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_article.h"
#include "test_file.h"

/* Run only the tests matching $CARI_TEST_FILTER (a cmocka pattern, e.g.
 * "test_corrupt*"), when it is set: for debugging one test. */
#define TEST_FILTER_FROM_ENV()                                             \
    do {                                                                   \
        const char *filter_ = getenv("CARI_TEST_FILTER");                  \
        if (filter_ && *filter_)                                           \
            cmocka_set_test_filter(filter_);                               \
    } while (0)

/* ---- deterministic random numbers (splitmix64) ---- */

typedef struct test_rng {
    uint64_t s;
} test_rng;

static inline uint64_t rng_next(test_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [0, n) (n > 0). */
static inline uint64_t rng_below(test_rng *r, uint64_t n)
{
    return rng_next(r) % n;
}

static inline uint32_t rng_u32(test_rng *r)
{
    return (uint32_t)(rng_next(r) >> 32);
}

/* ---- temporary directories ---- */

/* Make a fresh directory; path receives its name (cap >= 64). */
static inline int test_mkdtemp(char *path, size_t cap)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    if ((size_t)snprintf(path, cap, "%s/cari-unit.XXXXXX", base) >= cap)
        return -1;
    return mkdtemp(path) ? 0 : -1;
}

/* test_rmtree: test_file.h */

/* ---- files: test_file.h ---- */

/* Count the entries of a directory whose names start with prefix (NULL:
 * all), "." and ".." excluded; -1 on error. */
static inline int test_count_entries(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;
    if (!d)
        return -1;
    while ((de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (prefix && strncmp(de->d_name, prefix, strlen(prefix)) != 0)
            continue;
        n++;
    }
    closedir(d);
    return n;
}

/* A cmocka fixture for tests that build an index: a fresh temporary
 * directory, and the index directory inside it (the writer creates it). */
typedef struct test_index_fixture {
    char dir[256];
    char ix[300];
} test_index_fixture;

static inline int test_index_setup(void **state)
{
    test_index_fixture *f = calloc(1, sizeof *f);
    if (!f || test_mkdtemp(f->dir, sizeof f->dir) != 0) {
        free(f);
        return -1;
    }
    snprintf(f->ix, sizeof f->ix, "%s/index", f->dir);
    *state = f;
    return 0;
}

static inline int test_index_teardown(void **state)
{
    test_index_fixture *f = *state;
    test_rmtree(f->dir);
    free(f);
    return 0;
}

/* Add an article of three strings (test_article.h); fails the test when
 * the writer refuses it. */
static inline void test_add(cari_writer *w, const char *id,
                            const char *title, const char *text)
{
    cari_article a = test_article(id, title, text);
    if (cari_writer_add(w, &a) != CARI_OK)
        fail_msg("cari_writer_add(%s): %s", id, cari_writer_errmsg(w));
}

#endif
