/*
 * search_output.c -- cari-search's printing beyond the default formats:
 * --fields for JSON and TSV, text wrapped for a terminal, --stats.
 * docs/JSON.md documents the JSON fields; tests/json.t checks every line
 * against that document.
 */
#define _POSIX_C_SOURCE 200809L
#include "search_output.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <utf8proc.h>

#include "cli_util.h"

/* ------------------------------------------------------------------ */
/* Fields                                                              */
/* ------------------------------------------------------------------ */

/* Every field a hit can have, in the default order. */
static const char *const field_names[] = {
    "qno", "rank", "score", "id", "passage", "title", "snippet", "start",
    "end", "highlights", "meta", "explain", "total", "text"};
#define NFIELDS (sizeof field_names / sizeof field_names[0])

const char output_field_names[] =
    "qno, rank, score, id, passage, title, snippet, start, end, highlights, "
    "meta, explain, total, text";

static struct {
    int chosen[NFIELDS];   /* indexes into field_names, in output order */
    size_t n;              /* 0: the default fields */
    int format;
    uint64_t total;
} out = {{0}, 0, FMT_JSON, 0};

static int field_index(const char *name, size_t len)
{
    size_t i;
    for (i = 0; i < NFIELDS; i++)
        if (strlen(field_names[i]) == len &&
            memcmp(field_names[i], name, len) == 0)
            return (int)i;
    return -1;
}

int output_set_fields(const char *list, char *msg, size_t cap)
{
    const char *p = list;
    out.n = 0;
    for (;;) {
        size_t len = strcspn(p, ",");
        size_t a = 0, i;
        int f, seen = 0;
        while (a < len && p[a] == ' ')
            a++;
        while (len > a && p[len - 1] == ' ')
            len--;
        if (len > a) {
            f = field_index(p + a, len - a);
            if (f < 0) {
                snprintf(msg, cap, "unknown field '%.*s' (fields: %s)",
                         (int)(len - a), p + a, output_field_names);
                return -1;
            }
            for (i = 0; i < out.n; i++)
                seen |= out.chosen[i] == f;
            if (!seen)
                out.chosen[out.n++] = f;
        }
        p += strcspn(p, ",");
        if (!*p)
            break;
        p++;
    }
    if (out.n == 0) {
        snprintf(msg, cap, "no field named (fields: %s)", output_field_names);
        return -1;
    }
    return 0;
}

int output_has_fields(void)
{
    return out.n > 0;
}

unsigned output_search_flags(void)
{
    unsigned flags = 0;
    size_t i;
    if (!out.n)
        return CARI_SEARCH_SNIPPETS | CARI_SEARCH_STORED;
    for (i = 0; i < out.n; i++) {
        const char *name = field_names[out.chosen[i]];
        if (!strcmp(name, "snippet") || !strcmp(name, "highlights") ||
            !strcmp(name, "text"))
            flags |= CARI_SEARCH_SNIPPETS;
        if (!strcmp(name, "title") || !strcmp(name, "meta"))
            flags |= CARI_SEARCH_STORED;
        if (!strcmp(name, "explain"))  /* as --explain does */
            flags |= CARI_SEARCH_EXPLAIN;
    }
    return flags;
}

void output_set_format(int format)
{
    out.format = format;
}

void output_set_total(uint64_t total)
{
    out.total = total;
}

static int print_tsv(json_t *o)
{
    const char *key;
    json_t *v;
    int first = 1;
    json_object_foreach(o, key, v) {
        char *s;
        if (!first)
            putchar('\t');
        first = 0;
        switch (json_typeof(v)) {
        case JSON_STRING:
            output_put_text(json_string_value(v), json_string_length(v));
            break;
        case JSON_INTEGER:
            printf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
            break;
        case JSON_REAL:
            printf("%.6f", json_real_value(v));
            break;
        case JSON_NULL:
            break;
        default:
            s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER |
                                  JSON_ENCODE_ANY);
            if (!s)
                return -1;
            /* JSON escapes C0 but leaves DEL and C1 (a CSI, U+009B) as
             * they are: shown as the strings' are (found by review: a
             * metadata string's CSI reached the terminal) */
            output_put_text(s, strlen(s));
            free(s);
        }
    }
    putchar('\n');
    return 0;
}

