/*
 * index.c -- the index directory: its manifest and deletion files, and
 * opening an index for reading (writing is writer.c).
 *
 * A directory holds:
 *   MANIFEST              the live commit (text, below)
 *   LOCK                  the writer lock (flock; holds the writer's pid)
 *   seg-NNNNNN.cari       immutable segments (segment.c)
 *   seg-NNNNNN.del-GGGGGG deletions of segment N made at generation G
 *
 * MANIFEST is text, one record per line, and ends with a checksum line:
 *   cari-index 1
 *   generation G
 *   next-segment N
 *   analyzer <signature>
 *   segment <number> <articles> <passages> <deletes-generation> <deleted>
 *   ...
 *   checksum <crc32 of everything before this line, 8 hex digits>
 * and nothing after that line (its newline may be missing).
 *
 * A commit writes new segment and deletion files, fsyncs them, writes
 * MANIFEST.tmp, fsyncs it, renames it over MANIFEST and fsyncs the
 * directory.  A crash at any point leaves the old MANIFEST, which names only
 * files that still exist; files no manifest names are removed by the next
 * writer.  A new index gets an empty MANIFEST (generation 0, no segments),
 * written the same way, before its first segment file, and MANIFEST is
 * never removed: so a directory with segment files and no MANIFEST has
 * lost it, and is damage (cari_manifest_read), not a place for a new
 * index.  Readers open MANIFEST and then its files; if a file vanished
 * meanwhile (a newer commit removed it) they read MANIFEST again.
 *
 * Deletion file: "CARIDEL\0" | u32 version 1 | u32 articles |
 *   bitmap[ceil(articles / 8)] | u32 crc32 of all that precedes.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "index_internal.h"
#include "io.h"
#include "utf8.h"
#include "util.h"
#include "xapian_backend.h"

#define MANIFEST_VERSION 1
/* A file MANIFEST names is missing: read MANIFEST again (a newer commit
 * removed the file under us) as long as MANIFEST keeps changing, up to
 * OPEN_ATTEMPTS times; the same MANIFEST OPEN_RETRIES times in a row with
 * a file missing is damage. */
#define OPEN_RETRIES 5
#define OPEN_ATTEMPTS 10000

/* ------------------------------------------------------------------ */
/* Manifest                                                            */
/* ------------------------------------------------------------------ */


void cari_manifest_free(cari_manifest *m)
{
    free(m->entries);
    memset(m, 0, sizeof *m);
}

int cari_manifest_push(cari_manifest *m, const cari_manifest_entry *e)
{
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 8;
        cari_manifest_entry *p = realloc(m->entries, cap * sizeof *p);
        if (!p)
            return CARI_ENOMEM;
        m->entries = p;
        m->cap = cap;
    }
    m->entries[m->n++] = *e;
    return CARI_OK;
}

static int read_small_file(const char *path, char **out, size_t *len,
                           cari_error *err)
{
    int fd = cari_open_index_file(path);
    struct stat st;
    char *buf;
    size_t n = 0;
    *out = NULL;
    if (fd == CARI_NOT_REGULAR)
        return cari_set_error(err, CARI_ECORRUPT, "%s: not a regular file",
                              path);
    if (fd < 0)
        return cari_set_error(err, errno == ENOENT ? CARI_ENOTFOUND : CARI_EIO,
                              "%s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0 || st.st_size > (64 << 20)) {
        close(fd);
        return cari_set_error(err, CARI_ECORRUPT, "%s: unexpected size",
                              path);
    }
    buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        close(fd);
        return cari_set_error(err, CARI_ENOMEM, "out of memory");
    }
    while (n < (size_t)st.st_size) {
        ssize_t r = cari_read(fd, buf + n, (size_t)st.st_size - n);
        if (r <= 0) {
            int e = errno;
            close(fd);
            free(buf);
            return cari_set_error(err, CARI_EIO, "%s: read failed: %s", path,
                                  r < 0 ? strerror(e) : "short read");
        }
        n += (size_t)r;
    }
    close(fd);
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return CARI_OK;
}

/* Parse n decimal numbers of at most max, one space between two, that
 * make up all of s: 0, or -1 for anything else (sscanf took signs,
 * spaces and text after them; found by review). */
static int manifest_numbers(const char *s, uint64_t *v, size_t n,
                            uint64_t max)
{
    size_t i;
    for (i = 0; i < n; i++) {
        uint64_t x = 0;
        if (i > 0 && *s++ != ' ')
            return -1;
        if (*s < '0' || *s > '9')
            return -1;
        for (; *s >= '0' && *s <= '9'; s++) {
            unsigned d = (unsigned)(*s - '0');
            if (x > (max - d) / 10)
                return -1;
            x = x * 10 + d;
        }
        v[i] = x;
    }
    return *s == '\0' ? 0 : -1;
}

