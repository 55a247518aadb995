/*
 * index.c -- the index directory: manifest, writer lock, commits,
 * deletions, and opening an index for reading.
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
 *
 * A commit writes new segment and deletion files, fsyncs them, writes
 * MANIFEST.tmp, fsyncs it, renames it over MANIFEST and fsyncs the
 * directory.  A crash at any point leaves the old MANIFEST, which names only
 * files that still exist; files no manifest names are removed by the next
 * writer.  Readers open MANIFEST and then its files; if a file vanished
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "index_internal.h"
#include "utf8.h"
#include "util.h"
#include "xapian_backend.h"

#define MANIFEST_VERSION 1
#define OPEN_RETRIES 5

/* ------------------------------------------------------------------ */
/* Manifest                                                            */
/* ------------------------------------------------------------------ */

typedef struct manifest_entry {
    uint32_t number, articles, passages, deletes_gen, ndeleted;
} manifest_entry;

typedef struct manifest {
    uint64_t generation;
    uint32_t next_segment;
    char analyzer[256];
    manifest_entry *entries;
    size_t n, cap;
} manifest;

static void manifest_free(manifest *m)
{
    free(m->entries);
    memset(m, 0, sizeof *m);
}

static int manifest_push(manifest *m, const manifest_entry *e)
{
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 8;
        manifest_entry *p = realloc(m->entries, cap * sizeof *p);
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
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    char *buf;
    size_t n = 0;
    *out = NULL;
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
        ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);
        if (r < 0 && errno == EINTR)
            continue;
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

static int manifest_read(const char *dir, manifest *m, cari_error *err)
{
    char path[4096], *data, *line, *save = NULL, *cs;
    size_t len;
    int rc, version = 0;
    unsigned long crc;
    memset(m, 0, sizeof *m);
    if (cari_path_join(path, sizeof path, dir, "MANIFEST"))
        return cari_set_error(err, CARI_EINVAL, "index path too long");
    rc = read_small_file(path, &data, &len, err);
    if (rc == CARI_ENOTFOUND)
        return cari_set_error(err, CARI_ENOTFOUND,
                              "%s: no index here (no MANIFEST)", dir);
    if (rc)
        return rc;
    cs = strstr(data, "\nchecksum ");
    if (!cs || sscanf(cs + 10, "%8lx", &crc) != 1 ||
        (uint32_t)crc32_z(0, (const unsigned char *)data,
                          (size_t)(cs + 1 - data)) != (uint32_t)crc) {
        free(data);
        return cari_set_error(err, CARI_ECORRUPT,
                              "%s: checksum mismatch (damaged manifest)",
                              path);
    }
    cs[1] = '\0';
    rc = CARI_OK;
    for (line = strtok_r(data, "\n", &save); line && !rc;
         line = strtok_r(NULL, "\n", &save)) {
        manifest_entry e;
        if (sscanf(line, "cari-index %d", &version) == 1) {
            if (version != MANIFEST_VERSION)
                rc = cari_set_error(err, CARI_EVERSION,
                                    "%s: index format %d, this cari reads %d; "
                                    "rebuild the index",
                                    path, version, MANIFEST_VERSION);
        } else if (sscanf(line, "generation %" SCNu64, &m->generation) == 1) {
        } else if (sscanf(line, "next-segment %" SCNu32, &m->next_segment) ==
                   1) {
        } else if (strncmp(line, "analyzer ", 9) == 0) {
            snprintf(m->analyzer, sizeof m->analyzer, "%s", line + 9);
        } else if (sscanf(line, "segment %" SCNu32 " %" SCNu32 " %" SCNu32
                                " %" SCNu32 " %" SCNu32,
                          &e.number, &e.articles, &e.passages, &e.deletes_gen,
                          &e.ndeleted) == 5) {
            if (e.number >= m->next_segment || e.ndeleted > e.articles)
                rc = cari_set_error(err, CARI_ECORRUPT,
                                    "%s: bad segment line", path);
            else if (manifest_push(m, &e))
                rc = cari_set_error(err, CARI_ENOMEM, "out of memory");
        } else {
            rc = cari_set_error(err, CARI_ECORRUPT, "%s: unknown line '%.40s'",
                                path, line);
        }
    }
    free(data);
    if (!rc && version == 0)
        rc = cari_set_error(err, CARI_ECORRUPT, "%s: no format line", path);
    if (rc)
        manifest_free(m);
    return rc;
}

