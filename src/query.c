/*
 * query.c -- the query parser: a recursive-descent parser over the query
 * language of query.h, producing a tree of cari_qnode in an arena.  Words
 * are analyzed by the index's analyzer, so a query term means what an
 * index term means.
 */
#include "query.h"
#include "stem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Words left after analysis beyond this many are ignored (a bound on
 * pathological queries; no real query comes near it). */
#define MAX_QUERY_TERMS 1024
#define MAX_DEPTH 64

typedef struct parser {
    cari_analyzer *an;
    const char *s;
    size_t len, pos;
    int all;
    int depth;
    size_t nterms;
    uint32_t base;   /* query positions of the words before the last */
    uint32_t tv_used; /* positions the last analyzer run used */
    cari_arena *arena;
    cari_error *err;
    cari_tokvec tv;
} parser;

/* Column (1-based, in characters) of byte offset off. */
static size_t column(const char *s, size_t off)
{
    size_t i, col = 1;
    for (i = 0; i < off; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            col++;
    return col;
}

static int syntax(parser *p, size_t at, const char *what)
{
    return cari_set_error(p->err, CARI_ESYNTAX,
                          "query error at column %zu: %s", column(p->s, at),
                          what);
}

/* Bytes of the white space character at s[i] (of len), or 0: ASCII's and
 * Unicode's (the no-break space U+00A0, the thin and other fixed-width
 * spaces U+2000-U+200A, U+202F, U+205F, U+3000...), which the analyzer
 * takes as a separator too (found by review: "banjir<U+00A0>Jakarta",
 * pasted from a web page, was one word, searched as the phrase "banjir
 * jakarta"). */
size_t cari_query_space_at(const char *s, size_t len, size_t i)
{
    const unsigned char *u = (const unsigned char *)s + i;
    size_t left = len - i;
    if (i >= len)
        return 0;
    if (u[0] == ' ' || u[0] == '\t' || u[0] == '\n' || u[0] == '\r' ||
        u[0] == '\f' || u[0] == '\v')
        return 1;
    if (left >= 2 && u[0] == 0xc2 && (u[1] == 0x85 || u[1] == 0xa0))
        return 2;  /* U+0085, U+00A0 */
    if (left >= 3 && u[0] == 0xe1 && u[1] == 0x9a && u[2] == 0x80)
        return 3;  /* U+1680 */
    if (left >= 3 && u[0] == 0xe2 && u[1] == 0x80 &&
        (u[2] <= 0x8a || u[2] == 0xa8 || u[2] == 0xa9 || u[2] == 0xaf))
        return 3;  /* U+2000-U+200A, U+2028, U+2029, U+202F */
    if (left >= 3 && u[0] == 0xe2 && u[1] == 0x81 && u[2] == 0x9f)
        return 3;  /* U+205F */
    if (left >= 3 && u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80)
        return 3;  /* U+3000 */
    return 0;
}

/* Bytes of the double quote at s[i] (of len), or 0: '"' or a curly one,
 * \u201c \u201d \u201e, which phones and word processors type for it
 * (found by review: \u201ckereta cepat\u201d searched two words, not the
 * phrase). */
size_t cari_query_quote_at(const char *s, size_t len, size_t i)
{
    const unsigned char *u = (const unsigned char *)s + i;
    if (i >= len)
        return 0;
    if (u[0] == '"')
        return 1;
    if (len - i >= 3 && u[0] == 0xe2 && u[1] == 0x80 &&
        (u[2] == 0x9c || u[2] == 0x9d || u[2] == 0x9e))
        return 3;
    return 0;
}

/* A sign ('+' or '-') at p->pos. */
static int sign_here(const parser *p)
{
    return p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-');
}

static void skip_space(parser *p)
{
    size_t n;
    while ((n = cari_query_space_at(p->s, p->len, p->pos)) > 0)
        p->pos += n;
}

/* Does the operator word op (upper case) stand at the cursor, followed by
 * a space, a bracket, a quote, the end (or "/" for NEAR)? */
static int at_operator(const parser *p, const char *op)
{
    size_t n = strlen(op), e = p->pos + n;
    char c;
    if (p->len - p->pos < n || memcmp(p->s + p->pos, op, n) != 0)
        return 0;
    if (e == p->len)
        return 1;
    c = p->s[e];
    return cari_query_space_at(p->s, p->len, e) || c == '(' || c == ')' ||
           cari_query_quote_at(p->s, p->len, e) ||
           (c == '/' && strcmp(op, "NEAR") == 0);
}

cari_qnode *cari_query_node(cari_arena *arena, cari_qop op)
{
    cari_qnode *n = cari_arena_alloc(arena, sizeof *n);
    if (n) {
        memset(n, 0, sizeof *n);
        n->op = op;
        n->fields = CARI_QF_ALL;
        n->weight = 1.0;
    }
    return n;
}

static cari_qnode *new_node(parser *p, cari_qop op)
{
    return cari_query_node(p->arena, op);
}

/* A growable list of nodes in the arena. */
typedef struct nodelist {
    cari_qnode **items;
    size_t len, cap;
} nodelist;

static int list_push(parser *p, nodelist *l, cari_qnode *n)
{
    if (l->len == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4;
        cari_qnode **q = cari_arena_alloc(p->arena, cap * sizeof *q);
        if (!q)
            return CARI_ENOMEM;
        if (l->len)
            memcpy(q, l->items, l->len * sizeof *q);
        l->items = q;
        l->cap = cap;
    }
    l->items[l->len++] = n;
    return CARI_OK;
}

/* Where a plain word ends: at space, bracket, quote; a ':' ends it only
 * when it names a field (handled by the caller). */
static size_t word_end(const parser *p, size_t i)
{
    while (i < p->len && !cari_query_space_at(p->s, p->len, i) &&
           p->s[i] != '(' && p->s[i] != ')' &&
           !cari_query_quote_at(p->s, p->len, i))
        i++;
    return i;
}

/*
 * The node for the token at tv[i] (a primary token): its term, or when the
 * analyzer gave it alternatives (a compound's parts: bolak-balik, bolak,
 * balik) a BOOL that matches any of them.  exact: its "=form" instead.
 * A token with digits (14/9/2019, covid-19, 2020-an) is its whole term
 * alone: the index holds it whole, and its parts ("9", "19") would match
 * passages that only have the number.
 */
static int token_node(parser *p, size_t i, int exact, unsigned fields,
                      cari_qnode **out)
{
    nodelist alts = {0};
    size_t m;
    const cari_term_token *t = &p->tv.items[i];
    int digits = 0;
    *out = NULL;
    for (m = 0; m < t->term_len && !digits; m++)
        digits = t->term[m] >= '0' && t->term[m] <= '9';
    if (exact) {
        for (m = i + 1; m < p->tv.len && p->tv.items[m].alternative; m++)
            if (p->tv.items[m].term[0] == '=')
                t = &p->tv.items[m];
    }
    for (m = i; m < p->tv.len && (m == i || p->tv.items[m].alternative); m++) {
        const cari_term_token *a = m == i ? t : &p->tv.items[m];
        cari_qnode *node;
        if (m > i && (exact || digits || a->term[0] == '='))
            continue;
        if (p->nterms >= MAX_QUERY_TERMS)
            break;
        node = new_node(p, CARI_Q_TERM);
        if (!node)
            return CARI_ENOMEM;
        node->fields = fields;
        node->term = cari_arena_strndup(p->arena, a->term, a->term_len);
        node->len = a->term_len;
        node->qpos = p->base + a->position + 1;
        if (!node->term || list_push(p, &alts, node))
            return CARI_ENOMEM;
        if (m == i && !exact) {
            /* the word's exact form, if the analyzer gave one */
            size_t e;
            for (e = i + 1; e < p->tv.len && p->tv.items[e].alternative; e++)
                if (p->tv.items[e].term[0] == '=') {
                    node->exact = cari_arena_strndup(p->arena,
                                                     p->tv.items[e].term,
                                                     p->tv.items[e].term_len);
                    if (!node->exact)
                        return CARI_ENOMEM;
                    node->exact_len = p->tv.items[e].term_len;
                    break;
                }
        }
        p->nterms++;
    }
    if (alts.len <= 1) {
        *out = alts.len ? alts.items[0] : NULL;
        return CARI_OK;
    }
    *out = new_node(p, CARI_Q_BOOL);
    if (!*out)
        return CARI_ENOMEM;
    (*out)->should = alts.items;
    (*out)->nshould = alts.len;
    return CARI_OK;
}

/* Where the quote that ends right before a starts. */
static size_t quote_start(const parser *p, size_t a)
{
    size_t q = a - 1;
    while (q > 0 && ((unsigned char)p->s[q] & 0xc0) == 0x80)
        q--;
    return q;
}

/* Is term a word's (no hyphen, digit, '.', '@'...: not a compound, a
 * number or an address)?  A token whose term is one and that has an
 * alternative that is no "=form" is an acronym: ASEAN gives asean, then
 * ase, the stem of its lower case (analyzer 4). */
static int plain_term(const char *term, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++)
        if (strchr("-.,:/@0123456789", term[i]))
            return 0;
    return len > 0;
}

