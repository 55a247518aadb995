/*
 * rank.h -- the second ranking stage: query classes, the features of a
 * candidate passage, and the ranking model that weighs them.  Internal to
 * libcari; search.c runs the first stage and calls in here.
 *
 * A ranking model (struct cari_ranker) holds, per query class, the
 * parameters of the first stage (BM25 k1/b, title weight, the weight of
 * question words, how many passages to rerank) and a linear model over
 * the features below.  Its text format is parsed by cari_ranker_parse()
 * and documented in docs/RANKING.md; the built-in model is
 * src/ranking.model, compiled in.
 */
#ifndef CARI_RANK_H
#define CARI_RANK_H

#include <stddef.h>
#include <stdint.h>

#include "index_internal.h"
#include "util.h"

/* Query classes: a natural-language question, or anything else. */
enum { CARI_QCLASS_KEYWORD = 0, CARI_QCLASS_QUESTION = 1, CARI_NQCLASSES };

/* Features of a (query, passage) pair.  All are general: none names a
 * passage, an article or a collection.  Definitions in rank.c. */
enum {
    CARI_F_BODY,              /* BM25 of the passage text, normalised */
    CARI_F_EXACT,             /* BM25 of the words' exact (unstemmed) forms */
    CARI_F_TITLE,             /* BM25 of the article's title */
    CARI_F_ARTICLE,           /* BM25 of the whole article's text */
    CARI_F_COVERAGE,          /* idf share of the query found in the passage */
    CARI_F_ARTICLE_COVERAGE,  /* ... in the article (text or title) */
    CARI_F_TITLE_COVERAGE,    /* ... in the title */
    CARI_F_PROXIMITY,         /* smallest window holding the matched terms */
    CARI_F_WINDOW,            /* idf share of the query in the best window */
    CARI_F_PAIRS,             /* query word pairs found next to each other */
    CARI_F_LEAD,              /* idf share of the query at the passage's start */
    CARI_F_ENTITY,            /* share of the query's capitalised words found */
    CARI_F_RAREST,            /* idf of the rarest matched term / rarest overall */
    CARI_F_LENGTH,            /* log(1 + passage length) */
    CARI_F_POSITION,          /* 1 / (1 + passage number in its article) */
    CARI_F_TITLE_PHRASE,      /* share of the query's words, stopwords
                                 included, found as one run in the title */
    CARI_NFEATURES
};

extern const char *const cari_feature_names[CARI_NFEATURES];

/* The parameters of one query class. */
typedef struct cari_rank_params {
    /* first stage */
    double k1, b, title_weight, title_k1, title_b;
    double question_words;   /* weight of question words ("siapa"...) */
    long depth;              /* passages reranked; 0: none */
    double xapian_phrase;    /* the Xapian backend: the title phrase as
                                a clause of the query, weighted so (0:
                                none; search.c) */
    long phrase_articles;    /* at most this many articles whose title
                                holds the whole query as a phrase,
                                stopwords included, join the reranked
                                passages (search.c); 0: none */
    long group;              /* at most this many passages of an article
                                in the hits by default; 0: no limit */
    int correct;             /* 1: words the index does not hold are
                                searched as their nearest vocabulary word
                                (cari_suggest with max_df 0) */
    /* pseudo-relevance feedback (search.c): the hits past the first
     * fb_keep (0: none) are the original ranking fused with that of the
     * query plus fb_terms words of its fb_docs best passages, weighted
     * fb_weight, reranked to fb_depth (0: depth); fb_fuse weighs the
     * second ranking in the fusion; words in more than fb_max_df of the
     * passages are not taken (0: no limit) */
    long fb_keep, fb_docs, fb_terms, fb_depth;
    double fb_weight, fb_fuse, fb_max_df;
    /* compound words (search.c expand_compounds): a query word written
     * as one ("ibukota") that the collection mostly writes as two roots
     * ("ibu kota": at least cp_ratio times as many passages hold the
     * pair as the word) is searched as its parts too, each weighted
     * cp_split (0: never), the word itself then weighted cp_keep; two
     * adjacent query words whose joined form is a term of the index
     * ("sepak bola": sepakbola) add it, weighted cp_join (0: never) */
    double cp_split, cp_keep, cp_ratio, cp_join;
    int cp_phrase;           /* 1: the parts only next to each other */
    /* a word whose exact form differs from its term ("dirancang":
     * rancang) is also searched as that form, weighted exact_form (0:
     * not) times the word's weight: in titles by the first stage, as a
     * term of its own by the second (search.c) */
    double exact_form;
    /* the BM25 features' own parameters */
    double body_k1, body_b, title_feat_k1, title_feat_b, article_k1,
        article_b;
    double weight[CARI_NFEATURES];
} cari_rank_params;