static int manifest_write(const char *dir, const manifest *m, int sync,
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
        const manifest_entry *e = &m->entries[i];
        n = snprintf(line, sizeof line,
                     "segment %" PRIu32 " %" PRIu32 " %" PRIu32 " %" PRIu32
                     " %" PRIu32 "\n",
                     e->number, e->articles, e->passages, e->deletes_gen,
                     e->ndeleted);
        rc |= cari_buf_append(&b, line, (size_t)n);
    }
    n = snprintf(line, sizeof line, "checksum %08x\n",
                 (unsigned)crc32_z(0, b.data, b.len));
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
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        cari_buf_free(&b);
        return cari_set_error(err, CARI_EIO, "%s: cannot create: %s", tmp,
                              strerror(errno));
    }
    rc = cari_write_all(fd, b.data, b.len, tmp, err);
    cari_buf_free(&b);
    if (!rc && sync && fsync(fd) != 0)
        rc = cari_set_error(err, CARI_EIO, "%s: fsync failed: %s", tmp,
                            strerror(errno));
    if (close(fd) != 0 && !rc)
        rc = cari_set_error(err, CARI_EIO, "%s: close failed: %s", tmp,
                            strerror(errno));
    if (!rc && rename(tmp, path) != 0)
        rc = cari_set_error(err, CARI_EIO, "%s: rename failed: %s", path,
                            strerror(errno));
    if (rc) {
        unlink(tmp);
        return rc;
    }
    return sync ? cari_fsync_dir(dir, err) : CARI_OK;
}

static void segment_name(char *out, size_t cap, uint32_t number)
{
    snprintf(out, cap, "seg-%06" PRIu32 ".cari", number);
}

static void deletes_name(char *out, size_t cap, uint32_t number, uint32_t gen)
{
    snprintf(out, cap, "seg-%06" PRIu32 ".del-%06" PRIu32, number, gen);
}

/* ------------------------------------------------------------------ */
/* Deletion files                                                      */
/* ------------------------------------------------------------------ */

static int deletes_read(const char *path, uint32_t articles,
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
        (uint32_t)crc32_z(0, (unsigned char *)data, 16 + bytes) !=
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

static int deletes_write(const char *path, const unsigned char *bitmap,
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
    cari_put_u32(buf + 16 + bytes, (uint32_t)crc32_z(0, buf, 16 + bytes));
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        free(buf);
        return cari_set_error(err, CARI_EIO, "%s: cannot create: %s", path,
                              strerror(errno));
    }
    rc = cari_write_all(fd, buf, 16 + bytes + 4, path, err);
    free(buf);
    if (!rc && sync && fsync(fd) != 0)
        rc = cari_set_error(err, CARI_EIO, "%s: fsync failed: %s", path,
                            strerror(errno));
    if (close(fd) != 0 && !rc)
        rc = cari_set_error(err, CARI_EIO, "%s: close failed", path);
    return rc;
}

static uint32_t count_bits(const unsigned char *bitmap, uint32_t n)
{
    uint32_t c = 0, i;
    if (!bitmap)
        return 0;
    for (i = 0; i < n; i++)
        c += bitmap[i >> 3] >> (i & 7) & 1;
    return c;
}

/* Open the files a manifest names into segs (n = m->n). */
static int open_segments(const char *dir, const manifest *m,
                         cari_live_segment *segs, cari_error *err)
{
    size_t i;
    for (i = 0; i < m->n; i++) {
        const manifest_entry *e = &m->entries[i];
        char name[64], path[4096];
        int rc;
        segment_name(name, sizeof name, e->number);
        if (cari_path_join(path, sizeof path, dir, name))
            return cari_set_error(err, CARI_EINVAL, "index path too long");
        segs[i].number = e->number;
        segs[i].deletes_gen = e->deletes_gen;
        rc = cari_segment_open(path, &segs[i].seg, err);
        if (rc)
            return rc;
        if (cari_segment_articles(segs[i].seg) != e->articles ||
            cari_segment_passages(segs[i].seg) != e->passages)
            return cari_set_error(err, CARI_ECORRUPT,
                                  "%s: does not match the manifest", path);
        if (e->deletes_gen) {
            deletes_name(name, sizeof name, e->number, e->deletes_gen);
            if (cari_path_join(path, sizeof path, dir, name))
                return cari_set_error(err, CARI_EINVAL,
                                      "index path too long");
            rc = deletes_read(path, e->articles, &segs[i].deleted, err);
            if (rc == CARI_ENOTFOUND)
                return cari_set_error(err, CARI_ENOTFOUND,
                                      "%s: missing", path);
            if (rc)
                return rc;
            segs[i].ndeleted = count_bits(segs[i].deleted, e->articles);
            if (segs[i].ndeleted != e->ndeleted)
                return cari_set_error(err, CARI_ECORRUPT,
                                      "%s: does not match the manifest", path);
        }
    }
    return CARI_OK;
}