int output_hit(json_t *o, const cari_hit *h)
{
    json_t *sel = o;
    char *s;
    int rc = 0;
    size_t i;
    if (!o)
        return -1;
    json_object_set_new(o, "total", json_integer((json_int_t)out.total));
    if (out.n) {
        sel = json_object();
        if (!sel) {
            json_decref(o);
            return -1;
        }
        for (i = 0; i < out.n; i++) {
            const char *name = field_names[out.chosen[i]];
            json_t *v = json_object_get(o, name);
            if (!strcmp(name, "text"))
                json_object_set_new(sel, name,
                                    json_stringn(h->text ? h->text : "",
                                                 h->text ? h->text_len : 0));
            else if (v)
                json_object_set(sel, name, v);
            else if (out.format == FMT_TSV)
                /* an empty column: the others keep their place (found by
                 * review: qno outside --batch took its column away) */
                json_object_set_new(sel, name, json_null());
        }
        json_decref(o);
    }
    if (out.format == FMT_TSV) {
        rc = print_tsv(sel);
    } else {
        s = json_dumps(sel, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (s)
            puts(s);
        else
            rc = -1;
        free(s);
    }
    json_decref(sel);
    return rc;
}

/* ------------------------------------------------------------------ */
/* A hit's default JSON line, written directly                         */
/* ------------------------------------------------------------------ */

/* The default JSON line (no --fields, no explain) is written here byte
 * for byte as jansson's json_dumps(JSON_COMPACT | JSON_PRESERVE_ORDER)
 * writes the object print_json() builds: building the object, dumping
 * it and its numbers through snprintf took 17% of a `--batch -f json`
 * run with snippets (docs/BENCHMARKS.md).  What jansson would treat
 * otherwise (a string that is not valid UTF-8: its key left out; a score
 * that is not finite) is left to it: output_json_line() then returns 1. */

typedef struct line {
    char *p;
    size_t len, cap;
} line;

static line jl;

static int line_room(size_t n)
{
    if (jl.cap - jl.len < n) {
        size_t cap = jl.cap ? jl.cap : 1024;
        char *p;
        while (cap - jl.len < n)
            cap *= 2;
        p = realloc(jl.p, cap);
        if (!p)
            return -1;
        jl.p = p;
        jl.cap = cap;
    }
    return 0;
}

static void line_put(const char *s, size_t n)
{
    memcpy(jl.p + jl.len, s, n);
    jl.len += n;
}

/* Is s[0, n) UTF-8 as jansson's utf8_check_string() has it (no overlong
 * forms, surrogates or code points past U+10FFFF)? */
static int json_utf8_ok(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char u = s[i];
        size_t k, j;
        uint32_t v;
        if (u < 0x80) {
            i++;
            continue;
        }
        if (u >= 0xC2 && u <= 0xDF) {
            k = 2;
            v = u & 0x1F;
        } else if (u >= 0xE0 && u <= 0xEF) {
            k = 3;
            v = u & 0xF;
        } else if (u >= 0xF0 && u <= 0xF4) {
            k = 4;
            v = u & 0x7;
        } else {
            return 0;
        }
        if (k > n - i)
            return 0;
        for (j = 1; j < k; j++) {
            unsigned char c = s[i + j];
            if (c < 0x80 || c > 0xBF)
                return 0;
            v = (v << 6) + (c & 0x3F);
        }
        if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) ||
            (k == 2 && v < 0x80) || (k == 3 && v < 0x800) ||
            (k == 4 && v < 0x10000))
            return 0;
        i += k;
    }
    return 1;
}

