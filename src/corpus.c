/*
 * corpus.c -- input readers: JSON Lines (plain, gzip, standard input) and
 * directories of .txt/.md files.  Streams one article at a time; every
 * record that cannot be used is reported (file, line, reason) and skipped,
 * and the rest of the input is read.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <isa-l/igzip_lib.h>
#include <jansson.h>

#include "corpus.h"
#include "filter.h"
#include "utf8.h"
#include "util.h"

/* A record longer than this is skipped with a warning rather than read
 * into memory (a sane bound far beyond any real article). */
#define MAX_RECORD (512u << 20)
/* Compressed bytes read at a time from a gzip file, and bytes inflated
 * at a time after the window of the last 32 KiB (input_read). */
#define IN_CHUNK (256u << 10)
#define OUT_WINDOW (32u << 10)
#define OUT_CHUNK (256u << 10)
/* Directory walks stop descending past this depth (symlink-free trees are
 * never this deep; it bounds pathological inputs). */
#define MAX_DEPTH 64

/*
 * An open JSON Lines file: its bytes as they are, or, when it starts as
 * gzip does (1f 8b), inflated by ISA-L's igzip, whatever its name.  igzip
 * inflates clickid_news four times as fast as zlib's gzread did (0.06
 * against 0.25 s, which was 8% of `cari-index -j 1`'s time).  As gzread
 * does, members one after another are read as one stream; what follows
 * the last member when it is no member ends the file, as gzread ends it,
 * but with a warning (x->trailing): gzread's silence lost the records of
 * a plain file appended to a gzip one.
 *
 * Each member's header is read here (member_header) and igzip inflates
 * the deflate data and checks the trailer (ISAL_GZIP_NO_HDR_VER): igzip
 * 2.30 starts the header's CRC16 afresh on each isal_inflate call, so a
 * valid header with FHCRC that arrived in two reads failed as damaged.
 */
typedef struct input {
    int fd;
    int gzip;
    int in_member;                /* inside a gzip member */
    int damaged;                  /* bad or cut gzip data was met */
    int trailing;                 /* bytes after the last member that
                                     are no member */
    int at_eof;                   /* read() said the end */
    const char *other;            /* another compression's name, known by
                                     its first bytes: not read */
    struct inflate_state *inf;
    unsigned char *buf;           /* bytes read ahead: [pos, len) unused */
    size_t pos, len;
    unsigned char *out;           /* OUT_WINDOW bytes inflated last, then
                                     room for OUT_CHUNK more */
} input;

static void input_close(input *x)
{
    if (!x)
        return;
    if (x->fd >= 0)
        close(x->fd);
    free(x->inf);
    free(x->buf);
    free(x->out);
    free(x);
}

/* read(), once: a signal that interrupts it (one whose handler was set
 * without SA_RESTART, as cari-index sets its own) ends the input as a
 * failed read does, where cari_read would wait on.  cari-index given
 * SIGTERM while standard input was quiet stopped only once more input
 * came (found by review, 2026-12-01). */
static ssize_t read_once(int fd, void *buf, size_t len)
{
    return read(fd, buf, len);
}

/* Read more bytes into x->buf after the unused ones: 0, or -1 (errno). */
static int input_fill(input *x)
{
    ssize_t n;
    if (x->pos > 0) {
        memmove(x->buf, x->buf + x->pos, x->len - x->pos);
        x->len -= x->pos;
        x->pos = 0;
    }
    n = read_once(x->fd, x->buf + x->len, IN_CHUNK - x->len);
    if (n < 0)
        return -1;
    if (n == 0)
        x->at_eof = 1;
    x->len += (size_t)n;
    return 0;
}

/*
 * Take n bytes of a member's header (or, when to_nul, the bytes up to
 * and including a NUL), reading more as needed; copy them to copy when it
 * is not NULL, and add them to *crc.  Returns 0, 1 when the file ends
 * first, or -1 when reading fails (errno).
 */
static int header_bytes(input *x, unsigned char *copy, size_t n, int to_nul,
                        uint32_t *crc)
{
    while (to_nul || n > 0) {
        size_t k = x->len - x->pos;
        int done;
        if (k == 0) {
            if (x->at_eof)
                return 1;
            if (input_fill(x))
                return -1;
            continue;
        }
        if (to_nul) {
            unsigned char *nul = memchr(x->buf + x->pos, 0, k);
            done = nul != NULL;
            if (nul)
                k = (size_t)(nul - (x->buf + x->pos)) + 1;
        } else {
            if (k > n)
                k = n;
            n -= k;
            done = n == 0;
        }
        if (copy) {
            memcpy(copy, x->buf + x->pos, k);
            copy += k;
        }
        *crc = cari_crc32_update(*crc, x->buf + x->pos, k);
        x->pos += k;
        if (done)
            return 0;
    }
    return 0;
}

/*
 * Read the header of the member at x->pos (RFC 1952: 10 bytes, then
 * the extra field, name, comment and header CRC16 its flags announce),
 * however many reads it spans.  Returns 0, 1 when it is cut or wrong
 * (not deflate, a CRC16 that does not match), or -1 when reading fails
 * (errno).  Reserved flag bits are ignored, as igzip ignores them.
 */
static int member_header(input *x)
{
    unsigned char fixed[10], extra_len[2], hcrc[2];
    uint32_t crc = 0, unused = 0;
    int rc, flags;
    if ((rc = header_bytes(x, fixed, sizeof fixed, 0, &crc)) != 0)
        return rc;
    if (fixed[2] != 8)  /* CM: 8 is deflate, the only method defined */
        return 1;
    flags = fixed[3];
    if (flags & 4) {    /* FEXTRA: a 2-byte length, then the field */
        if ((rc = header_bytes(x, extra_len, 2, 0, &crc)) != 0 ||
            (rc = header_bytes(x, NULL,
                               (size_t)extra_len[0] | (size_t)extra_len[1] << 8,
                               0, &crc)) != 0)
            return rc;
    }
    if ((flags & 8) && (rc = header_bytes(x, NULL, 0, 1, &crc)) != 0)
        return rc;      /* FNAME */
    if ((flags & 16) && (rc = header_bytes(x, NULL, 0, 1, &crc)) != 0)
        return rc;      /* FCOMMENT */
    if (flags & 2) {    /* FHCRC: the low 16 bits of the CRC32 so far */
        if ((rc = header_bytes(x, hcrc, 2, 0, &unused)) != 0)
            return rc;
        if (((unsigned)hcrc[0] | (unsigned)hcrc[1] << 8) != (crc & 0xffff))
            return 1;
    }
    return 0;
}