/* A file MANIFEST names is missing: the index is damaged (err holds the
 * file's name from open_segments). */
static int missing_file(cari_error *err, const char *dir)
{
    char detail[sizeof err->message];
    snprintf(detail, sizeof detail, "%s", err ? err->message : "");
    return cari_set_error(err, CARI_ECORRUPT,
                          "%s: damaged index, a file named by MANIFEST is "
                          "missing (%s)",
                          dir, detail);
}

static void close_segments(cari_live_segment *segs, size_t n)
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

static int check_analyzer(const char *dir, const manifest *m,
                          const cari_analyzer *an, cari_error *err)
{
    if (strcmp(m->analyzer, cari_analyzer_signature(an)) != 0)
        return cari_set_error(
            err, CARI_EVERSION,
            "%s: index was built with another analyzer (%s); this cari uses "
            "%s; rebuild the index",
            dir, m->analyzer, cari_analyzer_signature(an));
    return CARI_OK;
}

int cari_index_open(const char *dir, cari_index **out, cari_error *err)
{
    cari_index *ix;
    manifest m;
    int rc = CARI_OK, attempt;
    size_t i;
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
    if (cari_xapian_is_index(dir)) {
        rc = cari_xapian_index_open(&dir, 1, 0, ix->analyzer, &ix->xapian,
                                    err);
        if (rc) {
            cari_index_close(ix);
            return rc;
        }
        *out = ix;
        return CARI_OK;
    }
    for (attempt = 0; attempt < OPEN_RETRIES; attempt++) {
        rc = manifest_read(dir, &m, err);
        if (rc)
            break;
        rc = check_analyzer(dir, &m, ix->analyzer, err);
        if (rc) {
            manifest_free(&m);
            break;
        }
        ix->segs = calloc(m.n ? m.n : 1, sizeof *ix->segs);
        if (!ix->segs) {
            manifest_free(&m);
            rc = cari_set_error(err, CARI_ENOMEM, "out of memory");
            break;
        }
        ix->nsegs = m.n;
        rc = open_segments(dir, &m, ix->segs, err);
        ix->generation = m.generation;
        manifest_free(&m);
        if (rc != CARI_ENOTFOUND)
            break;
        /* a newer commit removed a file under us: read MANIFEST again */
        close_segments(ix->segs, ix->nsegs);
        ix->segs = NULL;
        ix->nsegs = 0;
    }
    if (rc == CARI_ENOTFOUND && attempt == OPEN_RETRIES)
        rc = missing_file(err, dir); /* MANIFEST is there, a file it names
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
    int rc;
    *out = NULL;
    if (!locations || n == 0)
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
        rc = cari_xapian_index_open(locations, n, flags, ix->analyzer,
                                    &ix->xapian, err);
    if (rc) {
        if (rc == CARI_EUNSUPPORTED && cari_xapian_available())
            cari_set_error(err, rc, "searching several indexes as one needs "
                           "the Xapian backend (cari-index --backend xapian)");
        cari_index_close(ix);
        return rc;
    }
    *out = ix;
    return CARI_OK;
}

const char *cari_index_backend(const cari_index *ix)
{
    return ix && ix->xapian ? "xapian" : "native";
}

void cari_index_close(cari_index *ix)
{
    if (!ix)
        return;
    cari_xapian_index_close(ix->xapian);
    cari_filter_cache_free(ix);
    close_segments(ix->segs, ix->nsegs);
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
/* Writing                                                             */
/* ------------------------------------------------------------------ */

/* A segment written by this writer but not yet committed. */
typedef struct pending_segment {
    uint32_t number, articles, passages;
    unsigned char *deleted;   /* bitmap, NULL if none */
} pending_segment;

/* id -> where this writer put it (pending segment index, article). */
typedef struct id_slot {
    char *id;
    uint32_t len;
    uint64_t hash;
    int32_t pending;    /* index into pending[], or -1 for the buffer */
    uint32_t article;
    int live;           /* 0: deleted again after it was added */
} id_slot;

struct cari_writer {
    char *dir;
    cari_xapian_writer *xapian;  /* the Xapian backend, or NULL */
    int lock_fd;
    cari_writer_options opts;
    cari_analyzer *analyzer;
    manifest m;                 /* the last commit */
    cari_live_segment *segs;    /* its segments, open */
    cari_segment_writer *buffer;
    unsigned char *buffer_deleted; /* bitmap over the buffer's articles */
    size_t buffer_deleted_cap;
    pending_segment *pending;
    size_t npending, pending_cap;
    id_slot *ids;               /* every id added or deleted this session */
    size_t nids, ids_cap;
    cari_passage_params pp;
    cari_writer_stats stats;
    char errmsg[512];
};

static int writer_error(cari_writer *w, int code, const char *fmt, ...)
    CARI_PRINTF(3, 4);

static int writer_error(cari_writer *w, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->errmsg, sizeof w->errmsg, fmt, ap);
    va_end(ap);
    return code;
}

