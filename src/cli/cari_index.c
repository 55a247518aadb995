/*
 * cari-index -- builds or updates an index from JSON Lines files,
 * directories of text files or standard input; or shows the analyzer at
 * work (--analyze).  A thin layer over libcari's public API: arguments,
 * progress and messages only.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cari.h"
#include "cli_util.h"

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(__SANITIZE_THREAD__)
#include <malloc.h>
/* glibc raises its mmap threshold each time it frees a mapped block (up to
 * 32 MB), so the writer's multi-megabyte buffers come to live in the heap,
 * where they fragment it and its peak grows with the run.  A fixed 4 MB
 * (docs/DESIGN.md, 2026-11-30): --memory 64 peak 96 -> 93 MB on
 * clickid_news (medians of 5 and 3 runs) and 107 -> 101 MB on 10x of it
 * (a median of 3 runs, one run; with the id changes too, 99 MB, median of
 * 3); at the default --memory 146 -> 140 MB, -j 1 2.75 -> 2.73 s, 2
 * threads 1.62 -> 1.58 s (5 interleaved runs).  Set here, not in libcari: it is the
 * process's choice.  (Not under a sanitizer, whose allocator is its own.) */
static void tune_malloc(void) { mallopt(M_MMAP_THRESHOLD, 4 << 20); }

/*
 * The inverter's tables and streams are some 100 MB of memory written all
 * over, in 4 KiB pages: 30,000 page faults on clickid_news, and a miss of
 * the TLB on most of its hash probes.  glibc backs its heap with
 * transparent huge pages when asked (glibc.malloc.hugetlb=1; Linux's
 * default THP mode, madvise, then gives 2 MiB pages), but for the main
 * arena only, so the writer's threads share that one arena
 * (glibc.malloc.arena_max=1: their allocations are few, their hot loops
 * allocate nothing).  Tunables are read when a program starts, so an
 * indexing run starts itself again with them, once, as the same process
 * (2026-12-01, 21 interleaved runs on clickid_news: -j 1 1.93 -> 1.70 s,
 * two threads 1.25 -> 1.05 s, CPU 2.14 -> 1.66 s; peak RSS 95 -> 102 and
 * 119 -> 115 MB; docs/DESIGN.md).  The exec costs some 7 ms (loading the
 * libraries again).  Not when the user set glibc's
 * malloc tunables (theirs stand), not under valgrind (the new program
 * would run outside it), and on failure the run goes on as it is.
 */
#define CARI_TUNABLES "glibc.malloc.hugetlb=1:glibc.malloc.arena_max=1"

static void restart_tuned(char **argv)
{
    const char *t = getenv("GLIBC_TUNABLES"), *pre = getenv("LD_PRELOAD");
    char self[4096], *v;
    ssize_t len;
    size_t tl = t ? strlen(t) : 0, n;
    if ((t && strstr(t, "glibc.malloc.")) || (pre && strstr(pre, "vgpreload")))
        return;
    /* the program's own path, not /proc/self/exe: the process is named
     * after the file it runs (ps, top and pkill would see "exe") */
    len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0 || (size_t)len >= sizeof self - 1)
        return;
    self[len] = '\0';
    n = (t ? tl + 1 : 0) + sizeof CARI_TUNABLES;
    v = malloc(n);
    if (!v)
        return;
    snprintf(v, n, "%s%s%s", t ? t : "", t ? ":" : "", CARI_TUNABLES);
    if (setenv("GLIBC_TUNABLES", v, 1) == 0) {
        execv(self, argv);
        /* still here: the old value back (v's first tl bytes), and on as
         * we are */
        if (t) {
            v[tl] = '\0';
            setenv("GLIBC_TUNABLES", v, 1);
        } else {
            unsetenv("GLIBC_TUNABLES");
        }
    }
    free(v);
}
#else
static void tune_malloc(void) {}
static void restart_tuned(char **argv) { (void)argv; }
#endif