/* s[0, n) as a JSON string, escaped as jansson does without
 * JSON_ENSURE_ASCII and JSON_ESCAPE_SLASH: \" \\ \b \f \n \r \t, other
 * bytes below 0x20 as \u00XX; all else as it is.  -1 when s is not
 * UTF-8 (jansson would leave its key out) or out of memory. */
static int line_string(const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i, run = 0;
    if (!json_utf8_ok((const unsigned char *)s, n) || line_room(6 * n + 2))
        return -1;
    jl.p[jl.len++] = '"';
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char *o;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        line_put(s + run, i - run);
        run = i + 1;
        o = jl.p + jl.len;
        o[0] = '\\';
        switch (c) {
        case '"': o[1] = '"'; jl.len += 2; break;
        case '\\': o[1] = '\\'; jl.len += 2; break;
        case '\b': o[1] = 'b'; jl.len += 2; break;
        case '\f': o[1] = 'f'; jl.len += 2; break;
        case '\n': o[1] = 'n'; jl.len += 2; break;
        case '\r': o[1] = 'r'; jl.len += 2; break;
        case '\t': o[1] = 't'; jl.len += 2; break;
        default:
            o[1] = 'u';
            o[2] = '0';
            o[3] = '0';
            o[4] = hex[c >> 4];
            o[5] = hex[c & 15];
            jl.len += 6;
        }
    }
    line_put(s + run, n - run);
    jl.p[jl.len++] = '"';
    return 0;
}

/* A JSON integer ("%lld", json_int_t). */
static int line_int(json_int_t v)
{
    char b[24];
    size_t k = sizeof b;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v
                                 : (unsigned long long)v;
    do {
        b[--k] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        b[--k] = '-';
    if (line_room(sizeof b - k))
        return -1;
    line_put(b + k, sizeof b - k);
    return 0;
}

/* A JSON real as jansson's jsonp_dtostr() writes it at its default
 * precision: "%.17g", ".0" added when that has neither '.' nor 'e', and
 * the exponent without '+' and leading zeros.  (cari-search never sets
 * a locale, so the decimal point is '.'.) */
static int line_real(double v)
{
    char b[64], *e;
    int n = snprintf(b, sizeof b, "%.17g", v);
    if (n < 0 || (size_t)n >= sizeof b - 3)
        return -1;
    if (!strchr(b, '.') && !strchr(b, 'e')) {
        memcpy(b + n, ".0", 3);
        n += 2;
    }
    e = strchr(b, 'e');
    if (e) {
        char *start = e + 1, *end = e + 2;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start) {
            memmove(start, end, (size_t)n - (size_t)(end - b) + 1);
            n -= (int)(end - start);
        }
    }
    if (line_room((size_t)n))
        return -1;
    line_put(b, (size_t)n);
    return 0;
}

static int line_key(const char *key)
{
    size_t n = strlen(key);
    if (line_room(n + 4))
        return -1;
    jl.p[jl.len] = jl.len ? ',' : '{'; /* the first key opens the object */
    jl.len++;
    jl.p[jl.len++] = '"';
    line_put(key, n);
    jl.p[jl.len++] = '"';
    jl.p[jl.len++] = ':';
    return 0;
}