static int mkdir_p(const char *dir)
{
    char tmp[4096];
    size_t i, n = strlen(dir);
    if (n >= sizeof tmp)
        return -1;
    memcpy(tmp, dir, n + 1);
    for (i = 1; i <= n; i++) {
        if (tmp[i] == '/' || tmp[i] == '\0') {
            char c = tmp[i];
            tmp[i] = '\0';
            if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
                return -1;
            tmp[i] = c;
        }
    }
    return 0;
}

static int take_lock(const char *dir, int *fd_out, cari_error *err)
{
    char path[4096], buf[32];
    int fd;
    ssize_t n;
    *fd_out = -1;
    if (cari_path_join(path, sizeof path, dir, "LOCK"))
        return cari_set_error(err, CARI_EINVAL, "index path too long");
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return cari_set_error(err, CARI_EIO, "%s: cannot open lock file: %s",
                              path, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        long pid = 0;
        n = pread(fd, buf, sizeof buf - 1, 0);
        if (n > 0) {
            buf[n] = '\0';
            pid = strtol(buf, NULL, 10);
        }
        close(fd);
        if (pid > 0)
            return cari_set_error(err, CARI_ELOCKED,
                                  "index %s is locked by pid %ld (another "
                                  "writer is running)",
                                  dir, pid);
        return cari_set_error(err, CARI_ELOCKED,
                              "index %s is locked by another writer", dir);
    }
    /* the lock is ours: a lock file left by a dead process holds no flock,
     * so it is taken over here */
    n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
        close(fd);
        return cari_set_error(err, CARI_EIO, "%s: cannot write lock file",
                              path);
    }
    *fd_out = fd;
    return CARI_OK;
}

/* Remove files that the manifest does not name (left by crashed writers or
 * superseded by the last commit). */
static void remove_unreferenced(const char *dir, const manifest *m)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    if (!d)
        return;
    while ((de = readdir(d)) != NULL) {
        uint32_t num, gen;
        char tail[8];
        size_t i;
        int keep = 0, is_seg, is_del;
        is_seg = sscanf(de->d_name, "seg-%" SCNu32 ".cari%1s", &num, tail) == 1 &&
                 strstr(de->d_name, ".cari") != NULL;
        is_del = sscanf(de->d_name, "seg-%" SCNu32 ".del-%" SCNu32 "%1s", &num,
                        &gen, tail) == 2;
        if (!is_seg && !is_del && strcmp(de->d_name, "MANIFEST.tmp") != 0)
            continue;
        for (i = 0; i < m->n && !keep; i++) {
            if (m->entries[i].number != num)
                continue;
            keep = is_seg || (is_del && m->entries[i].deletes_gen == gen);
        }
        if (!keep) {
            char path[4096];
            if (!cari_path_join(path, sizeof path, dir, de->d_name))
                unlink(path);
        }
    }
    closedir(d);
}

void cari_writer_close(cari_writer *w)
{
    size_t i;
    if (!w)
        return;
    cari_xapian_writer_close(w->xapian);
    /* drop uncommitted segment files */
    for (i = 0; i < w->npending; i++) {
        char name[64], path[4096];
        segment_name(name, sizeof name, w->pending[i].number);
        if (!cari_path_join(path, sizeof path, w->dir, name))
            unlink(path);
        free(w->pending[i].deleted);
    }
    free(w->pending);
    for (i = 0; i < w->ids_cap; i++) /* a hash table: slots, not nids */
        free(w->ids[i].id);
    free(w->ids);
    cari_segw_free(w->buffer);
    free(w->buffer_deleted);
    if (w->segs)
        close_segments(w->segs, w->m.n);
    manifest_free(&w->m);
    cari_analyzer_free(w->analyzer);
    if (w->lock_fd >= 0)
        close(w->lock_fd);
    free(w->dir);
    free(w);
}