/* Is t the hyphenated whole w written without its hyphens (e-mail:
 * email, which the stemmer gives beside it)? */
static int joined_whole(const char *w, size_t wn, const char *t, size_t tn)
{
    size_t i, k = 0, hyphens = 0;
    for (i = 0; i < wn; i++) {
        if (w[i] == '-') {
            hyphens++;
            continue;
        }
        if (k >= tn || t[k] != w[i])
            return 0;
        k++;
    }
    return hyphens > 0 && k == tn;
}

/* The token a phrase takes for the primary token tv[i]: an acronym's
 * stem, which every spelling holds at its position (ASEAN, Asean and
 * asean all give ase; found by review: "KTT ASEAN" searched the whole
 * asean and missed "KTT Asean"); a hyphenated word's joined form, which
 * both spellings hold (e-mail and email give email); else tv[i]. */
const cari_term_token *cari_query_phrase_token(const cari_tokvec *tv,
                                               size_t i)
{
    const cari_term_token *t = &tv->items[i];
    size_t m;
    if (i + 1 < tv->len && tv->items[i + 1].alternative &&
        !tv->items[i + 1].joined && tv->items[i + 1].term[0] != '=' &&
        plain_term(t->term, t->term_len))
        return &tv->items[i + 1];
    for (m = i + 1; m < tv->len && tv->items[m].alternative; m++)
        if (joined_whole(t->term, t->term_len, tv->items[m].term,
                         tv->items[m].term_len))
            return &tv->items[m];
    return t;
}

/*
 * The prefix of an amount: "Rp1.00*" and "$1*", whose currency the
 * analyzer makes a token of its own, are prefixes of the number, not of
 * "rp" (found by review: Rp1.00* matched every amount in rupiah).  The
 * index holds an amount's digits without its thousands dots (Rp1.000:
 * rp, 1000), so written with them ("1.00", "1.000.0") the prefix is its
 * digits: Rp1.00* finds the numbers that start 100 (Rp100, Rp1.000,
 * Rp10.000).  A number alone written so is read the same way (found by
 * review: 1.00* took 1.00 for a time, and found the times 1.00 alone, not
 * 1.000 nor Rp1.000).  t is the word's first token (text from a); returns
 * 1 with node->term set (NULL when out of memory), 0 when the word is no
 * amount nor such a number.
 */
static int amount_prefix(parser *p, size_t a, const cari_term_token *t,
                         cari_qnode *node)
{
    const cari_term_token *num = NULL;
    const char *s;
    size_t i, n, group = 0, groups = 0;
    char digits[64];
    size_t nd = 0;
    int bare = !((t->term_len == 2 && memcmp(t->term, "rp", 2) == 0) ||
                 (t->term_len == 1 && t->term[0] == '$'));
    if (bare) {
        num = t;  /* a number alone: 1.00* */
    } else {
        for (i = (size_t)(t - p->tv.items) + 1; i < p->tv.len; i++)
            if (!p->tv.items[i].alternative) {
                num = &p->tv.items[i];
                break;
            }
    }
    if (!num || (!bare && num->start != t->end) || num->term_len == 0 ||
        num->term[0] < '0' || num->term[0] > '9')
        return 0;
    s = p->s + a + num->start;
    n = num->end - num->start;
    if (bare && !memchr(s, '.', n))
        return 0;
    /* 1.000.0 is a start of a number grouped in thousands: groups of 1-3
     * digits first, 3 between, 1-3 last */
    for (i = 0; i <= n && nd < sizeof digits; i++) {
        if (i < n && s[i] >= '0' && s[i] <= '9') {
            digits[nd++] = s[i];
            group++;
        } else if (i == n || s[i] == '.') {
            if (group == 0 || group > 3 || (groups > 0 && i < n && group != 3))
                break;
            groups++;
            group = 0;
        } else {
            break;
        }
    }
    if (i > n && nd > 0) {
        node->term = cari_arena_strndup(p->arena, digits, nd);
        node->len = nd;
    } else if (bare) {
        return 0;
    } else {
        node->term = cari_arena_strndup(p->arena, num->term, num->term_len);
        node->len = num->term_len;
    }
    return 1;
}

/* The joined alternative of the primary token tv[i] ("non migas":
 * nonmigas), or NULL. */
static const cari_term_token *joined_alternative(const cari_tokvec *tv,
                                                 size_t i)
{
    size_t m;
    for (m = i + 1; m < tv->len && tv->items[m].alternative; m++)
        if (tv->items[m].joined)
            return &tv->items[m];
    return NULL;
}

