/*
 * test_article.h -- an article from three strings, for the tests that
 * add articles (unit tests through test_util.h, fuzz targets through
 * fuzz_util.h).  No other fields are set.
 */
#ifndef CARI_TEST_ARTICLE_H
#define CARI_TEST_ARTICLE_H

#include <string.h>

#include "cari.h"

static inline cari_article test_article(const char *id, const char *title,
                                        const char *text)
{
    cari_article a;
    memset(&a, 0, sizeof a);
    a.id = id;
    a.id_len = strlen(id);
    a.title = title;
    a.title_len = strlen(title);
    a.text = text;
    a.text_len = strlen(text);
    return a;
}

#endif