int cari_writer_open(const char *dir, const cari_writer_options *opts,
                     cari_writer **out, cari_error *err)
{
    cari_writer *w;
    cari_writer_options defaults = CARI_WRITER_OPTIONS_INIT;
    cari_passage_params pp = CARI_PASSAGE_PARAMS_INIT;
    int rc;
    *out = NULL;
    if (!dir || !*dir)
        return cari_set_error(err, CARI_EINVAL, "no index directory given");
    if (opts && opts->version != CARI_WRITER_OPTIONS_VERSION)
        return cari_set_error(err, CARI_EINVAL, "unknown options version");
    w = calloc(1, sizeof *w);
    if (!w || !(w->dir = strdup(dir))) {
        free(w);
        return cari_set_error(err, CARI_ENOMEM, "out of memory");
    }
    w->lock_fd = -1;
    w->opts = opts ? *opts : defaults;
    if (w->opts.compression_level < 1 || w->opts.compression_level > 9)
        w->opts.compression_level = defaults.compression_level;
    if (w->opts.memory_mb < 16)
        w->opts.memory_mb = 16;
    w->pp = pp;
    if ((w->opts.backend && strcmp(w->opts.backend, "xapian") == 0) ||
        cari_xapian_is_index(dir)) {
        if (w->opts.backend && strcmp(w->opts.backend, "native") == 0) {
            rc = cari_set_error(err, CARI_EINVAL, "%s holds a Xapian index; "
                                "it cannot be written as native", dir);
            goto fail;
        }
        rc = cari_analyzer_new(&w->analyzer, err);
        if (!rc)
            rc = cari_xapian_writer_open(dir, &w->opts, w->analyzer,
                                         &w->xapian, err);
        if (rc)
            goto fail;
        *out = w;
        return CARI_OK;
    }
    if (w->opts.backend && strcmp(w->opts.backend, "native") != 0) {
        rc = cari_set_error(err, CARI_EINVAL, "unknown backend '%s' (native "
                            "or xapian)", w->opts.backend);
        goto fail;
    }
    if (mkdir_p(dir) != 0) {
        rc = cari_set_error(err, CARI_EIO, "%s: cannot create directory: %s",
                            dir, strerror(errno));
        goto fail;
    }
    rc = take_lock(dir, &w->lock_fd, err);
    if (rc)
        goto fail;
    rc = cari_analyzer_new(&w->analyzer, err);
    if (rc)
        goto fail;
    rc = manifest_read(dir, &w->m, err);
    if (rc == CARI_ENOTFOUND) {
        memset(&w->m, 0, sizeof w->m);
        w->m.next_segment = 1;
        snprintf(w->m.analyzer, sizeof w->m.analyzer, "%s",
                 cari_analyzer_signature(w->analyzer));
        rc = CARI_OK;
    } else if (rc) {
        goto fail;
    } else {
        rc = check_analyzer(dir, &w->m, w->analyzer, err);
        if (rc)
            goto fail;
    }
    w->segs = calloc(w->m.n ? w->m.n : 1, sizeof *w->segs);
    if (!w->segs) {
        rc = cari_set_error(err, CARI_ENOMEM, "out of memory");
        goto fail;
    }
    rc = open_segments(dir, &w->m, w->segs, err);
    if (rc == CARI_ENOTFOUND) /* the lock keeps commits out: damage */
        rc = missing_file(err, dir);
    if (rc)
        goto fail;
    remove_unreferenced(dir, &w->m);
    *out = w;
    return CARI_OK;
fail:
    cari_writer_close(w);
    return rc;
}

static id_slot *find_id(cari_writer *w, const char *id, size_t len,
                        uint64_t h)
{
    size_t i;
    /* ids are kept in a hash table laid over w->ids (open addressing) */
    if (!w->ids_cap)
        return NULL;
    i = h & (w->ids_cap - 1);
    while (w->ids[i].id) {
        if (w->ids[i].hash == h && w->ids[i].len == len &&
            memcmp(w->ids[i].id, id, len) == 0)
            return &w->ids[i];
        i = (i + 1) & (w->ids_cap - 1);
    }
    return &w->ids[i];  /* the empty slot where it would go */
}