/* What a MANIFEST's lines must say together.  Readers and writers refuse
 * a manifest that breaks them, as --check does (found by review: a
 * segment listed twice was searched twice, and a writer committed on top
 * of it; a deletion generation after the index's would have had a later
 * commit rewrite a live deletion file in place). */
static int manifest_invariants(const cari_manifest *m, const char *path,
                               cari_error *err)
{
    size_t i, j;
    for (i = 0; i < m->n; i++) {
        const cari_manifest_entry *e = &m->entries[i];
        for (j = 0; j < i; j++)
            if (m->entries[j].number == e->number)
                return cari_set_error(err, CARI_ECORRUPT, "%s: segment %u "
                                      "is listed twice", path, e->number);
        if (e->deletes_gen > m->generation)
            return cari_set_error(err, CARI_ECORRUPT, "%s: segment %u: "
                                  "deletions of generation %u, after the "
                                  "index's generation %" PRIu64,
                                  path, e->number, e->deletes_gen,
                                  m->generation);
        if (!e->deletes_gen && e->ndeleted)
            return cari_set_error(err, CARI_ECORRUPT, "%s: segment %u: %u "
                                  "deleted articles and no deletion file",
                                  path, e->number, e->ndeleted);
        if (e->articles == 0)
            return cari_set_error(err, CARI_ECORRUPT, "%s: segment %u has no "
                                  "articles", path, e->number);
    }
    return CARI_OK;
}

/* The segment and deletion files in dir (the name of the first one found
 * into first): 0 when there is none or dir cannot be read; *oom set when
 * it cannot be read for lack of memory (then it may hold some). */
static size_t segment_files_in(const char *dir, char *first, size_t cap,
                               int *oom)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    size_t n = 0;
    uint32_t num, gen;
    char tail[8];
    *oom = !d && errno == ENOMEM;
    if (!d)
        return 0;
    while ((de = readdir(d)) != NULL) {
        if ((sscanf(de->d_name, "seg-%" SCNu32 ".cari%1s", &num, tail) == 1 &&
             strstr(de->d_name, ".cari") != NULL) ||
            sscanf(de->d_name, "seg-%" SCNu32 ".del-%" SCNu32 "%1s", &num,
                   &gen, tail) == 2) {
            if (n++ == 0)
                snprintf(first, cap, "%s", de->d_name);
        }
    }
    closedir(d);
    return n;
}

static int manifest_read_file(const char *dir, const char *path,
                              cari_manifest *m, cari_error *err);

/* A directory with no MANIFEST is no index, unless it holds segment or
 * deletion files: a writer writes an empty MANIFEST before its first
 * segment file and never removes MANIFEST (only renames a new one over
 * it), so those files mean that MANIFEST was lost, and with it the list
 * of the index's segments (found by review: the next writer took them for
 * the leftovers of a killed first run and removed them).  A MANIFEST that
 * appears while the directory is read was created under us: read it. */
int cari_manifest_read(const char *dir, cari_manifest *m, cari_error *err)
{
    char path[4096], first[256], more[32];
    size_t nfiles;
    int rc, tries, oom;
    memset(m, 0, sizeof *m);
    if (cari_path_join(path, sizeof path, dir, "MANIFEST"))
        return cari_set_error(err, CARI_EINVAL, "index path too long");
    /* a file where the index should be: said of the path, not of the
     * MANIFEST that cannot be in it */
    if ((rc = cari_index_dir_check(dir, err)))
        return rc;
    for (tries = 0;; tries++) {
        rc = manifest_read_file(dir, path, m, err);
        if (rc != CARI_ENOTFOUND)
            return rc;
        nfiles = segment_files_in(dir, first, sizeof first, &oom);
        if (oom)  /* not "no index": segment files may be there */
            return cari_set_error(err, CARI_ENOMEM, "%s: no MANIFEST, and "
                                  "out of memory listing the directory",
                                  dir);
        if (nfiles == 0)
            return rc;
        if (tries == 0 && access(path, F_OK) == 0)
            continue;
        snprintf(more, sizeof more, " and %zu more", nfiles - 1);
        return cari_set_error(err, CARI_ECORRUPT,
                              "%s: missing but segment files present "
                              "(%s%s): the list of the index's segments is "
                              "lost; restore MANIFEST from a copy, or move "
                              "the seg-* files away to start a new index",
                              path, first, nfiles > 1 ? more : "");
    }
}

