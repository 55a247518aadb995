/*
 * util.c -- byte buffers, arena, hashing, error detail and file helpers
 * shared by every other module.
 */
#define _POSIX_C_SOURCE 200809L
#include "util.h"

#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

int cari_set_error(cari_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return code;
}

int cari_buf_reserve(cari_buf *b, size_t extra)
{
    size_t need, cap;
    unsigned char *p;
    if (b->cap - b->len >= extra)
        return CARI_OK;
    if (extra > SIZE_MAX / 2 - b->len)
        return CARI_ENOMEM;
    need = b->len + extra;
    cap = b->cap ? b->cap : 16;
    while (cap < need)
        cap *= 2;
    p = realloc(b->data, cap);
    if (!p)
        return CARI_ENOMEM;
    b->data = p;
    b->cap = cap;
    return CARI_OK;
}

int cari_buf_append(cari_buf *b, const void *p, size_t n)
{
    if (n == 0)
        return CARI_OK;
    if (cari_buf_reserve(b, n))
        return CARI_ENOMEM;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return CARI_OK;
}

void cari_buf_free(cari_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

int cari_buf_u32(cari_buf *b, uint32_t v)
{
    if (cari_buf_reserve(b, 4))
        return CARI_ENOMEM;
    cari_put_u32(b->data + b->len, v);
    b->len += 4;
    return CARI_OK;
}

int cari_buf_u64(cari_buf *b, uint64_t v)
{
    if (cari_buf_reserve(b, 8))
        return CARI_ENOMEM;
    cari_put_u64(b->data + b->len, v);
    b->len += 8;
    return CARI_OK;
}

/* ---- arena ---- */

struct cari_arena_chunk {
    cari_arena_chunk *next;
    size_t size;
    max_align_t data[];
};

#define ARENA_CHUNK 65536

void *cari_calloc_touched(size_t n, size_t size)
{
    void *p;
    if (size && n > SIZE_MAX / size)
        return NULL;
    p = malloc(n && size ? n * size : 1);
    if (p)
        memset(p, 0, n * size);
    return p;
}

void cari_thread_name(const char *name)
{
#ifdef __linux__
    (void)prctl(PR_SET_NAME, (unsigned long)name, 0UL, 0UL, 0UL);
#else
    (void)name;
#endif
}

void *cari_arena_alloc(cari_arena *a, size_t n)
{
    cari_arena_chunk *c;
    size_t size;
    n = (n + 7) & ~(size_t)7;
    if (a->head && a->head->size - a->used >= n) {
        void *p = (char *)a->head->data + a->used;
        a->used += n;
        return p;
    }
    size = n > ARENA_CHUNK / 2 ? n : ARENA_CHUNK;
    c = malloc(sizeof *c + size);
    if (!c)
        return NULL;
    c->size = size;
    if (a->head && size == n && a->head->size - a->used > 1024) {
        /* a big block: keep filling the current chunk afterwards */
        c->next = a->head->next;
        a->head->next = c;
        a->total += size;
        return c->data;
    }
    c->next = a->head;
    a->head = c;
    a->used = n;
    a->total += size;
    return c->data;
}

char *cari_arena_strndup(cari_arena *a, const char *s, size_t n)
{
    char *p = cari_arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void cari_arena_reset(cari_arena *a)
{
    cari_arena_chunk *c = a->head, *keep = NULL;
    while (c) {
        cari_arena_chunk *next = c->next;
        if (!next && c->size == ARENA_CHUNK)
            keep = c;
        else
            free(c);
        c = next;
    }
    a->head = keep;
    if (keep)
        keep->next = NULL;
    a->used = 0;
    a->total = keep ? keep->size : 0;
}

void cari_arena_free(cari_arena *a)
{
    cari_arena_chunk *c = a->head;
    while (c) {
        cari_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
    a->used = a->total = 0;
}

/* ---- hashing: 64-bit multiply-mix over 8-byte words (wyhash-like) ---- */

static inline uint64_t mix(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

uint64_t cari_hash64(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 0x9e3779b97f4a7c15ull ^ len;
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = mix(h ^ w, 0xa0761d6478bd642full);
        p += 8;
        len -= 8;
    }
    if (len) {
        /* the last 1-7 bytes as a little-endian word (what a memcpy into
         * a zeroed word gives on this byte order), without a call */
        uint64_t w;
        if (len >= 4) {
            uint32_t lo, hi;
            memcpy(&lo, p, 4);
            memcpy(&hi, p + len - 4, 4);
            w = (uint64_t)lo | (uint64_t)hi << (8 * (len - 4));
        } else {
            w = (uint64_t)p[0] | (uint64_t)p[len / 2] << (8 * (len / 2)) |
                (uint64_t)p[len - 1] << (8 * (len - 1));
        }
        h = mix(h ^ w, 0xe7037ed1a0b428dbull);
    }
    return mix(h, 0x8ebc6af09c88c6e3ull);
}

uint64_t *cari_key_table(cari_arena *arena, size_t n, size_t *nslots)
{
    uint64_t *keys;
    *nslots = 16;
    while (*nslots < 2 * n)
        *nslots *= 2;
    keys = cari_arena_alloc(arena, *nslots * sizeof *keys);
    if (keys)
        memset(keys, 0xff, *nslots * sizeof *keys);
    return keys;
}

double cari_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- files ---- */

ssize_t cari_read(int fd, void *buf, size_t len)
{
    ssize_t n;
    do
        n = read(fd, buf, len);
    while (n < 0 && errno == EINTR);
    return n;
}

int cari_open_index_file(const char *path)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return CARI_NOT_REGULAR;
    }
    /* O_NONBLOCK means nothing to a regular file's reads */
    return fd;
}

int cari_write_all(int fd, const void *buf, size_t len, const char *path,
                   cari_error *err)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = cari_io_write(fd, p, len > (1u << 30) ? (1u << 30) : len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == ENOSPC || errno == EDQUOT)
                return cari_set_error(err, CARI_ENOSPACE,
                                      "%s: disk full while writing", path);
            return cari_set_error(err, CARI_EIO, "%s: write failed: %s",
                                  path, strerror(errno));
        }
        p += n;
        len -= (size_t)n;
    }
    return CARI_OK;
}