/* What the first bytes of buf say it is, among what cari does not read
 * (another compression than gzip, UTF-16), or NULL.  Read as JSON Lines,
 * such a file gave 99 warnings of malformed JSON and no word of why
 * (found by review, 2026-12-01).  No JSON Lines record starts so. */
static const char *other_compression(const unsigned char *buf, size_t len)
{
    static const struct {
        const char *name, *magic;
        size_t len;
    } kinds[] = {
        {"compressed with xz", "\xfd" "7zXZ\0", 6},
        {"compressed with zstd", "\x28\xb5\x2f\xfd", 4},
        {"compressed with bzip2", "BZh", 3},
        {"compressed with zip", "PK\x03\x04", 4},
        {"UTF-16 text", "\xff\xfe", 2},  /* its byte order marks */
        {"UTF-16 text", "\xfe\xff", 2},
    };
    size_t k;
    for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        if (len >= kinds[k].len &&
            memcmp(buf, kinds[k].magic, kinds[k].len) == 0 &&
            (strcmp(kinds[k].name, "compressed with bzip2") != 0 ||
             (len > 3 && buf[3] >= '1' && buf[3] <= '9')))
            return kinds[k].name;
    return NULL;
}

/* Take over fd (closed on failure too): NULL when out of memory or the
 * first bytes cannot be read (errno). */
static input *input_open(int fd)
{
    input *x = calloc(1, sizeof *x);
    if (!x) {
        close(fd);
        return NULL;
    }
    x->fd = fd;
    if (!(x->buf = calloc(1, IN_CHUNK))) {
        input_close(x);
        errno = ENOMEM;
        return NULL;
    }
    while (x->len < 2 && !x->at_eof)
        if (input_fill(x)) {
            int e = errno;
            input_close(x);
            errno = e;
            return NULL;
        }
    x->gzip = x->len >= 2 && x->buf[0] == 0x1f && x->buf[1] == 0x8b;
    x->other = other_compression(x->buf, x->len);
    if (x->gzip && (!(x->inf = calloc(1, sizeof *x->inf)) ||
                    !(x->out = calloc(1, OUT_WINDOW + OUT_CHUNK)))) {
        input_close(x);
        errno = ENOMEM;
        return NULL;
    }
    return x;
}

/*
 * Up to cap bytes of the file into out: *got bytes (0 at the end).
 * Returns 0, or -1 when reading fails (errno).  Bad or cut gzip data
 * ends the file: x->damaged says so.
 *
 * igzip inflates into x->out, after the window of the 32 KiB it inflated
 * last, and the bytes are then copied out.  It keeps its own history,
 * but on damaged data it may look back before where it was told to
 * write, and read whatever lies there: the fuzzer (tests/fuzz.t, jsonl)
 * found two reads of one damaged file that differed.  Before x->out's
 * first bytes there is always the window, in the buffer and the same in
 * every read.  The input buffer starts zeroed for the same reason.
 */
static int input_read(input *x, unsigned char *out, size_t cap, size_t *got)
{
    *got = 0;
    if (!x->gzip) {
        ssize_t n;
        if (x->pos < x->len) {  /* what the sniffing read */
            size_t k = x->len - x->pos < cap ? x->len - x->pos : cap;
            memcpy(out, x->buf + x->pos, k);
            x->pos += k;
            *got = k;
            return 0;
        }
        if (x->at_eof)
            return 0;
        n = read_once(x->fd, out, cap);
        if (n < 0)
            return -1;
        *got = (size_t)n;
        return 0;
    }
    if (cap > OUT_CHUNK)
        cap = OUT_CHUNK;
    while (*got == 0 && !x->damaged) {
        int rc;
        if (!x->in_member) {
            /* a member starts here, or the file ends */
            while (x->len - x->pos < 2 && !x->at_eof)
                if (input_fill(x))
                    return -1;
            if (x->len - x->pos < 2 || x->buf[x->pos] != 0x1f ||
                x->buf[x->pos + 1] != 0x8b) {
                x->trailing = x->pos < x->len;
                return 0;
            }
            rc = member_header(x);
            if (rc < 0)
                return -1;
            if (rc > 0) {
                x->damaged = 1;
                break;
            }
            isal_inflate_init(x->inf);
            x->inf->crc_flag = ISAL_GZIP_NO_HDR_VER;
            x->in_member = 1;
        }
        if (x->pos == x->len) {
            if (x->at_eof) {
                x->damaged = 1;  /* cut inside a member */
                break;
            }
            if (input_fill(x))
                return -1;
            continue;
        }
        x->inf->next_in = x->buf + x->pos;
        x->inf->avail_in = (uint32_t)(x->len - x->pos);
        x->inf->next_out = x->out + OUT_WINDOW;
        x->inf->avail_out = (uint32_t)cap;
        rc = isal_inflate(x->inf);
        x->pos = (size_t)(x->inf->next_in - x->buf);
        *got = cap - x->inf->avail_out;
        memcpy(out, x->out + OUT_WINDOW, *got);
        memmove(x->out, x->out + *got, OUT_WINDOW);  /* the new window */
        if (rc < 0)
            x->damaged = 1;
        else if (x->inf->block_state == ISAL_BLOCK_FINISH)
            x->in_member = 0;
    }
    return 0;
}

