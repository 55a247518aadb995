/*
 * cari-search -- ranked passage search over a cari index, for people
 * (text) and scripts (JSON Lines, TSV, batch runs).  A thin layer over
 * libcari's public API: arguments and printing only.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cari.h"
#include "cli_util.h"
#include "search_output.h"

static const char usage_text[] =
    "usage: cari-search [-i DIR | --shard LOC...] [-n K] [options] QUERY...\n"
    "       cari-search [-i DIR | --shard LOC...] [-n K] --batch FILE "
    "[--latency OUT]\n"
    "       cari-search [-i DIR] --stats [--format json]\n"
    "\n"
    "Rank the passages of the index in DIR (default: index/) for QUERY.\n"
    "Words are matched in their stemmed form and ranked with BM25 over the\n"
    "passage text and its article's title; passages matching more of the\n"
    "words rank higher.  The index says which backend built it (native or\n"
    "xapian).\n"
    "\n"
    "options:\n"
    "  -i, --index DIR        index directory (default: index/), or\n"
    "                         tcp://HOST:PORT of a xapian-tcpsrv serving one\n"
    "      --shard LOC        search this shard (repeat for each): a Xapian\n"
    "                         index directory or tcp://HOST:PORT of a\n"
    "                         xapian-tcpsrv serving one; all are ranked as\n"
    "                         one index, with collection-wide statistics;\n"
    "                         shards of a set must be all of it, once each\n"
    "      --allow-partial    leave out shards that cannot be reached, and\n"
    "                         a set's shards not given (and say so),\n"
    "                         instead of failing\n"
    "      --backend NAME     native or xapian: fail unless the index is one\n"
    "  -n, --limit K          show the top K passages (default 10)\n"
    "      --offset N         skip the first N (paging)\n"
    "  -a, --all              every word must match (a question: every word\n"
    "                         but its question word)\n"
    "      --plain            no operators: quotes, brackets, +, -, *, AND, OR\n"
    "                         are plain text (for natural-language questions)\n"
    "  -f, --format FORMAT    text (default), json (JSON Lines) or tsv\n"
    "      --color WHEN       highlight matches: auto (default), always, never\n"
    "      --snippet-words N  snippet length in words (default 30)\n"
    "      --batch FILE       run one query per line of FILE (- = stdin);\n"
    "                         prints qno<TAB>rank<TAB>id#passage<TAB>score\n"
    "                         (with --format json: hits as JSON with \"qno\")\n"
    "      --latency OUT      with --batch: write qno<TAB>microseconds to OUT\n"
    "      --group N          at most N passages of one article (default:\n"
    "                         1 for keyword queries, no limit for questions;\n"
    "                         0: no limit)\n"
    "      --explain          show how each score was made: every feature's\n"
    "                         value, weight and contribution\n"
    "      --snippets         with --batch: make the snippets too (timed)\n"
    "      --where KEY=VALUE  only articles whose metadata field KEY is VALUE\n"
    "                         (VALUE ignoring case, KEY as written: Source is\n"
    "                         not source); the same KEY twice means either\n"
    "                         value, different KEYs must all hold\n"
    "      --since DATE       only articles whose \"date\" field is DATE or later\n"
    "      --until DATE       ... DATE or earlier (DATE: YYYY-MM-DD, inclusive)\n"
    "      --fields LIST      json and tsv: print these fields, in this order\n"
    "                         (comma-separated: qno, rank, score, id, passage,\n"
    "                         title, snippet, start, end, highlights, meta,\n"
    "                         explain, total, text; see docs/JSON.md)\n"
    "      --did-you-mean     suggest corrections for words the index does not\n"
    "                         hold (when fewer than 5 passages match, also for\n"
    "                         words it holds at most twice); when nothing\n"
    "                         matches, show the corrected query's passages\n"
    "      --as-written       search a question's words as written: by default\n"
    "                         a word of a question that the index does not\n"
    "                         hold is searched as its best correction\n"
    "                         (\"banjr\" as \"banjir\"; said on output)\n"
    "      --no-feedback      past the 50th hit of a question, rank as the\n"
    "                         query alone does: by default those hits also\n"
    "                         draw on words of the best passages\n"
    "                         (pseudo-relevance feedback; docs/RANKING.md)\n"
    "      --stats            what the index holds: articles, passages,\n"
    "                         segments, terms, size, analyzer, format\n"
    "                         versions of the whole index (text or json;\n"
    "                         no filters)\n"
    "ranking (defaults: the built-in model, tuned per query class):\n"
    "      --model FILE       ranking model file (docs/RANKING.md)\n"
    "      --rerank N         rerank the first stage's best N (0: BM25 only)\n"
    "      --k1 X, --b X      first-stage BM25 parameters of the passage text\n"
    "      --title-weight X   first-stage weight of title matches (0 ignores\n"
    "                         titles)\n"
    "      --title-k1 X, --title-b X  first-stage BM25 parameters of titles\n"
    "      --features         with --batch: print every hit's features,\n"
    "                         qno<TAB>id#passage<TAB>value... (for training)\n"
    "  -h, --help             this help\n"
    "  -V, --version          print the version\n"
    "\n"
    "query language:\n"
    "  banjir Jakarta       either word; passages with more of them rank higher\n"
    "  \"kereta cepat\"       the words in this order (a phrase)\n"
    "  +gempa  -rob         gempa must match, rob must not\n"
    "  a AND b, a OR b, NOT c, (a OR b) AND c     operators in upper case\n"
    "  pemil*               words that start with pemil\n"
    "  title:rupiah  title:\"harga beras\"  body:Semarang   one field only\n"
    "  rumah NEAR/3 rusak   within 3 words of each other (NEAR: 10)\n"
    "  =menulis             this form only, not every word of its stem\n"
    "Words are folded (case, accents) and stemmed; numbers and dates match\n"
    "as written (\"1,5 juta\", 2019, 10:30).  Put -- before a query that\n"
    "starts with -.\n"
    "\n"
    "output: text shows rank, title, id #passage, score and a snippet,\n"
    "wrapped to the terminal (or $COLUMNS, or 80 columns); json prints one\n"
    "object per hit with rank, score, id, passage, title, snippet, start,\n"
    "end (byte range of the passage in the article text), highlights (byte\n"
    "ranges in the snippet), meta and total (docs/JSON.md); tsv prints\n"
    "rank<TAB>score<TAB>id<TAB>passage<TAB>title.  text and tsv print\n"
    "tabs and line breaks of the indexed text as spaces and its other\n"
    "control characters as U+FFFD.\n"
    "\n"
    "exit status: 0 when something matched, 1 when nothing did (or -n 0 or\n"
    "--offset left nothing to show), 2 on error (a shard unreachable\n"
    "without --allow-partial is an error).\n";

static const char *prog = "cari-search";

static void print_text(const cari_hit *h, size_t rank, int color)
{
    output_text_hit(h, rank, color, output_text_width());
}

static int print_json(const cari_hit *h, size_t rank, long qno)
{
    json_t *o, *hl, *meta = NULL;
    size_t i;
    int rc = output_json_line(h, rank, qno);
    if (rc <= 0)
        return rc;
    o = json_object();
    hl = json_array();
    if (!o || !hl)
        return -1;
    if (qno > 0)
        json_object_set_new(o, "qno", json_integer(qno));
    json_object_set_new(o, "rank", json_integer((json_int_t)rank));
    json_object_set_new(o, "score", json_real(h->score));
    json_object_set_new(o, "id", json_stringn(h->id, h->id_len));
    json_object_set_new(o, "passage", json_integer(h->passage));
    json_object_set_new(o, "title", json_stringn(h->title, h->title_len));
    json_object_set_new(o, "snippet",
                        json_stringn(h->snippet ? h->snippet : "",
                                     h->snippet_len));
    json_object_set_new(o, "start", json_integer((json_int_t)h->start));
    json_object_set_new(o, "end", json_integer((json_int_t)h->end));
    for (i = 0; i < h->highlight_count; i++) {
        json_t *pair = json_array();
        json_array_append_new(pair, json_integer((json_int_t)h->highlights[i].start));
        json_array_append_new(pair, json_integer((json_int_t)h->highlights[i].end));
        json_array_append_new(hl, pair);
    }
    json_object_set_new(o, "highlights", hl);
    if (h->meta_len)
        meta = json_loadb(h->meta, h->meta_len, 0, NULL);
    json_object_set_new(o, "meta", meta ? meta : json_object());
    if (h->explain_count) {
        json_t *ex = json_object();
        for (i = 0; i < h->explain_count; i++) {
            json_t *part = json_object();
            json_object_set_new(part, "value", json_real(h->explain[i].value));
            json_object_set_new(part, "weight", json_real(h->explain[i].weight));
            json_object_set_new(part, "contribution",
                                json_real(h->explain[i].value *
                                          h->explain[i].weight));
            json_object_set_new(ex, h->explain[i].name, part);
        }
        json_object_set_new(o, "explain", ex);
    }
    return output_hit(o, h);  /* --fields, "total", JSON or TSV */
}