int output_json_line(const cari_hit *h, size_t rank, long qno)
{
    size_t i;
    if (out.format != FMT_JSON || out.n || h->explain_count ||
        !isfinite(h->score))
        return 1;
    jl.len = 0;
    if (qno > 0 && (line_key("qno") || line_int((json_int_t)qno)))
        return -1;
    if (line_key("rank") || line_int((json_int_t)rank) ||
        line_key("score") || line_real(h->score) || line_key("id"))
        return -1;
    if (line_string(h->id, h->id_len))
        return 1;
    if (line_key("passage") || line_int((json_int_t)h->passage) ||
        line_key("title"))
        return -1;
    if (line_string(h->title, h->title_len))
        return 1;
    if (line_key("snippet"))
        return -1;
    if (line_string(h->snippet ? h->snippet : "", h->snippet_len))
        return 1;
    if (line_key("start") || line_int((json_int_t)h->start) ||
        line_key("end") || line_int((json_int_t)h->end) ||
        line_key("highlights") || line_room(1))
        return -1;
    jl.p[jl.len++] = '[';
    for (i = 0; i < h->highlight_count; i++) {
        if (line_room(2))
            return -1;
        if (i)
            jl.p[jl.len++] = ',';
        jl.p[jl.len++] = '[';
        if (line_int((json_int_t)h->highlights[i].start) || line_room(1))
            return -1;
        jl.p[jl.len++] = ',';
        if (line_int((json_int_t)h->highlights[i].end) || line_room(1))
            return -1;
        jl.p[jl.len++] = ']';
    }
    if (line_room(1))
        return -1;
    jl.p[jl.len++] = ']';
    if (line_key("meta"))
        return -1;
    {
        json_t *meta = h->meta_len ? json_loadb(h->meta, h->meta_len, 0, NULL)
                                   : NULL;
        if (meta) {
            char *m = json_dumps(meta, JSON_COMPACT | JSON_PRESERVE_ORDER);
            json_decref(meta);
            if (!m)
                return -1;
            if (line_room(strlen(m))) {
                free(m);
                return -1;
            }
            line_put(m, strlen(m));
            free(m);
        } else {
            if (line_room(2))
                return -1;
            line_put("{}", 2);
        }
    }
    if (line_key("total") || line_int((json_int_t)out.total) || line_room(2))
        return -1;
    jl.p[jl.len++] = '}';
    jl.p[jl.len++] = '\n';
    fwrite(jl.p, 1, jl.len, stdout); /* a failed write is found at the
                                         flush, as puts()'s was */
    return 0;
}

/* ------------------------------------------------------------------ */
/* Text for a terminal                                                 */
/* ------------------------------------------------------------------ */

/* Longest text line, whatever the terminal: long lines read badly. */
#define MAX_WIDTH 100
#define INDENT 3

int output_text_width(void)
{
    const char *cols = getenv("COLUMNS");
    struct winsize ws;
    int w = 0;
    if (cols && *cols)
        w = atoi(cols);
    else if (isatty(1) && ioctl(1, TIOCGWINSZ, &ws) == 0)
        w = ws.ws_col;
    if (w <= 0)
        w = 80;
    if (w < 20)
        w = 20;
    return w > MAX_WIDTH ? MAX_WIDTH : w;
}

/* The code point at s[0, n) and its byte length (an invalid byte: U+FFFD,
 * length 1). */
static size_t next_char(const char *s, size_t n, utf8proc_int32_t *cp)
{
    utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s,
                                          (utf8proc_ssize_t)n, cp);
    if (k <= 0) {
        *cp = 0xFFFD;
        return 1;
    }
    return (size_t)k;
}

/* A C0 or C1 control character or DEL: never sent to the terminal as
 * it is (an indexed title or text could otherwise clear the screen, set
 * the window title or write the clipboard with escape sequences). */
static int is_control(utf8proc_int32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp < 0xa0);
}

/* Display width of cp as output_put_text() prints it (a control as
 * U+FFFD). */
static int char_width(utf8proc_int32_t cp)
{
    int w = is_control(cp) ? 1 : utf8proc_charwidth(cp);
    return w < 0 ? 0 : w;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Is s[0, k), decoded as cp by next_char(), an invalid byte? */
static int invalid_byte(const char *s, size_t k, utf8proc_int32_t cp)
{
    return cp == 0xFFFD && k == 1 && (unsigned char)s[0] >= 0x80;
}

/* Text and TSV fields alike (search_output.h). */
void output_put_text(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        utf8proc_int32_t cp;
        size_t k = next_char(s + i, n - i, &cp);
        if (is_blank(s[i]))
            putchar(' ');
        else if (invalid_byte(s + i, k, cp) || is_control(cp))
            fputs("\xef\xbf\xbd", stdout);
        else
            fwrite(s + i, 1, k, stdout);
        i += k;
    }
}

