/*
 * utf8.h -- UTF-8 decoding and validation, character classes, and case and
 * accent folding (through utf8proc).  Internal to libcari.
 */
#ifndef CARI_UTF8_H
#define CARI_UTF8_H

#include <stddef.h>
#include <stdint.h>

enum {
    CARI_CHAR_OTHER = 0,
    CARI_CHAR_LETTER = 1,
    CARI_CHAR_DIGIT = 2,
    CARI_CHAR_MARK = 3  /* combining mark: part of the word it follows */
};

/* Decode the code point at s[0..len); returns its byte length, or -1 for an
 * invalid or truncated sequence (the caller skips one byte). */
int cari_utf8_decode(const unsigned char *s, size_t len, int32_t *cp);

/* 1 if s[0..len) is valid UTF-8; otherwise 0 and *bad = offset of the first
 * invalid byte. */
int cari_utf8_valid(const char *s, size_t len, size_t *bad);

/* Character class of a code point (ASCII through a table). */
int cari_char_class(int32_t cp);

/* Append the folded form of cp (lowercase, accents and compatibility forms
 * removed: "É" -> "e", "ﬁ" -> "fi") to out[0..cap); returns the bytes
 * written, 0 when the code point folds to nothing, or more than cap when it
 * did not fit (nothing is written then). */
size_t cari_fold_char(int32_t cp, char *out, size_t cap);

/* Largest n <= len such that s[0..n) does not end inside a UTF-8 sequence. */
size_t cari_utf8_trim(const char *s, size_t len);

#endif
