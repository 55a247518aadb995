/*
 * train_rank.c -- fits the weights of cari's ranking model (src/rank.c) by
 * coordinate ascent on MRR@10 (Metzler & Croft 2007), from the feature
 * dumps of `cari-search --batch FILE --features`.  Offline tooling: not
 * part of the library.  See docs/RANKING.md for the training runs.
 *
 * usage: train_rank [options] SET...
 *   SET       FEATURES:QUERIES:QRELS[:WEIGHT]  a --features dump, the
 *             queries.tsv it was run from (qno = line number; first
 *             column the qid) and the qrels (qid<TAB>docid); WEIGHT (1)
 *             weighs the set's MRR in the objective
 *   --class question|keyword|all  train on the queries of this class
 *             (the dump's "question" column); default all
 *   --use F1,F2,...   features the model may use (default: all)
 *   --init FILE       start from this model's weight.* lines (default:
 *                     weight.body 1, the rest 0)
 *   --eval            only score the starting weights, per set
 *   --rounds N        coordinate ascent rounds (default 20)
 *   --recall X        objective = MRR@10 + X * R@100 (default 0)
 *   --nonneg F1,F2,.. features whose weight may not go below 0 (more of
 *                     a match must not lower a score)
 *
 * Scoring follows ../shared/bench/ir_eval.py: a hit "id#n" counts for the
 * qrel "id"; the passages of one article count once, at the rank of its
 * best passage; a query with no relevant passage among its candidates
 * scores 0.  Candidates with a score equal to the best relevant one count
 * as ranked above it (pessimistic ties, so zero weights never look good).
 * Prints the weights as model lines (weight.NAME VALUE).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXF 64
#define MAXLINE 65536

typedef struct query {
    size_t first, n;          /* candidate rows */
    int nart;                 /* distinct articles among them */
    int has_rel;
    int set;
} query;

typedef struct dataset {
    double weight;
    size_t nq;                /* queries of the class with qrels */
} dataset;

static char names[MAXF][64];
static int nnames, feat_col[MAXF], nfeat, class_col = -1;
static float *rows;           /* nrows x nfeat */
static int *art, *rel;
static size_t nrows, cap_rows;
static query *qs;
static size_t nqs, cap_qs;
static dataset sets[16];
static int nsets;
static double *scores, *artmax;
static int *artrel;

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fprintf(stderr, "train_rank: out of memory\n");
        exit(1);
    }
    return p;
}

/* ---- a small string set: qrels and per-query article ids ---- */

typedef struct strset {
    char **keys;
    int *vals;
    size_t n, cap;
} strset;

static unsigned long hash_str(const char *s)
{
    unsigned long h = 1469598103934665603UL;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211UL;
    return h;
}

static int *strset_get(strset *t, const char *k, int add)
{
    size_t i;
    if (add && 2 * (t->n + 1) > t->cap) {
        strset old = *t;
        t->cap = t->cap ? t->cap * 2 : 64;
        t->keys = calloc(t->cap, sizeof *t->keys);
        t->vals = calloc(t->cap, sizeof *t->vals);
        t->n = 0;
        for (i = 0; i < old.cap; i++)
            if (old.keys[i])
                *strset_get(t, old.keys[i], 1) = old.vals[i];
        for (i = 0; i < old.cap; i++)
            free(old.keys[i]);
        free(old.keys);
        free(old.vals);
    }
    if (!t->cap)
        return NULL;
    i = hash_str(k) & (t->cap - 1);
    while (t->keys[i] && strcmp(t->keys[i], k) != 0)
        i = (i + 1) & (t->cap - 1);
    if (t->keys[i])
        return &t->vals[i];
    if (!add)
        return NULL;
    t->keys[i] = strdup(k);
    t->vals[i] = 0;
    t->n++;
    return &t->vals[i];
}

static void strset_free(strset *t)
{
    size_t i;
    for (i = 0; i < t->cap; i++)
        free(t->keys[i]);
    free(t->keys);
    free(t->vals);
    memset(t, 0, sizeof *t);
}

/* ---- loading ---- */

static int want_class = -1;   /* -1 all, 0 keyword, 1 question */
static char use_list[4096], nonneg_list[4096];