static int grow_ids(cari_writer *w)
{
    size_t cap = w->ids_cap ? w->ids_cap * 2 : 1024, i;
    id_slot *n = calloc(cap, sizeof *n);
    if (!n)
        return CARI_ENOMEM;
    for (i = 0; i < w->ids_cap; i++) {
        size_t j;
        if (!w->ids[i].id)
            continue;
        j = w->ids[i].hash & (cap - 1);
        while (n[j].id)
            j = (j + 1) & (cap - 1);
        n[j] = w->ids[i];
    }
    free(w->ids);
    w->ids = n;
    w->ids_cap = cap;
    return CARI_OK;
}

static void set_bit(unsigned char *bitmap, uint32_t i)
{
    bitmap[i >> 3] |= (unsigned char)(1u << (i & 7));
}

/* Mark an article this writer added earlier as deleted. */
static int drop_added(cari_writer *w, const id_slot *s)
{
    if (!s->live)
        return CARI_OK;
    if (s->pending < 0) {
        size_t need = ((size_t)s->article >> 3) + 1;
        if (need > w->buffer_deleted_cap) {
            size_t cap = need * 2;
            unsigned char *p = realloc(w->buffer_deleted, cap);
            if (!p)
                return CARI_ENOMEM;
            memset(p + w->buffer_deleted_cap, 0, cap - w->buffer_deleted_cap);
            w->buffer_deleted = p;
            w->buffer_deleted_cap = cap;
        }
        set_bit(w->buffer_deleted, s->article);
    } else {
        pending_segment *p = &w->pending[s->pending];
        if (!p->deleted) {
            p->deleted = calloc(((size_t)p->articles + 7) / 8, 1);
            if (!p->deleted)
                return CARI_ENOMEM;
        }
        set_bit(p->deleted, s->article);
    }
    return CARI_OK;
}

/* Record id in the session table; returns its slot. */
static id_slot *remember_id(cari_writer *w, const char *id, size_t len)
{
    uint64_t h = cari_hash64(id, len);
    id_slot *s;
    if ((w->nids + 1) * 2 > w->ids_cap && grow_ids(w))
        return NULL;
    s = find_id(w, id, len, h);
    if (!s->id) {
        s->id = malloc(len ? len : 1);
        if (!s->id)
            return NULL;
        memcpy(s->id, id, len);
        s->len = (uint32_t)len;
        s->hash = h;
        s->live = 0;
        w->nids++;
    }
    return s;
}

static int flush_buffer(cari_writer *w)
{
    char name[64], path[4096];
    pending_segment p;
    cari_error err;
    int rc;
    uint64_t terms;
    size_t i;
    if (!w->buffer || cari_segw_articles(w->buffer) == 0)
        return CARI_OK;
    if (w->npending == w->pending_cap) {
        size_t cap = w->pending_cap ? w->pending_cap * 2 : 8;
        pending_segment *q = realloc(w->pending, cap * sizeof *q);
        if (!q)
            return writer_error(w, CARI_ENOMEM, "out of memory");
        w->pending = q;
        w->pending_cap = cap;
    }
    p.number = w->m.next_segment++;
    p.articles = cari_segw_articles(w->buffer);
    p.passages = cari_segw_passages(w->buffer);
    p.deleted = NULL;
    segment_name(name, sizeof name, p.number);
    if (cari_path_join(path, sizeof path, w->dir, name))
        return writer_error(w, CARI_EINVAL, "index path too long");
    unlink(path);  /* a leftover of a crashed run */
    rc = cari_segw_write(w->buffer, path, w->opts.sync, &terms, &err);
    if (rc)
        return writer_error(w, rc, "%s", err.message);
    if (w->buffer_deleted) {
        size_t bytes = ((size_t)p.articles + 7) / 8;
        p.deleted = calloc(bytes, 1);
        if (!p.deleted)
            return writer_error(w, CARI_ENOMEM, "out of memory");
        memcpy(p.deleted, w->buffer_deleted,
               bytes < w->buffer_deleted_cap ? bytes : w->buffer_deleted_cap);
        free(w->buffer_deleted);
        w->buffer_deleted = NULL;
        w->buffer_deleted_cap = 0;
    }
    /* ids in the buffer now live in this pending segment */
    for (i = 0; i < w->ids_cap; i++)
        if (w->ids[i].id && w->ids[i].pending == -1 && w->ids[i].live)
            w->ids[i].pending = (int32_t)w->npending;
    w->pending[w->npending++] = p;
    cari_segw_free(w->buffer);
    w->buffer = NULL;
    return CARI_OK;
}