typedef struct pathlist {
    char **items;
    size_t len, cap, next;
} pathlist;

struct cari_reader {
    cari_warning_fn warn;
    void *warn_ctx;
    char *root;          /* the input as given */
    int is_dir;
    pathlist files;      /* files still to read (directory input) */
    /* the current file */
    char *file;          /* display name for messages */
    char *relid;         /* id of a text file (path relative to root) */
    input *in;           /* open JSON Lines file, or NULL */
    long line;           /* line number of the last record returned */
    long next_line;      /* line number of the next line to read */
    cari_buf buf;        /* read buffer */
    size_t buf_pos;      /* start of unread data in buf */
    int eof;
    /* what the current article borrows */
    json_t *json;
    char *meta;
    cari_buf scratch;    /* decoded strings and meta of the fast path */
    int jansson_only;    /* tests: every record through jansson */
    int fast_oom;        /* the fast path ran out of memory */
    char *textfile;
    uint64_t bytes, skipped;
    uint64_t file_warnings;  /* warnings that skip no single record */
    char errmsg[512];
};

static void warn(cari_reader *r, const char *file, long line, const char *fmt,
                 ...) CARI_PRINTF(4, 5);
static void warn_file(cari_reader *r, const char *file, long line,
                      const char *fmt, ...) CARI_PRINTF(4, 5);

static void report(cari_reader *r, const char *file, long line,
                   const char *fmt, va_list ap) CARI_PRINTF(4, 0);

static void report(cari_reader *r, const char *file, long line,
                   const char *fmt, va_list ap)
{
    char msg[512];
    if (!r->warn)
        return;
    vsnprintf(msg, sizeof msg, fmt, ap);
    r->warn(r->warn_ctx, file, line, msg);
}

/* A record skipped: a JSON Lines line or a .txt/.md file (one article). */
static void warn(cari_reader *r, const char *file, long line, const char *fmt,
                 ...)
{
    va_list ap;
    r->skipped++;
    va_start(ap, fmt);
    report(r, file, line, fmt, ap);
    va_end(ap);
}

/* Any other warning: a directory or a JSON Lines file not read, or the
 * rest of one (gzip damage).  What it held is not counted as records
 * (found by review: the summary's "records skipped" counted these). */
static void warn_file(cari_reader *r, const char *file, long line,
                      const char *fmt, ...)
{
    va_list ap;
    r->file_warnings++;
    va_start(ap, fmt);
    report(r, file, line, fmt, ap);
    va_end(ap);
}

/* s ends in suffix, ASCII letters in either case: "A.TXT" is a .txt
 * file (a directory of such names was read as empty, in silence: found
 * by review). */
static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* A gzip file is told by its bytes, whatever its name: ".gz" only says
 * that a .json or .ndjson file in a directory is one to read. */
static int is_jsonl(const char *path)
{
    return has_suffix(path, ".jsonl") || has_suffix(path, ".jsonl.gz") ||
           has_suffix(path, ".json") || has_suffix(path, ".json.gz") ||
           has_suffix(path, ".ndjson") || has_suffix(path, ".ndjson.gz");
}

static int is_textfile(const char *path)
{
    return has_suffix(path, ".txt") || has_suffix(path, ".md") ||
           has_suffix(path, ".markdown");
}