/* A copy of s[0, n) as output_put_text() prints it (search_output.h). */
char *output_clean(const char *s, size_t n)
{
    char *b = malloc(3 * n + 1), *o = b;  /* a byte becomes 3 at most */
    size_t i = 0;
    if (!b)
        return NULL;
    while (i < n) {
        utf8proc_int32_t cp;
        size_t k = next_char(s + i, n - i, &cp);
        if (is_blank(s[i])) {
            *o++ = ' ';
        } else if (invalid_byte(s + i, k, cp) || is_control(cp)) {
            memcpy(o, "\xef\xbf\xbd", 3);
            o += 3;
        } else {
            memcpy(o, s + i, k);
            o += k;
        }
        i += k;
    }
    *o = '\0';
    return b;
}

/* Display width of s[0, n). */
static int text_width(const char *s, size_t n)
{
    size_t i = 0;
    int w = 0;
    while (i < n) {
        utf8proc_int32_t cp;
        i += next_char(s + i, n - i, &cp);
        w += is_blank(s[i - 1]) ? 1 : char_width(cp);
    }
    return w;
}

/* The snippet printer's state: where highlights open and close. */
typedef struct wrapper {
    const cari_hit *h;
    size_t next;          /* next highlight to open or close */
    int open;             /* inside highlights[next] */
    int color;
    int col, avail;       /* columns used on this line, and available */
} wrapper;

static const char MARK[] = "\033[1;33m", RESET[] = "\033[0m";

/* Columns the highlight marks add between byte offsets a and b. */
static int marks_width(const wrapper *w, size_t a, size_t b)
{
    size_t i;
    int n = 0;
    if (w->color)
        return 0;
    for (i = 0; i < w->h->highlight_count; i++) {
        const cari_span *s = &w->h->highlights[i];
        n += s->start >= a && s->start < b;
        n += s->end > a && s->end <= b;
    }
    return n;
}

/* Open or close highlights at byte offset pos. */
static void marks_at(wrapper *w, size_t pos)
{
    const cari_hit *h = w->h;
    while (w->next < h->highlight_count) {
        const cari_span *s = &h->highlights[w->next];
        if (w->open && s->end == pos) {
            fputs(w->color ? RESET : "]", stdout);
            w->col += !w->color;
            w->open = 0;
            w->next++;
        } else if (!w->open && s->start == pos && s->end > s->start) {
            fputs(w->color ? MARK : "[", stdout);
            w->col += !w->color;
            w->open = 1;
        } else if (!w->open && s->end <= pos) {
            w->next++;  /* empty or overlapping: skip */
        } else {
            break;
        }
    }
}

static void new_line(wrapper *w)
{
    if (w->open && w->color)
        fputs(RESET, stdout);
    printf("\n%*s", INDENT, "");
    if (w->open && w->color)
        fputs(MARK, stdout);
    w->col = 0;
}

/* Print the word s[a, b) of the snippet, breaking it where it is wider
 * than a whole line. */
static void put_word(wrapper *w, const char *s, size_t a, size_t b)
{
    size_t i = a;
    while (i < b) {
        utf8proc_int32_t cp;
        size_t k;
        int cw;
        k = next_char(s + i, b - i, &cp);
        /* with the brackets that open before it or close after it */
        cw = char_width(cp);
        if (w->col + cw + marks_width(w, i, i + k) > w->avail && w->col > 0)
            new_line(w);
        marks_at(w, i);
        output_put_text(s + i, k);
        w->col += cw;
        i += k;
    }
    marks_at(w, b);
}

