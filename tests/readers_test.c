/*
 * readers_test.c -- readers see one whole commit, in process and fast:
 * reader threads open the index and search it in a loop while a writer
 * thread commits and merges hundreds of times (segments and deletion
 * files removed under the readers).  Every search must succeed and return
 * exactly the results of one of the commits, which the writer records
 * after each of them.  (tests/readers.t does the same with the tools.)
 */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>

#include "cari.h"
#include "test_util.h"

#ifndef COMMITS
#define COMMITS 150
#endif
#define READERS 2
#define MAX_SEEN 100000

static const char *const queries[] = {"zebra", "iterasi*", "kopi OR teh",
                                      "\"kebun binatang\"", "sawah petani",
                                      "title:zebra"};

typedef struct shared {
    char ix[300];
    atomic_int done;
    uint64_t refs[COMMITS + 1];
    int nrefs;
    pthread_mutex_t mu;
    /* what the readers saw */
    uint64_t seen[MAX_SEEN];
    int nseen;
    int errors;
    char first_error[600];
} shared;

static uint64_t fnv(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    size_t i;
    for (i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* A digest of the query set's results on ix (ids, passages, scores,
 * snippets); 0 and *rc set on failure. */
static uint64_t digest(cari_index *ix, int *rc)
{
    uint64_t h = 0xcbf29ce484222325ull;
    size_t q, i;
    *rc = CARI_OK;
    for (q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        cari_hits *hits = NULL;
        int r = cari_search(ix, queries[q], strlen(queries[q]), NULL, &hits);
        if (r == CARI_ENOTERMS)
            continue;
        if (r) {
            *rc = r;
            return 0;
        }
        h = fnv(h, &q, sizeof q);
        for (i = 0; i < cari_hits_count(hits); i++) {
            cari_hit hit;
            cari_hits_get(hits, i, &hit);
            h = fnv(h, hit.id, hit.id_len);
            h = fnv(h, &hit.passage, sizeof hit.passage);
            h = fnv(h, &hit.score, sizeof hit.score);
            h = fnv(h, hit.snippet, hit.snippet_len);
        }
        cari_hits_free(hits);
    }
    return h;
}

static void record_ref(shared *s)
{
    cari_index *ix;
    cari_error err;
    int rc;
    assert_int_equal(cari_index_open(s->ix, &ix, &err), CARI_OK);
    s->refs[s->nrefs] = digest(ix, &rc);
    assert_int_equal(rc, CARI_OK);
    cari_index_close(ix);
    pthread_mutex_lock(&s->mu);
    s->nrefs++;
    pthread_mutex_unlock(&s->mu);
}

static void *reader_main(void *arg)
{
    shared *s = arg;
    while (!atomic_load(&s->done)) {
        cari_index *ix;
        cari_error err;
        uint64_t h = 0;
        int rc = cari_index_open(s->ix, &ix, &err);
        if (rc == CARI_OK) {
            h = digest(ix, &rc);
            if (rc)
                snprintf(err.message, sizeof err.message, "%s",
                         cari_index_errmsg(ix));
            cari_index_close(ix);
        }
        pthread_mutex_lock(&s->mu);
        if (rc) {
            if (!s->errors++)
                snprintf(s->first_error, sizeof s->first_error, "%.500s (%d)",
                         err.message, rc);
        } else if (s->nseen < MAX_SEEN) {
            s->seen[s->nseen++] = h;
        }
        pthread_mutex_unlock(&s->mu);
    }
    return NULL;
}

static void test_readers_see_whole_commits(void **state)
{
    char dir[256];
    shared *s = calloc(1, sizeof *s);
    cari_writer_options o = CARI_WRITER_OPTIONS_INIT;
    pthread_t readers[READERS];
    cari_writer *w;
    cari_error err;
    char id[64], title[128], text[512];
    int i, k, bad = 0;
    (void)state;
    assert_non_null(s);
    assert_int_equal(test_mkdtemp(dir, sizeof dir), 0);
    snprintf(s->ix, sizeof s->ix, "%s/index", dir);
    pthread_mutex_init(&s->mu, NULL);
    o.sync = 0;  /* the commit protocol is the same; the test is faster */
    o.threads = 1;
    /* a first commit of a few articles */
    assert_int_equal(cari_writer_open(s->ix, &o, &w, &err), CARI_OK);
    test_add(w, "sawah", "Petani dan sawah", "Petani menanam padi di sawah.");
    test_add(w, "zebra", "Zebra", "Seekor zebra di kebun binatang.");
    assert_int_equal(cari_writer_commit(w), CARI_OK);
    cari_writer_close(w);
    record_ref(s);
    for (k = 0; k < READERS; k++)
        assert_int_equal(pthread_create(&readers[k], NULL, reader_main, s), 0);
    for (i = 1; i <= COMMITS; i++) {
        assert_int_equal(cari_writer_open(s->ix, &o, &w, &err), CARI_OK);
        snprintf(title, sizeof title, "Zebra ke-%d", i);
        snprintf(text, sizeof text, "Seekor zebra lepas dari kebun binatang "
                 "untuk iterasi%d.\n\nPetugas mencari zebra itu.", i);
        test_add(w, "zebra", title, text);
        snprintf(id, sizeof id, "tambahan-%d", i);
        snprintf(title, sizeof title, "Kopi dan teh %d", i);
        snprintf(text, sizeof text, "Harga kopi dan teh naik pada iterasi%d.",
                 i);
        test_add(w, id, title, text);
        if (i % 2 == 0) {
            snprintf(id, sizeof id, "tambahan-%d", i - 1);
            assert_int_equal(cari_writer_delete(w, id, strlen(id)), CARI_OK);
        }
        if (i % 3 == 0)
            assert_int_equal(cari_writer_merge(w, 1), CARI_OK);
        assert_int_equal(cari_writer_commit(w), CARI_OK);
        cari_writer_close(w);
        record_ref(s);
    }
    atomic_store(&s->done, 1);
    for (k = 0; k < READERS; k++)
        pthread_join(readers[k], NULL);
    for (k = 0; k < s->nseen; k++) {
        int j, found = 0;
        for (j = 0; j < s->nrefs && !found; j++)
            found = s->seen[k] == s->refs[j];
        bad += !found;
    }
    print_message("# %d commits, %d searches while they ran, %d not of one "
                  "commit, %d failed%s%s\n", COMMITS, s->nseen, bad, s->errors,
                  s->errors ? ": " : "", s->first_error);
    assert_true(s->nseen > COMMITS);
    assert_int_equal(s->errors, 0);
    assert_int_equal(bad, 0);
    pthread_mutex_destroy(&s->mu);
    test_rmtree(dir);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_readers_see_whole_commits),
    };
    TEST_FILTER_FROM_ENV();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
