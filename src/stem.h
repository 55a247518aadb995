/*
 * stem.h -- the Indonesian word stemmer inside libcari (internal header).
 *
 * Snowball "indonesian" (libstemmer) is the engine; a root dictionary read
 * from Debian's hunspell-id at build time guards it: words that are roots
 * stay whole (berita, masalah, sekolah), affixed forms are analysed against
 * the dictionary and its affix rules (menulis -> tulis, pengiriman -> kirim,
 * mempercepat -> cepat), and Snowball only answers for words the dictionary
 * knows nothing about.  Hyphenated words (reduplication, compounds) have
 * their own entry point.
 *
 * A cari_stemmer is not thread-safe: use one per thread.  Every function
 * accepts any bytes; nothing here prints, exits or aborts.
 */
#ifndef CARI_STEM_H
#define CARI_STEM_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) && !defined(CARI_INTERNAL)
#define CARI_INTERNAL __attribute__((visibility("hidden")))
#elif !defined(CARI_INTERNAL)
#define CARI_INTERNAL
#endif

typedef struct cari_stemmer cari_stemmer;

/* Words longer than this many bytes are returned unchanged by
 * cari_stemmer_stem(): no Indonesian word is (the longest affixed forms,
 * ketidakbertanggungjawabannya, have under 30 letters). */
#define CARI_STEM_MAX_WORD 64

/*
 * Create a stemmer.  Returns 0 and sets *out, or -1 when memory (or the
 * Snowball module) cannot be had, with *out set to NULL.
 */
CARI_INTERNAL int cari_stemmer_new(cari_stemmer **out);

/* Free a stemmer; accepts NULL. */
CARI_INTERNAL void cari_stemmer_free(cari_stemmer *s);

/*
 * Stem one word.  word: lowercase, accent-folded UTF-8, letters only (no '-',
 * no digits), len bytes, not NUL-terminated.  Writes the root to out and
 * returns its length in bytes, like snprintf: when the length is >= cap the
 * root was cut to cap - 1 bytes (possibly inside a UTF-8 sequence) and
 * NUL-terminated; with cap == 0 nothing is written.  A word that is not
 * stemmed (unknown, not ASCII, longer than CARI_STEM_MAX_WORD) comes back
 * unchanged.  The root is never longer than the word, so cap >= len + 1 is
 * always enough.
 */
CARI_INTERNAL size_t cari_stemmer_stem(cari_stemmer *s, const char *word, size_t len, char *out,
                                       size_t cap);

/* Terms to index for one hyphenated word. */
#define CARI_STEM_MAX_TERMS 8
#define CARI_STEM_TERMS_BYTES 256

typedef enum cari_stem_hyphen_kind {
    CARI_STEM_SINGLE = 0,        /* no usable hyphen: stemmed like a plain word */
    CARI_STEM_REDUPLICATION = 1, /* anak-anak, anak-anaknya, sehari-hari, meniru-nirukan: one root */
    CARI_STEM_COMPOUND = 2,      /* bolak-balik, kupu-kupu, e-ktp, covid-19, non-migas: whole + parts */
    CARI_STEM_PREFIXED = 3       /* di-phk, se-indonesia: a prefix hyphenated to a word: its root */
} cari_stem_hyphen_kind;

typedef struct cari_stem_terms {
    size_t count;               /* terms, 0 only for input without any letter or digit */
    cari_stem_hyphen_kind kind;
    struct {
        uint16_t offset;        /* into buf; each term is NUL-terminated there */
        uint16_t len;
    } term[CARI_STEM_MAX_TERMS];
    char buf[CARI_STEM_TERMS_BYTES];
} cari_stem_terms;

/*
 * Terms for a hyphenated word ("anak-anak", "anak-anaknya", "sehari-hari",
 * "meniru-nirukan", "bolak-balik", "kupu-kupu", "e-ktp", "covid-19",
 * "di-phk"): lowercase, parts joined by '-', may contain digits; len bytes.
 * term[0] is the primary term, the one to use when only one is wanted (the
 * root of a reduplication, the whole of a compound); the others are the
 * parts, stemmed where they are words, to index at the same position.
 * Terms are unique.  Clitic parts ("kopian-ku", "allah-lah") are dropped.
 * Parts of one letter (the "e" of e-ktp) are not terms of their own, one
 * digit is (the "2" of ke-2); nor is a bare prefix (the "ke" of ke-2).  A
 * word after one letter or a bound form (cari_stemmer_bound_form) also gives
 * the two joined, stemmed (e-ktp: ektp; non-migas: nonmigas).  Input
 * without '-' is stemmed as one word.  Input longer than the buffer holds is
 * returned as one term cut to CARI_STEM_TERMS_BYTES - 1 bytes.
 * Returns 0; -1 for NULL arguments.
 */
CARI_INTERNAL int cari_stemmer_hyphenated(cari_stemmer *s, const char *word, size_t len,
                                          cari_stem_terms *out);

/* Whether p[0..n) is a bound form that Indonesian writes joined to the
 * next word and news also hyphenated or apart: non, anti, pasca, pra,
 * antar, multi, sub, nir (nonmigas, non-migas, non migas). */
CARI_INTERNAL int cari_stemmer_bound_form(const char *p, size_t n);

/* Whether the exact word (lowercase, accent-folded, may hold '-') is a word
 * of the root dictionary (not merely a form derived from one). */
CARI_INTERNAL int cari_stemmer_is_root(const cari_stemmer *s, const char *word, size_t len);

/* Where the word splits into two words of the root dictionary, each of
 * at least min_part bytes (ibukota: 3, ibu + kota): the first split point
 * after `after` (0 for the first), or 0 when there is none. */
CARI_INTERNAL size_t cari_stemmer_root_split(const char *word, size_t len, size_t min_part,
                                             size_t after);

/* A short string that changes whenever behaviour changes: the algorithm
 * version and a checksum of the dictionary; owned by s. */
CARI_INTERNAL const char *cari_stemmer_signature(const cari_stemmer *s);

#endif
