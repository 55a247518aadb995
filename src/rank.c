/*
 * rank.c -- the second ranking stage: query classes, features of
 * candidate passages, the linear ranking model and its text format.
 *
 * Features of query q and passage p of article a (t ranges over the
 * distinct query terms, w_t their query weights; idf as in search.c):
 *
 *   body      sum_t w_t idf(t) bm25(tf(t,p), len p)     / sum_t w_t idf(t) (k1+1)
 *   exact     the same over the words' exact forms ("=menulis"; a word
 *             that is its own stem counts its stem), with their idf
 *   title     the same over a's title (title parameters)
 *   article   the same over a's whole text: tf and length summed over its
 *             passages, the mean article length as avg (article params)
 *   coverage  sum_{t in p} w_t idf(t) / sum_t w_t idf(t)
 *   article_coverage, title_coverage: the same for t in a (text or
 *             title), t in a's title (title idf)
 *   proximity m / (1 + w) for the smallest window of w positions (stop
 *             words included) holding all m >= 2 distinct terms matched
 *             in p, capped at 1; 0 when m < 2
 *   window    the largest idf share of the query (as coverage) that one
 *             window of WINDOW positions of p holds
 *   pairs     share (by the smaller w idf of the two) of the pairs of
 *             consecutive query terms found in order within 3 positions
 *   lead      idf share (as coverage) of the terms found among the first
 *             LEAD positions of p: what a passage is about comes first
 *   entity    share (by w idf) of the query terms written capitalised
 *             inside the query (names: "kapan Musa diangkat") found in p;
 *             0 when the query has none
 *   rarest    the largest w_t idf(t) matched in p / the largest overall
 *   length    ln(1 + len p)
 *   position  1 / (1 + the number of p in a, from 0)
 *   title_phrase  L / n for the longest run of L >= 2 consecutive words
 *             of the query's n (stopwords included) that a's title holds
 *             next to each other in the same order; 0 when L < 2
 *
 * Every BM25 feature is divided by its largest possible value, so each
 * lies in [0, 1] whatever the query's length: one weight fits all
 * queries.  The score is sum_i weight_i feature_i.
 *
 * The model text format (docs/RANKING.md):
 *   "cari-ranker 1" first; "# ..." comments; "[keyword]" / "[question]"
 *   start a class's section (lines before any section set both);
 *   "key value" lines: depth, group, correct, first.k1, first.b,
 *   first.title_weight, first.title_k1, first.title_b,
 *   first.phrase_articles, question_words,
 *   body.k1, body.b, title.k1, title.b, article.k1, article.b,
 *   feedback.keep, feedback.docs, feedback.terms, feedback.depth,
 *   feedback.weight, feedback.fuse, feedback.max_df, compound.*,
 *   exact_form, xapian.title_phrase, weight.<feature>.
 */
#define _POSIX_C_SOURCE 200809L
#include "rank.h"

#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"

/* Positions decoded per term and passage for proximity (a passage is at
 * most a few hundred words; a longer one is judged by its start). */
#define MAX_RANK_POSITIONS 512
/* Distinct query terms the features look at; the rest are ignored. */
#define MAX_RANK_TERMS 64
/* Largest distance of a "pair" (positions; 3 lets one stop word and a
 * clitic sit between the two words). */
#define PAIR_WINDOW 3
/* Width of the window feature's windows, in positions: about a clause
 * (measured on valid, docs/RANKING.md). */
#define WINDOW 12
/* The lead feature's span: a passage's first clause (positions). */
#define LEAD 8

const char *const cari_feature_names[CARI_NFEATURES] = {
    "body", "exact", "title", "article", "coverage", "article_coverage",
    "title_coverage", "proximity", "window", "pairs", "lead", "entity",
    "rarest", "length", "position", "title_phrase"};

/* ------------------------------------------------------------------ */
/* Query classes                                                       */
/* ------------------------------------------------------------------ */

/* Question words as written (ASCII-folded), with their -kah forms. */
static const char *const question_words[] = {
    "apa", "apakah", "siapa", "siapakah", "kapan", "kapankah", "berapa",
    "berapakah", "mana", "manakah", "dimana", "dimanakah", "mengapa",
    "mengapakah", "kenapa", "kenapakah", "bagaimana", "bagaimanakah",
    "bilamana", "bilakah"};

/* Question words as the analyzer leaves them (stems; "mengapa" -> apa,
 * "dimanakah" -> mana). */
static const char *const question_terms[] = {
    "apa", "apakah", "siapa", "kapan", "berapa", "mana", "kenapa",
    "bagaimana", "bilamana", "bilakah"};

static int in_list(const char *const *list, size_t n, const char *w,
                   size_t len)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (strlen(list[i]) == len && memcmp(list[i], w, len) == 0)
            return 1;
    return 0;
}