static int manifest_read_file(const char *dir, const char *path,
                              cari_manifest *m, cari_error *err)
{
    char *data, *line, *next, *cs;
    size_t len, tail;
    unsigned seen = 0;
    int rc, version = 0;
    unsigned long crc;
    memset(m, 0, sizeof *m);
    rc = read_small_file(path, &data, &len, err);
    if (rc == CARI_ENOTFOUND)
        return cari_set_error(err, CARI_ENOTFOUND,
                              "%s: no index here (no MANIFEST)", dir);
    if (rc)
        return rc;
    cs = strstr(data, "\nchecksum ");
    /* the checksum line is the last: bytes after it (found by review:
     * appended lines were ignored, and --check passed) are damage; only
     * its final newline may be missing */
    tail = cs ? len - (size_t)(cs + 10 - data) : 0;
    if (cs && strspn(cs + 10, "0123456789abcdefABCDEF") >= 8 &&
        (tail > 9 || (tail == 9 && cs[18] != '\n'))) {
        free(data);
        return cari_set_error(err, CARI_ECORRUPT,
                              "%s: data after the checksum line (damaged "
                              "manifest)", path);
    }
    if (!cs || tail < 8 || strspn(cs + 10, "0123456789abcdefABCDEF") != 8 ||
        sscanf(cs + 10, "%8lx", &crc) != 1 ||
        cari_crc32(data, (size_t)(cs + 1 - data)) != (uint32_t)crc) {
        free(data);
        return cari_set_error(err, CARI_ECORRUPT,
                              "%s: checksum mismatch (damaged manifest)",
                              path);
    }
    cs[1] = '\0';
    rc = CARI_OK;
    /* each line as the writer makes it: no empty lines, no line twice but
     * segment lines, numbers of digits alone and nothing after them */
    for (line = data; *line && !rc; line = next) {
        char *nl = strchr(line, '\n');  /* every line ends in one */
        uint64_t v[5];
        unsigned kind = 0;
        *nl = '\0';
        next = nl + 1;
        if (strncmp(line, "cari-index ", 11) == 0 &&
            manifest_numbers(line + 11, v, 1, INT_MAX) == 0) {
            kind = 1;
            version = (int)v[0];
        } else if (strncmp(line, "generation ", 11) == 0 &&
                   manifest_numbers(line + 11, v, 1, UINT64_MAX) == 0) {
            kind = 2;
            m->generation = v[0];
        } else if (strncmp(line, "next-segment ", 13) == 0 &&
                   manifest_numbers(line + 13, v, 1, UINT32_MAX) == 0) {
            kind = 4;
            m->next_segment = (uint32_t)v[0];
        } else if (strncmp(line, "analyzer ", 9) == 0) {
            kind = 8;
            snprintf(m->analyzer, sizeof m->analyzer, "%s", line + 9);
        } else if (strncmp(line, "segment ", 8) == 0 &&
                   manifest_numbers(line + 8, v, 5, UINT32_MAX) == 0) {
            cari_manifest_entry e;
            e.number = (uint32_t)v[0];
            e.articles = (uint32_t)v[1];
            e.passages = (uint32_t)v[2];
            e.deletes_gen = (uint32_t)v[3];
            e.ndeleted = (uint32_t)v[4];
            if (e.number >= m->next_segment || e.ndeleted > e.articles)
                rc = cari_set_error(err, CARI_ECORRUPT,
                                    "%s: bad segment line", path);
            else if (cari_manifest_push(m, &e))
                rc = cari_set_error(err, CARI_ENOMEM, "out of memory");
            continue;
        } else {
            rc = cari_set_error(err, CARI_ECORRUPT, "%s: unknown line '%.40s'",
                                path, line);
            break;
        }
        if (seen & kind)
            rc = cari_set_error(err, CARI_ECORRUPT, "%s: line '%.40s' "
                                "given twice", path, line);
        else if (kind == 1 && version != MANIFEST_VERSION)
            rc = cari_set_error(err, CARI_EVERSION,
                                "%s: index format %d, this cari reads %d; "
                                "rebuild the index (delete its directory, "
                                "then run cari-index again)",
                                path, version, MANIFEST_VERSION);
        seen |= kind;
    }
    free(data);
    if (!rc && version == 0)
        rc = cari_set_error(err, CARI_ECORRUPT, "%s: no format line", path);
    if (!rc)
        rc = manifest_invariants(m, path, err);
    if (rc)
        cari_manifest_free(m);
    return rc;
}