static void print_wrapped_snippet(const cari_hit *h, int color, int width)
{
    wrapper w;
    const char *s = h->snippet ? h->snippet : "";
    size_t n = h->snippet ? h->snippet_len : 0, i = 0;
    memset(&w, 0, sizeof w);
    w.h = h;
    w.color = color;
    w.avail = width <= 0 ? 1 << 30 : width > INDENT + 1 ? width - INDENT : 1;
    printf("%*s", INDENT, "");
    while (i < n) {
        size_t a, b;
        int ww;
        while (i < n && is_blank(s[i])) {
            marks_at(&w, i);
            i++;
        }
        if (i >= n)
            break;
        a = i;
        while (i < n && !is_blank(s[i]))
            i++;
        b = i;
        ww = text_width(s + a, b - a) + marks_width(&w, a, b);
        if (w.col > 0) {
            if (w.col + 1 + ww > w.avail) {
                new_line(&w);
            } else {
                putchar(' ');
                w.col++;
            }
        }
        put_word(&w, s, a, b);
    }
    marks_at(&w, n);
    if (w.open)
        fputs(color ? RESET : "]", stdout);
    putchar('\n');
}

void output_text_hit(const cari_hit *h, size_t rank, int color, int width)
{
    const char *bold = color ? "\033[1m" : "";
    const char *dim = color ? "\033[2m" : "";
    const char *reset = color ? "\033[0m" : "";
    char prefix[32];
    int used, room;
    snprintf(prefix, sizeof prefix, "%zu. ", rank);
    used = (int)strlen(prefix);
    room = width > 0 ? width - used : 1 << 30;
    printf("%s%s", prefix, bold);
    if (!h->title_len) {
        fputs("(untitled)", stdout);
    } else if (text_width(h->title, h->title_len) <= room) {
        output_put_text(h->title, h->title_len);
    } else {
        /* cut at a character boundary, leaving a column for "…" */
        size_t i = 0;
        int col = 0;
        while (i < h->title_len) {
            utf8proc_int32_t cp;
            size_t k = next_char(h->title + i, h->title_len - i, &cp);
            int cw = is_blank(h->title[i]) ? 1 : char_width(cp);
            if (col + cw > room - 1)
                break;
            col += cw;
            i += k;
        }
        {
            /* at a word's end, unless that loses more than a third */
            size_t j = i;
            while (j > 0 && !is_blank(h->title[j]))
                j--;
            if (j > 0 && text_width(h->title, j) >= 2 * room / 3)
                i = j;
        }
        while (i > 0 && is_blank(h->title[i - 1]))
            i--;
        output_put_text(h->title, i);
        fputs("\xe2\x80\xa6", stdout);
    }
    printf("%s\n%*s%s", reset, INDENT, "", dim);
    output_put_text(h->id, h->id_len);
    printf(" #%u  score %.3f%s\n", h->passage, h->score, reset);
    print_wrapped_snippet(h, color, width);
    for (size_t k = 0; k < h->explain_count; k++) {  /* --explain */
        const cari_explain *e = &h->explain[k];
        printf("%*s%-18s %10.4f x %8.4f = %8.4f\n", INDENT + 2, "", e->name,
               e->value, e->weight, e->value * e->weight);
    }
    putchar('\n');
}

void output_query_error(const char *prog, const char *message,
                        const char *query)
{
    size_t col = 0, i = 0, n = strlen(query), c = 1;
    int width = 0;
    char *shown;
    fprintf(stderr, "%s: %s\n", prog, message);
    if (sscanf(message, "query error at column %zu", &col) != 1 || col == 0)
        return;
    /* the display width of the characters before column col */
    while (i < n && c < col) {
        utf8proc_int32_t cp;
        size_t k = next_char(query + i, n - i, &cp);
        width += is_blank(query[i]) ? 1 : char_width(cp);
        i += k;
        c++;
    }
    /* its control characters as U+FFFD, one column as width counts
     * them (found by review: an escape sequence of the query was sent to
     * the terminal, and the caret stood off its column) */
    shown = output_clean(query, n);
    fprintf(stderr, "  %s\n  %*s^\n", shown ? shown : "", width, "");
    free(shown);
}