int cari_rank_is_question_term(const char *term, size_t len)
{
    return in_list(question_terms, sizeof question_terms / sizeof *question_terms,
                   term, len);
}

int cari_rank_classify(const char *text, size_t len)
{
    char word[16];
    size_t i = 0, n;
    while (i < len) {
        unsigned char c = (unsigned char)text[i];
        if (c == '?')
            return CARI_QCLASS_QUESTION;
        if (!((c | 0x20) >= 'a' && (c | 0x20) <= 'z')) {
            i++;
            continue;
        }
        n = 0;
        while (i < len) {
            c = (unsigned char)text[i];
            if (!((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
                break;
            if (n < sizeof word)
                word[n] = (char)(c | 0x20);
            n++;
            i++;
        }
        if (i < len && (unsigned char)text[i] >= 0x80)
            continue;  /* part of a word with non-ASCII letters */
        if (n <= sizeof word &&
            in_list(question_words, sizeof question_words / sizeof *question_words,
                    word, n))
            return CARI_QCLASS_QUESTION;
    }
    return CARI_QCLASS_KEYWORD;
}

/* ------------------------------------------------------------------ */
/* The model                                                           */
/* ------------------------------------------------------------------ */

static void default_params(cari_rank_params *p)
{
    memset(p, 0, sizeof *p);
    p->k1 = 1.2;
    p->b = 0.75;
    p->title_weight = 1.0;
    p->title_k1 = 1.2;
    p->title_b = 0.5;
    p->question_words = 1.0;
    p->cp_keep = 1.0;
    p->cp_ratio = 1.0;
    p->depth = 0;
    p->body_k1 = 1.2;
    p->body_b = 0.75;
    p->title_feat_k1 = 1.2;
    p->title_feat_b = 0.5;
    p->article_k1 = 1.2;
    p->article_b = 0.75;
    p->weight[CARI_F_BODY] = 1.0;
}

/* Set key to value in p; 0, or -1 for an unknown key, -2 out of range. */
static int set_param(cari_rank_params *p, const char *key, double v)
{
    static const struct {
        const char *name;
        size_t off;
        double lo, hi;
    } keys[] = {
        {"first.k1", offsetof(cari_rank_params, k1), 0, 1000},
        {"first.b", offsetof(cari_rank_params, b), 0, 1},
        {"first.title_weight", offsetof(cari_rank_params, title_weight), 0, 1e6},
        {"first.title_k1", offsetof(cari_rank_params, title_k1), 0, 1000},
        {"first.title_b", offsetof(cari_rank_params, title_b), 0, 1},
        {"question_words", offsetof(cari_rank_params, question_words), 0, 1e6},
        {"body.k1", offsetof(cari_rank_params, body_k1), 0, 1000},
        {"body.b", offsetof(cari_rank_params, body_b), 0, 1},
        {"title.k1", offsetof(cari_rank_params, title_feat_k1), 0, 1000},
        {"title.b", offsetof(cari_rank_params, title_feat_b), 0, 1},
        {"article.k1", offsetof(cari_rank_params, article_k1), 0, 1000},
        {"article.b", offsetof(cari_rank_params, article_b), 0, 1},
        {"feedback.weight", offsetof(cari_rank_params, fb_weight), 0, 1e6},
        {"feedback.fuse", offsetof(cari_rank_params, fb_fuse), 0, 1e6},
        {"feedback.max_df", offsetof(cari_rank_params, fb_max_df), 0, 1},
        {"compound.split", offsetof(cari_rank_params, cp_split), 0, 1e6},
        {"compound.keep", offsetof(cari_rank_params, cp_keep), 0, 1e6},
        {"compound.ratio", offsetof(cari_rank_params, cp_ratio), 0, 1e6},
        {"compound.join", offsetof(cari_rank_params, cp_join), 0, 1e6},
        {"exact_form", offsetof(cari_rank_params, exact_form), 0, 1e6},
        {"xapian.title_phrase", offsetof(cari_rank_params, xapian_phrase), 0,
         1e6}};
    /* whole numbers, 0..hi */
    static const struct {
        const char *name;
        size_t off;
        long hi;
    } counts[] = {
        {"depth", offsetof(cari_rank_params, depth), 100000},
        {"group", offsetof(cari_rank_params, group), 1000000},
        {"feedback.keep", offsetof(cari_rank_params, fb_keep), 100000},
        {"feedback.docs", offsetof(cari_rank_params, fb_docs), 100},
        {"feedback.terms", offsetof(cari_rank_params, fb_terms), 100},
        {"feedback.depth", offsetof(cari_rank_params, fb_depth), 100000},
        {"first.phrase_articles", offsetof(cari_rank_params, phrase_articles),
         100000}};
    /* 0 or 1 */
    static const struct {
        const char *name;
        size_t off;
    } flags[] = {
        {"correct", offsetof(cari_rank_params, correct)},
        {"compound.phrase", offsetof(cari_rank_params, cp_phrase)}};
    size_t i;
    for (i = 0; i < sizeof flags / sizeof *flags; i++)
        if (strcmp(key, flags[i].name) == 0) {
            if (v != 0 && v != 1)
                return -2;
            *(int *)((char *)p + flags[i].off) = (int)v;
            return 0;
        }
    for (i = 0; i < sizeof counts / sizeof *counts; i++)
        if (strcmp(key, counts[i].name) == 0) {
            if (!(v >= 0 && v <= (double)counts[i].hi) || v != floor(v))
                return -2;
            *(long *)((char *)p + counts[i].off) = (long)v;
            return 0;
        }
    if (strncmp(key, "weight.", 7) == 0) {
        for (i = 0; i < CARI_NFEATURES; i++)
            if (strcmp(key + 7, cari_feature_names[i]) == 0) {
                if (!(v >= -1e6 && v <= 1e6))
                    return -2;
                p->weight[i] = v;
                return 0;
            }
        return -1;
    }
    for (i = 0; i < sizeof keys / sizeof *keys; i++)
        if (strcmp(key, keys[i].name) == 0) {
            if (!(v >= keys[i].lo && v <= keys[i].hi))
                return -2;
            *(double *)((char *)p + keys[i].off) = v;
            return 0;
        }
    return -1;
}

int cari_ranker_parse(const char *text, size_t len, cari_ranker **out,
                      cari_error *err)
{
    cari_ranker *r;
    size_t i = 0;
    long line = 0;
    int section = -1, header = 0, c;
    if (!out)
        return cari_set_error(err, CARI_EINVAL, "no handle to open into");
    *out = NULL;
    if (!text && len)
        return cari_set_error(err, CARI_EINVAL, "no model text");
    r = malloc(sizeof *r);
    if (!r)
        return cari_set_error(err, CARI_ENOMEM, "out of memory");
    for (c = 0; c < CARI_NQCLASSES; c++)
        default_params(&r->cls[c]);
    while (i < len) {
        char buf[256], key[128], extra[8];
        size_t e = i, n;
        double v;
        const char *why = NULL;
        line++;
        while (e < len && text[e] != '\n')
            e++;
        n = e - i;
        if (n >= sizeof buf) {
            why = "line too long";
            goto bad;
        }
        memcpy(buf, text + i, n);
        buf[n] = '\0';
        i = e + 1;
        {
            char *h = strchr(buf, '#');
            if (h)
                *h = '\0';
        }
        if (sscanf(buf, " %127s", key) != 1)
            continue;  /* blank or comment */
        if (!header) {
            if (strcmp(key, "cari-ranker") != 0 ||
                sscanf(buf, " cari-ranker %lf %7s", &v, extra) != 1 || v != 1) {
                why = "the first line must be \"cari-ranker 1\"";
                goto bad;
            }
            header = 1;
            continue;
        }
        if (key[0] == '[') {
            if (strcmp(key, "[keyword]") == 0)
                section = CARI_QCLASS_KEYWORD;
            else if (strcmp(key, "[question]") == 0)
                section = CARI_QCLASS_QUESTION;
            else {
                why = "unknown section (want [keyword] or [question])";
                goto bad;
            }
            if (sscanf(buf, " %127s %7s", key, extra) == 2) {
                why = "text after a section name";
                goto bad;
            }
            continue;
        }
        if (sscanf(buf, " %127s %lf %7s", key, &v, extra) != 2) {
            why = "want \"key number\"";
            goto bad;
        }
        for (c = 0; c < CARI_NQCLASSES; c++) {
            int rc;
            if (section >= 0 && c != section)
                continue;
            rc = set_param(&r->cls[c], key, v);
            if (rc == -1) {
                why = "unknown key";
                goto bad;
            }
            if (rc == -2) {
                why = "value out of range";
                goto bad;
            }
        }
        continue;
    bad:
        free(r);
        return cari_set_error(err, CARI_EINPUT, "model line %ld: %s", line,
                              why);
    }
    if (!header) {
        free(r);
        return cari_set_error(err, CARI_EINPUT,
                              "not a ranking model (no \"cari-ranker 1\" line)");
    }
    *out = r;
    return CARI_OK;
}

int cari_ranker_load(const char *path, cari_ranker **out, cari_error *err)
{
    FILE *f;
    char *text = NULL;
    size_t len = 0, cap = 0;
    int rc;
    if (!out)
        return cari_set_error(err, CARI_EINVAL, "no handle to open into");
    *out = NULL;
    if (!path)
        return cari_set_error(err, CARI_EINVAL, "no model path");
    f = fopen(path, "rb");
    if (!f)
        return cari_set_error(err, errno == ENOENT   ? CARI_ENOTFOUND
                                   : errno == ENOMEM ? CARI_ENOMEM
                                                     : CARI_EIO,
                              "%s: %s", path, strerror(errno));
    for (;;) {
        size_t got;
        if (len == cap) {
            char *p;
            cap = cap ? cap * 2 : 4096;
            if (cap > (1u << 24) || !(p = realloc(text, cap))) {
                free(text);
                fclose(f);
                return cari_set_error(err, cap > (1u << 24) ? CARI_EINPUT
                                                            : CARI_ENOMEM,
                                      "%s: %s", path,
                                      cap > (1u << 24) ? "too big for a model"
                                                       : "out of memory");
            }
            text = p;
        }
        got = fread(text + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        free(text);
        fclose(f);
        return cari_set_error(err, CARI_EIO, "%s: read failed", path);
    }
    fclose(f);
    rc = cari_ranker_parse(text, len, out, err);
    if (rc && err) {
        /* name the file in the message */
        char msg[sizeof err->message];
        snprintf(msg, sizeof msg, "%.200s: %.300s", path, err->message);
        memcpy(err->message, msg, sizeof msg);
    }
    free(text);
    return rc;
}

void cari_ranker_free(cari_ranker *r)
{
    free(r);
}

/* src/ranking.model, compiled in (build/gen/ranking_model.c). */
extern const char cari_ranking_model_text[];
extern const size_t cari_ranking_model_len;

const cari_ranker *cari_ranker_builtin(void)
{
    static _Atomic(cari_ranker *) builtin;
    cari_ranker *r = atomic_load(&builtin), *expected = NULL;
    if (r)
        return r;
    if (cari_ranker_parse(cari_ranking_model_text, cari_ranking_model_len, &r,
                          NULL))
        return NULL;
    /* another thread may have won the race: keep its copy */
    if (!atomic_compare_exchange_strong(&builtin, &expected, r)) {
        free(r);
        return expected;
    }
    return r;
}

double cari_rank_score(const cari_rank_params *p, const double *f)
{
    double s = 0;
    int i;
    for (i = 0; i < CARI_NFEATURES; i++)
        s += p->weight[i] * f[i];
    return s;
}

/* ------------------------------------------------------------------ */
/* Features                                                            */
/* ------------------------------------------------------------------ */

/* A term's posting lists in one segment. */
typedef struct term_lists {
    cari_postings body, title, article, exact;
    int has_body, has_title, has_article, has_exact;
    int exact_ranks;  /* exact holds the form's ranks in body's list (a
                         derived list whose base is body's): sought by
                         body's ordinal, no second walk of the base */
    int positional;   /* 0 for an exact-form term ("=merendam"): its lists
                         carry no positions */
    int article_is_body; /* article walks body's own list: each article's
                            walk starts from a copy of body's cursor */
    uint32_t *pos;    /* positions in the current passage */
    int npos;
    uint32_t tf_body, tf_title, tf_exact, tf_article;
} term_lists;

static int open_list(const cari_rank_query *rq, cari_postings *p,
                     const cari_term_info *info, int field, cari_arena *arena,
                     int *has)
{
    int rc;
    *has = 0;
    if (info->df[field] == 0)
        return CARI_OK;
    rc = rq->open ? rq->open(rq->lookup_ctx, p, info, field, arena)
                  : cari_term_open(p, info, field, arena);
    if (rc)
        return rc;
    *has = 1;
    return CARI_OK;
}

static int rank_lookup(const cari_rank_query *rq, const cari_segment *s,
                       const char *term, size_t len, cari_term_info *info)
{
    return rq->lookup ? rq->lookup(rq->lookup_ctx, s, term, len, info)
                      : cari_segment_lookup(s, term, len, info);
}

static int open_term(const cari_rank_query *rq, const cari_segment *s,
                     const cari_rank_term *t, term_lists *l,
                     cari_arena *arena)
{
    cari_term_info info;
    const unsigned char *body_list = NULL; /* the term's body list */
    int found, rc;
    memset(l, 0, sizeof *l);
    l->positional = t->len > 0 && t->term[0] != '=';
    found = rank_lookup(rq, s, t->term, t->len, &info);
    if (found < 0)
        return CARI_ECORRUPT;
    if (found && !info.derived)
        body_list = info.postings[CARI_FIELD_BODY];
    if (found) {
        rc = open_list(rq, &l->body, &info, CARI_FIELD_BODY, arena, &l->has_body);
        if (!rc)
            rc = open_list(rq, &l->title, &info, CARI_FIELD_TITLE, arena,
                           &l->has_title);
        if (rc)
            return rc;
        /* a second walker over the same list (its skip table is shared,
         * read only); a derived list's walkers are not: open it again */
        if (info.derived && l->has_body)
            rc = open_list(rq, &l->article, &info, CARI_FIELD_BODY, arena,
                           &l->has_article);
        else {
            l->article = l->body;
            l->has_article = l->has_body;
            l->article_is_body = 1;
        }
        if (rc)
            return rc;
    }
    if (t->exact) {
        found = rank_lookup(rq, s, t->exact, t->exact_len, &info);
        if (found < 0)
            return CARI_ECORRUPT;
        if (found && info.derived > 0 && l->has_body &&
            info.df[CARI_FIELD_BODY] &&
            info.base_postings[CARI_FIELD_BODY] == body_list) {
            /* coded as ranks in the very list body walks */
            rc = cari_postings_open_limit(
                &l->exact, info.postings[CARI_FIELD_BODY],
                info.postings_len[CARI_FIELD_BODY],
                info.positions[CARI_FIELD_BODY],
                info.positions_len[CARI_FIELD_BODY], info.df[CARI_FIELD_BODY],
                info.base_df[CARI_FIELD_BODY], arena);
            if (rc)
                return rc;
            l->has_exact = 1;
            l->exact_ranks = 1;
        } else if (found) {
            rc = open_list(rq, &l->exact, &info, CARI_FIELD_BODY, arena,
                           &l->has_exact);
            if (rc)
                return rc;
        }
    }
    l->pos = cari_arena_alloc(arena, MAX_RANK_POSITIONS * sizeof *l->pos);
    return l->pos ? CARI_OK : CARI_ENOMEM;
}

static uint32_t tf_at(cari_postings *p, int has, uint32_t doc)
{
    if (!has)
        return 0;
    return cari_postings_seek(p, doc) == doc ? cari_postings_tf(p) : 0;
}

typedef struct posterm {
    uint32_t pos;
    uint32_t term;
} posterm;

/* Smallest window (last - first position) holding one position of each
 * of the m matched terms in items[0..n) (sorted by position). */
static uint32_t min_window(const posterm *items, size_t n, size_t m,
                           uint32_t *count, size_t nterms)
{
    size_t left = 0, right, have = 0;
    uint32_t best = UINT32_MAX;
    memset(count, 0, nterms * sizeof *count);
    for (right = 0; right < n; right++) {
        if (count[items[right].term]++ == 0)
            have++;
        while (have == m) {
            uint32_t w = items[right].pos - items[left].pos;
            if (w < best)
                best = w;
            if (--count[items[left].term] == 0)
                have--;
            left++;
        }
    }
    return best;
}

/* The largest sum of weight[term] over the distinct terms of one window
 * of WINDOW positions in items[0..n) (sorted by position). */
static double best_window(const posterm *items, size_t n, const double *weight,
                          uint32_t *count, size_t nterms)
{
    size_t left = 0, right;
    double cur = 0, best = 0;
    memset(count, 0, nterms * sizeof *count);
    for (right = 0; right < n; right++) {
        if (count[items[right].term]++ == 0)
            cur += weight[items[right].term];
        while (items[right].pos - items[left].pos >= WINDOW) {
            if (--count[items[left].term] == 0)
                cur -= weight[items[left].term];
            left++;
        }
        if (cur > best)
            best = cur;
    }
    return best;
}

/* Is some position of b within (0, PAIR_WINDOW] after one of a? */
static int pair_found(const term_lists *a, const term_lists *b)
{
    int i = 0, j = 0;
    while (i < a->npos && j < b->npos) {
        if (b->pos[j] <= a->pos[i])
            j++;
        else if (b->pos[j] - a->pos[i] <= PAIR_WINDOW)
            return 1;
        else
            i++;
    }
    return 0;
}

/* title_phrase (above): seq[0..nseq) the query's words as list numbers
 * (-1: none), pos[x][0..npos[x]) list x's positions in the title. */
static double title_phrase(const int *seq, size_t nseq, uint32_t *const *pos,
                           const int *npos)
{
    size_t i, d, best = 1;
    int k;
    for (i = 0; i + best < nseq; i++) {
        int x = seq[i];
        if (x < 0)
            continue;
        for (k = 0; k < npos[x]; k++) {
            for (d = 1; i + d < nseq && seq[i + d] >= 0 &&
                        cari_positions_within(pos[seq[i + d]],
                                              npos[seq[i + d]],
                                              pos[x][k] + (uint32_t)d,
                                              pos[x][k] + (uint32_t)d);
                 d++)
                ;
            if (d > best)
                best = d;
        }
    }
    return best >= 2 ? (double)best / (double)nseq : 0;
}

static int cmp_cand(const void *x, const void *y)
{
    const cari_candidate *a = *(cari_candidate *const *)x,
                         *b = *(cari_candidate *const *)y;
    if (a->seg != b->seg)
        return a->seg < b->seg ? -1 : 1;
    return a->passage < b->passage ? -1 : a->passage > b->passage;
}

int cari_rank_features(cari_index *ix, const cari_rank_query *rq,
                       cari_candidate *cand, size_t n, cari_arena *arena)
{
    const cari_rank_params *p = rq->p;
    size_t nt = rq->nterms < MAX_RANK_TERMS ? rq->nterms : MAX_RANK_TERMS;
    cari_candidate **order;
    term_lists *tl;
    /* title_phrase: the stopwords' title lists, the query's words as list
     * numbers (terms 0..nt, then stopwords), each list's title positions
     * in the current article */
    size_t ns = rq->nseq >= 2 ? rq->nstops : 0;
    cari_postings *stl = NULL;
    int *shas = NULL, *seq = NULL, *tnpos = NULL;
    unsigned char *inseq = NULL; /* term j is one of the query's words */
    uint32_t **tpos = NULL;
    double phrase = 0;
    posterm *items;
    uint32_t *count;
    double *mweight;
    double z_body = 0, z_exact = 0, z_title = 0, z_article = 0, c_body = 0,
           c_title = 0, max_idf = 0, z_pairs = 0, c_entity = 0;
    size_t i, j, k;
    int rc = CARI_OK;
    if (n == 0)
        return CARI_OK;
    order = cari_arena_alloc(arena, n * sizeof *order);
    tl = cari_arena_alloc(arena, (nt ? nt : 1) * sizeof *tl);
    items = cari_arena_alloc(arena, (nt ? nt : 1) * MAX_RANK_POSITIONS *
                                        sizeof *items);
    count = cari_arena_alloc(arena, (nt ? nt : 1) * sizeof *count);
    mweight = cari_arena_alloc(arena, (nt ? nt : 1) * sizeof *mweight);
    if (!order || !tl || !items || !count || !mweight)
        return CARI_ENOMEM;
    if (rq->nseq >= 2) {
        size_t nl = nt + ns;
        seq = cari_arena_alloc(arena, rq->nseq * sizeof *seq);
        stl = cari_arena_alloc(arena, (ns ? ns : 1) * sizeof *stl);
        shas = cari_arena_alloc(arena, (ns ? ns : 1) * sizeof *shas);
        tnpos = cari_arena_alloc(arena, (nl ? nl : 1) * sizeof *tnpos);
        tpos = cari_arena_alloc(arena, (nl ? nl : 1) * sizeof *tpos);
        inseq = cari_arena_alloc(arena, nt ? nt : 1);
        if (!seq || !stl || !shas || !tnpos || !tpos || !inseq)
            return CARI_ENOMEM;
        memset(inseq, 0, nt ? nt : 1);
        memset(tnpos, 0, (nl ? nl : 1) * sizeof *tnpos);
        for (j = 0; j < nl; j++) {
            tpos[j] = cari_arena_alloc(arena, CARI_TITLE_POSITIONS *
                                                  sizeof **tpos);
            if (!tpos[j])
                return CARI_ENOMEM;
        }
        for (j = 0; j < rq->nseq; j++) {
            int x = rq->seq[j];
            /* as list numbers: terms 0..nt, then the stopwords; a term
             * past MAX_RANK_TERMS is none */
            seq[j] = x >= 0 ? ((size_t)x < nt ? x : -1)
                     : x <= -2 && (size_t)(-2 - x) < ns
                         ? (int)(nt + (size_t)(-2 - x))
                         : -1;
            if (seq[j] >= 0 && (size_t)seq[j] < nt)
                inseq[seq[j]] = 1;
        }
    }
    for (j = 0; j < nt; j++) {
        const cari_rank_term *t = &rq->terms[j];
        double wb = t->weight * t->idf_body;
        z_body += wb * (p->body_k1 + 1.0);
        z_exact += t->weight * t->idf_exact * (p->body_k1 + 1.0);
        z_title += t->weight * t->idf_title * (p->title_feat_k1 + 1.0);
        z_article += wb * (p->article_k1 + 1.0);
        c_body += wb;
        c_title += t->weight * t->idf_title;
        if (t->entity)
            c_entity += wb;
        if (wb > max_idf)
            max_idf = wb;
        if (j + 1 < nt) {
            double wn = rq->terms[j + 1].weight * rq->terms[j + 1].idf_body;
            z_pairs += wb < wn ? wb : wn;
        }
    }
    for (i = 0; i < n; i++)
        order[i] = &cand[i];
    qsort(order, n, sizeof *order, cmp_cand);
    for (i = 0; i < n && !rc;) {
        uint32_t si = order[i]->seg, art = UINT32_MAX;
        const cari_segment *s = ix->segs[si].seg;
        double len_article = 0;
        size_t end = i;
        while (end < n && order[end]->seg == si)
            end++;
        for (j = 0; j < nt && !rc; j++)
            rc = open_term(rq, s, &rq->terms[j], &tl[j], arena);
        for (j = 0; j < ns && !rc; j++) {
            cari_term_info info;
            int found = rank_lookup(rq, s, rq->stops[j], rq->stop_lens[j],
                                    &info);
            shas[j] = 0;
            if (found < 0)
                rc = CARI_ECORRUPT;
            else if (found)
                rc = open_list(rq, &stl[j], &info, CARI_FIELD_TITLE, arena,
                               &shas[j]);
        }
        for (; i < end && !rc; i++) {
            cari_candidate *c = order[i];
            uint32_t pno = c->passage, a = cari_segment_passage_article(s, pno);
            uint32_t first = cari_segment_first_passage(s, a);
            double len_p = cari_segment_body_len(s, pno);
            double len_t = cari_segment_title_len(s, a);
            double body = 0, exact = 0, title = 0, article = 0, cover = 0,
                   acover = 0, tcover = 0, rarest = 0, pairs = 0, fb = 0, ft = 0,
                   lead = 0, entity = 0;
            size_t nitems = 0, m = 0;
            if (a != art) {
                /* the article's text: tf and length summed over its
                 * passages (consecutive numbers) */
                uint32_t last = first + cari_segment_passage_count(s, a);
                art = a;
                len_article = 0;
                for (k = first; k < last; k++)
                    len_article += cari_segment_body_len(s, (uint32_t)k);
                for (j = 0; j < nt; j++) {
                    term_lists *l = &tl[j];
                    l->tf_article = 0;
                    l->tf_title = tf_at(&l->title, l->has_title, a);
                    if (seq && inseq[j]) {
                        /* only the query's words make runs (not its
                         * compound parts, joins, exact forms) */
                        int got = l->tf_title && l->positional
                                      ? cari_postings_positions(
                                            &l->title, tpos[j],
                                            CARI_TITLE_POSITIONS)
                                      : 0;
                        tnpos[j] = got > 0 ? got : 0;
                        if (got < 0)
                            rc = CARI_ECORRUPT;
                    }
                    if (!l->has_article)
                        continue;
                    if (l->article_is_body) {
                        /* body's cursor at the article's first passage,
                         * copied: body then seeks this passage (and the
                         * article's others) in the block it holds,
                         * instead of decoding it a second time */
                        cari_postings_seek(&l->body, first);
                        l->article = l->body;
                    } else {
                        cari_postings_seek(&l->article, first);
                    }
                    while (l->article.doc < last) {
                        l->tf_article += cari_postings_tf(&l->article);
                        cari_postings_next(&l->article);
                    }
                }
                /* a run holds a word of the query (a run of stopwords
                 * alone is no phrase): none in the title, no run */
                for (j = 0; seq && j < nt &&
                            !(tl[j].tf_title && tl[j].positional);
                     j++)
                    ;
                for (k = 0; k < ns; k++)
                    tnpos[nt + k] = 0;
                for (k = 0; j < nt && k < ns; k++) {
                    int got = tf_at(&stl[k], shas[k], a)
                                  ? cari_postings_positions(
                                        &stl[k], tpos[nt + k],
                                        CARI_TITLE_POSITIONS)
                                  : 0;
                    tnpos[nt + k] = got > 0 ? got : 0;
                    if (got < 0)
                        rc = CARI_ECORRUPT;
                }
                phrase = seq && j < nt
                             ? title_phrase(seq, rq->nseq, tpos, tnpos)
                             : 0;
                if (rc)
                    break;
            }
            for (j = 0; j < nt; j++) {
                term_lists *l = &tl[j];
                const cari_rank_term *t = &rq->terms[j];
                double wb = t->weight * t->idf_body;
                l->tf_body = tf_at(&l->body, l->has_body, pno);
                /* a word's exact form occurs only where its term does
                 * (analyzer.c): no seek where the term is absent */
                l->tf_exact = !t->exact     ? l->tf_body
                              : !l->tf_body   ? 0
                              : l->exact_ranks
                                  ? tf_at(&l->exact, l->has_exact,
                                          cari_postings_ordinal(&l->body))
                                  : tf_at(&l->exact, l->has_exact, pno);
                l->npos = 0;
                if (l->tf_body && l->positional) {
                    int got = cari_postings_positions(&l->body, l->pos,
                                                      MAX_RANK_POSITIONS);
                    if (got < 0) {
                        rc = CARI_ECORRUPT;
                        break;
                    }
                    l->npos = got;
                    /* merged into items, kept in position order (each
                     * list is sorted: no sort of the whole) */
                    {
                        size_t x = nitems, y = (size_t)got,
                               at = nitems + (size_t)got;
                        while (y > 0) {
                            if (x > 0 && items[x - 1].pos > l->pos[y - 1]) {
                                items[--at] = items[--x];
                            } else {
                                --at;
                                items[at].pos = l->pos[--y];
                                items[at].term = (uint32_t)m;
                            }
                        }
                        nitems += (size_t)got;
                    }
                    mweight[m] = wb;
                    m++;
                    cover += wb;
                    if (t->entity)
                        entity += wb;
                    if (got > 0 && l->pos[0] < LEAD)
                        lead += wb;
                    if (wb > rarest)
                        rarest = wb;
                }
                body += wb * cari_bm25(l->tf_body, p->body_k1, p->body_b,
                                       len_p, rq->avg_body);
                exact += t->weight * t->idf_exact *
                         cari_bm25(l->tf_exact, p->body_k1, p->body_b, len_p,
                                   rq->avg_body);
                title += t->weight * t->idf_title *
                         cari_bm25(l->tf_title, p->title_feat_k1,
                                   p->title_feat_b, len_t, rq->avg_title);
                article += wb * cari_bm25(l->tf_article, p->article_k1,
                                          p->article_b, len_article,
                                          rq->avg_article);
                if (l->tf_article || l->tf_title)
                    acover += wb;
                if (l->tf_title)
                    tcover += t->weight * t->idf_title;
                fb += wb * cari_bm25(l->tf_body, rq->first_k1, rq->first_b,
                                     len_p, rq->avg_body);
                ft += t->weight * t->idf_title *
                      cari_bm25(l->tf_title, rq->first_title_k1,
                                rq->first_title_b, len_t, rq->avg_title);
                if (j > 0 && l->npos && tl[j - 1].npos &&
                    pair_found(&tl[j - 1], l)) {
                    double wp = rq->terms[j - 1].weight * rq->terms[j - 1].idf_body;
                    pairs += wp < wb ? wp : wb;
                }
            }
            if (rc)
                break;
            c->f[CARI_F_BODY] = z_body > 0 ? body / z_body : 0;
            c->f[CARI_F_EXACT] = z_exact > 0 ? exact / z_exact : 0;
            c->f[CARI_F_TITLE] = z_title > 0 ? title / z_title : 0;
            c->f[CARI_F_ARTICLE] = z_article > 0 ? article / z_article : 0;
            c->f[CARI_F_COVERAGE] = c_body > 0 ? cover / c_body : 0;
            c->f[CARI_F_ARTICLE_COVERAGE] = c_body > 0 ? acover / c_body : 0;
            c->f[CARI_F_TITLE_COVERAGE] = c_title > 0 ? tcover / c_title : 0;
            c->f[CARI_F_PROXIMITY] = 0;
            c->f[CARI_F_WINDOW] = 0;
            if (m >= 1) {
                c->f[CARI_F_WINDOW] =
                    c_body > 0 ? best_window(items, nitems, mweight, count, m) / c_body
                               : 0;
            }
            if (m >= 2) {
                uint32_t w;
                w = min_window(items, nitems, m, count, m);
                c->f[CARI_F_PROXIMITY] =
                    w == UINT32_MAX ? 0
                                    : (double)m / (1.0 + w) > 1 ? 1
                                    : (double)m / (1.0 + w);
            }
            c->f[CARI_F_PAIRS] = z_pairs > 0 ? pairs / z_pairs : 0;
            c->f[CARI_F_LEAD] = c_body > 0 ? lead / c_body : 0;
            c->f[CARI_F_ENTITY] = c_entity > 0 ? entity / c_entity : 0;
            c->f[CARI_F_RAREST] = max_idf > 0 ? rarest / max_idf : 0;
            c->f[CARI_F_LENGTH] = log1p(len_p);
            c->f[CARI_F_POSITION] = 1.0 / (1.0 + (double)(pno - first));
            c->f[CARI_F_TITLE_PHRASE] = phrase;
            c->bm25_body = fb;
            c->bm25_title = ft;
            c->score = cari_rank_score(p, c->f);
        }
        for (j = 0; j < nt; j++)
            if (tl[j].body.corrupt || tl[j].title.corrupt ||
                tl[j].article.corrupt || tl[j].exact.corrupt)
                rc = CARI_ECORRUPT;
        for (j = 0; j < ns; j++)
            if (shas[j] && stl[j].corrupt)
                rc = CARI_ECORRUPT;
    }
    return rc;
}
