/*
 * io.c -- the writer's file operations (io.h), and the fault injection
 * that a test build compiles in with -DCARI_FAULT_INJECTION.
 *
 * The Makefile builds this file a second time with the macro for
 * build/fault/ (see "fault" there) and links the test binaries with that
 * object ahead of libcari.a, so the library itself is built once and the
 * shipped build has no trace of the environment variable.
 */
#define _POSIX_C_SOURCE 200809L
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "util.h"

#ifdef CARI_FAULT_INJECTION
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>

static const char *const kind_names[CARI_IO_KINDS] = {
    "open", "write", "fsync", "rename", "unlink", "any"};

enum { ACT_NONE, ACT_ENOSPC, ACT_EIO, ACT_KILL };

static struct {
    int kind, action, sticky;
    unsigned long k;
} fault;
static atomic_ulong counts[CARI_IO_KINDS];
static atomic_int env_read;

int cari_io_fault_arm(const char *spec)
{
    char kind[16], action[16], extra[16];
    unsigned long k;
    int i, n;
    for (i = 0; i < CARI_IO_KINDS; i++)
        atomic_store(&counts[i], 0);
    fault.action = ACT_NONE;
    atomic_store(&env_read, 1);
    if (!spec || !*spec)
        return 0;
    extra[0] = '\0';
    n = sscanf(spec, "%15[a-z]:%lu:%15[a-z]:%15[a-z]", kind, &k, action,
               extra);
    if (n < 3 || k == 0 || (n == 4 && strcmp(extra, "sticky") != 0))
        return -1;
    for (i = 0; i < CARI_IO_KINDS; i++)
        if (strcmp(kind, kind_names[i]) == 0)
            break;
    if (i == CARI_IO_KINDS)
        return -1;
    fault.kind = i;
    fault.k = k;
    fault.sticky = n == 4;
    if (strcmp(action, "enospc") == 0)
        fault.action = ACT_ENOSPC;
    else if (strcmp(action, "eio") == 0)
        fault.action = ACT_EIO;
    else if (strcmp(action, "kill") == 0)
        fault.action = ACT_KILL;
    else
        return -1;
    return 0;
}

unsigned long cari_io_fault_count(int kind)
{
    return kind >= 0 && kind < CARI_IO_KINDS ? atomic_load(&counts[kind]) : 0;
}

static int log_fd = -1;

/* With $CARI_FAULT_LOG, one line per operation: its number among all
 * operations, its kind and the file (tests list the points to stop at). */
static void log_op(unsigned long any, int kind, const char *path, int fd)
{
    char name[4096], line[4200], link[64];
    ssize_t n;
    int len;
    if (log_fd < 0)
        return;
    if (!path) {
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        n = readlink(link, name, sizeof name - 1);
        name[n > 0 ? n : 0] = '\0';
        path = name;
    }
    len = snprintf(line, sizeof line, "%lu %s %s\n", any, kind_names[kind],
                   path);
    if (len > 0 && write(log_fd, line, (size_t)len) < 0)
        return;
}

/* Count an operation of kind on path (or fd); 0 to go ahead, -1 (errno
 * set) to fail it. */
static int inject(int kind, const char *path, int fd)
{
    unsigned long mine, any;
    int expected = 0;
    if (atomic_compare_exchange_strong(&env_read, &expected, 1)) {
        const char *spec = getenv("CARI_FAULT");
        const char *log = getenv("CARI_FAULT_LOG");
        if (spec && cari_io_fault_arm(spec) != 0) {
            /* a typo must not make a test pass quietly */
            fprintf(stderr, "CARI_FAULT: cannot parse '%s'\n", spec);
            abort();
        }
        if (log)
            log_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                          0644);
    }
    mine = atomic_fetch_add(&counts[kind], 1) + 1;
    any = atomic_fetch_add(&counts[CARI_IO_ANY], 1) + 1;
    log_op(any, kind, path, fd);
    if (fault.action == ACT_NONE)
        return 0;
    if (fault.kind == CARI_IO_ANY)
        mine = any;
    else if (fault.kind != kind)
        return 0;
    if (mine != fault.k && !(fault.sticky && mine > fault.k))
        return 0;
    if (fault.action == ACT_KILL)
        raise(SIGKILL);
    errno = fault.action == ACT_ENOSPC ? ENOSPC : EIO;
    return -1;
}
#define INJECT(kind, path, fd)           \
    do {                                 \
        if (inject(kind, path, fd))      \
            return -1;                   \
    } while (0)
#else
#define INJECT(kind, path, fd) ((void)0)
#endif

int cari_io_open_write(const char *path, int flags, mode_t mode)
{
    INJECT(CARI_IO_OPEN, path, -1);
    return open(path, flags, mode);
}

ssize_t cari_io_write(int fd, const void *buf, size_t len)
{
    INJECT(CARI_IO_WRITE, NULL, fd);
    return write(fd, buf, len);
}

int cari_io_fsync(int fd)
{
    INJECT(CARI_IO_FSYNC, NULL, fd);
    return fsync(fd);
}

int cari_io_rename(const char *from, const char *to)
{
    INJECT(CARI_IO_RENAME, to, -1);
    return rename(from, to);
}

int cari_io_unlink(const char *path)
{
    INJECT(CARI_IO_UNLINK, path, -1);
    return unlink(path);
}

int cari_io_free_bytes(const char *dir, uint64_t *out)
{
    struct statvfs fs;
#ifdef CARI_FAULT_INJECTION
    const char *fake = getenv("CARI_FAULT_FREE");
    if (fake && *fake) {
        char *end;
        errno = 0;
        *out = strtoull(fake, &end, 10);
        if (errno || *end) {
            fprintf(stderr, "CARI_FAULT_FREE: cannot parse '%s'\n", fake);
            abort();
        }
        return 0;
    }
#endif
    if (statvfs(dir, &fs) != 0)
        return -1;
    *out = (uint64_t)fs.f_bavail * fs.f_frsize;
    return 0;
}

int cari_io_error(cari_error *err, const char *path, const char *what)
{
    int e = errno;
    if (e == ENOSPC || e == EDQUOT)
        return cari_set_error(err, CARI_ENOSPACE,
                              "%s: disk full (%s failed: %s)", path, what,
                              strerror(e));
    return cari_set_error(err, CARI_EIO, "%s: %s failed: %s", path, what,
                          strerror(e));
}