static int in_csv(const char *list, const char *name)
{
    char buf[4096], *tok, *save;
    snprintf(buf, sizeof buf, "%s", list);
    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        if (strcmp(tok, name) == 0)
            return 1;
    return 0;
}

static int used(const char *name)
{
    char buf[4096], *tok, *save;
    if (!use_list[0])
        return 1;
    snprintf(buf, sizeof buf, "%s", use_list);
    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        if (strcmp(tok, name) == 0)
            return 1;
    return 0;
}

/* Split line (modified) at tabs into f (up to max); returns the count. */
static int split_tabs(char *line, char **f, int max)
{
    int n = 0;
    char *p = line;
    line[strcspn(line, "\r\n")] = '\0';
    while (n < max) {
        f[n++] = p;
        p = strchr(p, '\t');
        if (!p)
            break;
        *p++ = '\0';
    }
    return n;
}

static void load_set(const char *spec)
{
    char buf[4096], *parts[4], *p, *line = malloc(MAXLINE);
    char **qids = NULL, *f[MAXF + 4];
    size_t nq = 0, capq = 0, i;
    int np = 0, n, set = nsets++;
    long cur_qno = -1;
    strset qrels = {0}, arts = {0};
    FILE *in;
    snprintf(buf, sizeof buf, "%s", spec);
    for (p = strtok(buf, ":"); p && np < 4; p = strtok(NULL, ":"))
        parts[np++] = p;
    if (np < 3) {
        fprintf(stderr, "train_rank: a set is FEATURES:QUERIES:QRELS[:WEIGHT]\n");
        exit(2);
    }
    sets[set].weight = np == 4 ? atof(parts[3]) : 1.0;
    /* queries: qno -> qid */
    in = fopen(parts[1], "r");
    if (!in) {
        perror(parts[1]);
        exit(1);
    }
    while (fgets(line, MAXLINE, in)) {
        if (nq == capq) {
            capq = capq ? capq * 2 : 1024;
            qids = xrealloc(qids, capq * sizeof *qids);
        }
        line[strcspn(line, "\t\r\n")] = '\0';
        qids[nq++] = strdup(line);
    }
    fclose(in);
    /* qrels: "qid\tdocid" */
    in = fopen(parts[2], "r");
    if (!in) {
        perror(parts[2]);
        exit(1);
    }
    while (fgets(line, MAXLINE, in)) {
        char key[2048];
        n = split_tabs(line, f, 3);
        if (n < 2 || strcmp(f[0], "qid") == 0)
            continue;
        snprintf(key, sizeof key, "%s\t%s", f[0], f[1]);
        *strset_get(&qrels, key, 1) = 1;
        snprintf(key, sizeof key, "%s", f[0]);
        *strset_get(&qrels, key, 1) = 1;  /* the query has qrels */
    }
    fclose(in);
    in = fopen(parts[0], "r");
    if (!in) {
        perror(parts[0]);
        exit(1);
    }
    while (fgets(line, MAXLINE, in)) {
        long qno;
        char key[2048], *hash;
        const char *qid;
        int k, isrel, cls;
        if (line[0] == '#') {
            if (nnames)
                continue;
            n = split_tabs(line, f, MAXF + 4);
            for (k = 2; k < n; k++) {
                snprintf(names[nnames], sizeof names[0], "%s", f[k]);
                if (strcmp(f[k], "question") == 0)
                    class_col = nnames;
                else if (strcmp(f[k], "first_stage") != 0 && used(f[k]) &&
                         nfeat < MAXF)
                    feat_col[nfeat++] = nnames;
                nnames++;
            }
            continue;
        }
        n = split_tabs(line, f, MAXF + 4);
        if (n < 2 + nnames || !nnames)
            continue;
        qno = atol(f[0]);
        if (qno < 1 || (size_t)qno > nq)
            continue;
        qid = qids[qno - 1];
        cls = class_col >= 0 ? atof(f[2 + class_col]) > 0.5 : 0;
        if (want_class >= 0 && cls != want_class)
            continue;
        if (!strset_get(&qrels, qid, 0))
            continue;  /* no qrels: not scored */
        if (qno != cur_qno) {
            if (nqs == cap_qs) {
                cap_qs = cap_qs ? cap_qs * 2 : 1024;
                qs = xrealloc(qs, cap_qs * sizeof *qs);
            }
            qs[nqs].first = nrows;
            qs[nqs].n = 0;
            qs[nqs].nart = 0;
            qs[nqs].has_rel = 0;
            qs[nqs].set = set;
            nqs++;
            cur_qno = qno;
            strset_free(&arts);
            sets[set].nq++;
        }
        if (nrows == cap_rows) {
            cap_rows = cap_rows ? cap_rows * 2 : 65536;
            rows = xrealloc(rows, cap_rows * MAXF * sizeof *rows);
            art = xrealloc(art, cap_rows * sizeof *art);
            rel = xrealloc(rel, cap_rows * sizeof *rel);
        }
        snprintf(key, sizeof key, "%s\t%s", qid, f[1]);
        isrel = strset_get(&qrels, key, 0) != NULL;
        hash = strchr(f[1], '#');
        if (hash)
            *hash = '\0';
        if (!isrel) {
            snprintf(key, sizeof key, "%s\t%s", qid, f[1]);
            isrel = strset_get(&qrels, key, 0) != NULL;
        }
        {
            int *a = strset_get(&arts, f[1], 0);
            if (!a) {
                a = strset_get(&arts, f[1], 1);
                *a = qs[nqs - 1].nart++;
            }
            art[nrows] = *a;
        }
        rel[nrows] = isrel;
        if (isrel)
            qs[nqs - 1].has_rel = 1;
        for (k = 0; k < nfeat; k++)
            rows[nrows * MAXF + k] = (float)atof(f[2 + feat_col[k]]);
        qs[nqs - 1].n++;
        nrows++;
    }
    fclose(in);
    strset_free(&arts);
    strset_free(&qrels);
    for (i = 0; i < nq; i++)
        free(qids[i]);
    free(qids);
    free(line);
}