int cari_writer_add(cari_writer *w, const cari_article *a)
{
    id_slot *s;
    uint32_t art, before;
    size_t bad;
    int rc;
    if (!w || !a || !a->id || (!a->title && a->title_len) ||
        (!a->text && a->text_len))
        return CARI_EINVAL;
    if (w->xapian)
        return cari_xapian_writer_add(w->xapian, a);
    if (a->id_len == 0 || memchr(a->id, '\0', a->id_len) ||
        memchr(a->id, '\n', a->id_len))
        return writer_error(w, CARI_EINPUT,
                            "article id is empty or holds NUL/newline");
    if (!cari_utf8_valid(a->id, a->id_len, &bad) ||
        !cari_utf8_valid(a->title, a->title_len, &bad) ||
        !cari_utf8_valid(a->text, a->text_len, &bad) ||
        (a->meta && !cari_utf8_valid(a->meta, a->meta_len, &bad)))
        return writer_error(w, CARI_EINPUT, "article %.*s: invalid UTF-8",
                            (int)(a->id_len > 80 ? 80 : a->id_len), a->id);
    if (a->text_len > (1u << 30) || a->title_len > (1u << 20))
        return writer_error(w, CARI_EINPUT, "article %.*s: too large",
                            (int)(a->id_len > 80 ? 80 : a->id_len), a->id);
    if (!w->buffer) {
        rc = cari_segw_new(w->opts.compression_level, &w->pp, &w->buffer);
        if (rc)
            return writer_error(w, rc, "out of memory");
    }
    s = remember_id(w, a->id, a->id_len);
    if (!s)
        return writer_error(w, CARI_ENOMEM, "out of memory");
    rc = drop_added(w, s);  /* an earlier copy from this session */
    if (rc)
        return writer_error(w, rc, "out of memory");
    before = cari_segw_passages(w->buffer);
    rc = cari_segw_add(w->buffer, w->analyzer, a, &art);
    if (rc) {
        s->live = 0;
        return writer_error(w, rc, "cannot add article: %s",
                            cari_strerror(rc));
    }
    s->pending = -1;
    s->article = art;
    s->live = 1;
    w->stats.articles++;
    w->stats.passages += cari_segw_passages(w->buffer) - before;
    w->stats.input_bytes += a->title_len + a->text_len;
    if (cari_segw_memory(w->buffer) > w->opts.memory_mb << 20)
        return flush_buffer(w);
    return CARI_OK;
}

int cari_writer_delete(cari_writer *w, const char *id, size_t len)
{
    id_slot *s;
    int rc;
    if (!w || !id || len == 0)
        return CARI_EINVAL;
    if (w->xapian)
        return cari_xapian_writer_delete(w->xapian, id, len);
    s = remember_id(w, id, len);
    if (!s)
        return writer_error(w, CARI_ENOMEM, "out of memory");
    rc = drop_added(w, s);
    if (rc)
        return writer_error(w, rc, "out of memory");
    s->live = 0;
    return CARI_OK;
}