/* ------------------------------------------------------------------ */
/* --stats                                                             */
/* ------------------------------------------------------------------ */

int output_stats(cari_index *ix, const char *dir, int json)
{
    cari_index_stats st;
    int manifest = 0, segment = 0;
    char size[32];
    /* one location: the index's own (a shard's), else the -i directory */
    size_t n = cari_index_shard_count(ix);
    const char *where = cari_index_shard(ix, 0, NULL);
    if (!where)
        where = dir;
    /* A server does not report its index's size: the library's bytes
     * count the local shards only, and "0 B" read as a real size (found
     * by review).  So the size is unknown when a searched shard is
     * remote; of the local ones, when some are. */
    size_t remote = 0, local = 0, i;
    for (i = 0; i < n; i++) {
        const char *why, *loc = cari_index_shard(ix, i, &why);
        if (!loc || why)
            continue;  /* left out: counts nothing either way */
        if (strncmp(loc, "tcp://", 6) == 0)
            remote++;
        else
            local++;
    }
    cari_index_get_stats(ix, &st);
    cari_index_format_version(ix, &manifest, &segment);
    if (json) {
        json_t *o = json_pack(
            "{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:i, s:i, "
            "s:s}",
            "index", where, "backend", cari_index_backend(ix), "articles",
            (json_int_t)st.articles, "passages", (json_int_t)st.passages,
            "deleted", (json_int_t)st.deleted, "segments",
            (json_int_t)st.segments, "terms", (json_int_t)st.terms, "bytes",
            (json_int_t)st.bytes, "generation", (json_int_t)st.generation,
            "analyzer", cari_index_analyzer(ix), "manifest_version",
            manifest, "segment_version", segment, "cari_version",
            cari_version());
        char *s;
        if (o && remote &&
            json_object_set_new(o, "bytes", json_null()) != 0) {
            json_decref(o);
            o = NULL;
        }
        if (o && n > 1) {
            /* several shards: their locations, not the unused -i default */
            json_t *list = json_array();
            for (i = 0; list && i < n; i++)
                json_array_append_new(
                    list, json_string(cari_index_shard(ix, i, NULL)));
            if (!list || json_object_set_new(o, "index", list) != 0) {
                json_decref(o);
                o = NULL;
            }
        }
        s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(o);
        if (!s)
            return -1;
        puts(s);
        free(s);
        return 0;
    }
    if (n > 1) {
        /* several shards: their locations, not the unused -i default */
        size_t left_out = 0;
        printf("shards     ");
        for (i = 0; i < n; i++) {
            const char *why;
            printf(" %s", cari_index_shard(ix, i, &why));
            left_out += why != NULL;
        }
        /* --allow-partial: say so, as the search header does */
        if (left_out)
            printf(" (%zu of %zu shards left out)", left_out, n);
        putchar('\n');
    } else
        printf("index       %s\n", where);
    printf("backend     %s\n", cari_index_backend(ix));
    printf("articles    %llu\n", (unsigned long long)st.articles);
    printf("passages    %llu\n", (unsigned long long)st.passages);
    printf("deleted     %llu article%s (until a merge)\n",
           (unsigned long long)st.deleted, st.deleted == 1 ? "" : "s");
    printf("segments    %llu\n", (unsigned long long)st.segments);
    printf("terms       %llu distinct (summed over segments)\n",
           (unsigned long long)st.terms);
    if (!remote)
        printf("size        %s (%llu bytes)\n",
               cli_human_size(st.bytes, size, sizeof size),
               (unsigned long long)st.bytes);
    else if (!local)
        printf("size        unknown (a remote shard does not report it)\n");
    else
        printf("size        unknown (the local shards: %s, %llu bytes; a "
               "remote shard does not report its size)\n",
               cli_human_size(st.bytes, size, sizeof size),
               (unsigned long long)st.bytes);
    printf("generation  %llu\n", (unsigned long long)st.generation);
    printf("analyzer    %s\n", cari_index_analyzer(ix));
    if (manifest)
        printf("format      manifest %d, segment %d (cari %s)\n", manifest,
               segment, cari_version());
    else
        printf("format      %s (cari %s)\n", cari_index_backend(ix),
               cari_version());
    return 0;
}