/* ---- scoring ---- */

/* Per set: MRR@10 and R@100 sums (divided by the set's query count). */
static void evaluate(const double *w, double *mrr, double *r100)
{
    size_t qi, i;
    int s, k;
    for (s = 0; s < nsets; s++)
        mrr[s] = r100[s] = 0;
    for (qi = 0; qi < nqs; qi++) {
        const query *q = &qs[qi];
        double best = -HUGE_VAL;
        int above = 0, a;
        if (!q->has_rel)
            continue;
        for (a = 0; a < q->nart; a++) {
            artmax[a] = -HUGE_VAL;
            artrel[a] = 0;
        }
        for (i = q->first; i < q->first + q->n; i++) {
            const float *x = &rows[i * MAXF];
            double sc = 0;
            for (k = 0; k < nfeat; k++)
                sc += w[k] * x[k];
            scores[i] = sc;
            if (rel[i]) {
                artrel[art[i]] = 1;
                if (sc > best)
                    best = sc;
            }
            if (sc > artmax[art[i]])
                artmax[art[i]] = sc;
        }
        for (a = 0; a < q->nart; a++)
            if (!artrel[a] && artmax[a] >= best)
                above++;
        if (above < 10)
            mrr[q->set] += 1.0 / (above + 1);
        if (above < 100)
            r100[q->set] += 1.0;  /* first relevant within 100 */
    }
    for (s = 0; s < nsets; s++) {
        double n = sets[s].nq ? (double)sets[s].nq : 1.0;
        mrr[s] /= n;
        r100[s] /= n;
    }
}

static double recall_weight;

static double objective(const double *w)
{
    double mrr[16], r100[16], sum = 0, wsum = 0;
    int s;
    evaluate(w, mrr, r100);
    for (s = 0; s < nsets; s++) {
        sum += sets[s].weight * (mrr[s] + recall_weight * r100[s]);
        wsum += sets[s].weight;
    }
    return wsum > 0 ? sum / wsum : 0;
}

static void print_eval(const double *w, const char *label)
{
    double mrr[16], r100[16];
    int s;
    evaluate(w, mrr, r100);
    fprintf(stderr, "%s:", label);
    for (s = 0; s < nsets; s++)
        fprintf(stderr, "  set%d (%zu q) MRR@10 %.4f R@100* %.4f", s,
                sets[s].nq, mrr[s], r100[s]);
    fprintf(stderr, "  objective %.5f\n", objective(w));
}

