/*
 * test_file.h -- whole-file read and write, and removing a directory
 * tree, for the unit tests (through test_util.h) and the fuzz targets,
 * which have no cmocka.  nftw needs _XOPEN_SOURCE (500 or later) defined
 * before any header: the unit tests define it, the fuzz targets get it
 * from the Makefile.
 */
#ifndef CARI_TEST_FILE_H
#define CARI_TEST_FILE_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static inline int test_rm_entry(const char *path, const struct stat *st,
                                int type, struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path);
}

/* Remove a directory tree (symbolic links are removed, not followed). */
static inline int test_rmtree(const char *path)
{
    return nftw(path, test_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static inline int test_write_file(const char *path, const void *data,
                                  size_t len)
{
    FILE *f = fopen(path, "wb");
    size_t n;
    if (!f)
        return -1;
    n = fwrite(data, 1, len, f);
    if (fclose(f) != 0 || n != len)
        return -1;
    return 0;
}

static inline int test_write_str(const char *path, const char *s)
{
    return test_write_file(path, s, strlen(s));
}

/* Read a whole file into a malloc'd buffer (NUL-terminated); NULL on
 * failure. */
static inline unsigned char *test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t cap = 0, n = 0;
    if (!f)
        return NULL;
    for (;;) {
        size_t m;
        if (cap - n < 65536) {
            unsigned char *p = realloc(buf, cap * 2 + 65536);
            if (!p) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = p;
            cap = cap * 2 + 65536;
        }
        m = fread(buf + n, 1, cap - n - 1, f);
        n += m;
        if (m == 0)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

#endif