int cari_manifest_write(const char *dir, const cari_manifest *m, int sync,
                          cari_error *err)
{
    cari_buf b = {0};
    char line[512], tmp[4096], path[4096];
    size_t i;
    int fd, rc = 0, n;
    n = snprintf(line, sizeof line,
                 "cari-index %d\ngeneration %" PRIu64 "\nnext-segment %" PRIu32
                 "\nanalyzer %s\n",
                 MANIFEST_VERSION, m->generation, m->next_segment,
                 m->analyzer);
    rc |= cari_buf_append(&b, line, (size_t)n);
    for (i = 0; i < m->n; i++) {
        const cari_manifest_entry *e = &m->entries[i];
        n = snprintf(line, sizeof line,
                     "segment %" PRIu32 " %" PRIu32 " %" PRIu32 " %" PRIu32
                     " %" PRIu32 "\n",
                     e->number, e->articles, e->passages, e->deletes_gen,
                     e->ndeleted);
        rc |= cari_buf_append(&b, line, (size_t)n);
    }
    n = snprintf(line, sizeof line, "checksum %08x\n",
                 (unsigned)cari_crc32(b.data, b.len));
    rc |= cari_buf_append(&b, line, (size_t)n);
    if (rc) {
        cari_buf_free(&b);
        return cari_set_error(err, CARI_ENOMEM, "out of memory");
    }
    if (cari_path_join(tmp, sizeof tmp, dir, "MANIFEST.tmp") ||
        cari_path_join(path, sizeof path, dir, "MANIFEST")) {
        cari_buf_free(&b);
        return cari_set_error(err, CARI_EINVAL, "index path too long");
    }
    fd = cari_io_open_write(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                            0644);
    if (fd < 0) {
        cari_buf_free(&b);
        return cari_io_error(err, tmp, "create");
    }
    rc = cari_write_all(fd, b.data, b.len, tmp, err);
    cari_buf_free(&b);
    if (!rc && sync && cari_io_fsync(fd) != 0)
        rc = cari_io_error(err, tmp, "fsync");
    if (close(fd) != 0 && !rc)
        rc = cari_io_error(err, tmp, "close");
    if (!rc && cari_io_rename(tmp, path) != 0)
        rc = cari_io_error(err, path, "rename");
    if (rc)
        cari_io_unlink(tmp);
    return rc;
}

void cari_segment_file_name(char *out, size_t cap, uint32_t number)
{
    snprintf(out, cap, "seg-%06" PRIu32 ".cari", number);
}

void cari_deletes_file_name(char *out, size_t cap, uint32_t number, uint32_t gen)
{
    snprintf(out, cap, "seg-%06" PRIu32 ".del-%06" PRIu32, number, gen);
}