/*
 * A bound form typed apart before a word ("non migas", "anti korupsi"):
 * where the word text[a, b) is one, followed by spaces and a word of
 * letters that is no operator, the end of that word; else 0.  The two are
 * then analyzed together, so the bound form also searches the two joined
 * (nonmigas), as the analyzer indexes them written any of the three ways.
 */
static size_t bound_form_pair(parser *p, size_t a, size_t b)
{
    size_t i, c = b, d, primaries = 0;
    const cari_term_token *t = NULL;
    static const char *const ops[] = {"AND", "OR", "NOT", "NEAR", NULL};
    for (i = 0; i < p->tv.len; i++)
        if (!p->tv.items[i].alternative) {
            t = &p->tv.items[i];
            primaries++;
        }
    if (primaries != 1 || t->stop || t->start != 0 || t->end != b - a ||
        !cari_stemmer_bound_form(t->term, t->term_len))
        return 0;
    while (c < p->len && p->s[c] == ' ')
        c++;
    if (c == b)
        return 0;
    d = word_end(p, c);
    if (d == c)
        return 0;
    for (i = c; i < d; i++) {
        unsigned char u = (unsigned char)p->s[i];
        if (u < 0x80 && !((u | 0x20) >= 'a' && (u | 0x20) <= 'z'))
            return 0;
    }
    for (i = 0; ops[i]; i++)
        if (strlen(ops[i]) == d - c && memcmp(ops[i], p->s + c, d - c) == 0)
            return 0;
    return d;
}

static cari_qnode *make_bool(parser *p, nodelist *must, nodelist *should,
                             nodelist *must_not);

/*
 * --all and a bound form typed apart ("anti korupsi"): one clause, the
 * two joined or both words (antikorupsi, anti-korupsi and anti korupsi
 * pass; before, --all asked for korupsi, which antikorupsi lacks).  p->tv
 * holds the two words analyzed together; the second is taken, up to d.
 */
static int bound_pair_all(parser *p, size_t d, unsigned fields,
                          cari_qnode **out)
{
    const cari_term_token *j = joined_alternative(&p->tv, 0);
    nodelist both = {0}, either = {0};
    cari_qnode *first, *second = NULL, *joined;
    size_t i;
    int rc;
    *out = NULL;
    for (i = 1; i < p->tv.len && !second; i++)
        if (!p->tv.items[i].alternative && !p->tv.items[i].stop) {
            rc = token_node(p, i, 0, fields, &second);
            if (rc)
                return rc;
        }
    rc = token_node(p, 0, 0, fields, &first);
    if (rc)
        return rc;
    if (!first || !second || p->nterms >= MAX_QUERY_TERMS)
        return token_node(p, 0, 0, fields, out);
    joined = new_node(p, CARI_Q_TERM);
    if (!joined)
        return CARI_ENOMEM;
    joined->fields = fields;
    joined->term = cari_arena_strndup(p->arena, j->term, j->term_len);
    joined->len = j->term_len;
    joined->qpos = p->base + j->position + 1;
    p->nterms++;
    if (!joined->term || list_push(p, &both, first) ||
        list_push(p, &both, second) || list_push(p, &either, joined))
        return CARI_ENOMEM;
    *out = make_bool(p, &both, NULL, NULL);
    if (!*out || list_push(p, &either, *out))
        return CARI_ENOMEM;
    *out = make_bool(p, NULL, &either, NULL);
    if (!*out)
        return CARI_ENOMEM;
    p->pos = d;
    p->tv_used = 2;
    return CARI_OK;
}

/*
 * Analyze text[a, b) into a leaf: nothing (stopwords only: *out = NULL), a
 * TERM, or a PHRASE when it holds several tokens (or when phrase is set).
 * exact: the word's exact form ("=" prefix); prefix: a prefix search.
 */
