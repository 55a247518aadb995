/*
 * tokenizer.c -- raw token boundaries.  Owns the rules for which characters
 * belong to a word; what a word means (folding, stemming) is the analyzer's.
 */
#include "tokenizer.h"

#include <stdint.h>

#include <utf8proc.h>

#include "utf8.h"

/* Decode at i; *cls gets the class, returns byte length (1 for bad bytes,
 * which are class OTHER). */
static int char_at(const unsigned char *s, size_t len, size_t i,
                   int32_t *cp, int *cls)
{
    int n;
    if (s[i] < 0x80) {
        *cp = s[i];
        *cls = cari_char_class(s[i]);
        return 1;
    }
    n = cari_utf8_decode(s + i, len - i, cp);
    if (n < 0) {
        *cp = -1;
        *cls = CARI_CHAR_OTHER;
        return 1;
    }
    *cls = cari_char_class(*cp);
    return n;
}

static int is_hyphen(int32_t cp)
{
    return cp == '-' || cp == 0x2010 || cp == 0x2011;
}

static int is_apostrophe(int32_t cp)
{
    return cp == '\'' || cp == 0x2019 || cp == 0x02bc;
}

static unsigned letter_case_flag(int32_t cp)
{
    if (cp < 0x80)
        return (cp >= 'A' && cp <= 'Z') ? CARI_TOK_UPPER : CARI_TOK_LOWER;
    return utf8proc_tolower(cp) != cp ? CARI_TOK_UPPER : CARI_TOK_LOWER;
}

int cari_tokenize_next(const char *text, size_t len, size_t *pos,
                       cari_rawtoken *tok)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = *pos;
    int32_t cp;
    int cls, n;
    unsigned flags = 0;
    int prev_cls;

    /* skip to the first letter or digit */
    for (;;) {
        if (i >= len) {
            *pos = len;
            return 0;
        }
        if (s[i] < 0x80 && cari_char_class(s[i]) == CARI_CHAR_OTHER) {
            i++;
            continue;
        }
        n = char_at(s, len, i, &cp, &cls);
        if (cls == CARI_CHAR_LETTER || cls == CARI_CHAR_DIGIT)
            break;
        i += (size_t)n;
    }
    tok->start = i;
    prev_cls = CARI_CHAR_OTHER;
    while (i < len) {
        n = char_at(s, len, i, &cp, &cls);
        if (cls == CARI_CHAR_LETTER) {
            flags |= CARI_TOK_LETTER | letter_case_flag(cp);
        } else if (cls == CARI_CHAR_DIGIT) {
            flags |= CARI_TOK_DIGIT;
        } else if (cls == CARI_CHAR_MARK) {
            /* combining mark: stays with the word */
        } else {
            /* a joiner needs a word character right after it */
            int32_t ncp;
            int ncls, nn;
            unsigned add;
            size_t j = i + (size_t)n;
            if (j >= len || cp < 0)
                break;
            nn = char_at(s, len, j, &ncp, &ncls);
            (void)nn;
            if (is_hyphen(cp) && (prev_cls == CARI_CHAR_LETTER ||
                                  prev_cls == CARI_CHAR_DIGIT ||
                                  prev_cls == CARI_CHAR_MARK) &&
                (ncls == CARI_CHAR_LETTER || ncls == CARI_CHAR_DIGIT))
                add = CARI_TOK_HYPHEN;
            else if (is_apostrophe(cp) && prev_cls == CARI_CHAR_LETTER &&
                     ncls == CARI_CHAR_LETTER)
                add = CARI_TOK_APOSTROPHE;
            else if ((cp == '.' || cp == ',') && prev_cls == CARI_CHAR_DIGIT &&
                     ncls == CARI_CHAR_DIGIT)
                add = CARI_TOK_NUMSEP;
            else
                break;
            flags |= add;
            if (cp >= 0x80) /* U+2010, U+2019...: the token is not ASCII */
                flags |= CARI_TOK_NONASCII;
            prev_cls = CARI_CHAR_OTHER;
            i = j;
            continue;
        }
        if (cp >= 0x80)
            flags |= CARI_TOK_NONASCII;
        if (cls != CARI_CHAR_MARK)
            prev_cls = cls;
        i += (size_t)n;
    }
    tok->end = i;
    tok->flags = flags;
    *pos = i;
    return 1;
}