int cari_index_file_named(const cari_manifest *m, const char *name)
{
    uint32_t num, gen;
    char tail[8];
    size_t i;
    int is_seg, is_del;
    is_seg = sscanf(name, "seg-%" SCNu32 ".cari%1s", &num, tail) == 1 &&
             strstr(name, ".cari") != NULL;
    is_del = sscanf(name, "seg-%" SCNu32 ".del-%" SCNu32 "%1s", &num, &gen,
                    tail) == 2;
    /* a merge's temporary files are unlinked as soon as they are made
     * (segment.c); one left by a crash in between is never named */
    if (sscanf(name, "seg-%" SCNu32 ".tmp-%" SCNu32 "%1s", &num, &gen, tail) == 2)
        return 0;
    if (!is_seg && !is_del)
        return strcmp(name, "MANIFEST.tmp") == 0 ? 0 : -1;
    for (i = 0; i < m->n; i++)
        if (m->entries[i].number == num &&
            (is_seg || m->entries[i].deletes_gen == gen))
            return 1;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Deletion files                                                      */
/* ------------------------------------------------------------------ */

int cari_deletes_read(const char *path, uint32_t articles,
                        unsigned char **out, cari_error *err)
{
    char *data;
    size_t len, bytes = ((size_t)articles + 7) / 8;
    int rc = read_small_file(path, &data, &len, err);
    *out = NULL;
    if (rc)
        return rc == CARI_ENOTFOUND ? CARI_ENOTFOUND : rc;
    if (len != 16 + bytes + 4 || memcmp(data, "CARIDEL", 8) != 0 ||
        cari_get_u32((unsigned char *)data + 8) != 1 ||
        cari_get_u32((unsigned char *)data + 12) != articles ||
        cari_crc32((unsigned char *)data, 16 + bytes) !=
            cari_get_u32((unsigned char *)data + 16 + bytes)) {
        free(data);
        return cari_set_error(err, CARI_ECORRUPT,
                              "%s: damaged deletion file", path);
    }
    *out = malloc(bytes ? bytes : 1);
    if (!*out) {
        free(data);
        return cari_set_error(err, CARI_ENOMEM, "out of memory");
    }
    memcpy(*out, data + 16, bytes);
    free(data);
    return CARI_OK;
}

int cari_deletes_write(const char *path, const unsigned char *bitmap,
                         uint32_t articles, int sync, cari_error *err)
{
    size_t bytes = ((size_t)articles + 7) / 8;
    unsigned char *buf = malloc(16 + bytes + 4);
    int fd, rc;
    if (!buf)
        return cari_set_error(err, CARI_ENOMEM, "out of memory");
    memcpy(buf, "CARIDEL", 8);
    cari_put_u32(buf + 8, 1);
    cari_put_u32(buf + 12, articles);
    memcpy(buf + 16, bitmap, bytes);
    cari_put_u32(buf + 16 + bytes, cari_crc32(buf, 16 + bytes));
    fd = cari_io_open_write(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                            0644);
    if (fd < 0) {
        free(buf);
        return cari_io_error(err, path, "create");
    }
    rc = cari_write_all(fd, buf, 16 + bytes + 4, path, err);
    free(buf);
    if (!rc && sync && cari_io_fsync(fd) != 0)
        rc = cari_io_error(err, path, "fsync");
    if (close(fd) != 0 && !rc)
        rc = cari_io_error(err, path, "close");
    return rc;
}

uint32_t cari_count_bits(const unsigned char *bitmap, uint32_t n)
{
    uint32_t c = 0, i;
    if (!bitmap)
        return 0;
    for (i = 0; i < n; i++)
        c += bitmap[i >> 3] >> (i & 7) & 1;
    return c;
}

/* Open the files a manifest names into segs (n = m->n). */
int cari_open_segments(const char *dir, const cari_manifest *m,
                       cari_segment *const *have, cari_live_segment *segs,
                       cari_error *err)
{
    size_t i;
    for (i = 0; i < m->n; i++) {
        const cari_manifest_entry *e = &m->entries[i];
        char name[64], path[4096];
        int rc;
        cari_segment_file_name(name, sizeof name, e->number);
        if (cari_path_join(path, sizeof path, dir, name))
            return cari_set_error(err, CARI_EINVAL, "index path too long");
        segs[i].number = e->number;
        segs[i].deletes_gen = e->deletes_gen;
        if (have && have[i]) {
            segs[i].seg = have[i];
        } else {
            rc = cari_segment_open(path, &segs[i].seg, err);
            if (rc)
                return rc;
        }
        if (cari_segment_articles(segs[i].seg) != e->articles ||
            cari_segment_passages(segs[i].seg) != e->passages)
            return cari_set_error(err, CARI_ECORRUPT,
                                  "%s: does not match the manifest", path);
        if (e->deletes_gen) {
            cari_deletes_file_name(name, sizeof name, e->number, e->deletes_gen);
            if (cari_path_join(path, sizeof path, dir, name))
                return cari_set_error(err, CARI_EINVAL,
                                      "index path too long");
            rc = cari_deletes_read(path, e->articles, &segs[i].deleted, err);
            if (rc == CARI_ENOTFOUND)
                return cari_set_error(err, CARI_ENOTFOUND,
                                      "%s: missing", path);
            if (rc)
                return rc;
            segs[i].ndeleted = cari_count_bits(segs[i].deleted, e->articles);
            if (segs[i].ndeleted != e->ndeleted)
                return cari_set_error(err, CARI_ECORRUPT,
                                      "%s: does not match the manifest", path);
        }
    }
    return CARI_OK;
}

/* A file MANIFEST names is missing: the index is damaged (err holds the
 * file's name from cari_open_segments, as "PATH: why"). */
int cari_missing_file(cari_error *err, const char *dir)
{
    char detail[sizeof err->message];
    char *colon;
    (void)dir;
    snprintf(detail, sizeof detail, "%s", err ? err->message : "");
    colon = strstr(detail, ": ");
    if (colon)
        *colon = '\0';
    return cari_set_error(err, CARI_ECORRUPT,
                          "%s: missing (MANIFEST names it)", detail);
}

int cari_index_damaged(cari_index *ix, size_t i, const char *what)
{
    snprintf(ix->errmsg, sizeof ix->errmsg, "%s/seg-%06" PRIu32 ".cari: %s",
             ix->dir, i < ix->nsegs ? ix->segs[i].number : 0, what);
    return CARI_ECORRUPT;
}

void cari_close_segments(cari_live_segment *segs, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        cari_segment_close(segs[i].seg);
        free(segs[i].deleted);
    }
    free(segs);
}

/* ------------------------------------------------------------------ */
/* Reading                                                             */
/* ------------------------------------------------------------------ */

int cari_check_analyzer(const char *dir, const cari_manifest *m,
                          const cari_analyzer *an, cari_error *err)
{
    if (strcmp(m->analyzer, cari_analyzer_signature(an)) != 0)
        return cari_set_error(
            err, CARI_EVERSION,
            "%s: index was built with another analyzer (%s); this cari uses "
            "%s; rebuild the index (delete the directory %s, then run "
            "cari-index again)",
            dir, m->analyzer, cari_analyzer_signature(an), dir);
    return CARI_OK;
}