static int make_leaf(parser *p, size_t a, size_t b, int phrase, int exact,
                     int prefix, unsigned fields, cari_qnode **out)
{
    long n;
    size_t i, k = 0;
    uint32_t skip_until = 0;
    cari_qnode *node;
    /* a quoted phrase (a > 0: after its opening quote); phrase is set
     * below for a word that splits into several tokens too, which has no
     * quote (a review's "mend" that took one for the other made a long
     * such word at column 1 point its error at offset -1: a crash) */
    const int quoted = phrase;
    *out = NULL;
    p->base += p->tv_used;
    n = cari_analyzer_run(p->an, p->s + a, b - a, 0, &p->tv);
    if (n < 0)
        return (int)n;
    p->tv_used = (uint32_t)n;
    if (prefix) {
        /* the prefix is folded, not stemmed: "pemilu*" matches what starts
         * with "pemilu" in the index's vocabulary */
        const cari_term_token *t = NULL;
        for (i = 0; i < p->tv.len; i++)
            if (!p->tv.items[i].alternative) {
                t = &p->tv.items[i];
                break;
            }
        /* past the limit, as a word is; a prefix counts as the up to
         * CARI_Q_PREFIX_TERMS terms it expands to in the search, so a query
         * holds at most 16 (found by review: 64 "a*" took 23 s on
         * clickid_news, 16 take 1.3 s) */
        if (!t || p->nterms + CARI_Q_PREFIX_TERMS > MAX_QUERY_TERMS)
            return CARI_OK;
        node = new_node(p, CARI_Q_PREFIX);
        if (!node)
            return CARI_ENOMEM;
        if (amount_prefix(p, a, t, node)) {
            if (!node->term)
                return CARI_ENOMEM;
            node->fields = fields;
            p->nterms += CARI_Q_PREFIX_TERMS;
            *out = node;
            return CARI_OK;
        }
        /* the folded surface of the first token, before stemming: its
         * "=form" alternative, or the term when stemming left it alone */
        {
            const cari_term_token *f = t;
            for (i = (size_t)(t - p->tv.items) + 1;
                 i < p->tv.len && p->tv.items[i].alternative; i++)
                if (p->tv.items[i].term[0] == '=')
                    f = &p->tv.items[i];
            node->term = f == t ? cari_arena_strndup(p->arena, t->term, t->term_len)
                                : cari_arena_strndup(p->arena, f->term + 1,
                                                     f->term_len - 1);
            node->len = f == t ? t->term_len : f->term_len - 1;
            if (!node->term)
                return CARI_ENOMEM;
        }
        node->fields = fields;
        p->nterms += CARI_Q_PREFIX_TERMS;
        *out = node;
        return CARI_OK;
    }
    {
        /* a word that splits into several tokens is a phrase */
        size_t primaries = 0;
        for (i = 0; i < p->tv.len; i++)
            primaries += !p->tv.items[i].alternative && !p->tv.items[i].stop;
        if (primaries > 1)
            phrase = 1;
        if (!phrase && !exact) {
            size_t d = bound_form_pair(p, a, b);
            if (d) {
                n = cari_analyzer_run(p->an, p->s + a, d - a, 0, &p->tv);
                if (n < 0)
                    return (int)n;
                p->tv_used = 1;  /* the next word is read again after */
                if (joined_alternative(&p->tv, 0) && p->all && p->pos == b)
                    return bound_pair_all(p, d, fields, out);
                if (joined_alternative(&p->tv, 0))
                    return token_node(p, 0, 0, fields, out);
                n = cari_analyzer_run(p->an, p->s + a, b - a, 0, &p->tv);
                if (n < 0)
                    return (int)n;
            }
        }
        if (!phrase) {
            for (i = 0; i < p->tv.len; i++)
                if (!p->tv.items[i].alternative && !p->tv.items[i].stop)
                    return token_node(p, i, exact, fields, out);
            return CARI_OK;  /* a stopword */
        }
    }
    node = new_node(p, CARI_Q_PHRASE);
    if (!node)
        return CARI_ENOMEM;
    node->fields = fields;
    node->terms = cari_arena_alloc(p->arena, (p->tv.len + 1) * sizeof *node->terms);
    node->lens = cari_arena_alloc(p->arena, (p->tv.len + 1) * sizeof *node->lens);
    node->positions = cari_arena_alloc(p->arena,
                                       (p->tv.len + 1) * sizeof *node->positions);
    if (!node->terms || !node->lens || !node->positions)
        return CARI_ENOMEM;
    for (i = 0; i < p->tv.len; i++) {
        const cari_term_token *t = &p->tv.items[i];
        const cari_term_token *use = t;
        size_t m;
        if (t->alternative || t->stop)
            continue;
        if (!exact)
            use = cari_query_phrase_token(&p->tv, i);
        if (!exact && joined_alternative(&p->tv, i)) {
            /* "non migas" in a phrase: the two joined, which all three
             * spellings hold at the bound form's position; the word it
             * binds is not searched again */
            use = joined_alternative(&p->tv, i);
            for (m = i + 1; m < p->tv.len && (p->tv.items[m].alternative ||
                                              p->tv.items[m].stop);
                 m++)
                ;
            if (m < p->tv.len)
                skip_until = p->tv.items[m].end;
        } else if (t->end <= skip_until) {
            continue;
        }
        if (exact && !phrase) {
            /* the "=form" alternative of this token, if it has one; exact
             * forms have no positions, so a phrase matches by stems */
            for (m = i + 1; m < p->tv.len && p->tv.items[m].alternative; m++)
                if (p->tv.items[m].term[0] == '=')
                    use = &p->tv.items[m];
        }
        if (p->nterms >= MAX_QUERY_TERMS)
            break;
        node->terms[k] = cari_arena_strndup(p->arena, use->term, use->term_len);
        if (!node->terms[k])
            return CARI_ENOMEM;
        node->lens[k] = use->term_len;
        node->positions[k] = t->position;
        k++;
        p->nterms++;
    }
    node->nterms = k;
    if (k == 0)
        return CARI_OK;
    if (k > CARI_Q_MAX_POSITIONAL)
        return quoted ? syntax(p, quote_start(p, a),
                               "a phrase holds at most 64 words")
                      : syntax(p, a, "a word of more than 64 parts is too "
                                     "long (its parts are searched as a "
                                     "phrase, of at most 64 words)");
    if (k == 1 && !phrase) {
        node->op = CARI_Q_TERM;
        node->term = node->terms[0];
        node->len = node->lens[0];
    } else if (k == 1) {
        node->op = CARI_Q_TERM;  /* a one-word phrase is that word */
        node->term = node->terms[0];
        node->len = node->lens[0];
    } else {
        /* positions relative to the first term */
        uint32_t base = node->positions[0];
        for (i = 0; i < k; i++)
            node->positions[i] -= base;
    }
    *out = node;
    return CARI_OK;
}

static int parse_query(parser *p, int nested, cari_qnode **out);

/*
 * The leaf of the word text[a, b), where "name:word" with a name that is
 * not a field ("source:tempo", "foo:banjir") is two words, as if the colon
 * were a space, the way a search box takes text it does not understand
 * (not a phrase, which would match almost nothing).  Times ("10:30") and
 * URLs ("http://...") stay one word.
 */
static int text_field_leaf(parser *p, size_t a, size_t b, int prefix,
                           cari_qnode **out)
{
    size_t colon = a;
    cari_qnode *name, *word;
    nodelist both = {0};
    int rc;
    while (colon < b && ((p->s[colon] >= 'a' && p->s[colon] <= 'z') ||
                         (p->s[colon] >= 'A' && p->s[colon] <= 'Z') ||
                         p->s[colon] == '_'))
        colon++;
    if (colon == a || colon + 1 >= b || p->s[colon] != ':' ||
        p->s[colon + 1] == '/' || p->s[colon + 1] == ':')
        return make_leaf(p, a, b, 0, 0, prefix, CARI_QF_ALL, out);
    rc = make_leaf(p, a, colon, 0, 0, 0, CARI_QF_ALL, &name);
    if (!rc)
        rc = make_leaf(p, colon + 1, b, 0, 0, prefix, CARI_QF_ALL, &word);
    if (rc)
        return rc;
    if (!name || !word) {
        *out = name ? name : word;
        return CARI_OK;
    }
    if (list_push(p, &both, name) || list_push(p, &both, word))
        return CARI_ENOMEM;
    *out = new_node(p, CARI_Q_BOOL);
    if (!*out)
        return CARI_ENOMEM;
    if (p->all) {
        (*out)->must = both.items;
        (*out)->nmust = both.len;
    } else {
        (*out)->should = both.items;
        (*out)->nshould = both.len;
    }
    return CARI_OK;
}

/* A boost ("^2") or a fuzzy word's or phrase slop's "~" at s[at], right
 * after a word, a quote or a bracket: not supported (README), so an
 * error that says so.  Taken as text they made a phrase of the word and
 * the number ("banjir^2": "banjir 2", found by review), which matched
 * nothing. */
static int suffix_operator(parser *p, size_t at)
{
    if (at < p->len && p->s[at] == '^')
        return syntax(p, at, "boosts (^) are not supported: remove it, or "
                      "quote the text to search it as written");
    if (at < p->len && p->s[at] == '~')
        return syntax(p, at, "fuzzy words and phrase slop (~) are not "
                      "supported (NEAR/n allows a distance)");
    return CARI_OK;
}

/* Where a word's "^N", "~" or "~N" starts within [start, end), or end:
 * only after a letter ("10^6" is a number's text; "a~b" two words). */
static size_t suffix_at(const parser *p, size_t start, size_t end)
{
    size_t k = end, i;
    while (k > start && ((p->s[k - 1] >= '0' && p->s[k - 1] <= '9') ||
                         p->s[k - 1] == '.'))
        k--;
    if (k <= start + 1 || (p->s[k - 1] != '~' &&
                           (p->s[k - 1] != '^' || k == end)))
        return end;
    for (i = start; i < k - 1; i++)
        if ((unsigned char)p->s[i] >= 0x80 ||
            ((p->s[i] | 0x20) >= 'a' && (p->s[i] | 0x20) <= 'z'))
            return k - 1;
    return end;
}

