/*
 * filter.c -- metadata filters (where KEY=VALUE, since/until DATE) checked
 * per candidate article while a query matches.
 *
 * The index format has no metadata columns: an article's extra JSONL
 * fields are stored with its text as one JSON object (docstore.h).  A
 * filter therefore reads the stored record of an article the first time
 * one of its passages is a candidate, parses the metadata with jansson and
 * keeps the answer in a byte per article of that segment (0 not seen yet,
 * 1 passes, 2 fails) for the rest of the query.  Candidates come in passage
 * order within a segment, and the docstore keeps its last inflated block,
 * so each stored block is inflated at most once per query and segment.
 * The cost grows with the number of distinct candidate articles, not with
 * the number of hits shown: docs/FILTERS.md has measurements.
 *
 * Semantics.  where conditions with the same key are alternatives (OR);
 * different keys must all hold (AND).  A condition holds when the
 * article's metadata field of that name is a string equal to the value
 * after case and accent folding, a number equal to it as a number, true or
 * false written as such, or an array holding such an element.  since and
 * until compare the first 10 characters of the "date" field, which must
 * start with YYYY-MM-DD; an article without such a date fails both.
 */
#include "filter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "index_internal.h"
#include "utf8.h"
#include "util.h"

enum { UNSEEN = 0, PASSES = 1, FAILS = 2 };

/* The where conditions on one key: any of the values. */
typedef struct condition {
    char *key;
    char **values;         /* folded */
    size_t nvalues;
} condition;

struct cari_filter {
    cari_index *ix;
    condition *conds;
    size_t nconds;
    char since[11], until[11];  /* "" when open */
    int dates;                  /* since or until given */
    unsigned char **state;      /* per segment, per article; lazily */
    cari_buf scratch;           /* a folded metadata value */
    uint64_t checked, passed;
    int error;
};

int cari_filter_wanted(const cari_search_options *o)
{
    return o && ((o->where && o->nwhere) || (o->since && *o->since) ||
                 (o->until && *o->until));
}

/* Append the folded form of s[0, n) to b (invalid bytes copied as they
 * are). */
static int fold(const char *s, size_t n, cari_buf *b)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        int32_t cp;
        int k;
        char tmp[32];
        size_t m;
        if (c < 0x80) {
            if (cari_buf_putc(b, (unsigned char)(c >= 'A' && c <= 'Z'
                                                     ? c + 32 : c)))
                return CARI_ENOMEM;
            i++;
            continue;
        }
        k = cari_utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (k < 0) {
            if (cari_buf_putc(b, c))
                return CARI_ENOMEM;
            i++;
            continue;
        }
        m = cari_fold_char(cp, tmp, sizeof tmp);
        if (m > sizeof tmp) {
            if (cari_buf_append(b, s + i, (size_t)k))
                return CARI_ENOMEM;
        } else if (m && cari_buf_append(b, tmp, m)) {
            return CARI_ENOMEM;
        }
        i += (size_t)k;
    }
    return CARI_OK;
}

/* Is s a date YYYY-MM-DD (month 01-12, day 01-31) in its first 10 bytes? */
static int is_date(const char *s, size_t n)
{
    static const char shape[] = "dddd-dd-dd";
    int month, day;
    size_t i;
    if (n < 10)
        return 0;
    for (i = 0; i < 10; i++)
        if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != '-')
            return 0;
    month = (s[5] - '0') * 10 + (s[6] - '0');
    day = (s[8] - '0') * 10 + (s[9] - '0');
    return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

static int add_condition(cari_filter *f, const char *spec, char *errmsg,
                         size_t cap)
{
    const char *eq = strchr(spec, '=');
    condition *c = NULL;
    cari_buf folded = {0};
    char **values;
    size_t i, keylen;
    if (!eq || eq == spec) {
        snprintf(errmsg, cap, "a filter wants KEY=VALUE, not \"%s\"", spec);
        return CARI_EINVAL;
    }
    keylen = (size_t)(eq - spec);
    for (i = 0; i < f->nconds; i++)
        if (strlen(f->conds[i].key) == keylen &&
            memcmp(f->conds[i].key, spec, keylen) == 0)
            c = &f->conds[i];
    if (!c) {
        condition *p = realloc(f->conds, (f->nconds + 1) * sizeof *p);
        if (!p)
            return CARI_ENOMEM;
        f->conds = p;
        c = &p[f->nconds];
        memset(c, 0, sizeof *c);
        c->key = malloc(keylen + 1);
        if (!c->key)
            return CARI_ENOMEM;
        memcpy(c->key, spec, keylen);
        c->key[keylen] = '\0';
        f->nconds++;
    }
    values = realloc(c->values, (c->nvalues + 1) * sizeof *values);
    if (!values)
        return CARI_ENOMEM;
    c->values = values;
    if (fold(eq + 1, strlen(eq + 1), &folded) || cari_buf_putc(&folded, 0)) {
        cari_buf_free(&folded);
        return CARI_ENOMEM;
    }
    c->values[c->nvalues++] = (char *)folded.data;
    return CARI_OK;
}

static int set_date(char *out, const char *date, const char *what,
                    char *errmsg, size_t cap)
{
    if (!date || !*date)
        return CARI_OK;
    if (strlen(date) != 10 || !is_date(date, 10)) {
        snprintf(errmsg, cap, "%s wants a date YYYY-MM-DD, not \"%s\"", what,
                 date);
        return CARI_EINVAL;
    }
    memcpy(out, date, 11);
    return CARI_OK;
}

