/*
 * tokenizer.h -- splits UTF-8 text into raw tokens with byte offsets.
 * Internal to libcari; the analyzer turns raw tokens into terms.
 */
#ifndef CARI_TOKENIZER_H
#define CARI_TOKENIZER_H

#include <stddef.h>

/* Flags of a raw token. */
enum {
    CARI_TOK_LETTER = 1,     /* holds a letter */
    CARI_TOK_DIGIT = 2,      /* holds a digit */
    CARI_TOK_UPPER = 4,      /* holds an uppercase letter */
    CARI_TOK_LOWER = 8,      /* holds a lowercase (or caseless) letter */
    CARI_TOK_HYPHEN = 16,    /* parts joined by hyphens: anak-anak, e-KTP */
    CARI_TOK_APOSTROPHE = 32,/* an apostrophe between letters: Jum'at */
    CARI_TOK_NUMSEP = 64,    /* '.', ',', ':' or '/' between digits:
                                10.000, 1,5, 10:30, 14/9/2019 */
    CARI_TOK_NONASCII = 128, /* holds a byte >= 0x80 (joiners included) */
    CARI_TOK_URL = 256,      /* http(s)://... or www.... (whole) */
    CARI_TOK_EMAIL = 512,    /* name@domain.tld (whole) */
    CARI_TOK_SYMBOL = 1024   /* a currency sign before a number: $ */
};

typedef struct cari_rawtoken {
    size_t start, end;  /* byte range in the text */
    unsigned flags;
} cari_rawtoken;

/*
 * Find the next token at or after *pos in text[0..len).  Returns 1 and fills
 * tok (advancing *pos past it) or returns 0 at the end of the text.
 * A token is a run of letters, digits and combining marks (but each Han,
 * Hiragana or Katakana character is a token of its own); a hyphen joins
 * two such runs, an apostrophe joins two letters, and '.', ',', ':' or '/'
 * joins two digits.  A URL (http://, https://, www.) or an e-mail address is
 * one token; "Rp" glued to a number ("Rp10.000") is a token of its own, and
 * so is "$" before a digit.  Everything else (including invalid UTF-8)
 * separates tokens.
 */
int cari_tokenize_next(const char *text, size_t len, size_t *pos,
                       cari_rawtoken *tok);

#endif