/* atom := "(" query ")" | [field ":"] (word | '"' words '"') */
static int parse_atom(parser *p, cari_qnode **out)
{
    unsigned fields = CARI_QF_ALL;
    size_t start, end;
    int exact = 0, prefix = 0, rc;
    *out = NULL;
    skip_space(p);
    if (p->pos >= p->len)
        return syntax(p, p->pos, "a word is missing at the end");
    start = p->pos;
    if (p->s[p->pos] == '(') {
        size_t open = p->pos++;
        if (++p->depth > MAX_DEPTH)
            return syntax(p, open, "brackets nested too deeply");
        rc = parse_query(p, 1, out);
        p->depth--;
        if (rc)
            return rc;
        skip_space(p);
        if (p->pos >= p->len || p->s[p->pos] != ')')
            return syntax(p, open, "this '(' is never closed");
        p->pos++;
        return suffix_operator(p, p->pos);
    }
    if (p->s[p->pos] == ')')
        return syntax(p, p->pos, p->depth ? "a word is missing here"
                                          : "')' without a matching '('");
    {
        /* an operator word where a word should be ("a OR OR b") is a
         * mistake, not the word "or" */
        static const char *const ops[] = {"AND", "OR", "NOT", "NEAR"};
        size_t i;
        for (i = 0; i < sizeof ops / sizeof ops[0]; i++)
            if (at_operator(p, ops[i])) {
                char what[96], lower[8];
                size_t k;
                for (k = 0; ops[i][k]; k++)
                    lower[k] = (char)(ops[i][k] - 'A' + 'a');
                lower[k] = '\0';
                snprintf(what, sizeof what, "%s stands where a word should "
                         "be (write %s in lower case to search for it)",
                         ops[i], lower);
                return syntax(p, p->pos, what);
            }
    }
    /* field: */
    {
        static const struct { const char *name; unsigned fields; } f[] = {
            {"title:", CARI_QF_TITLE}, {"body:", CARI_QF_BODY},
            {"text:", CARI_QF_BODY}};
        size_t i;
        for (i = 0; i < sizeof f / sizeof f[0]; i++) {
            size_t n = strlen(f[i].name);
            if (p->len - p->pos > n &&
                strncmp(p->s + p->pos, f[i].name, n) == 0 &&
                !cari_query_space_at(p->s, p->len, p->pos + n)) {
                fields = f[i].fields;
                p->pos += n;
                break;
            }
        }
    }
    if (cari_query_quote_at(p->s, p->len, p->pos)) {
        size_t open = p->pos, q;
        p->pos += cari_query_quote_at(p->s, p->len, p->pos);
        for (end = p->pos;
             end < p->len && !cari_query_quote_at(p->s, p->len, end); end++)
            ;
        if (end >= p->len)
            return syntax(p, open, "this quote is never closed");
        q = cari_query_quote_at(p->s, p->len, end);
        start = p->pos;
        p->pos = end + q;
        if ((rc = suffix_operator(p, p->pos)))
            return rc;
        return make_leaf(p, start, end, 1, 0, 0, fields, out);
    }
    if (p->s[p->pos] == '=') {
        exact = 1;
        p->pos++;
    }
    /* the analyzer drops a sign here as punctuation, so "title:-rob"
     * searched title:rob, ranking first what was to be left out (found
     * by review) */
    if ((fields != CARI_QF_ALL || exact) && sign_here(p))
        return syntax(p, p->pos, "a sign goes before the field or '=': "
                      "write -title:word, -=word");
    start = p->pos;
    end = word_end(p, p->pos);
    p->pos = end;
    if ((rc = suffix_operator(p, suffix_at(p, start, end))))
        return rc;
    {
        /* punctuation after the '*' ends the sentence, as it does after a
         * word (found by review: "pemil*?" and "pemil*," searched the
         * word "pemil") */
        size_t e = end;
        while (e > start + 1 && memchr(".,;:!?", p->s[e - 1], 6))
            e--;
        if (e > start && p->s[e - 1] == '*') {
            prefix = 1;
            end = e - 1;
        }
    }
    if (end == start) {
        if (prefix)
            return syntax(p, start, "'*' needs the start of a word before it");
        return syntax(p, start, "a word is missing here");
    }
    if (fields == CARI_QF_ALL && !exact)
        return text_field_leaf(p, start, end, prefix, out);
    return make_leaf(p, start, end, 0, exact, prefix, fields, out);
}

/* A hyphenated word's node (token_node: the whole, then its parts, all at
 * one position: e-KTP, bolak-balik, anti-korupsi) as NEAR takes it: its
 * whole term, which the index holds at that position, as a phrase takes
 * it; an acronym's (ASEAN: asean, ase) its stem and e-mail's its joined
 * form (email), as a phrase takes them (phrase_token).  Any other node is
 * n itself. */
static cari_qnode *near_operand(cari_qnode *n)
{
    size_t i;
    if (!n || n->op != CARI_Q_BOOL || n->nmust || n->nmust_not ||
        n->nshould < 2)
        return n;
    for (i = 0; i < n->nshould; i++)
        if (n->should[i]->op != CARI_Q_TERM ||
            n->should[i]->qpos != n->should[0]->qpos)
            return n;
    if (n->nshould == 2 && plain_term(n->should[0]->term, n->should[0]->len))
        return n->should[1];
    for (i = 1; i < n->nshould; i++)
        if (joined_whole(n->should[0]->term, n->should[0]->len,
                         n->should[i]->term, n->should[i]->len))
            return n->should[i];
    return n->should[0];
}

