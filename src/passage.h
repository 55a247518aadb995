/*
 * passage.h -- splits an article's text into passages (byte ranges).
 * Internal to libcari.
 */
#ifndef CARI_PASSAGE_H
#define CARI_PASSAGE_H

#include <stddef.h>
#include <stdint.h>

typedef struct cari_passage_params {
    int target_words;  /* cut long paragraphs near this many words */
    int max_words;     /* paragraphs longer than this are cut */
    int min_words;     /* passages shorter than this join a neighbour */
} cari_passage_params;

/* Defaults; see passage.c for where they come from.  Experiments build
 * with -DCARI_PASSAGE_PARAMS_INIT='{t,m,n}' (bench/ only: an index does
 * not record them). */
#ifndef CARI_PASSAGE_PARAMS_INIT
#define CARI_PASSAGE_PARAMS_INIT {100, 150, 20}
#endif

typedef struct cari_span32 {
    uint32_t start, end;
} cari_span32;

typedef struct cari_spanvec {
    cari_span32 *items;
    size_t len, cap;
} cari_spanvec;

void cari_spanvec_free(cari_spanvec *v);

/*
 * Split text[0..len) into passages, in order, into out (cleared first):
 * paragraphs (separated by blank lines) first; a paragraph longer than
 * max_words is cut at sentence ends near target_words (or, for one endless
 * sentence, at a word boundary); a passage shorter than min_words is merged
 * into its neighbour.  Ranges are trimmed of surrounding white space.  Empty
 * text gives one empty passage, so every article has at least one.
 * Returns 0 or CARI_ENOMEM.
 */
int cari_split_passages(const char *text, size_t len,
                        const cari_passage_params *params, cari_spanvec *out);

#endif