int cari_index_open(const char *dir, cari_index **out, cari_error *err)
{
    cari_index *ix;
    cari_manifest m;
    int rc = CARI_OK, attempt, stale = 0;
    uint64_t last_generation = UINT64_MAX;
    size_t i;
    if (!out)
        return cari_set_error(err, CARI_EINVAL, "no handle to open into");
    *out = NULL;
    if (!dir)
        return cari_set_error(err, CARI_EINVAL, "no index directory given");
    ix = calloc(1, sizeof *ix);
    if (!ix || !(ix->dir = strdup(dir))) {
        free(ix);
        return cari_set_error(err, CARI_ENOMEM, "out of memory");
    }
    rc = cari_analyzer_new(&ix->analyzer, err);
    if (rc) {
        cari_index_close(ix);
        return rc;
    }
    /* tcp://HOST:PORT: one index a xapian-tcpsrv serves, searched as the
     * one index it is (no shard set check: that is for the shards given
     * to cari_index_open_shards) */
    if (strncmp(dir, "tcp://", 6) == 0 || cari_xapian_is_index(dir)) {
        rc = cari_xapian_index_open(&dir, 1, 0, ix->analyzer, &ix->xapian,
                                    err);
        if (rc) {
            cari_index_close(ix);
            return rc;
        }
        *out = ix;
        return CARI_OK;
    }
    for (attempt = 0; attempt < OPEN_ATTEMPTS; attempt++) {
        rc = cari_manifest_read(dir, &m, err);
        if (rc)
            break;
        rc = cari_check_analyzer(dir, &m, ix->analyzer, err);
        if (rc) {
            cari_manifest_free(&m);
            break;
        }
        ix->segs = calloc(m.n ? m.n : 1, sizeof *ix->segs);
        if (!ix->segs) {
            cari_manifest_free(&m);
            rc = cari_set_error(err, CARI_ENOMEM, "out of memory");
            break;
        }
        ix->nsegs = m.n;
        rc = cari_open_segments(dir, &m, NULL, ix->segs, err);
        ix->generation = m.generation;
        cari_manifest_free(&m);
        if (rc != CARI_ENOTFOUND)
            break;
        /* a newer commit removed a file under us: read MANIFEST again */
        cari_close_segments(ix->segs, ix->nsegs);
        ix->segs = NULL;
        ix->nsegs = 0;
        stale = ix->generation == last_generation ? stale + 1 : 0;
        last_generation = ix->generation;
        if (stale + 1 >= OPEN_RETRIES)
            break;
    }
    if (rc == CARI_ENOTFOUND && (attempt == OPEN_ATTEMPTS ||
                                 stale + 1 >= OPEN_RETRIES))
        rc = cari_missing_file(err, dir); /* MANIFEST is there, a file it names
                                        stays missing */
    if (rc) {
        cari_index_close(ix);
        return rc;
    }
    for (i = 0; i < ix->nsegs; i++) {
        const cari_segment *s = ix->segs[i].seg;
        uint32_t a, live_p = 0;
        for (a = 0; a < cari_segment_articles(s); a++)
            if (!cari_is_deleted(&ix->segs[i], a))
                live_p += cari_segment_passage_count(s, a);
        ix->articles += cari_segment_articles(s) - ix->segs[i].ndeleted;
        ix->deleted += ix->segs[i].ndeleted;
        ix->passages += live_p;
        ix->stat_passages += cari_segment_passages(s);
        ix->stat_articles += cari_segment_articles(s);
        ix->total_len[CARI_FIELD_BODY] +=
            cari_segment_total_len(s, CARI_FIELD_BODY);
        ix->total_len[CARI_FIELD_TITLE] +=
            cari_segment_total_len(s, CARI_FIELD_TITLE);
        ix->bytes += cari_segment_file_size(s);
        ix->terms += cari_segment_terms(s);
    }
    *out = ix;
    return CARI_OK;
}