int cari_writer_commit(cari_writer *w)
{
    manifest next;
    unsigned char **newdel = NULL;   /* per old segment: changed bitmap */
    size_t i, j;
    int rc = CARI_OK;
    cari_error err;
    if (!w)
        return CARI_EINVAL;
    if (w->xapian)
        return cari_xapian_writer_commit(w->xapian);
    rc = flush_buffer(w);
    if (rc)
        return rc;
    memset(&next, 0, sizeof next);
    next.generation = w->m.generation + 1;
    next.next_segment = w->m.next_segment;
    memcpy(next.analyzer, w->m.analyzer, sizeof next.analyzer);
    newdel = calloc(w->m.n ? w->m.n : 1, sizeof *newdel);
    if (!newdel)
        return writer_error(w, CARI_ENOMEM, "out of memory");
    /* every id this session added or deleted leaves the old segments */
    for (j = 0; j < w->ids_cap && !rc; j++) {
        const id_slot *s = &w->ids[j];
        if (!s->id)
            continue;
        for (i = 0; i < w->m.n; i++) {
            cari_live_segment *ls = &w->segs[i];
            uint32_t a, n = cari_segment_articles(ls->seg);
            const unsigned char *cur = newdel[i] ? newdel[i] : ls->deleted;
            int found = cari_segment_find_id(ls->seg, s->id, s->len, cur, &a);
            if (found < 0) {
                rc = writer_error(w, CARI_ECORRUPT,
                                  "segment %u is damaged (id table)",
                                  ls->number);
                break;
            }
            if (!found)
                continue;
            if (!newdel[i]) {
                newdel[i] = calloc(((size_t)n + 7) / 8, 1);
                if (!newdel[i]) {
                    rc = writer_error(w, CARI_ENOMEM, "out of memory");
                    break;
                }
                if (ls->deleted)
                    memcpy(newdel[i], ls->deleted, ((size_t)n + 7) / 8);
            }
            set_bit(newdel[i], a);
        }
    }
    /* the new manifest: old segments (with new deletions), then pending */
    for (i = 0; i < w->m.n && !rc; i++) {
        manifest_entry e = w->m.entries[i];
        if (newdel[i]) {
            char name[64], path[4096];
            e.ndeleted = count_bits(newdel[i], e.articles);
            e.deletes_gen = (uint32_t)next.generation;
            if (e.ndeleted == e.articles)
                continue;  /* nothing left: the segment is dropped */
            deletes_name(name, sizeof name, e.number, e.deletes_gen);
            if (cari_path_join(path, sizeof path, w->dir, name)) {
                rc = writer_error(w, CARI_EINVAL, "index path too long");
                break;
            }
            rc = deletes_write(path, newdel[i], e.articles, w->opts.sync, &err);
            if (rc) {
                writer_error(w, rc, "%s", err.message);
                break;
            }
        }
        if (manifest_push(&next, &e))
            rc = writer_error(w, CARI_ENOMEM, "out of memory");
    }
    for (i = 0; i < w->npending && !rc; i++) {
        pending_segment *p = &w->pending[i];
        manifest_entry e = {p->number, p->articles, p->passages, 0, 0};
        if (p->deleted) {
            char name[64], path[4096];
            e.ndeleted = count_bits(p->deleted, p->articles);
            if (e.ndeleted == e.articles) {
                continue;  /* all replaced within this session */
            }
            e.deletes_gen = (uint32_t)next.generation;
            deletes_name(name, sizeof name, e.number, e.deletes_gen);
            if (cari_path_join(path, sizeof path, w->dir, name)) {
                rc = writer_error(w, CARI_EINVAL, "index path too long");
                break;
            }
            rc = deletes_write(path, p->deleted, p->articles, w->opts.sync,
                               &err);
            if (rc) {
                writer_error(w, rc, "%s", err.message);
                break;
            }
        }
        if (manifest_push(&next, &e))
            rc = writer_error(w, CARI_ENOMEM, "out of memory");
    }
    if (!rc && w->opts.sync) {
        rc = cari_fsync_dir(w->dir, &err);
        if (rc)
            writer_error(w, rc, "%s", err.message);
    }
    if (!rc) {
        rc = manifest_write(w->dir, &next, w->opts.sync, &err);
        if (rc)
            writer_error(w, rc, "%s", err.message);
    }
    for (i = 0; i < w->m.n; i++)
        free(newdel[i]);
    free(newdel);
    if (rc) {
        manifest_free(&next);
        return rc;
    }
    /* committed: the new manifest becomes the base for what follows */
    close_segments(w->segs, w->m.n);
    w->segs = NULL;
    manifest_free(&w->m);
    w->m = next;
    for (i = 0; i < w->npending; i++)
        free(w->pending[i].deleted);
    w->npending = 0;
    for (i = 0; i < w->ids_cap; i++)
        free(w->ids[i].id);
    free(w->ids);
    w->ids = NULL;
    w->nids = w->ids_cap = 0;
    remove_unreferenced(w->dir, &w->m);
    w->segs = calloc(w->m.n ? w->m.n : 1, sizeof *w->segs);
    if (!w->segs)
        return writer_error(w, CARI_ENOMEM, "out of memory after commit");
    rc = open_segments(w->dir, &w->m, w->segs, &err);
    if (rc)
        return writer_error(w, rc, "reopening after commit: %s", err.message);
    w->stats.terms = 0;
    w->stats.index_bytes = 0;
    w->stats.total_articles = 0;
    for (i = 0; i < w->m.n; i++) {
        w->stats.terms += cari_segment_terms(w->segs[i].seg);
        w->stats.index_bytes += cari_segment_file_size(w->segs[i].seg);
        w->stats.total_articles +=
            cari_segment_articles(w->segs[i].seg) - w->segs[i].ndeleted;
    }
    return CARI_OK;
}

void cari_writer_get_stats(const cari_writer *w, cari_writer_stats *out)
{
    memset(out, 0, sizeof *out);
    if (w && w->xapian)
        cari_xapian_writer_stats(w->xapian, out);
    else if (w)
        *out = w->stats;
}

const char *cari_writer_errmsg(const cari_writer *w)
{
    if (w && w->xapian)
        return cari_xapian_writer_errmsg(w->xapian);
    return w ? w->errmsg : "";
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
