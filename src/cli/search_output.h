/*
 * search_output.h -- how cari-search prints what it found, beyond the
 * default formats: the fields of JSON and TSV output (--fields), text for
 * an 80-column terminal, the index's statistics (--stats) and spelling
 * suggestions (--did-you-mean).  Public API of libcari only, plus jansson
 * and utf8proc.  docs/JSON.md documents every field.
 */
#ifndef CARI_SEARCH_OUTPUT_H
#define CARI_SEARCH_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cari.h"

/* Output formats. */
enum { FMT_TEXT, FMT_JSON, FMT_TSV };

/* The valid --fields names, comma-separated (for messages and --help). */
extern const char output_field_names[];

/*
 * Parse a --fields list ("id,score,title").  0 on success; -1 when a name
 * is unknown (msg, cap bytes, says which) or the list is empty.  Repeated
 * names count once; output follows the list's order.
 */
int output_set_fields(const char *list, char *msg, size_t cap);

/* 1 when --fields was given. */
int output_has_fields(void);

/* The CARI_SEARCH_SNIPPETS / CARI_SEARCH_STORED flags the chosen fields
 * need (both when no --fields was given), and CARI_SEARCH_EXPLAIN when
 * they name explain. */
unsigned output_search_flags(void);

/* The format JSON objects are printed in: FMT_JSON or FMT_TSV. */
void output_set_format(int format);

/* The total-hits estimate of the query being printed ("total"). */
void output_set_total(uint64_t total);

/*
 * Print a hit given as the JSON object of every default field: the chosen
 * fields (all by default, plus "total"; "text" only when chosen), as one
 * JSON line or one TSV line.  Takes the reference to o.  0, or -1 when out
 * of memory.
 */
int output_hit(json_t *o, const cari_hit *h);

/*
 * The same for the default JSON line (no --fields, no explain), written
 * directly, the same bytes: 0, -1 on a write error or when out of memory,
 * or 1 when the hit is not for this (other fields or format, a string
 * that is not UTF-8, a score that is not finite): build the object and
 * call output_hit().
 */
int output_json_line(const cari_hit *h, size_t rank, long qno);

/*
 * A hit as text for a terminal of `width` columns (0: no wrapping): rank
 * and title (cut with "…" when too long), id, passage and score, and the
 * snippet wrapped at word boundaries by display width, indented by three
 * columns.  Matches are highlighted with ANSI colour when color is set,
 * with [brackets] otherwise.
 */
void output_text_hit(const cari_hit *h, size_t rank, int color, int width);

/* Print s[0, n) as a text or TSV field: tabs and line breaks as spaces,
 * an invalid byte or another control character (C0, DEL, C1: escape
 * sequences) as U+FFFD, so that nothing of an indexed article's reaches a
 * terminal as a command. */
void output_put_text(const char *s, size_t n);

/* A copy of s[0, n) as output_put_text() prints it, NUL-terminated, for
 * the caller to free (NULL when out of memory): how a query is echoed. */
char *output_clean(const char *s, size_t n);

/* The width text output wraps at: $COLUMNS when set, else 80. */
int output_text_width(void);

/*
 * --stats: what the index in dir holds, as text or (json) one JSON object
 * (docs/JSON.md).  0, or -1 on a write error.
 */
int output_stats(cari_index *ix, const char *dir, int json);

/*
 * A query that does not parse: the library's message ("query error at
 * column N: ...") on standard error, then the query and a caret under
 * column N (by display width).
 */
void output_query_error(const char *prog, const char *message,
                        const char *query);

/*
 * --did-you-mean: print the corrections of query (sg) in format: text, a
 * line on standard output; json, one JSON object (docs/JSON.md); tsv, a
 * line on standard error.  searched: the hits that follow are those of the
 * corrected query.  0, or -1 when out of memory.
 */
int output_suggestions(const cari_suggestions *sg, const char *query,
                       int searched, int format);

#endif