/* Warn once about every shard that is not being searched (left out at
 * open, or after it failed during a search); returns how many are left
 * out.  warned[i] remembers the ones already reported. */
static size_t report_left_out(const cari_index *ix, unsigned char *warned)
{
    size_t i, n = cari_index_shard_count(ix), out = 0;
    for (i = 0; i < n; i++) {
        const char *why;
        cari_index_shard(ix, i, &why);
        if (!why)
            continue;
        out++;
        if (warned && !warned[i]) {
            /* why names the shard */
            fprintf(stderr, "%s: warning: %s -- left out, the results come "
                    "from the other shards\n", prog, why);
            warned[i] = 1;
        }
    }
    return out;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* --features: the names of the columns, once. */
static void print_features_header(const cari_hit *h)
{
    size_t i;
    fputs("#qno\tid#passage", stdout);
    for (i = 0; i < h->explain_count; i++)
        printf("\t%s", h->explain[i].name);
    putchar('\n');
}

static int run_batch(cari_index *ix, const char *file, const char *latency,
                     const cari_search_options *so, int json, int features,
                     unsigned char *warned)
{
    int header = 0;
    FILE *in = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
    FILE *lat = NULL;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long qno = 0;
    int any = 0, rc = 0;
    if (!in) {
        fprintf(stderr, "%s: %s: %s\n", prog, file, strerror(errno));
        return 2;
    }
    if (latency && !(lat = fopen(latency, "w"))) {
        fprintf(stderr, "%s: %s: %s\n", prog, latency, strerror(errno));
        if (in != stdin)
            fclose(in);
        return 2;
    }
    while ((n = getline(&line, &cap, in)) != -1) {
        cari_hits *hits = NULL;
        double t0, t1;
        size_t i;
        int src;
        qno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n == 0)
            continue;
        t0 = now();
        src = cari_search(ix, line, (size_t)n, so, &hits);
        if (src == CARI_ESYNTAX) {
            /* a question with a stray quote or bracket: search its words */
            cari_search_options plain = *so;
            fprintf(stderr, "%s: query %ld: %s; searched as plain words\n",
                    prog, qno, cari_index_errmsg(ix));
            plain.flags |= CARI_SEARCH_PLAIN;
            t0 = now();
            src = cari_search(ix, line, (size_t)n, &plain, &hits);
        }
        t1 = now();
        report_left_out(ix, warned);
        if (src == CARI_ENOTERMS) {
            if (lat)
                fprintf(lat, "%ld\t%.0f\n", qno, (t1 - t0) * 1e6);
            continue;
        }
        if (src == CARI_ECORRUPT) {
            cli_report_damage(prog, cari_index_errmsg(ix));
            rc = 2;
            break;
        }
        if (src) {
            fprintf(stderr, "%s: query %ld: %s\n", prog, qno,
                    *cari_index_errmsg(ix) ? cari_index_errmsg(ix)
                                           : cari_strerror(src));
            rc = 2;
            break;
        }
        if (lat)
            fprintf(lat, "%ld\t%.0f\n", qno, (t1 - t0) * 1e6);
        output_set_total(cari_hits_total(hits));
        for (i = 0; i < cari_hits_count(hits); i++) {
            cari_hit h;
            cari_hits_get(hits, i, &h);
            any = 1;
            if (json) {
                if (print_json(&h, so->offset + i + 1, qno)) {
                    rc = 2;
                    break;
                }
                continue;
            }
            if (features) {
                size_t k;
                if (!header) {
                    print_features_header(&h);
                    header = 1;
                }
                printf("%ld\t", qno);
                output_put_text(h.id, h.id_len);
                printf("#%u", h.passage);
                for (k = 0; k < h.explain_count; k++)
                    printf("\t%.6g", h.explain[k].value);
                putchar('\n');
                continue;
            }
            printf("%ld\t%zu\t", qno, so->offset + i + 1);
            output_put_text(h.id, h.id_len);
            printf("#%u\t%.6f\n", h.passage, h.score);
        }
        cari_hits_free(hits);
    }
    if (!rc && ferror(in)) {
        /* a directory, an I/O error: not "no hits" */
        fprintf(stderr, "%s: %s: %s\n", prog, file, strerror(errno));
        rc = 2;
    }
    free(line);
    if (in != stdin)
        fclose(in);
    if (lat && fclose(lat) != 0) {
        fprintf(stderr, "%s: %s: write failed\n", prog, latency);
        rc = 2;
    }
    if (rc)
        return rc;
    return any ? 0 : 1;
}

