/*
 * utf8.c -- UTF-8 decoding, validation and folding.  ASCII is handled by
 * tables; everything else goes through utf8proc (Unicode categories, case
 * folding, compatibility decomposition, mark stripping).
 */
#include "utf8.h"

#include <utf8proc.h>

#include "util.h"

int cari_utf8_decode(const unsigned char *s, size_t len, int32_t *cp)
{
    utf8proc_int32_t c;
    utf8proc_ssize_t n;
    if (len == 0)
        return -1;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    n = utf8proc_iterate(s, len > 4 ? 4 : (utf8proc_ssize_t)len, &c);
    if (n <= 0)
        return -1;
    *cp = c;
    return (int)n;
}

int cari_utf8_valid(const char *s, size_t len, size_t *bad)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        int32_t cp;
        int n;
        /* ASCII eight bytes at a time */
        while (i + 8 <= len) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (w & 0x8080808080808080ull)
                break;
            i += 8;
        }
        if (i >= len)
            break;
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        n = cari_utf8_decode(p + i, len - i, &cp);
        if (n < 0) {
            if (bad)
                *bad = i;
            return 0;
        }
        i += (size_t)n;
    }
    return 1;
}

int cari_char_class(int32_t cp)
{
    if (cp < 0x80) {
        if ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z')
            return CARI_CHAR_LETTER;
        if (cp >= '0' && cp <= '9')
            return CARI_CHAR_DIGIT;
        return CARI_CHAR_OTHER;
    }
    /* the soft hyphen, the zero-width (non-)joiners, the word joiner and
     * U+FEFF stay inside a word (scraped news writes Sep\u00adtember) and
     * fold away (UTF8PROC_IGNORE below); U+200B still separates words */
    if (cp == 0x00AD || cp == 0x200C || cp == 0x200D || cp == 0x2060 ||
        cp == 0xFEFF)
        return CARI_CHAR_MARK;
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
        return CARI_CHAR_LETTER;
    case UTF8PROC_CATEGORY_ND:
        return CARI_CHAR_DIGIT;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
        return CARI_CHAR_MARK;
    default:
        return CARI_CHAR_OTHER;
    }
}

size_t cari_fold_char(int32_t cp, char *out, size_t cap)
{
    utf8proc_int32_t buf[18];
    utf8proc_ssize_t n, i;
    int boundclass = UTF8PROC_BOUNDCLASS_START;
    unsigned char tmp[4 * 18];
    size_t len = 0;
    if (cp < 0x80) {
        if (cap < 1)
            return 2;
        out[0] = (char)((cp >= 'A' && cp <= 'Z') ? cp + 32 : cp);
        return 1;
    }
    n = utf8proc_decompose_char(cp, buf, 18,
                                UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT |
                                    UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK |
                                    UTF8PROC_IGNORE,
                                &boundclass);
    if (n < 0 || n > 18)
        return 0;
    for (i = 0; i < n; i++)
        len += (size_t)utf8proc_encode_char(buf[i], tmp + len);
    if (len > cap)
        return len + 1 > cap ? len + 1 : cap + 1;
    memcpy(out, tmp, len);
    return len;
}

size_t cari_utf8_trim(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = len, back = 0;
    while (i > 0 && back < 4 && (p[i - 1] & 0xc0) == 0x80) {
        i--;
        back++;
    }
    if (i == 0)
        return 0;
    {
        unsigned char c = p[i - 1];
        size_t need = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
        if (need == back + 1)
            return len;
        return i - 1;
    }
}
