/*
 * cli_util.c - small helpers shared by cari-index and cari-search.
 */
#include "cli_util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <utf8proc.h>

const char *cli_human_size(uint64_t bytes, char *buf, size_t cap)
{
    if (bytes < 1000)
        snprintf(buf, cap, "%llu B", (unsigned long long)bytes);
    else if (bytes < 1000000)
        snprintf(buf, cap, "%.1f KB", (double)bytes / 1e3);
    else if (bytes < 1000000000)
        snprintf(buf, cap, "%.1f MB", (double)bytes / 1e6);
    else
        snprintf(buf, cap, "%.2f GB", (double)bytes / 1e9);
    return buf;
}

void cli_report_damage(const char *prog, const char *detail)
{
    fprintf(stderr, "%s: index is damaged (%s); run cari-index --check, or "
            "rebuild\n", prog, detail);
}

int cli_flush_stdout(const char *prog, const char *note)
{
    int e = fflush(stdout) != 0 ? errno : 0;
    if (!e && !ferror(stdout))
        return 0;
    fprintf(stderr, "%s: write error on standard output%s%s%s\n", prog,
            e ? ": " : "", e ? strerror(e) : "", note ? note : "");
    return -1;
}

void cli_put_clean(FILE *f, const char *s)
{
    while (*s) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s,
                                              -1, &cp);
        if (k <= 0) {
            fputs("\xef\xbf\xbd", f);  /* a byte that is not UTF-8 */
            s++;
        } else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
            fputs("\xef\xbf\xbd", f);
            s += k;
        } else {
            fwrite(s, 1, (size_t)k, f);
            s += k;
        }
    }
}