struct cari_ranker {
    cari_rank_params cls[CARI_NQCLASSES];
};

/* The built-in model (parsed once, shared; never freed). NULL only when
 * out of memory or when the compiled-in text does not parse. */
const cari_ranker *cari_ranker_builtin(void);

/* The class of a query text: a question when it holds a question word
 * (apa, siapa, kapan, berapa, di mana, mengapa, kenapa, bagaimana and
 * their -kah forms) or a question mark. */
int cari_rank_classify(const char *text, size_t len);

/* Is term (an analyzed query term) a question word? */
int cari_rank_is_question_term(const char *term, size_t len);

/* One distinct term of the query, as the features see it. */
typedef struct cari_rank_term {
    const char *term;
    size_t len;
    const char *exact;       /* "=form", or NULL: the term is its own form */
    size_t exact_len;
    double weight;           /* query weight (repeats add up) */
    int entity;              /* written capitalised inside the query */
    double idf_body, idf_title, idf_exact;
} cari_rank_term;

/* A candidate passage and what the second stage makes of it. */
typedef struct cari_candidate {
    uint32_t seg, passage;
    uint32_t first_rank;     /* 0-based rank in the first stage */
    double first;            /* first-stage score */
    double f[CARI_NFEATURES];
    double bm25_body, bm25_title; /* first-stage BM25 parts (unweighted) */
    double score;
    int feedback;            /* placed by feedback (search.c): f and
                                first are of the expanded query when the
                                query alone did not rank it */
} cari_candidate;

/* BM25's term weight for tf occurrences in a field of length len, the
 * field's average avg (0 when tf is 0); times idf it is the term's score. */
static inline double cari_bm25(double tf, double k1, double b, double len,
                               double avg)
{
    return tf > 0 ? tf * (k1 + 1.0) / (tf + k1 * (1.0 - b + b * len / avg)) : 0;
}

/* Title positions read per term and article (titles are a few dozen
 * words): title_phrase here, the phrase candidates in search.c. */
#define CARI_TITLE_POSITIONS 64

typedef struct cari_rank_query {
    const cari_rank_params *p;
    cari_rank_term *terms;
    size_t nterms;
    double avg_body, avg_title, avg_article;  /* field lengths */
    /* the first stage's BM25 parameters (cari_candidate.bm25_*) */
    double first_k1, first_b, first_title_k1, first_title_b;
    /* dictionary lookups (cari_segment_lookup's contract), or NULL for
     * cari_segment_lookup itself: the search passes its per-query memo */
    int (*lookup)(void *ctx, const cari_segment *s, const char *term,
                  size_t len, cari_term_info *info);
    void *lookup_ctx;
    /* opening a term's list (cari_term_open's contract, with lookup_ctx),
     * or NULL for cari_term_open itself: the search passes its per-query
     * snapshots of opened lists */
    int (*open)(void *ctx, struct cari_postings *p,
                const cari_term_info *info, int field, cari_arena *arena);
    /* The query's words in order, one a position, stopwords included,
     * for title_phrase: seq[i] >= 0 is a term of terms, -2 - k the title
     * term stops[k] of a stopword ("~di": titles index their stopwords
     * so, segment.c), -1 a word that is neither (a word the query
     * excludes, a prefix): it breaks runs.  nseq 0: the feature is 0. */
    const int *seq;
    size_t nseq;
    const char *const *stops;
    const size_t *stop_lens;
    size_t nstops;
} cari_rank_query;

/*
 * Compute the features of cand[0..n) (any order; passages of ix's live
 * segments) and their model scores.  arena holds scratch (reset by the
 * caller).  CARI_ECORRUPT when postings do not decode, CARI_ENOMEM.
 */
int cari_rank_features(cari_index *ix, const cari_rank_query *rq,
                       cari_candidate *cand, size_t n, cari_arena *arena);

/* The model score of features f under p. */
double cari_rank_score(const cari_rank_params *p, const double *f);

#endif
