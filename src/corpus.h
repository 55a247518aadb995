/*
 * corpus.h -- internal extras of the input readers (the reader itself is
 * public: include/cari.h).
 */
#ifndef CARI_CORPUS_H
#define CARI_CORPUS_H

#include "cari.h"

/* Tests: parse every JSON Lines record with jansson, bypassing the fast
 * path, so the two can be compared. */
void cari_reader_use_jansson_only(cari_reader *r);

#endif