static double parse_double(const char *s, const char *opt, double lo,
                           double hi, int *bad)
{
    char *end;
    double v;
    errno = 0;
    v = strtod(s, &end);
    if (errno || *end || end == s || !(v >= lo && v <= hi)) {
        fprintf(stderr, "%s: %s wants a number from %g to %g\n", prog, opt,
                lo, hi);
        *bad = 1;
    }
    return v;
}

static long parse_long(const char *s, const char *opt, long lo, long hi,
                       int *bad)
{
    char *end;
    long v;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < lo || v > hi) {
        fprintf(stderr, "%s: %s wants a whole number from %ld to %ld\n", prog,
                opt, lo, hi);
        *bad = 1;
    }
    return v;
}

/* --did-you-mean, Google-like: corrections for the words the index does
 * not hold, and for rare words when the query found little (a few
 * passages: a typo that happens to be in the collection a time or two).
 * When nothing matched and the corrected query matches, its hits replace
 * *hits and it becomes *query.  Whether anything matched is the total's
 * to say, not the hits shown (found by review: with --offset past the
 * last hit, "banjir jakrta" was said to match nothing and replaced by
 * "banjir jakarta"; with -n 0 no correction was ever shown).  Non-zero
 * on an error. */
static int suggest(cari_index *ix, char **query, const cari_search_options *so,
                   cari_hits **hits, int format)
{
    cari_suggestions *sg = NULL;
    cari_hits *fixed_hits = NULL;
    const char *fixed;
    size_t len;
    int searched = 0, rc;
    rc = cari_suggest(ix, *query, strlen(*query), so->flags & CARI_SEARCH_PLAIN,
                      CARI_SUGGEST_MAX_DF(cari_hits_total(*hits)), &sg);
    if (rc == CARI_EUNSUPPORTED)
        return 0;  /* no suggestions on this backend: not an error */
    if (rc)
        return rc;
    fixed = cari_suggestions_query(sg, &len);
    if (fixed && cari_hits_total(*hits) == 0 &&
        cari_search(ix, fixed, len, so, &fixed_hits) == CARI_OK &&
        cari_hits_total(fixed_hits) > 0) {
        cari_hits_free(*hits);
        *hits = fixed_hits;
        searched = 1;
    } else {
        cari_hits_free(fixed_hits);
    }
    if (fixed && !(cari_hits_total(*hits) == 0 && !searched) &&
        output_suggestions(sg, *query, searched, format))
        rc = CARI_ENOMEM;
    if (searched) {
        char *q = strdup(fixed);
        if (q) {
            free(*query);
            *query = q;
        }
    }
    cari_suggestions_free(sg);
    return rc;
}