int cari_filter_new(cari_index *ix, const cari_search_options *o,
                    cari_filter **out, char *errmsg, size_t cap)
{
    cari_filter *f;
    size_t i;
    int rc = CARI_OK;
    *out = NULL;
    if (!cari_filter_wanted(o))
        return CARI_OK;
    f = calloc(1, sizeof *f);
    if (!f)
        return CARI_ENOMEM;
    f->ix = ix;
    for (i = 0; i < o->nwhere && !rc; i++) {
        if (!o->where || !o->where[i])
            rc = CARI_EINVAL;
        else
            rc = add_condition(f, o->where[i], errmsg, cap);
    }
    if (!rc)
        rc = set_date(f->since, o->since, "since", errmsg, cap);
    if (!rc)
        rc = set_date(f->until, o->until, "until", errmsg, cap);
    if (!rc && ix->nsegs) {
        f->state = calloc(ix->nsegs, sizeof *f->state);
        if (!f->state)
            rc = CARI_ENOMEM;
    }
    if (rc) {
        if (rc == CARI_ENOMEM)
            snprintf(errmsg, cap, "out of memory");
        cari_filter_free(f);
        return rc;
    }
    f->dates = f->since[0] || f->until[0];
    *out = f;
    return CARI_OK;
}

/* Does the metadata value v satisfy one of c's values? */
static int value_matches(cari_filter *f, const condition *c, json_t *v,
                         int depth)
{
    size_t i;
    char num[64];
    const char *s = NULL;
    switch (json_typeof(v)) {
    case JSON_STRING:
        f->scratch.len = 0;
        if (fold(json_string_value(v), json_string_length(v), &f->scratch) ||
            cari_buf_putc(&f->scratch, 0)) {
            f->error = CARI_ENOMEM;
            return 0;
        }
        s = (const char *)f->scratch.data;
        break;
    case JSON_INTEGER:
    case JSON_REAL:
        for (i = 0; i < c->nvalues; i++) {
            char *end;
            double want;
            errno = 0;
            want = strtod(c->values[i], &end);
            if (end != c->values[i] && !*end && !errno &&
                want == json_number_value(v))
                return 1;
        }
        return 0;
    case JSON_TRUE:
    case JSON_FALSE:
        snprintf(num, sizeof num, "%s", json_is_true(v) ? "true" : "false");
        s = num;
        break;
    case JSON_ARRAY:
        if (depth > 0)
            return 0;
        for (i = 0; i < json_array_size(v); i++)
            if (value_matches(f, c, json_array_get(v, i), depth + 1))
                return 1;
        return 0;
    default:
        return 0;
    }
    for (i = 0; i < c->nvalues; i++)
        if (strcmp(s, c->values[i]) == 0)
            return 1;
    return 0;
}

static int meta_passes(cari_filter *f, const char *meta, size_t len)
{
    json_t *obj, *v;
    size_t i;
    int pass = 1;
    if (!len)
        return 0;  /* there is a condition, and nothing to satisfy it */
    obj = json_loadb(meta, len, 0, NULL);
    if (!json_is_object(obj)) {
        json_decref(obj);
        return 0;
    }
    if (f->dates) {
        const char *d;
        v = json_object_get(obj, "date");
        d = json_is_string(v) ? json_string_value(v) : NULL;
        if (!d || !is_date(d, json_string_length(v)) ||
            (f->since[0] && memcmp(d, f->since, 10) < 0) ||
            (f->until[0] && memcmp(d, f->until, 10) > 0))
            pass = 0;
    }
    for (i = 0; i < f->nconds && pass; i++) {
        v = json_object_get(obj, f->conds[i].key);
        if (!v || !value_matches(f, &f->conds[i], v, 0))
            pass = 0;
    }
    json_decref(obj);
    return pass;
}

int cari_filter_check(cari_filter *f, uint32_t seg, uint32_t p)
{
    cari_live_segment *ls = &f->ix->segs[seg];
    uint32_t a = cari_segment_passage_article(ls->seg, p);
    unsigned char *st = f->state[seg];
    cari_stored rec;
    int pass;
    if (!st) {
        uint32_t n = cari_segment_articles(ls->seg);
        st = f->state[seg] = calloc(n ? n : 1, 1);
        if (!st) {
            f->error = CARI_ENOMEM;
            return 0;
        }
    }
    if (st[a] != UNSEEN)
        return st[a] == PASSES;
    if (cari_segment_article(ls->seg, a, &rec)) {
        if (!f->error)
            f->error = CARI_ECORRUPT;
        return 0;
    }
    pass = meta_passes(f, rec.meta, rec.meta_len);
    st[a] = pass ? PASSES : FAILS;
    f->checked++;
    f->passed += (uint64_t)pass;
    return pass;
}

int cari_filter_error(const cari_filter *f)
{
    return f ? f->error : CARI_OK;
}

double cari_filter_pass_rate(const cari_filter *f)
{
    if (!f)
        return 1.0;
    if (!f->checked)
        return 0.0;  /* no candidate at all */
    return (double)f->passed / (double)f->checked;
}

void cari_filter_free(cari_filter *f)
{
    size_t i, j;
    if (!f)
        return;
    for (i = 0; i < f->nconds; i++) {
        for (j = 0; j < f->conds[i].nvalues; j++)
            free(f->conds[i].values[j]);
        free(f->conds[i].values);
        free(f->conds[i].key);
    }
    free(f->conds);
    if (f->state)
        for (i = 0; i < f->ix->nsegs; i++)
            free(f->state[i]);
    free(f->state);
    cari_buf_free(&f->scratch);
    free(f);
}