/* near := atom ("NEAR" ["/" n] atom)* */
static int parse_near(parser *p, cari_qnode **out)
{
    cari_qnode *left;
    int rc = parse_atom(p, &left);
    if (rc)
        return rc;
    for (;;) {
        size_t at;
        long window = 10;
        cari_qnode *right, *n;
        skip_space(p);
        if (!at_operator(p, "NEAR"))
            break;
        at = p->pos;
        p->pos += 4;
        if (p->pos < p->len && p->s[p->pos] == '/') {
            /* digits within the query's length: it need not end in a NUL
             * (strtol read past it) */
            size_t e = p->pos + 1;
            window = 0;
            while (e < p->len && p->s[e] >= '0' && p->s[e] <= '9') {
                if (window <= 1000)
                    window = window * 10 + (p->s[e] - '0');
                e++;
            }
            /* "NEAR/3x" is no distance (it searched 3 and the word x) */
            if (e == p->pos + 1 || window < 1 || window > 1000 ||
                (e < p->len && !cari_query_space_at(p->s, p->len, e) &&
                 p->s[e] != '(' && p->s[e] != ')' &&
                 !cari_query_quote_at(p->s, p->len, e)))
                return syntax(p, p->pos, "NEAR/n wants n from 1 to 1000");
            p->pos = e;
        }
        /* a sign belongs to the whole group, before its first word: here
         * the analyzer dropped it, so "rusak NEAR/3 -rumah" searched
         * rumah near rusak (found by review) */
        skip_space(p);
        if (sign_here(p))
            return syntax(p, p->pos, "a sign cannot stand inside NEAR: '-' "
                          "or '+' before its first word applies to the "
                          "group");
        rc = parse_atom(p, &right);
        if (rc)
            return rc;
        /* a hyphenated word is one word here too (found by review:
         * "e-KTP NEAR/3 program" was the error "NEAR joins single
         * words") */
        left = near_operand(left);
        right = near_operand(right);
        if ((left && left->op != CARI_Q_TERM && left->op != CARI_Q_NEAR) ||
            (right && right->op != CARI_Q_TERM))
            return syntax(p, at, "NEAR joins single words");
        /* exact forms have no positions to measure a distance with */
        if ((left && left->op == CARI_Q_TERM && left->term[0] == '=') ||
            (right && right->term[0] == '='))
            return syntax(p, at, "NEAR joins plain words, not =exact forms");
        if (!left || !right) {  /* a stopword on one side */
            if (!left)
                left = right;
            continue;
        }
        if (left->op == CARI_Q_NEAR && left->window == (uint32_t)window) {
            n = left;  /* a NEAR b NEAR c: one group */
        } else if (left->op == CARI_Q_NEAR) {
            /* a group has one distance (this built a group of a NULL term
             * and c from a NEAR/3 b NEAR/2 c) */
            return syntax(p, at, "one NEAR group has one distance: write "
                          "NEAR/n with the same n throughout");
        } else {
            n = new_node(p, CARI_Q_NEAR);
            if (!n)
                return CARI_ENOMEM;
            n->window = (uint32_t)window;
            n->terms = cari_arena_alloc(p->arena, CARI_Q_MAX_POSITIONAL *
                                                      sizeof *n->terms);
            n->lens = cari_arena_alloc(p->arena, CARI_Q_MAX_POSITIONAL *
                                                     sizeof *n->lens);
            if (!n->terms || !n->lens)
                return CARI_ENOMEM;
            n->terms[0] = left->term;
            n->lens[0] = left->len;
            n->nterms = 1;
            n->fields = left->fields;
        }
        if (n->nterms >= CARI_Q_MAX_POSITIONAL)
            return syntax(p, at, "too many words in one NEAR group");
        /* the group's words are measured in one field: the one every
         * word allows (found by review: the group took its first word's
         * field alone, so "rumah NEAR/3 title:rusak" matched rusak in
         * passage text, and "title:rumah NEAR/3 body:rusak" titles) */
        if (!(n->fields & right->fields))
            return syntax(p, at, "NEAR joins words of one field");
        n->fields &= right->fields;
        n->terms[n->nterms] = right->term;
        n->lens[n->nterms] = right->len;
        n->nterms++;
        left = n;
    }
    *out = left;
    return CARI_OK;
}

static cari_qnode *make_bool(parser *p, nodelist *must, nodelist *should,
                             nodelist *must_not)
{
    cari_qnode *n = new_node(p, CARI_Q_BOOL);
    if (!n)
        return NULL;
    n->must = must ? must->items : NULL;
    n->nmust = must ? must->len : 0;
    n->should = should ? should->items : NULL;
    n->nshould = should ? should->len : 0;
    n->must_not = must_not ? must_not->items : NULL;
    n->nmust_not = must_not ? must_not->len : 0;
    return n;
}

/* Does n hold exclusions only ("(NOT rob)"): nothing to search for, but
 * something to take away from whatever it is joined to? */
static int only_exclusions(const cari_qnode *n)
{
    return n && n->op == CARI_Q_BOOL && !n->nmust && !n->nshould &&
           n->nmust_not;
}

/* Add n's exclusions to must_not (an "(NOT rob)" joined to others). */
static int take_exclusions(parser *p, nodelist *must_not, const cari_qnode *n)
{
    size_t i;
    for (i = 0; i < n->nmust_not; i++)
        if (list_push(p, must_not, n->must_not[i]))
            return CARI_ENOMEM;
    return CARI_OK;
}

/* An AND operand n with its sign: excluded, its exclusions taken, or
 * required; nothing for a stopword (n NULL). */
static int add_operand(parser *p, nodelist *must, nodelist *must_not,
                       cari_qnode *n, int sign)
{
    if (!n)
        return CARI_OK;
    if (sign < 0)
        return list_push(p, must_not, n);
    if (only_exclusions(n))
        return take_exclusions(p, must_not, n);
    return list_push(p, must, n);
}

/*
 * unary := ["+" | "-" | "NOT"] near
 * The sign belongs to this operand alone ("-rob AND banjir" excludes rob,
 * not the whole AND): *sign is +1, -1 or 0; *at is where the operand
 * starts, sign included.
 */
static int parse_unary(parser *p, cari_qnode **out, int *sign, size_t *at)
{
    *out = NULL;
    skip_space(p);
    *sign = 0;
    *at = p->pos;
    if (sign_here(p)) {
        *sign = p->s[p->pos] == '+' ? 1 : -1;
        p->pos++;
        if (p->pos >= p->len || cari_query_space_at(p->s, p->len, p->pos))
            return syntax(p, *at, "'+' or '-' must be followed by a word");
    } else if (at_operator(p, "NOT")) {
        *sign = -1;
        p->pos += 3;
    }
    return parse_near(p, out);
}

/*
 * and := unary ("AND" unary)*
 * Its operands are required, those signed '-' or NOT excluded.  *sign: the
 * sign of a lone operand (no AND), for the clause list and OR to place;
 * 0 once there is an AND.  *out may be a BOOL of exclusions only
 * ("NOT a AND NOT b"), which whatever holds it takes as exclusions.
 */
static int parse_and(parser *p, cari_qnode **out, int *sign, size_t *at)
{
    nodelist must = {0}, must_not = {0};
    cari_qnode *n;
    int rc, s, any = 0;
    size_t where;
    *out = NULL;
    rc = parse_unary(p, &n, sign, at);
    if (rc)
        return rc;
    for (;;) {
        skip_space(p);
        if (!at_operator(p, "AND"))
            break;
        if (!any) {
            /* the first operand, now known to be in a chain */
            any = 1;
            s = *sign;
            *sign = 0;
            if (add_operand(p, &must, &must_not, n, s))
                return CARI_ENOMEM;
        }
        p->pos += 3;
        rc = parse_unary(p, &n, &s, &where);
        if (rc)
            return rc;
        if (add_operand(p, &must, &must_not, n, s))
            return CARI_ENOMEM;
    }
    if (!any) {
        *out = n;
        return CARI_OK;
    }
    if (must.len == 0 && must_not.len == 0)
        return CARI_OK;  /* only stopwords */
    if (must.len == 1 && must_not.len == 0) {
        *out = must.items[0];
        return CARI_OK;
    }
    *out = make_bool(p, &must, NULL, &must_not);
    return *out ? CARI_OK : CARI_ENOMEM;
}