static const char usage_text[] =
    "usage: cari-index [-i DIR] [options] INPUT...\n"
    "       cari-index [-i DIR] [--delete ID]... [--delete-from FILE] [--merge]\n"
    "       cari-index [-i DIR] --stats\n"
    "       cari-index [-i DIR] --check\n"
    "       cari-index --analyze < TEXT\n"
    "\n"
    "Index Indonesian articles into DIR (default: index/).  An INPUT is a\n"
    ".jsonl or .jsonl.gz file of {\"id\",\"title\",\"text\",...} objects (other\n"
    "fields are kept as metadata), a directory (its .txt/.md/.markdown\n"
    "files, first line the title, id = path relative to the directory; and\n"
    "its .jsonl, .json and .ndjson files, gzip'd or not; suffixes in any\n"
    "case), or - for JSON Lines on standard input.  An id already in the\n"
    "index replaces that article.  Bad records are reported and skipped.\n"
    "\n"
    "options:\n"
    "  -i, --index DIR      index directory (default: index/)\n"
    "      --backend NAME   native (default) or xapian: the backend of a new\n"
    "                       index; an existing index keeps its own\n"
    "      --shards N       split the articles into N Xapian indexes\n"
    "                       DIR.0 ... DIR.N-1 by a stable hash of their id\n"
    "                       (FNV-1a-64 mod N), to be searched as one with\n"
    "                       cari-search --shard; each records N, and a run\n"
    "                       with another N than the set's is refused (exit\n"
    "                       2, nothing written); with --stats, --check,\n"
    "                       --delete or --merge: each of the N\n"
    "  -q, --quiet          no progress and no summary\n"
    "      --memory MB      memory for what indexing holds (default 256): the\n"
    "                       threads' segments and word caches and the ids\n"
    "                       added; threads build segments in pairs when a\n"
    "                       pair's share is 64 MB or more, else one each,\n"
    "                       and write one when its share is used (the\n"
    "                       process takes up to ~75 MB more; a share is\n"
    "                       8 MB at least)\n"
    "      --compression N  deflate level of the stored text (default 2):\n"
    "                         1-3 fast (ISA-L), 4-12 smaller (libdeflate)\n"
    "      --no-sync        do not fsync at commit (faster; a crash may then\n"
    "                       lose the index)\n"
    "  -j, --threads N      indexing threads (default: one per core)\n"
    "      --delete ID      delete the article with this id (repeatable;\n"
    "                       deletions apply before the inputs are added)\n"
    "      --delete-from F  delete the ids listed in F, one per line (- = stdin)\n"
    "      --merge          merge the index into one segment (deleted\n"
    "                       articles then leave the files)\n"
    "      --stats          print what the index holds and exit\n"
    "      --check          verify every checksum and structure of the index;\n"
    "                       print each problem as FILE: what is wrong, exit 2\n"
    "                       if there is any (0 when the index is sound)\n"
    "      --analyze        read text on standard input and print one line\n"
    "                       per token: surface<TAB>term<TAB>stop\n"
    "  -h, --help           this help\n"
    "  -V, --version        print the version\n"
    "\n"
    "exit status: 0 success, 2 error (the previous index is left intact).\n"
    "With --shards each shard commits on its own.\n";

