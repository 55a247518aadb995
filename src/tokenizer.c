/*
 * tokenizer.c -- raw token boundaries.  Owns the rules for which characters
 * belong to a word; what a word means (folding, stemming) is the analyzer's.
 */
#include "tokenizer.h"

#include <stdint.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

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

/* Han ideographs, Hiragana and Katakana: Chinese and Japanese write no
 * spaces between words, so each such character is a token of its own and
 * a query word of several is searched as their phrase (analyzer 5; before,
 * a run was one token: 東京 did not find 東京オリンピック).  Hangul is
 * written with spaces and stays a run. */
static int is_cjk(int32_t cp)
{
    return (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x31F0 && cp <= 0x31FF) ||
           (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFF66 && cp <= 0xFF9F) ||
           (cp >= 0x20000 && cp <= 0x323AF);
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

/* ASCII character kinds for the fast path: K_SEP ends a token at once;
 * K_JOIN may join two runs (hyphen, apostrophe, number separators) or start
 * an e-mail address, and takes the general path. */
enum { K_SEP = 0, K_LOWER, K_UPPER, K_DIGIT, K_JOIN };

static const unsigned char ascii_kind[128] = {
    ['a'] = K_LOWER, ['b'] = K_LOWER, ['c'] = K_LOWER, ['d'] = K_LOWER,
    ['e'] = K_LOWER, ['f'] = K_LOWER, ['g'] = K_LOWER, ['h'] = K_LOWER,
    ['i'] = K_LOWER, ['j'] = K_LOWER, ['k'] = K_LOWER, ['l'] = K_LOWER,
    ['m'] = K_LOWER, ['n'] = K_LOWER, ['o'] = K_LOWER, ['p'] = K_LOWER,
    ['q'] = K_LOWER, ['r'] = K_LOWER, ['s'] = K_LOWER, ['t'] = K_LOWER,
    ['u'] = K_LOWER, ['v'] = K_LOWER, ['w'] = K_LOWER, ['x'] = K_LOWER,
    ['y'] = K_LOWER, ['z'] = K_LOWER,
    ['A'] = K_UPPER, ['B'] = K_UPPER, ['C'] = K_UPPER, ['D'] = K_UPPER,
    ['E'] = K_UPPER, ['F'] = K_UPPER, ['G'] = K_UPPER, ['H'] = K_UPPER,
    ['I'] = K_UPPER, ['J'] = K_UPPER, ['K'] = K_UPPER, ['L'] = K_UPPER,
    ['M'] = K_UPPER, ['N'] = K_UPPER, ['O'] = K_UPPER, ['P'] = K_UPPER,
    ['Q'] = K_UPPER, ['R'] = K_UPPER, ['S'] = K_UPPER, ['T'] = K_UPPER,
    ['U'] = K_UPPER, ['V'] = K_UPPER, ['W'] = K_UPPER, ['X'] = K_UPPER,
    ['Y'] = K_UPPER, ['Z'] = K_UPPER,
    ['0'] = K_DIGIT, ['1'] = K_DIGIT, ['2'] = K_DIGIT, ['3'] = K_DIGIT,
    ['4'] = K_DIGIT, ['5'] = K_DIGIT, ['6'] = K_DIGIT, ['7'] = K_DIGIT,
    ['8'] = K_DIGIT, ['9'] = K_DIGIT,
    ['-'] = K_JOIN, ['\''] = K_JOIN, ['.'] = K_JOIN, [','] = K_JOIN,
    [':'] = K_JOIN, ['/'] = K_JOIN, ['@'] = K_JOIN, ['_'] = K_JOIN,
    ['%'] = K_JOIN, ['+'] = K_JOIN};

static int is_url_char(unsigned char c)
{
    /* RFC 3986 characters, minus the ones that usually close a URL in
     * running text */
    return c > 0x20 && c < 0x7f && c != '"' && c != '<' && c != '>' &&
           c != '\\' && c != '^' && c != '`' && c != '{' && c != '|' &&
           c != '}';
}

static int ascii_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

static int prefix_ci(const unsigned char *s, size_t len, const char *p)
{
    size_t i;
    for (i = 0; p[i]; i++)
        if (i >= len || (s[i] | 0x20) != (unsigned char)p[i])
            return 0;
    return 1;
}

/* End of a URL starting at s[i] ("http://", "https://" or "www."), or 0. */
static size_t url_end(const unsigned char *s, size_t len, size_t i)
{
    size_t j, start = i;
    if (prefix_ci(s + i, len - i, "https://"))
        j = i + 8;
    else if (prefix_ci(s + i, len - i, "http://"))
        j = i + 7;
    else if (prefix_ci(s + i, len - i, "www.") && i + 4 < len &&
             ascii_alnum(s[i + 4]))
        j = i + 4;
    else
        return 0;
    if (i > 0 && (ascii_alnum(s[i - 1]) || s[i - 1] >= 0x80))
        return 0;  /* "xhttp://" is not a URL start */
    while (j < len && is_url_char(s[j]))
        j++;
    /* punctuation that ends a sentence or closes a bracket is not part of
     * the URL */
    while (j > start && (s[j - 1] == '.' || s[j - 1] == ',' || s[j - 1] == ';' ||
                         s[j - 1] == ':' || s[j - 1] == '!' || s[j - 1] == '?' ||
                         s[j - 1] == ')' || s[j - 1] == ']' || s[j - 1] == '\''))
        j--;
    return j - start > 8 ? j : 0;
}

/* End of an e-mail address starting at s[i], or 0: local part of
 * [A-Za-z0-9._%+-], '@', then a domain of labels with at least one dot. */
static size_t email_end(const unsigned char *s, size_t len, size_t i)
{
    size_t j = i, at, dot = 0;
    if (i > 0 && (ascii_alnum(s[i - 1]) || s[i - 1] == '.' || s[i - 1] == '_'))
        return 0;
    while (j < len && (ascii_alnum(s[j]) || s[j] == '.' || s[j] == '_' ||
                       s[j] == '%' || s[j] == '+' || s[j] == '-'))
        j++;
    if (j == i || j >= len || s[j] != '@')
        return 0;
    at = j++;
    while (j < len && (ascii_alnum(s[j]) || s[j] == '-' ||
                       (s[j] == '.' && j + 1 < len && ascii_alnum(s[j + 1]) &&
                        s[j - 1] != '.'))) {
        if (s[j] == '.')
            dot = j;
        j++;
    }
    if (!dot || dot == at + 1 || j - dot < 3)
        return 0;
    return j;
}

/* The end of the run of ASCII lowercase letters at s[i] (i itself when
 * there is none): 16 bytes at a time where SSE2 is, else a byte at a
 * time. */
static size_t lower_run_end(const unsigned char *s, size_t len, size_t i)
{
#ifdef __SSE2__
    const __m128i a = _mm_set1_epi8('a'), z = _mm_set1_epi8('z' - 'a');
    while (i + 16 <= len) {
        __m128i t = _mm_sub_epi8(
            _mm_loadu_si128((const __m128i *)(const void *)(s + i)), a);
        /* t <= 25 unsigned: a lowercase letter */
        unsigned m = (unsigned)_mm_movemask_epi8(
            _mm_cmpeq_epi8(_mm_min_epu8(t, z), t));
        if (m != 0xffffu)
            return i + (size_t)__builtin_ctz(~m);
        i += 16;
    }
#endif
    while (i < len && (unsigned)(s[i] - 'a') < 26)
        i++;
    return i;
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
        if (s[i] < 0x80) {
            /* ASCII: a letter or digit starts the token, the rest is
             * passed over (but "$5") */
            unsigned k = ascii_kind[s[i]];
            if (k == K_LOWER || k == K_UPPER || k == K_DIGIT)
                break;
            if (s[i] != '$') {
                i++;
                continue;
            }
        }
        n = char_at(s, len, i, &cp, &cls);
        if (cls == CARI_CHAR_LETTER || cls == CARI_CHAR_DIGIT)
            break;
        if (cp == '$' && i + 1 < len && s[i + 1] >= '0' && s[i + 1] <= '9') {
            tok->start = i;
            tok->end = i + 1;
            tok->flags = CARI_TOK_SYMBOL;
            *pos = i + 1;
            return 1;
        }
        i += (size_t)n;
    }
    tok->start = i;
    if (s[i] < 0x80) {
        size_t e = (s[i] == 'h' || s[i] == 'H' || s[i] == 'w' || s[i] == 'W')
                       ? url_end(s, len, i)
                       : 0;
        if (e) {
            tok->end = e;
            tok->flags = CARI_TOK_URL | CARI_TOK_LETTER | CARI_TOK_LOWER;
            *pos = e;
            return 1;
        }
        /* "Rp10.000": the currency is a token of its own */
        if ((s[i] | 0x20) == 'r' && i + 2 < len && (s[i + 1] | 0x20) == 'p' &&
            s[i + 2] >= '0' && s[i + 2] <= '9') {
            tok->end = i + 2;
            tok->flags = CARI_TOK_LETTER |
                         ((s[i] == 'R') ? CARI_TOK_UPPER : CARI_TOK_LOWER);
            *pos = i + 2;
            return 1;
        }
    }
    prev_cls = CARI_CHAR_OTHER;
    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            /* ASCII: letters and digits by table; a separator that cannot
             * join ends the token here */
            unsigned k = ascii_kind[c];
            if (k == K_LOWER) {
                /* a run of lowercase letters, the most of any text */
                flags |= CARI_TOK_LETTER | CARI_TOK_LOWER;
                prev_cls = CARI_CHAR_LETTER;
                i = lower_run_end(s, len, i + 1);
                continue;
            }
            if (k == K_UPPER) {
                flags |= CARI_TOK_LETTER | CARI_TOK_UPPER;
                prev_cls = CARI_CHAR_LETTER;
                i++;
                continue;
            }
            if (k == K_DIGIT) {
                flags |= CARI_TOK_DIGIT;
                prev_cls = CARI_CHAR_DIGIT;
                i++;
                continue;
            }
            if (k == K_SEP)
                break;
        }
        n = char_at(s, len, i, &cp, &cls);
        if (cls == CARI_CHAR_LETTER && is_cjk(cp)) {
            /* a character of its own, with the marks after it */
            if (i > tok->start)
                break;
            flags |= CARI_TOK_LETTER | CARI_TOK_LOWER | CARI_TOK_NONASCII;
            i += (size_t)n;
            while (i < len && s[i] >= 0x80) {
                n = char_at(s, len, i, &cp, &cls);
                if (cls != CARI_CHAR_MARK)
                    break;
                i += (size_t)n;
            }
            break;
        }
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
            else if ((cp == '.' || cp == ',' || cp == ':' || cp == '/') &&
                     prev_cls == CARI_CHAR_DIGIT && ncls == CARI_CHAR_DIGIT)
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
    /* an e-mail address: only where the word stops at a character that
     * can continue one */
    if (i < len && s[tok->start] < 0x80 &&
        (s[i] == '@' || s[i] == '.' || s[i] == '_' || s[i] == '%' ||
         s[i] == '+' || s[i] == '-')) {
        size_t e = email_end(s, len, tok->start);
        if (e) {
            tok->end = e;
            tok->flags = CARI_TOK_EMAIL | CARI_TOK_LETTER | CARI_TOK_LOWER;
            *pos = e;
            return 1;
        }
    }
    tok->end = i;
    tok->flags = flags;
    *pos = i;
    return 1;
}