int cari_fsync_dir(const char *dir, cari_error *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return cari_set_error(err, CARI_EIO, "%s: cannot open directory: %s",
                              dir, strerror(errno));
    if (cari_io_fsync(fd) != 0 && errno != EINVAL) {
        int rc = cari_io_error(err, dir, "fsync");
        close(fd);
        return rc;
    }
    close(fd);
    return CARI_OK;
}

int cari_index_dir_check(const char *dir, cari_error *err)
{
    struct stat st;
    if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode))
        return cari_set_error(err, CARI_EINVAL, "%s: not a directory (an "
                              "index is a directory)", dir);
    return CARI_OK;
}

int cari_mkdir_p(const char *dir, cari_error *err)
{
    char tmp[4096];
    size_t i, n = strlen(dir);
    if (n >= sizeof tmp)
        return cari_set_error(err, CARI_EINVAL, "index path too long");
    memcpy(tmp, dir, n + 1);
    for (i = 1; i <= n; i++) {
        if (tmp[i] == '/' || tmp[i] == '\0') {
            char c = tmp[i];
            tmp[i] = '\0';
            if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
                return cari_set_error(err, CARI_EIO, "%s: cannot create "
                                      "directory: %s", dir, strerror(errno));
            tmp[i] = c;
        }
    }
    /* an existing file of that name is EEXIST to mkdir, but no directory:
     * said here, not at the first file opened in it */
    return cari_index_dir_check(dir, err);
}

uint32_t cari_crc32(const void *data, size_t n)
{
    return cari_crc32_update(0, data, n);
}

uint32_t cari_crc32_update(uint32_t crc, const void *data, size_t n)
{
    return n ? libdeflate_crc32(crc, data, n) : crc;
}

uint64_t cari_fnv1a64(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    size_t i;
    for (i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

int cari_path_join(char *out, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= cap)
        return CARI_EINVAL;
    return CARI_OK;
}

/* Does the JSON integer t[0..n) (digits of them after its sign) fit in
 * an int64, as jansson requires of an integer? */
static int fits_int64(const char *t, size_t n, size_t digits)
{
    const char *max = t[0] == '-' ? "9223372036854775808"
                                  : "9223372036854775807";
    return digits < 19 || (digits == 19 && memcmp(t + n - 19, max, 19) <= 0);
}

/*
 * A number, true, false or null: its end, or 0 if it is none of them or
 * a number jansson may refuse, which the full parser then words the
 * warning for: an integer outside int64, or a real that could overflow a
 * double (jansson refuses those; one that underflows it takes).  A real
 * is below 10^(its integer digits + its exponent): up to 10^308 it is
 * surely finite, so only larger ones go to jansson.
 */
size_t cari_json_scalar_end(const char *s, size_t len, size_t i, int *is_real)
{
    size_t j = i, digits, k;
    long exp = 0;
    int real = 0, exp_sign = 1;
    if (is_real)
        *is_real = 0;
    if (len - i >= 4 && (memcmp(s + i, "true", 4) == 0 ||
                         memcmp(s + i, "null", 4) == 0))
        return i + 4;
    if (len - i >= 5 && memcmp(s + i, "false", 5) == 0)
        return i + 5;
    if (j < len && s[j] == '-')
        j++;
    if (j >= len || s[j] < '0' || s[j] > '9')
        return 0;
    k = j;
    if (s[j] == '0')
        j++;
    else
        while (j < len && s[j] >= '0' && s[j] <= '9')
            j++;
    digits = j - k;
    if (j < len && s[j] == '.') {
        real = 1;
        k = ++j;
        while (j < len && s[j] >= '0' && s[j] <= '9')
            j++;
        if (j == k)
            return 0;
    }
    if (j < len && (s[j] == 'e' || s[j] == 'E')) {
        real = 1;
        j++;
        if (j < len && (s[j] == '+' || s[j] == '-'))
            exp_sign = s[j++] == '-' ? -1 : 1;
        k = j;
        for (; j < len && s[j] >= '0' && s[j] <= '9'; j++)
            if (exp < 100000)  /* saturated: far past any double */
                exp = exp * 10 + (s[j] - '0');
        if (j == k)
            return 0;
    }
    if (!real ? !fits_int64(s + i, j - i, digits)
              : (long)digits + exp_sign * exp > 308)
        return 0;
    if (is_real)
        *is_real = real;
    return j;
}