static void load_init(const char *path, double *w)
{
    FILE *in = fopen(path, "r");
    char line[512], key[256];
    double v;
    int k, section_ok = 1;
    if (!in) {
        perror(path);
        exit(1);
    }
    while (fgets(line, sizeof line, in)) {
        if (line[0] == '[') {
            section_ok = want_class < 0 ||
                         (want_class == 1 && strncmp(line, "[question]", 10) == 0) ||
                         (want_class == 0 && strncmp(line, "[keyword]", 9) == 0);
            continue;
        }
        if (!section_ok || sscanf(line, " weight.%255s %lf", key, &v) != 2)
            continue;
        for (k = 0; k < nfeat; k++)
            if (strcmp(names[feat_col[k]], key) == 0)
                w[k] = v;
    }
    fclose(in);
}

int main(int argc, char **argv)
{
    double w[MAXF] = {0}, best;
    const char *init = NULL;
    int i, k, rounds = 20, eval_only = 0, r;
    static const double steps[] = {0.002, 0.005, 0.01, 0.02, 0.05, 0.1,
                                   0.2,   0.5,   1.0,  2.0,  5.0};
    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--class") == 0 && i + 1 < argc) {
            const char *c = argv[++i];
            want_class = strcmp(c, "question") == 0 ? 1
                         : strcmp(c, "keyword") == 0 ? 0 : -1;
        } else if (strcmp(argv[i], "--use") == 0 && i + 1 < argc)
            snprintf(use_list, sizeof use_list, "%s", argv[++i]);
        else if (strcmp(argv[i], "--nonneg") == 0 && i + 1 < argc)
            snprintf(nonneg_list, sizeof nonneg_list, "%s", argv[++i]);
        else if (strcmp(argv[i], "--init") == 0 && i + 1 < argc)
            init = argv[++i];
        else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else if (strcmp(argv[i], "--recall") == 0 && i + 1 < argc)
            recall_weight = atof(argv[++i]);
        else if (strcmp(argv[i], "--eval") == 0)
            eval_only = 1;
        else {
            fprintf(stderr, "train_rank: unknown option %s (see the source)\n",
                    argv[i]);
            return 2;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "usage: train_rank [options] FEATURES:QUERIES:QRELS[:W]...\n");
        return 2;
    }
    for (; i < argc; i++)
        load_set(argv[i]);
    if (!nfeat || !nqs) {
        fprintf(stderr, "train_rank: no features or no queries loaded\n");
        return 1;
    }
    scores = xrealloc(NULL, nrows * sizeof *scores);
    {
        int maxart = 1;
        size_t q;
        for (q = 0; q < nqs; q++)
            if (qs[q].nart > maxart)
                maxart = qs[q].nart;
        artmax = xrealloc(NULL, (size_t)maxart * sizeof *artmax);
        artrel = xrealloc(NULL, (size_t)maxart * sizeof *artrel);
    }
    for (k = 0; k < nfeat; k++)
        if (strcmp(names[feat_col[k]], "body") == 0)
            w[k] = 1.0;
    if (init)
        load_init(init, w);
    fprintf(stderr, "train_rank: %zu queries, %zu candidates, %d features\n",
            nqs, nrows, nfeat);
    print_eval(w, "start");
    if (eval_only)
        return 0;
    best = objective(w);
    for (r = 0; r < rounds; r++) {
        double before = best;
        for (k = 0; k < nfeat; k++) {
            double keep = w[k], bestv = w[k];
            int nonneg = in_csv(nonneg_list, names[feat_col[k]]);
            size_t s;
            int sign;
            for (s = 0; s < sizeof steps / sizeof *steps; s++)
                for (sign = -1; sign <= 1; sign += 2) {
                    double o;
                    w[k] = keep + sign * steps[s];
                    if (nonneg && w[k] < 0)
                        continue;
                    o = objective(w);
                    if (o > best + 1e-7) {
                        best = o;
                        bestv = w[k];
                    }
                }
            w[k] = 0;  /* and leaving the feature out */
            if (objective(w) > best + 1e-7) {
                best = objective(w);
                bestv = 0;
            }
            w[k] = bestv;
        }
        fprintf(stderr, "round %d: objective %.5f\n", r + 1, best);
        if (best - before < 1e-6)
            break;
    }
    print_eval(w, "end");
    for (k = 0; k < nfeat; k++)
        printf("weight.%s %.4f\n", names[feat_col[k]], w[k]);
    return 0;
}