static const char *prog = "cari-index";
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* Warnings about records: at most MAX_FILE_WARNINGS per input file are
 * printed (a binary file read as JSON Lines would print one per line);
 * the summary counts them all.  The one that says where a gzip file is
 * damaged is printed past the limit too: damaged deflate data can inflate
 * into thousands of bad lines before igzip sees the damage, and that
 * warning says where the file stopped being read (as does the one about
 * bytes after a gzip file's last member). */
#define MAX_FILE_WARNINGS 100

typedef struct warn_state {
    int progress;          /* a progress line is on the terminal */
    char file[4096];       /* the file of the last warnings */
    unsigned long in_file; /* warnings about it so far */
} warn_state;

static void warn_record(void *ctx, const char *file, long line,
                        const char *msg)
{
    warn_state *ws = ctx;
    int always = strcmp(msg, CARI_WARNING_GZIP_DAMAGED) == 0 ||
                 strcmp(msg, CARI_WARNING_GZIP_TRAILING) == 0;
    if (strcmp(file, ws->file) != 0) {
        snprintf(ws->file, sizeof ws->file, "%s", file);
        ws->in_file = 0;
    }
    if (++ws->in_file > MAX_FILE_WARNINGS && !always)
        return;
    if (ws->progress)
        fputs("\r\033[K", stderr);
    /* the file's name and the message (an id, JSON that did not parse)
     * come from the input: their control characters are not sent */
    fprintf(stderr, "%s: warning: ", prog);
    cli_put_clean(stderr, file);
    if (ws->in_file == MAX_FILE_WARNINGS && !always) {
        fprintf(stderr, ": more than %d warnings; the rest of this file's "
                "are not shown\n", MAX_FILE_WARNINGS - 1);
        return;
    }
    if (line > 0)
        fprintf(stderr, ":%ld", line);
    fputs(": ", stderr);
    cli_put_clean(stderr, msg);
    fputc('\n', stderr);
}

/* Where the records of this run came from, as the writer's tags
 * (cari_writer_add_tagged): 1 + the file's number in files, << 40, | the
 * line (0 for a file that is one record).  The writer keeps the tag of
 * each id's last add and says when an id comes again, so no table of ids
 * is kept here (it was 16 bytes a slot, 15 MB of the peak for 250,000
 * ids). */
#define TAG_LINE_BITS 40

typedef struct sources {
    char **files;
    size_t nfiles;
} sources;

/* The tag of file:line, or 0 (no tag) when out of memory or past the
 * bits. */
static uint64_t tag_of(sources *src, const char *file, long line)
{
    if (line < 0 || (uint64_t)line >= (1ull << TAG_LINE_BITS) ||
        src->nfiles + 1 >= (1ull << (64 - TAG_LINE_BITS)))
        return 0;
    if (!src->nfiles || strcmp(src->files[src->nfiles - 1], file) != 0) {
        char **p = realloc(src->files, (src->nfiles + 1) * sizeof *p);
        if (!p)
            return 0;
        src->files = p;
        if (!(src->files[src->nfiles] = strdup(file)))
            return 0;
        src->nfiles++;
    }
    return (uint64_t)src->nfiles << TAG_LINE_BITS | (uint64_t)line;
}

static void sources_free(sources *src)
{
    size_t i;
    for (i = 0; i < src->nfiles; i++)
        free(src->files[i]);
    free(src->files);
}

/* A library error: the one message for a damaged index, else the
 * library's own words (and, for a failing disk, that nothing changed). */
static void report_error(int code, const char *message)
{
    if (code == CARI_ECORRUPT)
        cli_report_damage(prog, message);
    else if (code == CARI_EIO || code == CARI_ENOSPACE)
        fprintf(stderr, "%s: %s; the index is as it was\n", prog, message);
    else
        fprintf(stderr, "%s: %s\n", prog, message);
}

static void free_dirs(char **dirs, size_t n)
{
    size_t i;
    if (!dirs)
        return;
    for (i = 0; i < n; i++)
        free(dirs[i]);
    free(dirs);
}

/* Print the version and the backends this build has. */
static void print_version(void)
{
    printf("cari-index %s (backends: native%s)\n", cari_version(),
           cari_backend_available("xapian") ? ", xapian" : "");
}

/* "" or "s": the summary says "1 article", "2 articles" */
static const char *plural(unsigned long long n)
{
    return n == 1 ? "" : "s";
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* --analyze: tokens of standard input. */
static int print_token(void *ctx, const cari_token *t)
{
    const char *text = ctx;
    size_t i;
    /* a bound form joined to the next word spans the white space between
     * them ("non\nmigas"): a space here, as the line is tab-separated */
    for (i = t->start; i < t->end; i++)
        putchar(text[i] == '\t' || text[i] == '\n' || text[i] == '\r' ? ' '
                                                                    : text[i]);
    putchar('\t');
    fwrite(t->term, 1, t->term_len, stdout);
    printf("\t%d\n", t->stop);
    return 0;
}

static int analyze_stdin(void)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    cari_analyzer *an;
    cari_error err;
    int rc;
    for (;;) {
        size_t n;
        if (cap - len < 65536) {
            char *p = realloc(buf, cap ? cap * 2 : 65536);
            if (!p) {
                fprintf(stderr, "%s: out of memory\n", prog);
                free(buf);
                return 2;
            }
            buf = p;
            cap = cap ? cap * 2 : 65536;
        }
        n = fread(buf + len, 1, cap - len, stdin);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(stdin)) {
        fprintf(stderr, "%s: cannot read standard input: %s\n", prog,
                strerror(errno));
        free(buf);
        return 2;
    }
    if (cari_analyzer_new(&an, &err)) {
        fprintf(stderr, "%s: %s\n", prog, err.message);
        free(buf);
        return 2;
    }
    rc = cari_analyze(an, buf ? buf : "", len, print_token, buf);
    cari_analyzer_free(an);
    free(buf);
    if (rc) {
        fprintf(stderr, "%s: %s\n", prog, cari_strerror(rc));
        return 2;
    }
    return cli_flush_stdout(prog, NULL) == 0 ? 0 : 2;
}

static void progress(uint64_t articles, uint64_t bytes, double t0)
{
    double dt = now() - t0;
    fprintf(stderr, "\r\033[K%s: %llu articles, %.1f MB, %.1f MB/s", prog,
            (unsigned long long)articles, (double)bytes / 1e6,
            dt > 0 ? (double)bytes / 1e6 / dt : 0.0);
}

/* How deletes went: ids that were in the index, ids that were not. */
typedef struct delete_count {
    uint64_t found, not_found;
} delete_count;

/* Delete id from each of the nw writers (an article is in one shard, but
 * a set written with another N before the count was recorded may hold
 * copies in others) and count it once, as found when a writer held it
 * live.  0, or 2 after saying why. */
static int delete_id(cari_writer **w, size_t nw, const char *id, size_t len,
                     delete_count *count)
{
    cari_writer_stats st;
    uint64_t before = 0, after = 0;
    size_t k;
    for (k = 0; k < nw; k++) {
        cari_writer_get_stats(w[k], &st);
        before += st.deleted;
        if (cari_writer_delete(w[k], id, len)) {
            fprintf(stderr, "%s: %s\n", prog, cari_writer_errmsg(w[k]));
            return 2;
        }
        cari_writer_get_stats(w[k], &st);
        after += st.deleted;
    }
    if (after > before)
        count->found++;
    else
        count->not_found++;
    return 0;
}

/* --delete-from: the ids listed in file (- for standard input), one per
 * line, deleted from each of the nw writers (the shards: the list is
 * read once, as standard input can only be). */
static int delete_listed(cari_writer **w, size_t nw, const char *file,
                         delete_count *count)
{
    FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0, first = 1;
    if (!f) {
        fprintf(stderr, "%s: %s: %s\n", prog, file, strerror(errno));
        return 2;
    }
    while (!rc && (n = getline(&line, &cap, f)) != -1) {
        char *id = line;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (first && n >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
            id += 3;  /* a byte order mark, as JSON Lines input may have */
            n -= 3;
        }
        first = 0;
        if (n == 0)
            continue;
        rc = delete_id(w, nw, id, (size_t)n, count);
    }
    if (!rc && ferror(f)) {
        /* a directory, an I/O error: the list was not read */
        fprintf(stderr, "%s: %s: %s\n", prog, file, strerror(errno));
        rc = 2;
    }
    free(line);
    if (f != stdin)
        fclose(f);
    return rc;
}

/* --check: one line per problem, "FILE: what is wrong". */
static void print_problem(void *ctx, const char *file, const char *problem)
{
    (void)ctx;
    printf("%s: %s\n", file, problem);
}

/* --check: verify everything; 0 when the index is sound, 2 otherwise. */
static int check_index(const char *dir, int quiet)
{
    cari_check_stats st;
    cari_error err;
    char size[32];
    int rc = cari_index_check(dir, print_problem, NULL, &st, &err);
    if (cli_flush_stdout(prog, NULL))
        return 2;
    if (rc == CARI_ECORRUPT && st.problems) {
        /* counted, not err's message: that of a damaged MANIFEST is the
         * problem itself, just printed (found by review) */
        fprintf(stderr, "%s: index is damaged (%s: %llu problem%s found, "
                "listed above); rebuild it\n", prog, dir,
                (unsigned long long)st.problems, plural(st.problems));
        return 2;
    }
    if (rc == CARI_ECORRUPT) {
        fprintf(stderr, "%s: index is damaged (%s); rebuild it\n", prog,
                err.message);
        return 2;
    }
    if (rc) {
        fprintf(stderr, "%s: %s\n", prog, err.message);
        return 2;
    }
    if (!quiet && st.xapian) {
        printf("%s: ok (a Xapian index; checked by Xapian's checker)\n", dir);
    } else if (!quiet) {
        /* live and deleted, as --stats counts them (found by review:
         * the deleted articles were counted in) */
        printf("%s: ok: %llu segment%s, %llu article%s, %llu passage%s, "
               "%llu article%s deleted (until a merge), %llu term%s, %llu "
               "posting%s, %llu position%s in %llu file%s (%s)",
               dir, (unsigned long long)st.segments, plural(st.segments),
               (unsigned long long)(st.articles - st.deleted),
               plural(st.articles - st.deleted),
               (unsigned long long)(st.passages - st.deleted_passages),
               plural(st.passages - st.deleted_passages),
               (unsigned long long)st.deleted, plural(st.deleted),
               (unsigned long long)st.terms, plural(st.terms),
               (unsigned long long)st.postings, plural(st.postings),
               (unsigned long long)st.positions, plural(st.positions),
               (unsigned long long)st.files, plural(st.files),
               cli_human_size(st.bytes, size, sizeof size));
        if (st.unreferenced)
            printf("; %llu files not in MANIFEST (left by an interrupted "
                   "writer; the next writer removes them)",
                   (unsigned long long)st.unreferenced);
        putchar('\n');
    }
    return cli_flush_stdout(prog, NULL) == 0 ? 0 : 2;
}

/* --stats: what the index holds. */
static int print_stats(const char *dir)
{
    cari_index *ix;
    cari_index_stats st;
    cari_error err;
    if (cari_index_open(dir, &ix, &err)) {
        report_error(err.code, err.message);
        return 2;
    }
    cari_index_get_stats(ix, &st);
    printf("index      %s\n", dir);
    printf("backend    %s\n", cari_index_backend(ix));
    printf("articles   %llu\n", (unsigned long long)st.articles);
    printf("passages   %llu\n", (unsigned long long)st.passages);
    printf("deleted    %llu (until a merge)\n", (unsigned long long)st.deleted);
    printf("segments   %llu\n", (unsigned long long)st.segments);
    printf("terms      %llu (summed over segments)\n",
           (unsigned long long)st.terms);
    printf("bytes      %llu\n", (unsigned long long)st.bytes);
    printf("generation %llu\n", (unsigned long long)st.generation);
    cari_index_close(ix);
    return cli_flush_stdout(prog, NULL) == 0 ? 0 : 2;
}

static char **given;

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"index", required_argument, NULL, 'i'},
        {"quiet", no_argument, NULL, 'q'},
        {"memory", required_argument, NULL, 'm'},
        {"compression", required_argument, NULL, 'z'},
        {"no-sync", no_argument, NULL, 'S'},
        {"threads", required_argument, NULL, 'j'},
        {"analyze", no_argument, NULL, 'A'},
        {"delete", required_argument, NULL, 'D'},
        {"delete-from", required_argument, NULL, 'F'},
        {"merge", no_argument, NULL, 'M'},
        {"stats", no_argument, NULL, 'T'},
        {"check", no_argument, NULL, 'C'},
        {"backend", required_argument, NULL, 'b'},
        {"shards", required_argument, NULL, 'N'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    const char *dir = "index", *delete_from = NULL;
    const char **deletes = NULL;
    size_t ndeletes = 0;
    delete_count deleted = {0, 0};
    int quiet = 0, analyze = 0, merge = 0, stats = 0, check = 0, c, i;
    int show_progress;
    warn_state ws;
    sources src;
    cari_writer_options wo = CARI_WRITER_OPTIONS_INIT;
    cari_writer **w = NULL;     /* one writer, or one per shard */
    char **shard_dirs = NULL;
    long nshards = 0;           /* 0: no --shards */
    size_t nw = 1, k;
    cari_error err;
    uint64_t articles = 0, bytes = 0, skipped = 0, rejected = 0;
    uint64_t unread = 0;        /* warnings about inputs, not records */
    double t0, last = 0;
    struct sigaction sa;
    int rc = 0;

    /* getopt's own messages name argv[0]: the tool's name, as every
     * other message does, not the path it was run by (found by review) */
    argv[0] = (char *)"cari-index";
    /* as given (getopt_long reorders argv), for restart_tuned; static,
     * so that the early returns below leak nothing */
    given = malloc(((size_t)argc + 1) * sizeof *given);
    if (given)
        memcpy(given, argv, ((size_t)argc + 1) * sizeof *given);
    while ((c = getopt_long(argc, argv, "i:qj:hV", longopts, NULL)) != -1) {
        char *end;
        long v;
        switch (c) {
        case 'i':
            /* "" made the shards ".0", ".1" in the current directory
             * (found by review) */
            if (!*optarg) {
                fprintf(stderr, "%s: -i wants an index directory, not ''\n",
                        prog);
                free(deletes);
                return 2;
            }
            dir = optarg;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'm':
            errno = 0;
            v = strtol(optarg, &end, 10);
            if (errno || *end || v < 16 || v > 1 << 20) {
                fprintf(stderr, "%s: --memory wants megabytes, 16 to "
                        "1048576\n", prog);
                free(deletes);
                return 2;
            }
            wo.memory_mb = (size_t)v;
            break;
        case 'z':
            v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 12) {
                fprintf(stderr, "%s: --compression wants a level 1 to 12\n",
                        prog);
                free(deletes);
                return 2;
            }
            wo.compression_level = (int)v;
            break;
        case 'S':
            wo.sync = 0;
            break;
        case 'j':
            v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 256) {
                fprintf(stderr, "%s: --threads wants a number from 1 to 256\n",
                        prog);
                free(deletes);
                return 2;
            }
            wo.threads = (int)v;
            break;
        case 'A':
            analyze = 1;
            break;
        case 'D': {
            const char **p = realloc(deletes, (ndeletes + 1) * sizeof *p);
            if (!p) {
                fprintf(stderr, "%s: out of memory\n", prog);
                free(deletes);
                return 2;
            }
            deletes = p;
            deletes[ndeletes++] = optarg;
            break;
        }
        case 'F':
            delete_from = optarg;
            break;
        case 'M':
            merge = 1;
            break;
        case 'T':
            stats = 1;
            break;
        case 'C':
            check = 1;
            break;
        case 'b':
            if (strcmp(optarg, "native") != 0 && strcmp(optarg, "xapian") != 0) {
                fprintf(stderr, "%s: --backend wants native or xapian\n", prog);
                free(deletes);
                return 2;
            }
            wo.backend = optarg;
            break;
        case 'N':
            errno = 0;
            v = strtol(optarg, &end, 10);
            if (errno || *end || v < 1 || v > 1024) {
                fprintf(stderr, "%s: --shards wants a number of shards, 1 to "
                        "1024\n", prog);
                free(deletes);
                return 2;
            }
            nshards = v;
            break;
        case 'h':
            fputs(usage_text, stdout);
            free(deletes);
            return cli_flush_stdout(prog, NULL) ? 2 : 0;
        case 'V':
            print_version();
            free(deletes);
            return cli_flush_stdout(prog, NULL) ? 2 : 0;
        default:
            fprintf(stderr, "Try '%s --help'.\n", prog);
            free(deletes);
            return 2;
        }
    }
    if (analyze + stats + check > 1) {
        /* one action: --stats --check used to print the stats only */
        fprintf(stderr, "%s: --analyze, --stats and --check are separate "
                "runs: give one\n", prog);
        free(deletes);
        return 2;
    }
    if (analyze) {
        if (optind < argc || ndeletes || delete_from || merge) {
            fprintf(stderr, "%s: --analyze reads standard input only\n",
                    prog);
            free(deletes);
            return 2;
        }
        free(deletes);
        return analyze_stdin();
    }
    if (strncmp(dir, "tcp://", 6) == 0) {
        /* every run on it, not only adding (found by review: --stats,
         * --check, --delete and --merge looked for a local directory
         * "tcp:" and said "no index here (no MANIFEST)") */
        fprintf(stderr, "%s: %s is a remote index: cari-index works on "
                "index directories (serve one with xapian-tcpsrv; "
                "cari-search -i %s%s reads this one)\n", prog, dir, dir,
                stats ? " --stats" : "");
        free(deletes);
        return 2;
    }
    if (stats || check) {
        free(deletes);
        if (optind < argc || ndeletes || delete_from || merge) {
            fprintf(stderr, "%s: --%s takes no input and no other action\n",
                    prog, stats ? "stats" : "check");
            return 2;
        }
        if (nshards) {
            /* every shard DIR.0 ... DIR.N-1, as --shards N writes them */
            size_t dl = strlen(dir);
            int worst = 0;
            char *d;
            /* of a set of N, as a run that writes would want it: another
             * N's stats would miss shards or count another set's */
            if (cari_shards_check(dir, (size_t)nshards, &err)) {
                fprintf(stderr, "%s: %s\n", prog, err.message);
                return 2;
            }
            while (dl > 1 && dir[dl - 1] == '/')
                dl--;
            d = malloc(dl + 16);
            if (!d) {
                fprintf(stderr, "%s: out of memory\n", prog);
                return 2;
            }
            for (k = 0; k < (size_t)nshards; k++) {
                int r;
                snprintf(d, dl + 16, "%.*s.%zu", (int)dl, dir, k);
                if (stats && k)
                    putchar('\n');
                r = stats ? print_stats(d) : check_index(d, quiet);
                if (r > worst)
                    worst = r;
            }
            free(d);
            return worst;
        }
        return stats ? print_stats(dir) : check_index(dir, quiet);
    }
    if (delete_from && strcmp(delete_from, "-") == 0)
        for (i = optind; i < argc; i++)
            if (strcmp(argv[i], "-") == 0) {
                /* the id list would take the articles for ids */
                fprintf(stderr, "%s: standard input is read once: not both "
                        "--delete-from - and the input -\n", prog);
                free(deletes);
                return 2;
            }
    /* "-" wants standard input open: closed, its number went to the
     * first file the writer opened (LOCK), which "-" then read as JSON
     * Lines, and --delete-from - took the pid in it for an id */
    {
        int wants_stdin = delete_from && strcmp(delete_from, "-") == 0;
        for (i = optind; i < argc; i++)
            wants_stdin |= strcmp(argv[i], "-") == 0;
        if (wants_stdin && fcntl(0, F_GETFD) == -1) {
            fprintf(stderr, "%s: standard input is closed; nothing was "
                    "indexed\n", prog);
            free(deletes);
            return 2;
        }
    }
    if (optind >= argc && !ndeletes && !delete_from && !merge) {
        fprintf(stderr, "%s: no input given\nTry '%s --help'.\n", prog, prog);
        free(deletes);
        return 2;
    }
    if (wo.backend && strcmp(wo.backend, "xapian") == 0 &&
        !cari_backend_available("xapian")) {
        fprintf(stderr, "%s: the Xapian backend was not built in (install "
                "libxapian-dev and rebuild cari)\n", prog);
        free(deletes);
        return 2;
    }
    if (nshards) {
        size_t dl = strlen(dir);
        if (wo.backend && strcmp(wo.backend, "xapian") != 0) {
            fprintf(stderr, "%s: --shards builds Xapian indexes (searched "
                    "as one through the Xapian backend)\n", prog);
            free(deletes);
            return 2;
        }
        if (!cari_backend_available("xapian")) {
            fprintf(stderr, "%s: --shards needs the Xapian backend, which was "
                    "not built in (install libxapian-dev and rebuild cari)\n",
                    prog);
            free(deletes);
            return 2;
        }
        wo.backend = "xapian";
        nw = (size_t)nshards;
        /* before any shard is opened (opening makes a new one): another
         * N than the set's own would put an article in another shard
         * than its earlier copy, and keep both (found by review) */
        if (cari_shards_check(dir, nw, &err)) {
            fprintf(stderr, "%s: %s; nothing was written\n", prog,
                    err.message);
            free(deletes);
            return 2;
        }
        while (dl > 1 && dir[dl - 1] == '/')
            dl--;
        shard_dirs = calloc(nw, sizeof *shard_dirs);
        if (!shard_dirs) {
            fprintf(stderr, "%s: out of memory\n", prog);
            free(deletes);
            return 2;
        }
        for (k = 0; k < nw; k++) {
            shard_dirs[k] = malloc(dl + 16);
            if (!shard_dirs[k]) {
                fprintf(stderr, "%s: out of memory\n", prog);
                free_dirs(shard_dirs, nw);
                free(deletes);
                return 2;
            }
            snprintf(shard_dirs[k], dl + 16, "%.*s.%zu", (int)dl, dir, k);
        }
    }
    if (optind >= argc)
        for (k = 0; k < nw; k++) {
            /* deletions or a merge alone: on an index that is there (a
             * mistyped -i used to make an empty index and "delete") */
            const char *d = shard_dirs ? shard_dirs[k] : dir;
            struct stat sb;
            if (stat(d, &sb) != 0 && errno == ENOENT) {
                fprintf(stderr, "%s: no index at %s: nothing to %s\n", prog,
                        d, merge && !ndeletes && !delete_from ? "merge"
                                                              : "delete from");
                free_dirs(shard_dirs, nw);
                free(deletes);
                return 2;
            }
        }
    /* every input is there before any is read: a mistyped last INPUT
     * used to fail the run only once the others were read (hours, for a
     * large collection), all of it for nothing, and leave an index
     * directory holding only LOCK where there was none */
    for (i = optind; i < argc; i++) {
        struct stat sb;
        if (strcmp(argv[i], "-") != 0 && stat(argv[i], &sb) != 0) {
            fprintf(stderr, "%s: %s: %s; nothing was indexed\n", prog,
                    argv[i], strerror(errno));
            free_dirs(shard_dirs, nw);
            free(deletes);
            return 2;
        }
    }
    if (given && (optind < argc || merge))
        restart_tuned(given);
    free(given);
    given = NULL;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    tune_malloc();
    show_progress = !quiet && isatty(2);
    memset(&ws, 0, sizeof ws);
    memset(&src, 0, sizeof src);
    ws.progress = show_progress;
    t0 = now();
    w = calloc(nw, sizeof *w);
    if (!w) {
        fprintf(stderr, "%s: out of memory\n", prog);
        free_dirs(shard_dirs, nw);
        free(deletes);
        return 2;
    }
    for (k = 0; k < nw; k++) {
        if (cari_writer_open(shard_dirs ? shard_dirs[k] : dir, &wo, &w[k],
                             &err)) {
            report_error(err.code, err.message);
            while (k-- > 0)
                cari_writer_close(w[k]);
            free(w);
            free_dirs(shard_dirs, nw);
            free(deletes);
            return 2;
        }
    }
    /* each shard records its place in the set and the set's id (with the
     * commit): a later run with another N is refused, and cari-search
     * tells a shard given twice, or another set's, from the rest */
    if (shard_dirs && cari_writers_set_shards(w, nw, &k)) {
        fprintf(stderr, "%s: %s; nothing was written\n", prog,
                cari_writer_errmsg(w[k]));
        for (k = 0; k < nw; k++)
            cari_writer_close(w[k]);
        free(w);
        free_dirs(shard_dirs, nw);
        free(deletes);
        return 2;
    }
    for (i = 0; i < (int)ndeletes && !rc; i++)
        rc = delete_id(w, nw, deletes[i], strlen(deletes[i]), &deleted);
    if (!rc && delete_from)
        rc = delete_listed(w, nw, delete_from, &deleted);
    for (k = 0; k < nw && !rc && merge; k++)
        if (cari_writer_merge(w[k], 1)) {
            fprintf(stderr, "%s: %s\n", prog, cari_writer_errmsg(w[k]));
            rc = 2;
        }
    for (i = optind; i < argc && !rc && !interrupted; i++) {
        cari_reader *r;
        cari_article a;
        int n = 0;
        if (cari_reader_open(argv[i], warn_record, &ws, &r, &err)) {
            if (!interrupted)  /* else a read the signal cut short */
                fprintf(stderr, "%s%s: %s; nothing was committed, the index "
                        "is as it was\n", show_progress ? "\n" : "", prog,
                        err.message);
            rc = 2;
            break;
        }
        while (!interrupted && (n = cari_reader_next(r, &a)) == 1) {
            cari_writer *to = w[cari_shard_of(a.id, a.id_len, nw)];
            uint64_t tag = tag_of(&src, cari_reader_file(r),
                                  cari_reader_line(r)), prev = 0;
            int again = 0;
            int arc = cari_writer_add_tagged(to, &a, tag, &again, &prev);
            if (arc == CARI_EINPUT) {
                warn_record(&ws, cari_reader_file(r), cari_reader_line(r),
                            cari_writer_errmsg(to));
                rejected++;
                continue;
            }
            if (arc) {
                /* a segment could not be written (disk full, I/O error):
                 * the run ends before any commit */
                fprintf(stderr, "%s%s: %s; nothing was committed, the index "
                        "is as it was\n", show_progress ? "\n" : "", prog,
                        cari_writer_errmsg(to));
                rc = 2;
                break;
            }
            articles++;
            if (again) {
                char msg[300], at[32] = "";
                uint64_t pf = prev >> TAG_LINE_BITS,
                         pl = prev & ((1ull << TAG_LINE_BITS) - 1);
                if (pl)
                    snprintf(at, sizeof at, ":%llu", (unsigned long long)pl);
                if (pf >= 1 && pf <= src.nfiles)
                    snprintf(msg, sizeof msg, "id \"%.*s\" again (also at "
                             "%s%s); this record replaces that one",
                             (int)(a.id_len > 80 ? 80 : a.id_len), a.id,
                             src.files[pf - 1], at);
                else
                    snprintf(msg, sizeof msg, "id \"%.*s\" again; this "
                             "record replaces the earlier one",
                             (int)(a.id_len > 80 ? 80 : a.id_len), a.id);
                warn_record(&ws, cari_reader_file(r), cari_reader_line(r),
                            msg);
            }
            if (show_progress && now() - last > 0.25) {
                last = now();
                progress(articles, bytes + cari_reader_bytes(r), t0);
            }
        }
        if (!rc && !interrupted && n < 0) {
            fprintf(stderr, "%s%s: %s; nothing was committed, the index is "
                    "as it was\n", show_progress ? "\n" : "", prog,
                    *cari_reader_errmsg(r) ? cari_reader_errmsg(r)
                                           : cari_strerror(n));
            rc = 2;
        }
        bytes += cari_reader_bytes(r);
        skipped += cari_reader_skipped(r);
        unread += cari_reader_file_warnings(r);
        cari_reader_close(r);
    }
    if (show_progress)
        fputs("\r\033[K", stderr);
    if (interrupted) {
        fprintf(stderr, "%s: interrupted; nothing was committed, the index "
                "is as it was\n", prog);
        sources_free(&src);
        for (k = 0; k < nw; k++)
            cari_writer_close(w[k]);
        free(w);
        free_dirs(shard_dirs, nw);
        free(deletes);
        return 130;
    }
    for (k = 0; k < nw && !rc; k++) {
        int crc = cari_writer_commit(w[k]);
        if (crc == CARI_ENOTDURABLE) {
            /* the new commit is what readers see: say so, not "as it was" */
            fprintf(stderr, "%s: %s%s%s\n", prog,
                    shard_dirs ? shard_dirs[k] : "",
                    shard_dirs ? ": " : "", cari_writer_errmsg(w[k]));
            rc = 2;
        } else if (crc == CARI_ECORRUPT) {
            report_error(crc, cari_writer_errmsg(w[k]));
            rc = 2;
        } else if (crc) {
            if (shard_dirs)
                fprintf(stderr, "%s: commit of %s failed: %s; that shard is "
                        "as it was%s\n", prog, shard_dirs[k],
                        cari_writer_errmsg(w[k]),
                        k ? " (the shards before it were committed)" : "");
            else
                fprintf(stderr, "%s: commit failed: %s; the previous index is "
                        "intact\n", prog, cari_writer_errmsg(w[k]));
            rc = 2;
        }
        if (!crc && *cari_writer_warning(w[k]))
            fprintf(stderr, "%s: warning: %s%s%s\n", prog,
                    shard_dirs ? shard_dirs[k] : "",
                    shard_dirs ? ": " : "", cari_writer_warning(w[k]));
    }
    if (!rc && !quiet) {
        cari_writer_stats st, sum;
        double dt = now() - t0;
        char in_size[32], ix_size[32];
        memset(&sum, 0, sizeof sum);
        for (k = 0; k < nw; k++) {
            cari_writer_get_stats(w[k], &st);
            sum.articles += st.articles;
            sum.passages += st.passages;
            sum.terms += st.terms;
            sum.index_bytes += st.index_bytes;
            sum.total_articles += st.total_articles;
        }
        printf("indexed %llu article%s (%llu passage%s) from %s in %.2f s "
               "(%.1f MB/s); ",
               (unsigned long long)sum.articles, plural(sum.articles),
               (unsigned long long)sum.passages, plural(sum.passages),
               cli_human_size(bytes, in_size, sizeof in_size), dt,
               dt > 0 ? (double)bytes / 1e6 / dt : 0.0);
        if (shard_dirs) {
            /* terms are per shard: their sum would count shared ones twice */
            printf("%zu shards:", nw);
            for (k = 0; k < nw; k++) {
                cari_writer_get_stats(w[k], &st);
                printf(" %s %llu article%s%s", shard_dirs[k],
                       (unsigned long long)st.total_articles,
                       plural(st.total_articles),
                       k + 1 < nw ? "," : "");
            }
            printf("; %s", cli_human_size(sum.index_bytes, ix_size, sizeof ix_size));
        } else {
            printf("index: %llu article%s, %llu distinct term%s, %s",
                   (unsigned long long)sum.total_articles,
                   plural(sum.total_articles),
                   (unsigned long long)sum.terms, plural(sum.terms),
                   cli_human_size(sum.index_bytes, ix_size, sizeof ix_size));
        }
        if (skipped + rejected)
            printf("; %llu record%s skipped",
                   (unsigned long long)(skipped + rejected),
                   plural(skipped + rejected));
        if (unread)
            printf("; %llu input%s not read in full",
                   (unsigned long long)unread, plural(unread));
        if (deleted.found)
            printf("; %llu id%s deleted", (unsigned long long)deleted.found,
                   plural(deleted.found));
        if (deleted.not_found)
            printf("; %llu id%s not found",
                   (unsigned long long)deleted.not_found,
                   plural(deleted.not_found));
        putchar('\n');
    }
    for (k = 0; k < nw; k++)
        cari_writer_close(w[k]);
    free(w);
    free_dirs(shard_dirs, nw);
    free(deletes);
    sources_free(&src);
    if (cli_flush_stdout(prog, rc ? NULL : " (the run was committed; only "
                         "its summary is lost)"))
        rc = 2;
    return rc;
}