/* Is s a date YYYY-MM-DD, a day of the calendar (as the library asks:
 * found by review, 2019-02-30 was let through to it, so an empty batch
 * ran without a word)? */
static int valid_date(const char *s)
{
    static const int days[12] = {31, 29, 31, 30, 31, 30,
                                 31, 31, 30, 31, 30, 31};
    int i, year, month, day, leap;
    if (strlen(s) != 10)
        return 0;
    for (i = 0; i < 10; i++)
        if (i == 4 || i == 7 ? s[i] != '-' : !(s[i] >= '0' && s[i] <= '9'))
            return 0;
    year = atoi(s);
    month = (s[5] - '0') * 10 + (s[6] - '0');
    day = (s[8] - '0') * 10 + (s[9] - '0');
    leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month >= 1 && month <= 12 && day >= 1 &&
           day <= (month == 2 && !leap ? 28 : days[month - 1]);
}

/* Long options without a letter (room for the letters others take). */
enum { OPT_WHERE = 256, OPT_SINCE, OPT_UNTIL, OPT_FIELDS, OPT_STATS,
       OPT_DID_YOU_MEAN, OPT_TITLE_K1, OPT_TITLE_B, OPT_AS_WRITTEN,
       OPT_NO_FEEDBACK };

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"index", required_argument, NULL, 'i'},
        {"limit", required_argument, NULL, 'n'},
        {"offset", required_argument, NULL, 'o'},
        {"all", no_argument, NULL, 'a'},
        {"plain", no_argument, NULL, 'P'},
        {"format", required_argument, NULL, 'f'},
        {"color", required_argument, NULL, 'c'},
        {"colour", required_argument, NULL, 'c'},
        {"snippet-words", required_argument, NULL, 'w'},
        {"batch", required_argument, NULL, 'B'},
        {"latency", required_argument, NULL, 'L'},
        {"snippets", no_argument, NULL, 'Y'},
        {"k1", required_argument, NULL, 'K'},
        {"b", required_argument, NULL, 'b'},
        {"title-weight", required_argument, NULL, 'T'},
        {"title-k1", required_argument, NULL, OPT_TITLE_K1},
        {"title-b", required_argument, NULL, OPT_TITLE_B},
        {"group", required_argument, NULL, 'g'},
        {"explain", no_argument, NULL, 'E'},
        {"model", required_argument, NULL, 'M'},
        {"rerank", required_argument, NULL, 'R'},
        {"features", no_argument, NULL, 'F'},
        {"shard", required_argument, NULL, 'S'},
        {"allow-partial", no_argument, NULL, 'p'},
        {"backend", required_argument, NULL, 'k'},
        {"where", required_argument, NULL, OPT_WHERE},
        {"since", required_argument, NULL, OPT_SINCE},
        {"until", required_argument, NULL, OPT_UNTIL},
        {"fields", required_argument, NULL, OPT_FIELDS},
        {"stats", no_argument, NULL, OPT_STATS},
        {"did-you-mean", no_argument, NULL, OPT_DID_YOU_MEAN},
        {"as-written", no_argument, NULL, OPT_AS_WRITTEN},
        {"no-feedback", no_argument, NULL, OPT_NO_FEEDBACK},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    const char *dir = "index", *batch = NULL, *latency = NULL;
    const char *fixed;     /* the query cari_search corrected to, or NULL */
    size_t flen;
    const char *model_path = NULL;
    cari_ranker *model = NULL;
    const char *color_when = "auto", *backend = NULL;
    const char **shards = NULL;
    size_t nshards = 0, left_out;
    int format = FMT_TEXT, c, bad = 0, color, rc, dir_given = 0;
    int features = 0;
    int batch_snippets = 0;
    unsigned open_flags = 0;
    unsigned char *warned = NULL;
    cari_search_options so = CARI_SEARCH_OPTIONS_INIT;
    cari_index *ix;
    cari_hits *hits;
    cari_error err;
    char *query = NULL;
    size_t qlen = 0, i;
    static const char **where;  /* static: reachable until exit */
    int stats = 0, did_you_mean = 0;
    char msg[512];
    /* the options that only a search uses (the getopt values) */
    static const int search_only[] = {
        'n', 'o', 'a', 'P', 'w', 'K', 'b', 'T', OPT_TITLE_K1, OPT_TITLE_B,
        'g', 'E', 'M', 'R', OPT_AS_WRITTEN, OPT_NO_FEEDBACK};