/* OR's refusal of a side that only excludes: "banjir OR NOT rob" read as
 * logic is every passage without rob, which nobody means. */
static int negated_side(parser *p, size_t at)
{
    return syntax(p, at, "NOT or '-' cannot be one side of OR: write "
                  "'a -b' to exclude b");
}

/* or := and ("OR" and)*; *sign as parse_and's, 0 once there is an OR */
static int parse_or(parser *p, cari_qnode **out, int *sign)
{
    nodelist should = {0};
    cari_qnode *first;
    size_t at;
    int rc, any = 0;
    *out = NULL;
    rc = parse_and(p, &first, sign, &at);
    if (rc)
        return rc;
    for (;;) {
        cari_qnode *n;
        int s;
        skip_space(p);
        if (!at_operator(p, "OR"))
            break;
        if (!any) {
            any = 1;
            if (*sign < 0 || only_exclusions(first))
                return negated_side(p, at);
            *sign = 0;  /* '+' inside OR asks nothing more */
            if (first && list_push(p, &should, first))
                return CARI_ENOMEM;
        }
        p->pos += 2;
        rc = parse_and(p, &n, &s, &at);
        if (rc)
            return rc;
        if (s < 0 || only_exclusions(n))
            return negated_side(p, at);
        if (n && list_push(p, &should, n))
            return CARI_ENOMEM;
    }
    if (!any) {
        *out = first;
        return CARI_OK;
    }
    if (should.len <= 1) {
        *out = should.len ? should.items[0] : NULL;
        return CARI_OK;
    }
    *out = make_bool(p, NULL, &should, NULL);
    return *out ? CARI_OK : CARI_ENOMEM;
}

/*
 * query := or* ; nested: stop at ')'.  Juxtaposed clauses are alternatives
 * (required with p->all), a clause signed '+' required, one signed '-' or
 * NOT excluded.  A nested query of exclusions only ("(NOT rob)") is a BOOL
 * of them, for the AND or clause list around it to take; at the top such
 * a query has nothing to search for (*out NULL).
 */
static int parse_query(parser *p, int nested, cari_qnode **out)
{
    nodelist must = {0}, should = {0}, must_not = {0};
    int rc;
    *out = NULL;
    for (;;) {
        cari_qnode *n;
        int sign;
        skip_space(p);
        if (p->pos >= p->len)
            break;
        if (p->s[p->pos] == ')') {
            if (nested)
                break;
            return syntax(p, p->pos, "')' without a matching '('");
        }
        if (at_operator(p, "AND") || at_operator(p, "OR") ||
            at_operator(p, "NEAR"))
            return syntax(p, p->pos, "an operator needs a word before it");
        rc = parse_or(p, &n, &sign);
        if (rc)
            return rc;
        if (!n)
            continue;  /* stopwords only */
        if (sign < 0)
            rc = list_push(p, &must_not, n);
        else if (only_exclusions(n))
            rc = take_exclusions(p, &must_not, n);
        else
            rc = list_push(p, sign > 0 || p->all ? &must : &should, n);
        if (rc)
            return rc;
    }
    if (must.len + should.len == 0) {
        /* nothing positive to search for */
        if (nested && must_not.len) {
            *out = make_bool(p, NULL, NULL, &must_not);
            return *out ? CARI_OK : CARI_ENOMEM;
        }
        return CARI_OK;
    }
    if (must.len + should.len == 1 && must_not.len == 0) {
        *out = must.len ? must.items[0] : should.items[0];
        return CARI_OK;
    }
    *out = make_bool(p, &must, &should, &must_not);
    return *out ? CARI_OK : CARI_ENOMEM;
}

int cari_query_parse(cari_analyzer *an, const char *text, size_t len, int all,
                     cari_arena *arena, cari_qnode **out, cari_error *err)
{
    parser p;
    int rc;
    memset(&p, 0, sizeof p);
    p.an = an;
    p.s = text;
    p.len = len;
    p.all = all;
    p.arena = arena;
    p.err = err;
    *out = NULL;
    rc = parse_query(&p, 0, out);
    cari_tokvec_free(&p.tv);
    if (rc == CARI_ENOMEM)
        cari_set_error(err, rc, "out of memory");
    if (rc)
        *out = NULL;
    return rc;
}

int cari_query_parse_plain(cari_analyzer *an, const char *text, size_t len,
                           int all, cari_arena *arena, cari_qnode **out,
                           cari_error *err)
{
    parser p;
    nodelist terms = {0};
    size_t i;
    int rc = CARI_OK;
    long n;
    memset(&p, 0, sizeof p);
    p.an = an;
    p.arena = arena;
    p.err = err;
    *out = NULL;
    n = cari_analyzer_run(an, text, len, 0, &p.tv);
    if (n < 0)
        rc = (int)n;
    for (i = 0; i < p.tv.len && !rc && p.nterms < MAX_QUERY_TERMS; i++) {
        const cari_term_token *t = &p.tv.items[i];
        cari_qnode *node;
        if (t->stop || t->alternative)
            continue;
        rc = token_node(&p, i, 0, CARI_QF_ALL, &node);
        if (!rc && node)
            rc = list_push(&p, &terms, node);
    }
    cari_tokvec_free(&p.tv);
    if (rc)
        return cari_set_error(err, rc, "out of memory");
    if (terms.len == 1)
        *out = terms.items[0];
    else if (terms.len > 1) {
        *out = all ? make_bool(&p, &terms, NULL, NULL)
                   : make_bool(&p, NULL, &terms, NULL);
        if (!*out)
            return cari_set_error(err, CARI_ENOMEM, "out of memory");
    }
    return CARI_OK;
}

/* The terms worth highlighting in passage text: every positive leaf's
 * terms, except a title: leaf's, which the passage did not match (found by
 * review: title:"harga beras" highlighted the words in the body too). */
int cari_query_terms(const cari_qnode *q, cari_arena *a,
                                   cari_termlist *tl, size_t *cap)
{
    size_t i;
    int rc = CARI_OK;
    if (!q)
        return CARI_OK;
    if (q->op != CARI_Q_BOOL && !(q->fields & CARI_QF_BODY))
        return CARI_OK;
    if (q->op == CARI_Q_BOOL) {
        for (i = 0; i < q->nmust && !rc; i++)
            rc = cari_query_terms(q->must[i], a, tl, cap);
        for (i = 0; i < q->nshould && !rc; i++)
            rc = cari_query_terms(q->should[i], a, tl, cap);
        return rc;
    }
    if ((q->op == CARI_Q_PHRASE || q->op == CARI_Q_NEAR) && q->nterms > 1) {
        /* highlighted where the phrase or the group holds */
        cari_termgroup g;
        g.terms = q->terms;
        g.lens = q->lens;
        g.n = q->nterms;
        g.offsets = q->op == CARI_Q_PHRASE ? q->positions : NULL;
        g.window = q->window;
        return cari_termlist_group(tl, a, &g);
    }
    for (i = 0; i < (q->op == CARI_Q_TERM ? 1 : q->nterms); i++) {
        const char *t = q->op == CARI_Q_TERM ? q->term : q->terms[i];
        size_t len = q->op == CARI_Q_TERM ? q->len : q->lens[i];
        if (q->op == CARI_Q_PREFIX)
            break;
        if (cari_termlist_push(tl, a, cap, t, len))
            return CARI_ENOMEM;
    }
    return CARI_OK;
}