static int pathlist_push(pathlist *l, char *p)
{
    if (l->len == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        char **q = realloc(l->items, cap * sizeof *q);
        if (!q)
            return CARI_ENOMEM;
        l->items = q;
        l->cap = cap;
    }
    l->items[l->len++] = p;
    return CARI_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collect the readable inputs under dir (relative to root), sorted by name
 * within each directory.  Symbolic links to directories are not followed
 * (no loops); links to files are. */
static int walk(cari_reader *r, const char *dir, int depth)
{
    DIR *d;
    struct dirent *de;
    pathlist names = {0};
    size_t i;
    int rc = CARI_OK;
    if (depth > MAX_DEPTH) {
        warn_file(r, dir, 0, "directory nesting deeper than %d levels; "
                  "skipped", MAX_DEPTH);
        return CARI_OK;
    }
    d = opendir(dir);
    if (!d) {
        if (errno == ENOMEM)  /* the run, not the directory, fails */
            return CARI_ENOMEM;
        warn_file(r, dir, 0, "cannot read directory: %s", strerror(errno));
        return CARI_OK;
    }
    while ((de = readdir(d)) != NULL) {
        char *p;
        if (de->d_name[0] == '.')
            continue;  /* ., .., and hidden files */
        p = malloc(strlen(dir) + strlen(de->d_name) + 2);
        if (!p || pathlist_push(&names, p)) {
            free(p);
            rc = CARI_ENOMEM;
            break;
        }
        sprintf(p, "%s/%s", dir, de->d_name);
    }
    closedir(d);
    if (names.len) /* qsort(NULL, 0, ...) is undefined */
        qsort(names.items, names.len, sizeof *names.items, cmp_str);
    for (i = 0; i < names.len; i++) {
        char *p = names.items[i];
        struct stat st;
        names.items[i] = NULL;
        if (rc) {
            free(p);
            continue;
        }
        if (lstat(p, &st) != 0) {
            warn_file(r, p, 0, "cannot stat: %s", strerror(errno));
            free(p);
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            rc = walk(r, p, depth + 1);
            free(p);
            continue;
        }
        if (S_ISLNK(st.st_mode) && stat(p, &st) != 0) {
            /* a loop or a missing target: say so if it looks like an
             * input (others are no business of ours) */
            if (is_textfile(p))
                warn(r, p, 0, "cannot follow the symbolic link: %s; skipped",
                     strerror(errno));
            else if (is_jsonl(p))
                warn_file(r, p, 0, "cannot follow the symbolic link: %s; "
                          "skipped", strerror(errno));
            free(p);
            continue;
        }
        if (S_ISLNK(st.st_mode) && !S_ISREG(st.st_mode)) {
            free(p);  /* a link to a directory: not followed (no loops) */
            continue;
        }
        if (S_ISREG(st.st_mode) && (is_textfile(p) || is_jsonl(p))) {
            if (pathlist_push(&r->files, p)) {
                free(p);
                rc = CARI_ENOMEM;
            }
            continue;
        }
        free(p);
    }
    free(names.items);
    return rc;
}

int cari_reader_open(const char *path, cari_warning_fn warn_fn, void *ctx,
                     cari_reader **out, cari_error *err)
{
    cari_reader *r;
    struct stat st;
    if (!out)
        return cari_set_error(err, CARI_EINVAL, "no handle to open into");
    *out = NULL;
    if (!path)
        return cari_set_error(err, CARI_EINVAL, "no input given");
    r = calloc(1, sizeof *r);
    if (!r || !(r->root = strdup(path))) {
        free(r);
        return cari_set_error(err, CARI_ENOMEM, "out of memory");
    }
    r->warn = warn_fn;
    r->warn_ctx = ctx;
    if (strcmp(path, "-") == 0) {
        int fd = dup(0);
        r->in = fd >= 0 ? input_open(fd) : NULL;
        r->file = strdup("(standard input)");
        if (!r->in || !r->file) {
            int e = errno, oom = !r->file || e == ENOMEM;
            cari_reader_close(r);
            return oom ? cari_set_error(err, CARI_ENOMEM, "out of memory")
                       : cari_set_error(err, CARI_EIO,
                                        "cannot read standard input: %s",
                                        strerror(e));
        }
        r->next_line = 1;
        *out = r;
        return CARI_OK;
    }
    if (stat(path, &st) != 0) {
        int e = errno;
        cari_reader_close(r);
        return cari_set_error(err, e == ENOENT ? CARI_ENOTFOUND : CARI_EIO,
                              "%s: %s", path, strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        size_t n = strlen(r->root);
        int rc;
        while (n > 1 && r->root[n - 1] == '/')
            r->root[--n] = '\0';
        r->is_dir = 1;
        rc = walk(r, r->root, 0);
        if (rc) {
            cari_reader_close(r);
            return cari_set_error(err, rc, "%s: out of memory", path);
        }
    } else {
        char *p = strdup(path);
        if (!p || pathlist_push(&r->files, p)) {
            free(p);
            cari_reader_close(r);
            return cari_set_error(err, CARI_ENOMEM, "out of memory");
        }
    }
    *out = r;
    return CARI_OK;
}

/* Release what the last article borrowed. */
static void release_article(cari_reader *r)
{
    if (r->json) {
        json_decref(r->json);
        r->json = NULL;
    }
    free(r->meta);
    r->meta = NULL;
    free(r->textfile);
    r->textfile = NULL;
}

static void close_file(cari_reader *r)
{
    input_close(r->in);
    r->in = NULL;
    free(r->file);
    r->file = NULL;
    free(r->relid);
    r->relid = NULL;
    r->buf.len = r->buf_pos = 0;
    r->eof = 0;
}

/*
 * Next line of the open JSON Lines file: *line and *len point into r->buf,
 * without the newline.  Returns 1, 0 at the end, or CARI_EIO.  A line
 * longer than MAX_RECORD is skipped (with a warning) and reading goes on.
 */
static int read_line(cari_reader *r, char **line, size_t *len)
{
    size_t scan = r->buf_pos;
    int oversize = 0;
    if (r->in->other && !r->eof) {
        warn_file(r, r->file, 0, "%s, which cari does not read (gzip and "
                  "UTF-8 only); file skipped", r->in->other);
        r->eof = 1;
        return 0;
    }
    for (;;) {
        char *nl = NULL;
        if (scan < r->buf.len)
            nl = memchr(r->buf.data + scan, '\n', r->buf.len - scan);
        if (nl || (r->eof && r->buf_pos < r->buf.len)) {
            size_t end = nl ? (size_t)((unsigned char *)nl - r->buf.data)
                            : r->buf.len;
            *line = (char *)r->buf.data + r->buf_pos;
            *len = end - r->buf_pos;
            r->buf_pos = nl ? end + 1 : end;
            r->bytes += *len + (nl ? 1 : 0);
            if (*len && (*line)[*len - 1] == '\r')
                (*len)--;
            if (oversize) {
                warn(r, r->file, r->next_line,
                     "record longer than %u MB; skipped", MAX_RECORD >> 20);
                r->next_line++;
                oversize = 0;
                scan = r->buf_pos;
                continue;
            }
            return 1;
        }
        if (r->eof)
            return 0;
        /* need more data: compact, then read */
        if (r->buf_pos > 0) {
            memmove(r->buf.data, r->buf.data + r->buf_pos,
                    r->buf.len - r->buf_pos);
            r->buf.len -= r->buf_pos;
            r->buf_pos = 0;
        }
        scan = r->buf.len;
        if (r->buf.len > MAX_RECORD) {
            /* drop what we hold of the oversized line, keep reading */
            r->bytes += r->buf.len;
            r->buf.len = 0;
            scan = 0;
            oversize = 1;
        }
        if (cari_buf_reserve(&r->buf, 1u << 20))
            return CARI_ENOMEM;
        {
            size_t room = r->buf.cap - r->buf.len, n;
            if (input_read(r->in, r->buf.data + r->buf.len,
                           room > (1u << 30) ? (1u << 30) : room, &n)) {
                snprintf(r->errmsg, sizeof r->errmsg, "%s: read failed: %s",
                         r->file, strerror(errno));
                return CARI_EIO;
            }
            if (n == 0) {
                if (r->in->damaged) {
                    snprintf(r->errmsg, sizeof r->errmsg,
                             "%s: damaged compressed data", r->file);
                    warn_file(r, r->file, r->next_line, "%s",
                              CARI_WARNING_GZIP_DAMAGED);
                    /* The line cut by the damage goes with it: returned,
                     * it would get a second warning (malformed JSON, or
                     * too long) for the same line. */
                    r->bytes += r->buf.len - r->buf_pos;
                    r->buf.len = r->buf_pos = 0;
                    oversize = 0;
                } else if (r->in->trailing) {
                    /* the line that holds the first such byte (a line
                     * the last member left open goes on into it) */
                    warn_file(r, r->file, r->next_line, "%s",
                              CARI_WARNING_GZIP_TRAILING);
                }
                r->eof = 1;
                if (oversize) {
                    warn(r, r->file, r->next_line,
                         "record longer than %u MB; skipped",
                         MAX_RECORD >> 20);
                    r->buf.len = r->buf_pos = 0;
                    return 0;
                }
            }
            r->buf.len += n;
        }
    }
}

static int blank(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

/*
 * The fast path for the usual record: a flat object whose values are
 * strings (or, for fields other than id/title/text, numbers, true, false
 * or null), keys without escapes, no key twice.  Strings without escapes
 * are used in place; others are decoded into r->scratch, as is the meta
 * object (the other fields' raw JSON, which is valid as it stands).
 * Returns 1 (a is filled), or 0 when the record needs the full parser
 * (anything else, including every malformed record: jansson then says
 * what is wrong).  jansson parses clickid_news at ~90 MB/s; this scanner
 * is several times faster, which matters with several indexing threads
 * waiting on the one reader.
 */
typedef struct span {
    size_t off, len;   /* into the line, or into scratch when in_scratch */
    int in_scratch;
} span;

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
        return (c | 0x20) - 'a' + 10;
    return -1;
}

/* The fast path gives up when scratch cannot grow; the record then fails
 * with CARI_ENOMEM (not the full parser's reading of it). */
static int out_of_memory(cari_reader *r)
{
    r->fast_oom = 1;
    return 0;
}

/* Scan the string starting after its opening quote at s[*i]; on success
 * *i is past the closing quote and *out describes the decoded value. */
/* The end of the bytes of a JSON string from s[j] that need no decoding:
 * the first quote, backslash or control byte, or len.  16 bytes at a
 * time where SSE2 is (an article's text is one long string). */
static size_t plain_end(const char *s, size_t len, size_t j)
{
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'),
                  ctl = _mm_set1_epi8(0x1f);
    while (j < len && len - j >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + j));
        __m128i stop = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
            _mm_cmpeq_epi8(_mm_min_epu8(v, ctl), v)); /* v <= 0x1f */
        unsigned m = (unsigned)_mm_movemask_epi8(stop);
        if (m)
            return j + (size_t)__builtin_ctz(m);
        j += 16;
    }