int cari_index_open_shards(const char *const *locations, size_t n,
                           unsigned flags, cari_index **out, cari_error *err)
{
    cari_index *ix;
    size_t i;
    int rc;
    if (!out)
        return cari_set_error(err, CARI_EINVAL, "no handle to open into");
    *out = NULL;
    if (!locations || n == 0)
        return cari_set_error(err, CARI_EINVAL, "no index given");
    for (i = 0; i < n; i++)
        if (!locations[i])
            return cari_set_error(err, CARI_EINVAL, "no index given");
    if (n == 1 && strncmp(locations[0], "tcp://", 6) != 0 &&
        !cari_xapian_is_index(locations[0]))
        return cari_index_open(locations[0], out, err);
    ix = calloc(1, sizeof *ix);
    if (!ix || !(ix->dir = strdup(locations[0]))) {
        free(ix);
        return cari_set_error(err, CARI_ENOMEM, "out of memory");
    }
    rc = cari_analyzer_new(&ix->analyzer, err);
    if (!rc)
        /* the shards given must be one set by their records: a shard
         * twice, or another set's, would count articles twice, and a set
         * not all given would answer for part of its collection */
        rc = cari_xapian_index_open(locations, n,
                                    flags | CARI_XAPIAN_CHECK_SET,
                                    ix->analyzer, &ix->xapian, err);
    if (rc) {
        if (rc == CARI_EUNSUPPORTED && cari_xapian_available())
            cari_set_error(err, rc, "searching several indexes as one needs "
                           "the Xapian backend (cari-index --backend xapian)");
        cari_index_close(ix);
        return rc;
    }
    /* the places of the set not given come after the given shards */
    n = cari_xapian_index_shard_count(ix->xapian);
    for (i = 0; i < n && !ix->errmsg[0]; i++) {
        const char *why;
        cari_xapian_index_shard(ix->xapian, i, &why);
        if (why)  /* a partial open: say which shard was left out */
            snprintf(ix->errmsg, sizeof ix->errmsg, "left out: %s", why);
    }
    *out = ix;
    return CARI_OK;
}

const char *cari_index_backend(const cari_index *ix)
{
    return ix && ix->xapian ? "xapian" : "native";
}

int cari_backend_available(const char *backend)
{
    if (!backend)
        return 0;
    if (strcmp(backend, "native") == 0)
        return 1;
    return strcmp(backend, "xapian") == 0 && cari_xapian_available();
}

size_t cari_shard_of(const char *id, size_t id_len, size_t nshards)
{
    return nshards ? (size_t)(cari_fnv1a64(id, id_len) % nshards) : 0;
}

/* 1 when path exists (as anything: a file where a shard belongs is not
 * a free place for one either). */
static int path_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 || errno != ENOENT;
}

/* BASE.k as cari-index --shards names it (base without its trailing
 * slashes: "ix/" makes ix.0). */
static void shard_path(char *out, size_t cap, const char *base, size_t bl,
                       size_t k)
{
    snprintf(out, cap, "%.*s.%zu", (int)bl, base, k);
}

/* Why a count other than the set's own is refused, for every message. */
#define OTHER_COUNT "with another count an article would go to another " \
                    "shard than its earlier copy, which would stay"

/* The set at base[0..bl) is of rn shards, not n, as shard `path`
 * records (shard rk of rn). */
static int recorded_other_count(cari_error *err, const char *base,
                                size_t bl, size_t n, const char *path,
                                size_t rk, size_t rn)
{
    return cari_set_error(err, CARI_EINVAL,
                          "the shard set %.*s has %zu shards, not %zu (%s "
                          "records shard %zu of %zu): " OTHER_COUNT "; give "
                          "--shards %zu, or another -i for a new set",
                          (int)bl, base, rn, n, path, rk, rn, rn);
}

