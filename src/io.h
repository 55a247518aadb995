/*
 * io.h -- the file operations that change an index directory, in one
 * place: every open-for-write, write, fsync, rename and unlink of the
 * writer goes through these wrappers.  Internal to libcari.
 *
 * In the shipped library they are the system calls and nothing more.  A
 * test build compiles io.c with -DCARI_FAULT_INJECTION: the k-th operation
 * of a kind can then fail with ENOSPC or EIO, or kill the process with
 * SIGKILL, so tests can stop a commit at every step (tests/crash.t).  Only
 * that build reads the environment:
 *
 *   CARI_FAULT=KIND:K:ACTION[:sticky]
 *     KIND    open (for writing), write, fsync, rename, unlink, or any
 *             (the k-th operation of whatever kind)
 *     K       1-based count of operations of that kind in this process
 *     ACTION  enospc, eio (the operation fails with that errno, nothing
 *             done) or kill (SIGKILL before the operation)
 *     sticky  every operation of the kind from the k-th on fails (a disk
 *             that stays full), not the k-th alone
 *   CARI_FAULT_LOG=FILE
 *     appends one line per operation to FILE: "N KIND PATH", N counting
 *     all operations (the k of any:K)
 *   CARI_FAULT_FREE=BYTES
 *     cari_io_free_bytes() answers BYTES, whatever the file system has
 *     (a disk too small for a merge, without filling one)
 */
#ifndef CARI_IO_H
#define CARI_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cari.h"

/* open(2) of a file the writer creates or changes (flags include O_WRONLY
 * or O_RDWR). */
int cari_io_open_write(const char *path, int flags, mode_t mode);
/* write(2), fsync(2), rename(2), unlink(2). */
ssize_t cari_io_write(int fd, const void *buf, size_t len);
int cari_io_fsync(int fd);
int cari_io_rename(const char *from, const char *to);
int cari_io_unlink(const char *path);
/* The bytes a writer without privileges may still use on the file system
 * that holds dir (statvfs: f_bavail * f_frsize) in *out.  -1 (errno set)
 * when statvfs fails.  Not an operation of CARI_FAULT's counts. */
int cari_io_free_bytes(const char *dir, uint64_t *out);

/* Record the failure of `what` (e.g. "fsync") on path from errno in err:
 * CARI_ENOSPACE ("disk full") for ENOSPC and EDQUOT, else CARI_EIO.
 * Returns the code. */
int cari_io_error(cari_error *err, const char *path, const char *what);

#ifdef CARI_FAULT_INJECTION
enum {
    CARI_IO_OPEN,
    CARI_IO_WRITE,
    CARI_IO_FSYNC,
    CARI_IO_RENAME,
    CARI_IO_UNLINK,
    CARI_IO_ANY,
    CARI_IO_KINDS
};
/* Arm a fault from a spec in the CARI_FAULT syntax (NULL or "" disarms);
 * resets the operation counts.  -1 when the spec does not parse. */
int cari_io_fault_arm(const char *spec);
/* Operations of a kind done (or attempted) since the last arm. */
unsigned long cari_io_fault_count(int kind);
#endif

#endif