/* ------------------------------------------------------------------ */
/* --did-you-mean                                                      */
/* ------------------------------------------------------------------ */

/* A JSON string of s[0, n): its invalid UTF-8 bytes (a query may hold
 * them) as U+FFFD, where jansson would refuse the whole string. */
static json_t *json_lossy(const char *s, size_t n)
{
    char *b = malloc(3 * n + 1);  /* a byte becomes 3 at most */
    json_t *j;
    size_t i = 0, o = 0;
    if (!b)
        return NULL;
    while (i < n) {
        utf8proc_int32_t cp;
        size_t k = next_char(s + i, n - i, &cp);
        if (invalid_byte(s + i, k, cp)) {
            memcpy(b + o, "\xef\xbf\xbd", 3);
            o += 3;
        } else {
            memcpy(b + o, s + i, k);
            o += k;
        }
        i += k;
    }
    j = json_stringn(b, o);
    free(b);
    return j;
}

static json_t *suggestions_json(const cari_suggestions *sg,
                                const char *query, int searched)
{
    size_t len, i, j;
    const char *fixed = cari_suggestions_query(sg, &len);
    json_t *o = json_object(), *words = json_array();
    if (!o || !words) {
        json_decref(o);
        json_decref(words);
        return NULL;
    }
    json_object_set_new(o, "did_you_mean", json_lossy(fixed, len));
    json_object_set_new(o, "query", json_lossy(query, strlen(query)));
    json_object_set_new(o, "searched", json_boolean(searched));
    for (i = 0; i < cari_suggestions_count(sg); i++) {
        cari_suggestion w;
        json_t *alts = json_array();
        cari_suggestions_get(sg, i, &w);
        for (j = 0; j < w.count; j++)
            json_array_append_new(
                alts, json_pack("{s:s%, s:I, s:i}", "word",
                                w.alternatives[j], w.alternative_len[j],
                                "df", (json_int_t)w.alternative_df[j],
                                "distance", w.distance[j]));
        json_array_append_new(
            words, json_pack("{s:o, s:I, s:I, s:I, s:o}", "word",
                             json_lossy(w.word, w.word_len), "start",
                             (json_int_t)w.start, "end", (json_int_t)w.end,
                             "df", (json_int_t)w.df, "suggestions", alts));
    }
    json_object_set_new(o, "words", words);
    return o;
}

int output_suggestions(const cari_suggestions *sg, const char *query,
                       int searched, int format)
{
    size_t len;
    const char *fixed = cari_suggestions_query(sg, &len);
    if (!fixed)
        return 0;
    if (format == FMT_JSON) {
        json_t *o = suggestions_json(sg, query, searched);
        char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(o);
        if (!s)
            return -1;
        puts(s);
        free(s);
        return 0;
    }
    {
        /* the queries as text prints them (control characters as U+FFFD) */
        char *q = output_clean(query, strlen(query));
        char *f = output_clean(fixed, len);
        if (!q || !f) {
            free(q);
            free(f);
            return -1;
        }
        if (searched)
            fprintf(format == FMT_TEXT ? stdout : stderr,
                    "%sno passages match \"%s\"; showing passages for "
                    "\"%s\"\n",
                    format == FMT_TEXT ? "" : "cari-search: ", q, f);
        else
            fprintf(format == FMT_TEXT ? stdout : stderr,
                    "%sdid you mean \"%s\"?\n",
                    format == FMT_TEXT ? "" : "cari-search: ", f);
        free(q);
        free(f);
    }
    return 0;
}