#endif
    while (j < len && s[j] != '"' && s[j] != '\\' &&
           (unsigned char)s[j] >= 0x20)
        j++;
    return j;
}

static int fast_string(cari_reader *r, const char *s, size_t len, size_t *i,
                       span *out)
{
    size_t start = *i, j = plain_end(s, len, *i);
    size_t bad;
    if (j >= len || (unsigned char)s[j] < 0x20)
        return 0;
    if (s[j] == '"') {
        if (!cari_utf8_valid(s + start, j - start, &bad))
            return 0;
        out->off = start;
        out->len = j - start;
        out->in_scratch = 0;
        *i = j + 1;
        return 1;
    }
    /* escapes: decode into scratch */
    out->off = r->scratch.len;
    out->in_scratch = 1;
    if (cari_buf_append(&r->scratch, s + start, j - start))
        return out_of_memory(r);
    while (j < len) {
        unsigned char c = (unsigned char)s[j];
        if (c == '"')
            break;
        if (c < 0x20)
            return 0;
        if (c != '\\') {
            size_t k = plain_end(s, len, j);
            if (cari_buf_append(&r->scratch, s + j, k - j))
                return out_of_memory(r);
            j = k;
            continue;
        }
        if (j + 1 >= len)
            return 0;
        switch (s[j + 1]) {
        case '"': case '\\': case '/':
            if (cari_buf_putc(&r->scratch, (unsigned char)s[j + 1]))
                return out_of_memory(r);
            j += 2;
            break;
        case 'b': case 'f': case 'n': case 'r': case 't': {
            static const char from[] = "bfnrt", to[] = "\b\f\n\r\t";
            if (cari_buf_putc(&r->scratch,
                              (unsigned char)to[strchr(from, s[j + 1]) - from]))
                return out_of_memory(r);
            j += 2;
            break;
        }
        case 'u': {
            uint32_t cp = 0;
            int k;
            unsigned char utf[4];
            size_t n;
            if (j + 6 > len)
                return 0;
            for (k = 0; k < 4; k++) {
                int h = hexval(s[j + 2 + k]);
                if (h < 0)
                    return 0;
                cp = cp << 4 | (uint32_t)h;
            }
            j += 6;
            if (cp >= 0xd800 && cp < 0xdc00) {
                uint32_t lo = 0;
                if (j + 6 > len || s[j] != '\\' || s[j + 1] != 'u')
                    return 0;
                for (k = 0; k < 4; k++) {
                    int h = hexval(s[j + 2 + k]);
                    if (h < 0)
                        return 0;
                    lo = lo << 4 | (uint32_t)h;
                }
                if (lo < 0xdc00 || lo > 0xdfff)
                    return 0;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                j += 6;
            } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                return 0;
            }
            if (cp == 0)
                return 0;  /* jansson refuses NUL in strings: so do we */
            if (cp < 0x80) {
                utf[0] = (unsigned char)cp;
                n = 1;
            } else if (cp < 0x800) {
                utf[0] = (unsigned char)(0xc0 | cp >> 6);
                utf[1] = (unsigned char)(0x80 | (cp & 0x3f));
                n = 2;
            } else if (cp < 0x10000) {
                utf[0] = (unsigned char)(0xe0 | cp >> 12);
                utf[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
                utf[2] = (unsigned char)(0x80 | (cp & 0x3f));
                n = 3;
            } else {
                utf[0] = (unsigned char)(0xf0 | cp >> 18);
                utf[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
                utf[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
                utf[3] = (unsigned char)(0x80 | (cp & 0x3f));
                n = 4;
            }
            if (cari_buf_append(&r->scratch, utf, n))
                return out_of_memory(r);
            break;
        }
        default:
            return 0;
        }
    }
    if (j >= len)
        return 0;
    out->len = r->scratch.len - out->off;
    if (!cari_utf8_valid((const char *)r->scratch.data + out->off, out->len,
                         &bad))
        return 0;
    /* NUL-terminated, as cari.h promises of the strings it returns (not
     * counted in the length: the next string starts after it) */
    if (cari_buf_putc(&r->scratch, '\0'))
        return out_of_memory(r);
    *i = j + 1;
    return 1;
}

static int fast_record(cari_reader *r, char *s, size_t len,
                       cari_article *a)
{
    span fields[3];       /* id, title, text */
    int have[3] = {0, 0, 0};
    struct { size_t key, end; } extra[32];
    size_t nextra = 0, i = 0, k;
    static const char *const names[3] = {"id", "title", "text"};
    r->scratch.len = 0;
    r->fast_oom = 0;
    cari_json_skip_space(s, len, &i);
    if (i >= len || s[i] != '{')
        return 0;
    i++;
    cari_json_skip_space(s, len, &i);
    if (i < len && s[i] == '}')
        return 0;  /* no id: the full parser words the warning */
    for (;;) {
        size_t kstart, kend;
        int which = -1;
        cari_json_skip_space(s, len, &i);
        if (i >= len || s[i] != '"')
            return 0;
        kstart = i++;
        while (i < len && s[i] != '"' && s[i] != '\\' &&
               (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x80)
            i++;  /* a key with escapes or non-ASCII: full parser */
        if (i >= len || s[i] != '"')
            return 0;
        kend = ++i;
        for (k = 0; k < 3; k++)
            if (kend - kstart - 2 == strlen(names[k]) &&
                memcmp(s + kstart + 1, names[k], kend - kstart - 2) == 0)
                which = (int)k;
        cari_json_skip_space(s, len, &i);
        if (i >= len || s[i] != ':')
            return 0;
        i++;
        cari_json_skip_space(s, len, &i);
        if (i >= len)
            return 0;
        if (which >= 0) {
            if (have[which] || s[i] != '"')
                return 0;
            i++;
            if (!fast_string(r, s, len, &i, &fields[which]))
                return 0;
            have[which] = 1;
        } else {
            size_t e;
            if (nextra == sizeof extra / sizeof extra[0])
                return 0;
            if (s[i] == '"') {
                span ignored;
                i++;
                if (!fast_string(r, s, len, &i, &ignored))
                    return 0;
                e = i;
            } else {
                e = cari_json_scalar_end(s, len, i, NULL);
                if (!e)
                    return 0;
                i = e;
            }
            extra[nextra].key = kstart;
            extra[nextra].end = e;
            nextra++;
        }
        cari_json_skip_space(s, len, &i);
        if (i < len && s[i] == ',') {
            i++;
            continue;
        }
        if (i < len && s[i] == '}') {
            i++;
            break;
        }
        return 0;
    }
    cari_json_skip_space(s, len, &i);
    if (i != len || !have[0] || fields[0].len == 0)
        return 0;
    /* keys of the extra fields must differ (a repeated key: full parser) */
    for (k = 0; k < nextra; k++) {
        size_t m, klen = 0;
        while (s[extra[k].key + 1 + klen] != '"')
            klen++;
        for (m = 0; m < k; m++)
            if (memcmp(s + extra[m].key, s + extra[k].key, klen + 2) == 0)
                return 0;
    }
    /* the meta object: the extra fields' raw text */
    {
        size_t meta_off = r->scratch.len;
        int rc = cari_buf_putc(&r->scratch, '{');
        for (k = 0; k < nextra; k++) {
            if (k)
                rc |= cari_buf_putc(&r->scratch, ',');
            rc |= cari_buf_append(&r->scratch, s + extra[k].key,
                                  extra[k].end - extra[k].key);
        }
        rc |= cari_buf_putc(&r->scratch, '}');
        rc |= cari_buf_putc(&r->scratch, '\0');  /* not counted */
        if (rc)
            return out_of_memory(r);
        a->meta_len = nextra ? r->scratch.len - 1 - meta_off : 0;
        a->meta = NULL;
        if (nextra)
            a->meta = (const char *)r->scratch.data + meta_off;
    }
    /* pointers last: scratch no longer moves */
#define FIELD(k, p, l)                                                     \
    if (have[k]) {                                                         \
        p = fields[k].in_scratch                                           \
                ? (const char *)r->scratch.data + fields[k].off            \
                : s + fields[k].off;                                       \
        l = fields[k].len;                                                 \
    } else {                                                               \
        p = "";                                                            \
        l = 0;                                                             \
    }
    FIELD(0, a->id, a->id_len)
    FIELD(1, a->title, a->title_len)
    FIELD(2, a->text, a->text_len)
#undef FIELD
    if (memchr(a->id, '\n', a->id_len))
        return 0;
    /* the strings read in place end at their closing quote, which the
     * record no longer needs: make it their NUL (those decoded into
     * scratch have theirs) */
    for (k = 0; k < 3; k++)
        if (have[k] && !fields[k].in_scratch)
            s[fields[k].off + fields[k].len] = '\0';
    return 1;
}

/* Parse one JSON Lines record into a; 1 = ok, 0 = skipped (warned). */
static int parse_record(cari_reader *r, char *line, size_t len,
                        cari_article *a)
{
    json_error_t jerr;
    int oom;
    json_t *obj, *id, *title, *text;
    const char *key;
    json_t *value;
    size_t extra = 0;
    char idbuf[32];
    if (!r->jansson_only && fast_record(r, line, len, a))
        return 1;
    if (r->fast_oom)
        return CARI_ENOMEM;
    obj = cari_json_load(line, len, &jerr, &oom);
    if (oom)
        return CARI_ENOMEM;
    if (!obj) {
        /* jansson names its flag ("\u0000 is not allowed without
         * JSON_ALLOW_NUL"), which no user can set: say what it is */
        if (json_error_code(&jerr) == json_error_null_character)
            warn(r, r->file, r->line, "a string holds \\u0000 (NUL), "
                 "which cari does not take (column %d); record skipped",
                 jerr.column);
        else
            warn(r, r->file, r->line, "malformed JSON (column %d: %s); "
                 "record skipped", jerr.column, jerr.text);
        return 0;
    }
    if (!json_is_object(obj)) {
        warn(r, r->file, r->line, "not a JSON object; record skipped");
        json_decref(obj);
        return 0;
    }
    id = json_object_get(obj, "id");
    title = json_object_get(obj, "title");
    text = json_object_get(obj, "text");
    if (json_is_integer(id)) {
        snprintf(idbuf, sizeof idbuf, "%" JSON_INTEGER_FORMAT,
                 json_integer_value(id));
        json_object_set_new(obj, "id", json_string(idbuf));
        id = json_object_get(obj, "id");
    }
    if (!json_is_string(id) || json_string_length(id) == 0) {
        warn(r, r->file, r->line, "%s; record skipped",
             id ? "\"id\" is neither a non-empty string nor an integer"
                : "no \"id\"");
        json_decref(obj);
        return 0;
    }
    if ((title && !json_is_string(title) && !json_is_null(title)) ||
        (text && !json_is_string(text) && !json_is_null(text))) {
        warn(r, r->file, r->line, "\"title\" and \"text\" must be strings; "
             "record skipped");
        json_decref(obj);
        return 0;
    }
    if (memchr(json_string_value(id), '\0', json_string_length(id)) ||
        memchr(json_string_value(id), '\n', json_string_length(id))) {
        warn(r, r->file, r->line, "\"id\" contains a NUL or newline; "
             "record skipped");
        json_decref(obj);
        return 0;
    }
    json_object_foreach(obj, key, value) {
        (void)value;
        if (strcmp(key, "id") && strcmp(key, "title") && strcmp(key, "text"))
            extra++;
    }
    if (extra) {
        json_t *meta = json_object();
        if (!meta) {
            json_decref(obj);
            return CARI_ENOMEM;
        }
        json_object_foreach(obj, key, value) {
            if (strcmp(key, "id") && strcmp(key, "title") &&
                strcmp(key, "text") && json_object_set(meta, key, value)) {
                json_decref(meta);
                json_decref(obj);
                return CARI_ENOMEM;
            }
        }
        r->meta = json_dumps(meta, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(meta);
        if (!r->meta) {
            json_decref(obj);
            return CARI_ENOMEM;
        }
    }
    r->json = obj;
    a->id = json_string_value(id);
    a->id_len = json_string_length(id);
    a->title = json_is_string(title) ? json_string_value(title) : "";
    a->title_len = json_is_string(title) ? json_string_length(title) : 0;
    a->text = json_is_string(text) ? json_string_value(text) : "";
    a->text_len = json_is_string(text) ? json_string_length(text) : 0;
    a->meta = r->meta;
    a->meta_len = r->meta ? strlen(r->meta) : 0;
    return 1;
}

/* Line number (1-based) of byte offset off in s. */
static long line_of(const char *s, size_t off)
{
    long line = 1;
    size_t i;
    for (i = 0; i < off; i++)
        if (s[i] == '\n')
            line++;
    return line;
}

/* Read a .txt/.md article; 1 = ok, 0 = skipped (warned). */
static int read_textfile(cari_reader *r, const char *path, cari_article *a)
{
    int fd;
    struct stat st;
    char *data, *title_nul;
    size_t n = 0, bad, i, title_end;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        warn(r, path, 0, "cannot open: %s; file skipped", strerror(errno));
        return 0;
    }
    if (fstat(fd, &st) != 0 || st.st_size > (off_t)MAX_RECORD) {
        warn(r, path, 0, "%s; file skipped",
             st.st_size > (off_t)MAX_RECORD ? "file too large"
                                            : "cannot stat");
        close(fd);
        return 0;
    }
    data = malloc((size_t)st.st_size + 1);
    if (!data) {
        close(fd);
        return CARI_ENOMEM;
    }
    for (;;) {
        ssize_t m = cari_read(fd, data + n, (size_t)st.st_size - n);
        if (m < 0) {
            warn(r, path, 0, "read failed: %s; file skipped", strerror(errno));
            free(data);
            close(fd);
            return 0;
        }
        if (m == 0 || (n += (size_t)m) == (size_t)st.st_size)
            break;
    }
    close(fd);
    data[n] = '\0';
    r->bytes += n;
    if (n >= 2 && (memcmp(data, "\xff\xfe", 2) == 0 ||
                   memcmp(data, "\xfe\xff", 2) == 0)) {
        /* said as such, not as the "binary data" its NULs would be */
        warn(r, path, 0, "UTF-16 text, which cari does not read (UTF-8 "
             "only); file skipped");
        free(data);
        return 0;
    }
    if (memchr(data, '\0', n)) {
        warn(r, path, line_of(data, (size_t)((char *)memchr(data, '\0', n) - data)),
             "binary data (NUL byte); file skipped");
        free(data);
        return 0;
    }
    if (!cari_utf8_valid(data, n, &bad)) {
        warn(r, path, line_of(data, bad), "invalid UTF-8 at byte %zu; file "
             "skipped", bad);
        free(data);
        return 0;
    }
    i = 0;
    if (n >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
        i = 3;  /* byte order mark */
    while (i < n && (data[i] == '\n' || data[i] == '\r' || data[i] == ' ' ||
                     data[i] == '\t'))
        i++;
    title_end = i;
    while (title_end < n && data[title_end] != '\n')
        title_end++;
    r->textfile = data;
    a->title = data + i;
    a->title_len = title_end - i;
    while (a->title_len && (a->title[a->title_len - 1] == '\r' ||
                            a->title[a->title_len - 1] == ' '))
        a->title_len--;
    title_nul = data + (a->title - data) + a->title_len;
    /* a Markdown heading's '#' marks are not part of the title */
    while (a->title_len && a->title[0] == '#') {
        a->title++;
        a->title_len--;
    }
    while (a->title_len && a->title[0] == ' ') {
        a->title++;
        a->title_len--;
    }
    i = title_end;
    while (i < n && (data[i] == '\n' || data[i] == '\r'))
        i++;
    a->text = data + i;
    a->text_len = n - i;
    /* NUL-terminated, as cari.h promises: the byte after the title is its
     * line's end or a trailing blank (or the file's end), never the
     * text's */
    *title_nul = '\0';
    a->meta = NULL;
    a->meta_len = 0;
    return 1;
}

static int next_article(cari_reader *r, cari_article *a)
{
    release_article(r);
    for (;;) {
        if (r->in) {
            char *line;
            size_t len;
            int rc = read_line(r, &line, &len);
            if (rc < 0)
                return rc;
            if (rc == 0) {
                close_file(r);
                continue;
            }
            r->line = r->next_line++;
            if (len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
                if (r->line > 1) {
                    /* jansson's "expected near '<U+FEFF>'" showed nothing
                     * one could see */
                    warn(r, r->file, r->line, "a byte order mark starts "
                         "the line (files joined with cat?); record "
                         "skipped");
                    continue;
                }
                line += 3;  /* a byte order mark before the first record */
                len -= 3;
            }
            if (blank(line, len))
                continue;
            rc = parse_record(r, line, len, a);
            if (rc < 0)
                return rc;
            if (rc == 1)
                return 1;
            continue;
        }
        if (r->files.next >= r->files.len)
            return 0;
        {
            char *path = r->files.items[r->files.next++];
            close_file(r);
            r->file = path;
            r->files.items[r->files.next - 1] = NULL;
            if (is_jsonl(path) || !r->is_dir) {
                if (!r->is_dir && is_textfile(path))
                    goto textfile;
                {
                    int fd = open(path, O_RDONLY | O_CLOEXEC);
                    r->in = fd >= 0 ? input_open(fd) : NULL;
                }
                if (!r->in) {
                    if (errno == ENOMEM)  /* the run, not the file, fails */
                        return CARI_ENOMEM;
                    if (errno == EINTR) {
                        /* a signal, while a FIFO waited for its writer:
                         * the input ends, as at a read (read_once) */
                        snprintf(r->errmsg, sizeof r->errmsg,
                                 "%s: open interrupted by a signal", path);
                        return CARI_EIO;
                    }
                    warn_file(r, path, 0, "cannot open: %s; file skipped",
                              strerror(errno));
                    continue;
                }
                r->next_line = 1;
                continue;
            }
textfile:
            {
                int rc;
                size_t rootlen = strlen(r->root);
                const char *rel = path;
                if (r->is_dir && strncmp(path, r->root, rootlen) == 0 &&
                    path[rootlen] == '/')
                    rel = path + rootlen + 1;
                else
                    while (rel[0] == '.' && rel[1] == '/')
                        rel += 2;
                r->relid = strdup(rel);
                if (!r->relid)
                    return CARI_ENOMEM;
                r->line = 1;
                {
                    /* the name is the id: the writer would refuse it as
                     * "invalid UTF-8" or "holds a newline", which sent
                     * people looking in the text */
                    size_t bad;
                    if (!cari_utf8_valid(rel, strlen(rel), &bad) ||
                        strchr(rel, '\n')) {
                        warn(r, path, 0, "name %s (a file's name is its "
                             "article's id); file skipped",
                             strchr(rel, '\n') ? "holds a line break"
                                               : "is not valid UTF-8");
                        continue;
                    }
                }
                rc = read_textfile(r, path, a);
                if (rc < 0)
                    return rc;
                if (rc == 0)
                    continue;
                a->id = r->relid;
                a->id_len = strlen(r->relid);
                return 1;
            }
        }
    }
}

int cari_reader_next(cari_reader *r, cari_article *a)
{
    int rc;
    if (!r || !a)
        return CARI_EINVAL;
    rc = next_article(r, a);
    if (rc == CARI_ENOMEM)
        snprintf(r->errmsg, sizeof r->errmsg, "%s: out of memory",
                 r->file ? r->file : "input");
    return rc;
}

void cari_reader_use_jansson_only(cari_reader *r)
{
    r->jansson_only = 1;
}

const char *cari_reader_file(const cari_reader *r)
{
    return r && r->file ? r->file : "";
}

long cari_reader_line(const cari_reader *r)
{
    return r ? r->line : 0;
}

uint64_t cari_reader_bytes(const cari_reader *r)
{
    return r ? r->bytes : 0;
}

uint64_t cari_reader_skipped(const cari_reader *r)
{
    return r ? r->skipped : 0;
}

uint64_t cari_reader_file_warnings(const cari_reader *r)
{
    return r ? r->file_warnings : 0;
}

const char *cari_reader_errmsg(const cari_reader *r)
{
    return r ? r->errmsg : "";
}

void cari_reader_close(cari_reader *r)
{
    size_t i;
    if (!r)
        return;
    release_article(r);
    close_file(r);
    for (i = 0; i < r->files.len; i++)
        free(r->files.items[i]);
    free(r->files.items);
    cari_buf_free(&r->buf);
    cari_buf_free(&r->scratch);
    free(r->root);
    free(r);
}