/* ---- describe ---- */

static int put(cari_buf *b, const char *s)
{
    return cari_buf_append(b, s, strlen(s));
}

static int describe_fields(const cari_qnode *q, cari_buf *b)
{
    if (q->fields == CARI_QF_TITLE)
        return put(b, "title:");
    if (q->fields == CARI_QF_BODY)
        return put(b, "body:");
    return 0;
}

static int describe_list(const char *label, cari_qnode **items, size_t n,
                         cari_buf *b)
{
    size_t i;
    int rc = 0;
    if (!n)
        return 0;
    rc |= put(b, label);
    rc |= put(b, "(");
    for (i = 0; i < n; i++) {
        if (i)
            rc |= put(b, " ");
        rc |= cari_query_describe(items[i], b);
    }
    rc |= put(b, ")");
    return rc;
}

int cari_query_describe(const cari_qnode *q, cari_buf *b)
{
    char num[32];
    size_t i;
    int rc = 0;
    if (!q)
        return put(b, "(nothing)");
    switch (q->op) {
    case CARI_Q_TERM:
        rc |= describe_fields(q, b);
        rc |= cari_buf_append(b, q->term, q->len);
        break;
    case CARI_Q_PREFIX:
        rc |= describe_fields(q, b);
        rc |= cari_buf_append(b, q->term, q->len);
        rc |= put(b, "*");
        break;
    case CARI_Q_PHRASE:
        rc |= describe_fields(q, b);
        rc |= put(b, "\"");
        for (i = 0; i < q->nterms; i++) {
            if (i)
                rc |= put(b, " ");
            rc |= cari_buf_append(b, q->terms[i], q->lens[i]);
            snprintf(num, sizeof num, "@%u", q->positions[i]);
            rc |= put(b, num);
        }
        rc |= put(b, "\"");
        break;
    case CARI_Q_NEAR:
        rc |= describe_fields(q, b);
        snprintf(num, sizeof num, "NEAR/%u(", q->window);
        rc |= put(b, num);
        for (i = 0; i < q->nterms; i++) {
            if (i)
                rc |= put(b, " ");
            rc |= cari_buf_append(b, q->terms[i], q->lens[i]);
        }
        rc |= put(b, ")");
        break;
    case CARI_Q_BOOL:
        rc |= put(b, "BOOL(");
        rc |= describe_list("+", q->must, q->nmust, b);
        if (q->nmust && q->nshould)
            rc |= put(b, " ");
        rc |= describe_list("", q->should, q->nshould, b);
        if ((q->nmust || q->nshould) && q->nmust_not)
            rc |= put(b, " ");
        rc |= describe_list("-", q->must_not, q->nmust_not, b);
        rc |= put(b, ")");
        break;
    }
    return rc ? CARI_ENOMEM : CARI_OK;
}

/* ---- the words of a prefix ---- */

/* Room in w's hash for one more word: grown to keep it at most half full. */
static int prefix_words_reserve(cari_prefix_words *w)
{
    size_t cap, i, k, *slots;
    if ((w->n + 1) * 2 <= w->nslots)
        return CARI_OK;
    cap = w->nslots ? w->nslots * 2 : 256;
    slots = calloc(cap, sizeof *slots);
    if (!slots)
        return CARI_ENOMEM;
    for (k = 0; k < w->n; k++) {
        for (i = cari_hash64(w->items[k].term, w->items[k].len) & (cap - 1);
             slots[i]; i = (i + 1) & (cap - 1))
            ;
        slots[i] = k + 1;
    }
    free(w->slots);
    w->slots = slots;
    w->nslots = cap;
    return CARI_OK;
}

int cari_prefix_words_add(cari_prefix_words *w, const char *term, size_t len,
                          uint64_t df)
{
    size_t i;
    if (prefix_words_reserve(w))
        return CARI_ENOMEM;
    for (i = cari_hash64(term, len) & (w->nslots - 1); w->slots[i];
         i = (i + 1) & (w->nslots - 1)) {
        size_t k = w->slots[i] - 1;
        if (w->items[k].len == len && memcmp(w->items[k].term, term, len) == 0) {
            w->items[k].df += df;
            return CARI_OK;
        }
    }
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        void *p = realloc(w->items, cap * sizeof *w->items);
        if (!p)
            return CARI_ENOMEM;
        w->items = p;
        w->cap = cap;
    }
    w->items[w->n].term = cari_arena_strndup(w->arena, term, len);
    if (!w->items[w->n].term)
        return CARI_ENOMEM;
    w->items[w->n].len = len;
    w->items[w->n].df = df;
    w->slots[i] = w->n + 1;
    w->n++;
    return w->n >= CARI_Q_PREFIX_GATHER ? 1 : CARI_OK;
}

/* The most frequent first; equally frequent words in byte order (found by
 * review: with more than 64 words of one frequency, an index in two
 * segments matched other passages than the same articles in one). */
static int cmp_prefix_word(const cari_prefix_word *a,
                           const cari_prefix_word *b)
{
    if (a->df != b->df)
        return a->df > b->df ? -1 : 1;
    return cari_bytes_cmp(a->term, a->len, b->term, b->len);
}

/* One pass that keeps the best so far sorted: the same words in the same
 * order as sorting all n (a total order: the words are distinct), where a
 * sort of up to 100,000 words to keep 64 was 2-4% of a single prefix's
 * time. */
size_t cari_prefix_words_first(cari_prefix_words *w, size_t keep)
{
    cari_prefix_word *items = w->items;
    size_t m = 0, i;
    if (keep == 0)
        return 0;
    for (i = 0; i < w->n; i++) {
        cari_prefix_word x = items[i];
        size_t lo = 0, hi;
        if (m == keep && cmp_prefix_word(&x, &items[m - 1]) >= 0)
            continue;  /* not among the first keep */
        hi = m;
        while (lo < hi) {  /* the first kept word x comes before */
            size_t mid = lo + (hi - lo) / 2;
            if (cmp_prefix_word(&x, &items[mid]) < 0)
                hi = mid;
            else
                lo = mid + 1;
        }
        if (m < keep)
            m++;
        memmove(&items[lo + 1], &items[lo], (m - 1 - lo) * sizeof *items);
        items[lo] = x;
    }
    return m;
}

void cari_prefix_words_free(cari_prefix_words *w)
{
    free(w->items);
    free(w->slots);
    w->items = NULL;
    w->slots = NULL;
    w->n = w->cap = w->nslots = 0;
}
