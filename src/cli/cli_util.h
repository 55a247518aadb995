/*
 * cli_util.h - small helpers shared by cari-index and cari-search.
 */
#ifndef CARI_CLI_UTIL_H
#define CARI_CLI_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Human-readable size in buf: "812 B", "41.2 KB", "45.4 MB", "1.20 GB"
 * (powers of 1000, as the benchmarks count).  Returns buf. */
const char *cli_human_size(uint64_t bytes, char *buf, size_t cap);

/* The one message for a damaged index (CARI_ECORRUPT), at open or later:
 * "PROG: index is damaged (DETAIL); run cari-index --check, or rebuild". */
void cli_report_damage(const char *prog, const char *detail);

/* Flush standard output; when that or an earlier write failed (a full
 * disk, a closed pipe), say so on standard error -- "PROG: write error on
 * standard output: REASON", then NOTE if not NULL -- and return -1, else
 * 0.  A tool exits 2 then, never silently. */
int cli_flush_stdout(const char *prog, const char *note);

/* Write the string s to f with each control character (C0, DEL, C1) and
 * each byte that is not UTF-8 as U+FFFD, so that what an input holds
 * (an id, a file name, JSON that does not parse) never reaches a
 * terminal as an escape sequence or a line break. */
void cli_put_clean(FILE *f, const char *s);

#endif