#define NSEARCH_ONLY (sizeof search_only / sizeof *search_only)
    int li = -1;
    char search_opt[64] = "";  /* the first search option, as written */

    shards = calloc((size_t)argc, sizeof *shards);
    if (!shards)
        return 2;

    /* getopt's own messages name argv[0]: the tool's name, as every
     * other message does, not the path it was run by (found by review) */
    argv[0] = (char *)"cari-search";
    while ((c = getopt_long(argc, argv, "i:n:af:hV", longopts, &li)) != -1) {
        /* the first option of searching, as written: --stats takes none */
        for (i = 0; i < NSEARCH_ONLY && search_only[i] != c; i++)
            ;
        if (!*search_opt && i < NSEARCH_ONLY) {
            if (li >= 0)
                snprintf(search_opt, sizeof search_opt, "--%s",
                         longopts[li].name);
            else
                snprintf(search_opt, sizeof search_opt, "-%c", c);
        }
        li = -1;
        switch (c) {
        case 'i':
        case 'S':
            /* "" was searched as the directory "": ": no index here"
             * (found by review) */
            if (!*optarg) {
                fprintf(stderr, "%s: %s, not ''\n", prog,
                        c == 'i' ? "-i wants an index directory"
                                 : "--shard wants an index directory or "
                                   "tcp://HOST:PORT");
                bad = 1;
            } else if (c == 'i') {
                dir = optarg;
                dir_given = 1;
            } else {
                shards[nshards++] = optarg;
            }
            break;
        case 'p': open_flags |= CARI_SHARDS_ALLOW_PARTIAL; break;
        case 'k':
            if (strcmp(optarg, "native") && strcmp(optarg, "xapian")) {
                fprintf(stderr, "%s: --backend wants native or xapian\n",
                        prog);
                bad = 1;
            }
            backend = optarg;
            break;
        case 'n': so.limit = (size_t)parse_long(optarg, "--limit", 0, 1000000, &bad); break;
        case 'o': so.offset = (size_t)parse_long(optarg, "--offset", 0, 1000000, &bad); break;
        case 'a': so.flags |= CARI_SEARCH_ALL; break;
        case 'P': so.flags |= CARI_SEARCH_PLAIN; break;
        case 'f':
            if (strcmp(optarg, "text") == 0)
                format = FMT_TEXT;
            else if (strcmp(optarg, "json") == 0 || strcmp(optarg, "jsonl") == 0)
                format = FMT_JSON;
            else if (strcmp(optarg, "tsv") == 0)
                format = FMT_TSV;
            else {
                fprintf(stderr, "%s: --format wants text, json or tsv\n", prog);
                bad = 1;
            }
            break;
        case 'c':
            if (strcmp(optarg, "auto") && strcmp(optarg, "always") &&
                strcmp(optarg, "never")) {
                fprintf(stderr, "%s: --color wants auto, always or never\n",
                        prog);
                bad = 1;
            }
            color_when = optarg;
            break;
        case 'w': so.snippet_words = (int)parse_long(optarg, "--snippet-words", 1, 10000, &bad); break;
        case 'B': batch = optarg; break;
        case 'L': latency = optarg; break;
        case 'Y': batch_snippets = 1; break;
        case 'K': so.k1 = parse_double(optarg, "--k1", 0, 100, &bad); break;
        case 'b': so.b = parse_double(optarg, "--b", 0, 1, &bad); break;
        case 'T': so.title_weight = parse_double(optarg, "--title-weight", 0, 100, &bad); break;
        case OPT_TITLE_K1: so.title_k1 = parse_double(optarg, "--title-k1", 0, 100, &bad); break;
        case OPT_TITLE_B: so.title_b = parse_double(optarg, "--title-b", 0, 1, &bad); break;
        case 'g': so.group = (size_t)parse_long(optarg, "--group", 0, 1000000, &bad); break;
        case 'E': so.flags |= CARI_SEARCH_EXPLAIN; break;
        case 'M': model_path = optarg; break;
        case 'R': so.rerank = parse_long(optarg, "--rerank", 0, 100000, &bad); break;
        case 'F': features = 1; break;
        case OPT_WHERE:
            if (!strchr(optarg, '=') || optarg[0] == '=') {
                fprintf(stderr, "%s: --where wants KEY=VALUE, not '%s'\n",
                        prog, optarg);
                bad = 1;
                break;
            }
            if (!(where = realloc(where, (so.nwhere + 1) * sizeof *where))) {
                fprintf(stderr, "%s: out of memory\n", prog);
                free(shards);
                return 2;
            }
            where[so.nwhere++] = optarg;
            so.where = where;
            break;
        case OPT_SINCE:
        case OPT_UNTIL:
            if (!valid_date(optarg)) {
                fprintf(stderr, "%s: %s wants a date YYYY-MM-DD, not '%s'\n",
                        prog, c == OPT_SINCE ? "--since" : "--until", optarg);
                bad = 1;
            }
            *(c == OPT_SINCE ? &so.since : &so.until) = optarg;
            break;
        case OPT_FIELDS:
            if (output_set_fields(optarg, msg, sizeof msg)) {
                fprintf(stderr, "%s: --fields: %s\n", prog, msg);
                bad = 1;
            }
            break;
        case OPT_STATS: stats = 1; break;
        case OPT_DID_YOU_MEAN: did_you_mean = 1; break;
        case OPT_AS_WRITTEN: so.flags |= CARI_SEARCH_AS_WRITTEN; break;
        case OPT_NO_FEEDBACK: so.flags |= CARI_SEARCH_NO_FEEDBACK; break;
        case 'h':
            fputs(usage_text, stdout);
            free(shards);
            return cli_flush_stdout(prog, NULL) ? 2 : 0;
        case 'V':
            printf("cari-search %s (backends: native%s)\n", cari_version(),
                   cari_backend_available("xapian") ? ", xapian" : "");
            free(shards);
            return cli_flush_stdout(prog, NULL) ? 2 : 0;
        default: bad = 1; break;
        }
    }
    if (!bad && dir_given && nshards) {
        fprintf(stderr, "%s: give either -i DIR or --shard LOC..., not both\n",
                prog);
        bad = 1;
    }
    if (!bad && (open_flags & CARI_SHARDS_ALLOW_PARTIAL) && !nshards) {
        fprintf(stderr, "%s: --allow-partial goes with --shard\n", prog);
        bad = 1;
    }
    if (!bad && backend && !cari_backend_available(backend)) {
        fprintf(stderr, "%s: the Xapian backend was not built in (install "
                "libxapian-dev and rebuild cari)\n", prog);
        free(shards);
        return 2;
    }
    if (bad) {
        fprintf(stderr, "Try '%s --help'.\n", prog);
        free(shards);
        return 2;
    }
    if (!bad && output_has_fields() && format == FMT_TEXT) {
        fprintf(stderr, "%s: --fields needs --format json or tsv\n", prog);
        bad = 1;
    }
    if (!bad && did_you_mean && (batch || stats)) {
        fprintf(stderr, "%s: --did-you-mean works on one QUERY\n", prog);
        bad = 1;
    }
    if (!bad && stats && (batch || optind < argc)) {
        fprintf(stderr, "%s: --stats takes no query\n", prog);
        bad = 1;
    }
    /* --stats describes the whole index, as text or one JSON object;
     * these were ignored in silence (found by review) */
    if (!bad && stats && (so.nwhere || so.since || so.until)) {
        fprintf(stderr, "%s: --stats describes the whole index: not with "
                "--where, --since or --until\n", prog);
        bad = 1;
    }
    /* ... and so were -n, --explain, a model and the like (found by
     * review) */
    if (!bad && stats && *search_opt) {
        fprintf(stderr, "%s: --stats describes the whole index: %s is a "
                "search option\n", prog, search_opt);
        bad = 1;
    }
    if (!bad && stats && (format == FMT_TSV || output_has_fields())) {
        fprintf(stderr, "%s: --stats prints text or json: not --format tsv "
                "or --fields\n", prog);
        bad = 1;
    }
    if (bad) {
        free(shards);
        return 2;
    }
    output_set_format(format);
    if (output_has_fields())
        so.flags = (so.flags & ~(CARI_SEARCH_SNIPPETS | CARI_SEARCH_STORED)) |
                   output_search_flags();
    if (!batch && !stats && optind >= argc) {
        fprintf(stderr, "%s: no query given\nTry '%s --help'.\n", prog, prog);
        free(shards);
        return 2;
    }
    if (batch && optind < argc) {
        fprintf(stderr, "%s: give either QUERY or --batch FILE, not both\n",
                prog);
        free(shards);
        return 2;
    }
    if (latency && !batch) {
        fprintf(stderr, "%s: --latency needs --batch\n", prog);
        free(shards);
        return 2;
    }
    if (features && !batch) {
        fprintf(stderr, "%s: --features needs --batch\n", prog);
        free(shards);
        return 2;
    }
    if (features && (format == FMT_JSON || output_has_fields())) {
        /* the JSON hits used to be printed, the features left out */
        fprintf(stderr, "%s: --features prints its own columns: not with "
                "--format json or --fields\n", prog);
        free(shards);
        return 2;
    }
    if (batch_snippets && !batch) {
        fprintf(stderr, "%s: --snippets needs --batch\n", prog);
        free(shards);
        return 2;
    }
    if (model_path && cari_ranker_load(model_path, &model, &err)) {
        fprintf(stderr, "%s: %s\n", prog, err.message);
        free(shards);
        return 2;
    }
    so.ranker = model;
    if (nshards ? cari_index_open_shards(shards, nshards, open_flags, &ix, &err)
                : cari_index_open(dir, &ix, &err)) {
        if (err.code == CARI_ENOTFOUND && !nshards &&
            strncmp(dir, "tcp://", 6) != 0)
            fprintf(stderr, "%s: %s; build one with: cari-index -i %s "
                    "INPUT...\n", prog, err.message, dir);
        else if (err.code == CARI_ECORRUPT)
            cli_report_damage(prog, err.message);
        else if (err.code == CARI_EIO && nshards > 1 &&
                 !(open_flags & CARI_SHARDS_ALLOW_PARTIAL))
            fprintf(stderr, "%s: %s (--allow-partial searches the other "
                    "shards)\n", prog, err.message);
        else
            fprintf(stderr, "%s: %s\n", prog, err.message);
        free(shards);
        cari_ranker_free(model);
        return 2;
    }
    free(shards);
    if (backend && strcmp(backend, cari_index_backend(ix)) != 0) {
        fprintf(stderr, "%s: %s holds a %s index, not a %s one\n", prog,
                cari_index_shard(ix, 0, NULL), cari_index_backend(ix),
                backend);
        cari_index_close(ix);
        cari_ranker_free(model);
        return 2;
    }
    warned = calloc(cari_index_shard_count(ix) + 1, 1);
    if (!warned) {
        cari_index_close(ix);
        cari_ranker_free(model);
        return 2;
    }
    if (stats) {
        /* --allow-partial: the counts are the other shards' (found by
         * review: a shard left out was neither warned of nor marked,
         * its articles silently missing from the counts) */
        report_left_out(ix, warned);
        rc = output_stats(ix, dir, format == FMT_JSON) ? 2 : 0;
        cari_index_close(ix);
        cari_ranker_free(model);
        free(warned);
        if (cli_flush_stdout(prog, NULL))
            rc = 2;
        return rc;
    }
    if (batch) {
        if (features)
            so.flags |= CARI_SEARCH_EXPLAIN;
        /* ids are all a batch run prints, unless it asks for JSON; with
         * --snippets the snippets are made (and timed) all the same */
        if (format != FMT_JSON && !batch_snippets && !output_has_fields())
            so.flags &= ~(CARI_SEARCH_SNIPPETS | CARI_SEARCH_STORED);
        report_left_out(ix, warned);
        rc = run_batch(ix, batch, latency, &so,
                       format == FMT_JSON || output_has_fields(), features,
                       warned);
        cari_index_close(ix);
        cari_ranker_free(model);
        free(warned);
        if (cli_flush_stdout(prog, NULL))
            rc = 2;
        return rc;
    }
    for (i = (size_t)optind; i < (size_t)argc; i++)
        qlen += strlen(argv[i]) + 1;
    query = malloc(qlen + 1);
    if (!query) {
        cari_index_close(ix);
        cari_ranker_free(model);
        free(warned);
        return 2;
    }
    query[0] = '\0';
    for (i = (size_t)optind; i < (size_t)argc; i++) {
        if (i > (size_t)optind)
            strcat(query, " ");
        strcat(query, argv[i]);
    }
    if (format == FMT_TSV && !output_has_fields())
        so.flags &= ~CARI_SEARCH_SNIPPETS;  /* tsv shows no snippet */
    if (format != FMT_TEXT)
        color = 0;
    else if (strcmp(color_when, "always") == 0)
        color = 1;
    else if (strcmp(color_when, "never") == 0)
        color = 0;
    else
        /* no-color.org: set and not empty (found by review: an empty
         * NO_COLOR turned colour off) */
        color = isatty(1) && !(getenv("NO_COLOR") && *getenv("NO_COLOR"));
    rc = cari_search(ix, query, strlen(query), &so, &hits);
    left_out = report_left_out(ix, warned);
    free(warned);
    if (rc) {
        if (rc == CARI_ENOTERMS)
            fprintf(stderr, "%s: %s\n", prog, cari_index_errmsg(ix));
        else if (rc == CARI_ESYNTAX)
            output_query_error(prog, cari_index_errmsg(ix), query);
        else if (rc == CARI_ECORRUPT)
            cli_report_damage(prog, cari_index_errmsg(ix));
        else if (rc == CARI_EIO && nshards > 1 &&
                 !(open_flags & CARI_SHARDS_ALLOW_PARTIAL))
            fprintf(stderr, "%s: %s (--allow-partial searches the other "
                    "shards)\n", prog, cari_index_errmsg(ix));
        else
            fprintf(stderr, "%s: %s\n", prog,
                    *cari_index_errmsg(ix) ? cari_index_errmsg(ix)
                                           : cari_strerror(rc));
        free(query);
        cari_index_close(ix);
        cari_ranker_free(model);
        return rc == CARI_ENOTERMS ? 1 : 2;
    }
    fixed = cari_hits_query(hits, &flen);
    if (fixed) {
        /* cari_search corrected words the index does not hold */
        char *q = strndup(fixed, flen);
        char *f_shown = output_clean(fixed, flen);
        char *q_shown = output_clean(query, strlen(query));
        fprintf(format == FMT_TEXT ? stdout : stderr,
                "%ssearched for \"%s\" instead of \"%s\" (words the index "
                "lacks, corrected; --as-written turns this "
                "off)\n%s",
                format == FMT_TEXT ? "" : "cari-search: ",
                f_shown ? f_shown : "", q_shown ? q_shown : "",
                format == FMT_TEXT ? "\n" : "");
        free(f_shown);
        free(q_shown);
        if (q) {
            free(query);
            query = q;
        }
    } else if (did_you_mean && suggest(ix, &query, &so, &hits, format)) {
        fprintf(stderr, "%s: %s\n", prog, cari_index_errmsg(ix));
        rc = 2;
        cari_hits_free(hits);
        hits = NULL;
    }
    output_set_total(cari_hits_total(hits));
    if (format == FMT_TEXT && !rc) {
        size_t n = cari_hits_count(hits);
        char partial[96] = "";
        /* the query echoed as the articles' text is printed (found by
         * review: its line breaks and escape sequences went out raw) */
        char *shown = output_clean(query, strlen(query));
        if (!shown) {
            fprintf(stderr, "%s: out of memory\n", prog);
            cari_hits_free(hits);
            cari_index_close(ix);
            cari_ranker_free(model);
            free(query);
            return 2;
        }
        if (left_out)
            snprintf(partial, sizeof partial, " (%zu of %zu shards left out)",
                     left_out, cari_index_shard_count(ix));
        if (n)
            printf("%zu-%zu of %llu passage%s for \"%s\"%s\n\n",
                   so.offset + 1, so.offset + n,
                   (unsigned long long)cari_hits_total(hits),
                   cari_hits_total(hits) == 1 ? "" : "s", shown, partial);
        else if (cari_hits_total(hits) == 0)
            printf("no passages match \"%s\"%s\n", shown, partial);
        else if (so.limit == 0)  /* -n 0: the count alone */
            printf("%llu passage%s \"%s\" (-n 0: none shown)%s\n",
                   (unsigned long long)cari_hits_total(hits),
                   cari_hits_total(hits) == 1 ? " matches" : "s match",
                   shown, partial);
        else  /* paged past the end: they match, none is left to show */
            printf("no passages from %zu on: %llu passage%s for \"%s\"%s\n",
                   so.offset + 1, (unsigned long long)cari_hits_total(hits),
                   cari_hits_total(hits) == 1 ? "" : "s", shown, partial);
        free(shown);
    }
    for (i = 0; i < cari_hits_count(hits); i++) {
        cari_hit h;
        cari_hits_get(hits, i, &h);
        if (format == FMT_TEXT) {
            print_text(&h, so.offset + i + 1, color);
        } else if (format == FMT_JSON || output_has_fields()) {
            if (print_json(&h, so.offset + i + 1, 0)) {
                fprintf(stderr, "%s: out of memory\n", prog);
                rc = 2;
                break;
            }
        } else {
            printf("%zu\t%.6f\t", so.offset + i + 1, h.score);
            output_put_text(h.id, h.id_len);
            printf("\t%u\t", h.passage);
            output_put_text(h.title, h.title_len);
            putchar('\n');
        }
    }
    if (!rc)
        rc = cari_hits_count(hits) ? 0 : 1;
    cari_hits_free(hits);
    cari_index_close(ix);
    cari_ranker_free(model);
    free(query);
    if (cli_flush_stdout(prog, NULL))
        rc = 2;
    return rc;
}