int cari_shards_check(const char *base, size_t n, cari_error *err)
{
    char path[4096], other[4096];
    size_t bl, k, rk, rn, m, recorded = 0, recorder = 0;
    size_t first_missing = SIZE_MAX, first_present = SIZE_MAX;
    if (!base || !*base || n == 0 || n > CARI_MAX_SET_SHARDS)
        return cari_set_error(err, CARI_EINVAL, "no shard set given");
    bl = strlen(base);
    while (bl > 1 && base[bl - 1] == '/')
        bl--;
    if (bl + 32 > sizeof path)
        return cari_set_error(err, CARI_EINVAL, "index path too long");
    for (k = 0; k < n; k++) {
        shard_path(path, sizeof path, base, bl, k);
        if (!path_exists(path)) {
            if (first_missing == SIZE_MAX)
                first_missing = k;
            continue;
        }
        if (first_present == SIZE_MAX)
            first_present = k;
        /* a shard that cannot be read is the run's to report, by name
         * (cari-index --check does); only a record read says no */
        if (cari_xapian_shard_record(path, &rk, &rn, NULL) || !rn)
            continue;
        if (rn != n)
            return recorded_other_count(err, base, bl, n, path, rk, rn);
        if (rk != k)
            return cari_set_error(err, CARI_EINVAL,
                                  "%s records that it is shard %zu of %zu, "
                                  "not shard %zu: were the shards renamed?",
                                  path, rk, rn, k);
        recorded = rn;
        recorder = k;
    }
    /* BASE.N there: a shard of a larger set */
    shard_path(path, sizeof path, base, bl, n);
    if (path_exists(path)) {
        if (cari_xapian_shard_record(path, &rk, &rn, NULL) == CARI_OK &&
            rn > n)
            return recorded_other_count(err, base, bl, n, path, rk, rn);
        /* made before the record was kept: count the shards there */
        for (m = n + 1; m < CARI_MAX_SET_SHARDS; m++) {
            shard_path(other, sizeof other, base, bl, m);
            if (!path_exists(other))
                break;
        }
        shard_path(other, sizeof other, base, bl, m - 1);
        if (first_present == 0 && first_missing == SIZE_MAX)
            return cari_set_error(err, CARI_EINVAL,
                                  "the shard set %.*s has %zu shards, not "
                                  "%zu (%.*s.0 ... %s are there): "
                                  OTHER_COUNT "; give --shards %zu, or "
                                  "another -i for a new set", (int)bl, base,
                                  m, n, (int)bl, base, other, m);
        return cari_set_error(err, CARI_EINVAL,
                              "the shard set %.*s is not one of %zu shards "
                              "(%s is there): " OTHER_COUNT "; give its own "
                              "count with --shards, or another -i for a new "
                              "set", (int)bl, base, n, path);
    }
    if (first_present == SIZE_MAX || first_missing == SIZE_MAX)
        return CARI_OK;  /* a new set, or all of it */
    shard_path(path, sizeof path, base, bl, first_missing);
    if (recorded) {
        shard_path(other, sizeof other, base, bl, recorder);
        return cari_set_error(err, CARI_ENOTFOUND,
                              "%s is missing from the shard set %.*s of %zu "
                              "shards (%s records %zu): a new one would hold "
                              "its articles beside their copies in the "
                              "missing one; restore it", path, (int)bl, base,
                              recorded, other, recorded);
    }
    if (first_present == 0) {
        /* made before the record was kept: BASE.0 ... BASE.M-1 (M < N) */
        for (k = first_missing; k < n; k++) {
            shard_path(other, sizeof other, base, bl, k);
            if (path_exists(other))
                break;
        }
        if (k == n) {
            shard_path(other, sizeof other, base, bl, first_missing - 1);
            return cari_set_error(err, CARI_EINVAL,
                                  "the shard set %.*s has %zu shard%s, not "
                                  "%zu (%.*s.0 ... %s are there, %s is not): "
                                  OTHER_COUNT "; give --shards %zu, or "
                                  "another -i for a new set", (int)bl, base,
                                  first_missing,
                                  first_missing == 1 ? "" : "s", n, (int)bl,
                                  base, other, path, first_missing);
        }
    }
    shard_path(other, sizeof other, base, bl, first_present);
    return cari_set_error(err, CARI_ENOTFOUND,
                          "%s is missing from the shard set %.*s (%s is "
                          "there): restore it, or give the set's own count "
                          "with --shards", path, (int)bl, base, other);
}

size_t cari_index_shard_count(const cari_index *ix)
{
    if (!ix)
        return 0;
    return ix->xapian ? cari_xapian_index_shard_count(ix->xapian) : 1;
}

const char *cari_index_shard(const cari_index *ix, size_t i,
                             const char **left_out)
{
    if (left_out)
        *left_out = NULL;
    if (ix && ix->xapian)
        return cari_xapian_index_shard(ix->xapian, i, left_out);
    return ix && i == 0 ? ix->dir : NULL;
}

void cari_index_close(cari_index *ix)
{
    if (!ix)
        return;
    cari_xapian_index_close(ix->xapian);
    cari_filter_cache_free(ix);
    cari_search_scratch_free(ix);
    cari_close_segments(ix->segs, ix->nsegs);
    cari_analyzer_free(ix->analyzer);
    free(ix->dir);
    free(ix);
}

const char *cari_index_errmsg(const cari_index *ix)
{
    return ix ? ix->errmsg : "";
}

void cari_index_get_stats(const cari_index *ix, cari_index_stats *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof *out);
    if (!ix)
        return;
    if (ix->xapian) {
        cari_xapian_index_stats(ix->xapian, out);
        return;
    }
    out->articles = ix->articles;
    out->passages = ix->passages;
    out->deleted = ix->deleted;
    out->segments = ix->nsegs;
    out->terms = ix->terms;
    out->bytes = ix->bytes;
    out->generation = ix->generation;
}

/* ------------------------------------------------------------------ */
/* What the index is (cari-search --stats)                             */
/* ------------------------------------------------------------------ */

const char *cari_index_analyzer(const cari_index *ix)
{
    return ix ? cari_analyzer_signature(ix->analyzer) : "";
}

void cari_index_format_version(const cari_index *ix, int *manifest_version,
                               int *segment_version)
{
    int native = ix && !ix->xapian;
    if (manifest_version)
        *manifest_version = native ? MANIFEST_VERSION : 0;
    if (segment_version)
        *segment_version = native ? cari_segment_format_version() : 0;
}
