/*
 * stem.c -- Indonesian word morphology: the stemmer behind the analyzer.
 *
 * Owns the choice of a word's root.  Snowball "indonesian" is the engine for
 * words the root dictionary (hunspell-id, see stem_dict.h) knows nothing
 * about; the dictionary guards everything else:
 *   1. a few lexicalised function words are kept whole (a fixed list below);
 *   2. a word that is itself a root stays whole (berita, masalah, sekolah);
 *   3. otherwise clitics (-lah -kah -tah -pun, -ku -mu -nya) and derivational
 *      suffixes (-kan -an -i) are peeled off in every possible way, and
 *      prefixes (di- ke- se- ku- kau- ber- ter- per- meN- peN-, up to three
 *      deep) are stripped with their sound changes undone (menulis -> tulis,
 *      pengiriman -> kirim, menyapu -> sapu); every remainder that is a root,
 *      or a form the dictionary's affix rules derive from a root, is a
 *      candidate, and the cheapest candidate wins (few and licensed affixes,
 *      long roots: "prefer the less stripped root");
 *   4. no candidate: Snowball's answer.
 * Hyphenated words (reduplication, compounds) are handled at the end.
 */
#include "stem.h"

#include <libstemmer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stem_dict.h"

/* Bump whenever a rule or constant below changes what a word stems to. */
#define STEM_ALGORITHM_VERSION "cari-stem-3"

struct cari_stemmer {
    struct sb_stemmer *snowball;
    char signature[64];
};

/* ---- the dictionary ---- */

/* A dictionary record (layout in stem_dict.h), or NULL. */
typedef const unsigned char *record;

static size_t record_len(record r)
{
    return r[0];
}

static const char *record_key(record r)
{
    return (const char *)r + CARI_STEM_DICT_RECORD_HEADER;
}

static uint32_t record_first_derivation(record r)
{
    return (uint32_t)r[4] | (uint32_t)r[5] << 8 | (uint32_t)r[6] << 16 | (uint32_t)r[7] << 24;
}

static record dict_lookup(const char *key, size_t len)
{
    if (len == 0 || len > 255)
        return NULL;
    uint32_t hash = cari_stem_dict_hash(key, len);
    uint32_t fingerprint = CARI_STEM_DICT_FINGERPRINT(hash);
    uint32_t h = hash & cari_stem_dict_slot_mask;
    for (;;) {
        uint32_t slot = cari_stem_dict_slots[h];
        if (slot == 0)
            return NULL;
        if ((slot & ~CARI_STEM_DICT_INDEX_MASK) == fingerprint) {
            record r = cari_stem_dict_records + (slot & CARI_STEM_DICT_INDEX_MASK) - 1;
            if (record_len(r) == len) {
                const char *k = record_key(r);
                size_t i = 0;
                while (i < len && k[i] == key[i])
                    i++;
                if (i == len)
                    return r;
            }
        }
        h = (h + 1) & cari_stem_dict_slot_mask;
    }
}

/* Proper nouns of the dictionary (Allah, April) count as roots: leaving
 * them out changed nothing on the tuning half, and they must not be cut. */
static int entry_is_root(record r)
{
    return r && (r[1] & CARI_STEM_DICT_ROOT);
}

int cari_stemmer_is_root(const cari_stemmer *s, const char *word, size_t len)
{
    (void)s;
    return word && entry_is_root(dict_lookup(word, len));
}

size_t cari_stemmer_root_split(const char *word, size_t len, size_t min_part,
                               size_t after)
{
    size_t i = after + 1 > min_part ? after + 1 : min_part;
    if (!word || min_part == 0)
        return 0;
    for (; i + min_part <= len; i++)
        if (entry_is_root(dict_lookup(word, i)) &&
            entry_is_root(dict_lookup(word + i, len - i)))
            return i;
    return 0;
}

/* Whether w[0..len) ends with the n bytes of tail (a short literal). */
static int ends_with(const char *w, size_t len, const char *tail, size_t n)
{
    if (len < n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (w[len - n + i] != tail[i])
            return 0;
    return 1;
}

/* ---- lexicalised words ---- */

typedef struct word_entry {
    const char *text;
    size_t len;
} word_entry;
#define W(literal) {literal, sizeof literal - 1}

/*
 * Function words whose affixes are frozen: the affixed form is its own word
 * in every grammar of Indonesian (and in KBBI) and means something its root
 * does not, so searching one should not find the other.  Each is listed
 * for that reason, not because of any test file:
 *   adalah, ialah      copulas (ada "there is" + -lah)
 *   merupakan          copula "constitutes" (rupa "shape")
 *   sebagai            preposition "as" (bagai "like")
 *   secara             adverbialiser "in a ... way" (cara "way")
 *   setelah, sesudah   "after" (telah, sudah "already")
 *   sebelum            "before" (belum "not yet")
 *   selama, semenjak   "during", "since" (lama "long", menjak)
 *   sedangkan          "whereas" (sedang "moderate, -ing")
 *   sehingga           "so that" (hingga "until")
 *   seperti            "like" (perti: no such word)
 *   setiap             "every" (tiap, same meaning, but a distinct form in use)
 *   semakin            "increasingly" (makin)
 *   terhadap           "towards" (hadap "face")
 *   berbagai           "various" (bagai)
 *   bagaimana          "how"
 *   kepada, daripada   prepositions (pada)
 *   pemilu, pilkada, pilpres, pileg   acronyms that look affixed (pemilihan umum ...)
 *   pemda, pemkot, pemkab, pemprov    acronyms (pemerintah daerah/kota/kabupaten/provinsi)
 */
static const word_entry frozen_words[] = {
    W("adalah"), W("ialah"), W("merupakan"), W("sebagai"), W("secara"), W("setelah"),
    W("sesudah"), W("sebelum"), W("selama"), W("semenjak"), W("sedangkan"), W("sehingga"),
    W("seperti"), W("setiap"), W("semakin"), W("terhadap"), W("berbagai"), W("bagaimana"),
    W("kepada"), W("daripada"), W("pemilu"), W("pilkada"), W("pilpres"), W("pileg"), W("pemda"),
    W("pemkot"), W("pemkab"), W("pemprov"),
    {NULL, 0},
};

static const char *in_list(const word_entry *list, const char *w, size_t len)
{
    for (size_t i = 0; list[i].text; i++)
        if (list[i].len == len && list[i].text[0] == w[0] && memcmp(list[i].text, w, len) == 0)
            return list[i].text;
    return NULL;
}

static int is_frozen(const char *w, size_t len)
{
    return len >= 4 && in_list(frozen_words, w, len) != NULL;
}

/* Cardinal numerals: ke- + numeral is an ordinal (kedua "second"), a word of
 * its own; se- + numeral counts (sepuluh "ten" is itself a numeral). */
static const word_entry numerals[] = {
    W("satu"), W("dua"), W("tiga"), W("empat"), W("lima"), W("enam"), W("tujuh"), W("delapan"),
    W("sembilan"), W("sepuluh"), W("sebelas"), W("seratus"), W("seribu"), W("puluh"),
    W("belas"), W("ratus"), W("ribu"), W("juta"),
    {NULL, 0},
};

static int is_numeral(const char *w, size_t len)
{
    return len >= 3 && in_list(numerals, w, len) != NULL;
}

/*
 * Roots the dictionary lacks: words that are bases in modern Indonesian
 * (KBBI has them as entries) and that affixes attach to.
 *   mulai                    memulai, dimulai, permulaan
 *   sepuluh sebelas seratus seribu   numerals (kesepuluh, sepersepuluh)
 */
static const word_entry extra_roots[] = {
    W("mulai"), W("sepuluh"), W("sebelas"), W("seratus"), W("seribu"),
    {NULL, 0},
};
#define EXTRA_ROOT_CLASSES 8 /* as productive as a common dictionary root */

static const char *extra_root(const char *w, size_t len)
{
    if (len < 5 || (w[0] != 'm' && w[0] != 's'))
        return NULL;
    return in_list(extra_roots, w, len);
}

/* ---- candidate search ---- */

/* Prefix kinds, a bit each, to keep a chain from repeating one. */
enum {
    P_DI = 1 << 0, P_KE = 1 << 1, P_SE = 1 << 2, P_BER = 1 << 3, P_TER = 1 << 4,
    P_PER = 1 << 5, P_MEN = 1 << 6, P_PEN = 1 << 7, P_KU = 1 << 8,
};

/* Derivational suffixes. */
enum { S_NONE = 0, S_AN, S_I, S_KAN };

/*
 * Costs of an analysis: lower wins.  Tuned on the tuning half of
 * stem_gold.tsv (bench/stem_eval --split tune); see docs/stemmer.md.
 */
#ifndef COST_AFFIX
#define COST_AFFIX 10          /* each affix our own rules strip */
#endif
#ifndef COST_LICENSED
#define COST_LICENSED 4        /* each affix the .aff rules license for that root */
#endif
#ifndef COST_PARTICLE
#define COST_PARTICLE 5        /* -lah -kah -tah -pun */
#endif
#ifndef COST_POSSESSIVE
#define COST_POSSESSIVE 2      /* -nya -ku -mu */
#endif
#ifndef COST_RECODED
#define COST_RECODED 1         /* a sound change undone (menulis -> tulis) */
#endif
#ifndef COST_LOOSE_PE
#define COST_LOOSE_PE 3        /* pe- before a consonant other than l m n r w y (petani) */
#endif
#ifndef COST_BAD_CONFIX
#define COST_BAD_CONFIX 25     /* an affix pair Indonesian does not combine (di-...-an) */
#endif
#ifndef COST_SHORT_ROOT
#define COST_SHORT_ROOT 15     /* a root of under 3 letters */
#endif
#ifndef COST_SNOWBALL
#define COST_SNOWBALL 30       /* Snowball's root when our own rules found nothing better */
#endif
#ifndef KEEP_SE
#define KEEP_SE 1
#endif
#ifndef BONUS_EXTRA_ROOT
#define BONUS_EXTRA_ROOT 3     /* an extra root (mulai) beats the dictionary's shorter one */
#endif

#define MAX_DEPTH 3

typedef struct search {
    const char *word;
    size_t len;
    const char *best;       /* a dictionary key or an extra root; NULL: none yet */
    size_t best_len;
    unsigned best_classes;
    int best_cost;
    size_t keep_end;        /* the word less its particles: what a frozen se- form keeps */
} search;

/* A candidate root; ties go to the root that takes more affix classes in
 * the dictionary (a productive, common word: beradu -> adu, not radu), then
 * to the longer root. */
static void consider_root(search *st, const char *root, size_t len, unsigned classes, int cost)
{
    if (len < 3)
        cost += COST_SHORT_ROOT;
    if (!st->best || cost < st->best_cost ||
        (cost == st->best_cost &&
         (classes > st->best_classes || (classes == st->best_classes && len > st->best_len)))) {
        st->best = root;
        st->best_len = len;
        st->best_classes = classes;
        st->best_cost = cost;
    }
}

static void consider(search *st, record r, int cost)
{
    if (r)
        consider_root(st, record_key(r), record_len(r), r[2], cost);
}

/* A stem found: a root itself, or a derived form of roots. */
static void found(search *st, const char *s, size_t len, int cost)
{
    record e = dict_lookup(s, len);
    if (!e) {
        const char *extra = extra_root(s, len);
        if (extra)
            consider_root(st, extra, len, EXTRA_ROOT_CLASSES, cost - BONUS_EXTRA_ROOT);
        return;
    }
    if (entry_is_root(e))
        consider(st, e, cost);
    if (e[1] & CARI_STEM_DICT_FORM) {
        uint32_t first = record_first_derivation(e);
        for (uint32_t i = 0; i < e[3]; i++) {
            const cari_stem_dict_derivation *d = &cari_stem_dict_derivations[first + i];
            int affixes = (d->prefix_len > 0) + (d->suffix_len > 0);
            consider(st, cari_stem_dict_records + d->root, cost + affixes * COST_LICENSED);
        }
    }
}

static int is_vowel(char c)
{
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

static int is_consonant(char c)
{
    return c >= 'a' && c <= 'z' && !is_vowel(c);
}

static int in_set(char c, const char *set)
{
    for (; *set; set++)
        if (*set == c)
            return 1;
    return 0;
}

/* Confix pairs Indonesian does not combine (standard grammar; also the
 * "disallowed prefix-suffix combinations" of Nazief & Adriani's stemmer). */
static int bad_confix(unsigned prefix, int suffix)
{
    switch (prefix) {
    case P_BER: return suffix == S_I;
    case P_DI: return suffix == S_AN;
    case P_KE: return suffix == S_I || suffix == S_KAN;
    case P_MEN: return suffix == S_AN;
    case P_SE: return suffix == S_I || suffix == S_KAN;
    case P_TER: return suffix == S_AN;
    default: return 0;
    }
}

static void strip_prefixes(search *st, const char *s, size_t len, int depth, int cost, unsigned used,
                           int suffix);

/* One prefix stripped: remainder = restore + s[skip..len). */
static void try_prefix(search *st, const char *s, size_t len, size_t skip, char restore,
                       unsigned kind, int extra, int depth, int cost, unsigned used, int suffix)
{
    if (skip >= len)
        return;
    size_t rlen = len - skip + (restore != 0);
    if (rlen < 2 || rlen > CARI_STEM_MAX_WORD)
        return;
    if (used & kind)
        return;
    /* di-, meN-, ku-/kau- only begin a word; se-, ke-, peN- come first or second */
    if (depth > 0 && (kind & (P_DI | P_MEN | P_KU)))
        return;
    if (depth > 1 && (kind & (P_SE | P_KE | P_PEN)))
        return;
    char r[CARI_STEM_MAX_WORD + 1];
    size_t n = 0;
    if (restore)
        r[n++] = restore;
    memcpy(r + n, s + skip, len - skip);
    n += len - skip;
    int c = cost + COST_AFFIX + extra + (restore ? COST_RECODED : 0);
    if (depth == 0 && bad_confix(kind, suffix))
        c += COST_BAD_CONFIX;
#if KEEP_SE
    /* se- on a bare root makes a word of its own: sebesar "as big as",
     * sejenis "of a kind", sebenarnya "actually" (the confix se-...-nya) */
    if (kind == P_SE && depth == 0 && suffix == S_NONE && (KEEP_SE == 1 || st->keep_end > len)) {
        record e = dict_lookup(r, n);
        if (entry_is_root(e) || extra_root(r, n))
            consider_root(st, st->word, st->keep_end, 0, c - COST_AFFIX);
        return;
    }
#endif
    /* ke- + numeral is an ordinal, a word of its own: keduanya -> kedua */
    if (kind == P_KE && depth == 0 && suffix == S_NONE && is_numeral(r, n)) {
        consider_root(st, s, len, 0, c - COST_AFFIX);
        return;
    }
    if (st->best && c > st->best_cost)
        return; /* cannot win: every deeper analysis costs more still */
    found(st, r, n, c);
    if (depth + 1 < MAX_DEPTH && n >= 4)
        strip_prefixes(st, r, n, depth + 1, c, used | kind, suffix);
}

/* meN- (lead "me") and peN- (lead "pe") share their sound changes. */
static void nasal_prefix(search *st, const char *s, size_t len, unsigned kind, int depth, int cost,
                         unsigned used, int suffix)
{
    if (len < 5)
        return;
    char c2 = s[2], c3 = s[3], c4 = len > 4 ? s[4] : 0;
    /* me- before l m n r w y (and so before ng-, ny-): melipat, menyanyi, memakan */
    if (in_set(c2, "lmnrwy"))
        try_prefix(st, s, len, 2, 0, kind, 0, depth, cost, used, suffix);
    if (c2 == 'm') {
        if (in_set(c3, "bfvp")) /* membangun; memproteksi (p kept before a cluster) */
            try_prefix(st, s, len, 3, 0, kind, 0, depth, cost, used, suffix);
        if (is_vowel(c3)) /* memukul <- pukul */
            try_prefix(st, s, len, 3, 'p', kind, 0, depth, cost, used, suffix);
    }
    if (c2 == 'n') {
        if (in_set(c3, "cdjzts")) /* mencinta, mendua, menziarah; mentaati, mensyaratkan */
            try_prefix(st, s, len, 3, 0, kind, 0, depth, cost, used, suffix);
        if (is_vowel(c3)) /* menulis <- tulis */
            try_prefix(st, s, len, 3, 't', kind, 0, depth, cost, used, suffix);
        if (c3 == 'g') {
            if (in_set(c4, "ghkqx") || is_vowel(c4)) /* menggila, menghajar, mengkritik, mengambil */
                try_prefix(st, s, len, 4, 0, kind, 0, depth, cost, used, suffix);
            if (is_vowel(c4)) /* mengupas <- kupas */
                try_prefix(st, s, len, 4, 'k', kind, 0, depth, cost, used, suffix);
            if (c4 == 'e' && len > 6 && is_consonant(s[5])) /* mengebom: one-syllable roots */
                try_prefix(st, s, len, 5, 0, kind, 0, depth, cost, used, suffix);
        }
        if (c3 == 'y' && is_vowel(c4)) /* menyapu <- sapu */
            try_prefix(st, s, len, 4, 's', kind, 0, depth, cost, used, suffix);
    }
}

static void strip_prefixes(search *st, const char *s, size_t len, int depth, int cost, unsigned used,
                           int suffix)
{
    if (len < 4)
        return;
    char c0 = s[0], c1 = s[1], c2 = s[2], c3 = s[3];
    char c4 = len > 4 ? s[4] : 0;
    if (c0 == 'd' && c1 == 'i')
        try_prefix(st, s, len, 2, 0, P_DI, 0, depth, cost, used, suffix);
    if (c0 == 'k' && c1 == 'e')
        try_prefix(st, s, len, 2, 0, P_KE, 0, depth, cost, used, suffix);
    if (c0 == 's' && c1 == 'e')
        try_prefix(st, s, len, 2, 0, P_SE, 0, depth, cost, used, suffix);
    if (c0 == 'k' && c1 == 'u')
        try_prefix(st, s, len, 2, 0, P_KU, 0, depth, cost, used, suffix);
    if (c0 == 'k' && c1 == 'a' && c2 == 'u' && len > 5)
        try_prefix(st, s, len, 3, 0, P_KU, 0, depth, cost, used, suffix);
    /* ber-, ter-, per-: be-/te-/pe- before r (berambut), and before a first
     * syllable in -er (bekerja, beternak, peserta); bel-/pel- in belajar */
    static const struct { char lead; unsigned kind; } rlike[] = {{'b', P_BER}, {'t', P_TER}, {'p', P_PER}};
    for (size_t i = 0; i < 3; i++) {
        if (c0 != rlike[i].lead || c1 != 'e')
            continue;
        if (c2 == 'r') {
            try_prefix(st, s, len, 3, 0, rlike[i].kind, 0, depth, cost, used, suffix);
            try_prefix(st, s, len, 2, 0, rlike[i].kind, 0, depth, cost, used, suffix);
        } else if (is_consonant(c2) && c3 == 'e' && c4 == 'r') {
            try_prefix(st, s, len, 2, 0, rlike[i].kind, 0, depth, cost, used, suffix);
        }
        if (c2 == 'l' && rlike[i].kind != P_TER && len >= 7 && memcmp(s + 3, "ajar", 4) == 0)
            try_prefix(st, s, len, 3, 0, rlike[i].kind, 0, depth, cost, used, suffix);
    }
    if (c0 == 'm' && c1 == 'e')
        nasal_prefix(st, s, len, P_MEN, depth, cost, used, suffix);
    if (c0 == 'p' && c1 == 'e') {
        nasal_prefix(st, s, len, P_PEN, depth, cost, used, suffix);
        /* pe- as the agent of ber- verbs: petani, pedagang, pekerja */
        if (is_consonant(c2) && !in_set(c2, "lmnrwy"))
            try_prefix(st, s, len, 2, 0, P_PEN, COST_LOOSE_PE, depth, cost, used, suffix);
    }
}

static void search_word(search *st, const char *w, size_t len)
{
    static const struct { const char *text; size_t len; } particles[] = {
        {"lah", 3}, {"kah", 3}, {"tah", 3}, {"pun", 3}};
    static const struct { const char *text; size_t len; } possessives[] = {{"nya", 3}, {"ku", 2}, {"mu", 2}};
    /* every (particle?, possessive?) clitic split; clitics cost nothing */
    size_t clitic_ends[8];
    int clitic_cost[8];
    size_t clitic_keep[8]; /* se-...-nya keeps its -nya */
    size_t n_ends = 0;
    clitic_ends[n_ends] = len;
    clitic_keep[n_ends] = len;
    clitic_cost[n_ends++] = 0;
    for (size_t i = 0; i < 4; i++) {
        size_t pl = particles[i].len;
        if (len >= pl + 3 && ends_with(w, len, particles[i].text, pl)) {
            clitic_ends[n_ends] = len - pl;
            clitic_keep[n_ends] = len - pl;
            clitic_cost[n_ends++] = COST_PARTICLE;
        }
    }
    size_t n_particle_ends = n_ends;
    for (size_t k = 0; k < n_particle_ends; k++) {
        size_t end = clitic_ends[k];
        for (size_t i = 0; i < 3; i++) {
            size_t pl = possessives[i].len;
            if (end >= pl + 3 && ends_with(w, end, possessives[i].text, pl) && n_ends < 8) {
                clitic_ends[n_ends] = end - pl;
                clitic_keep[n_ends] = i == 0 ? end : end - pl;
                clitic_cost[n_ends++] = clitic_cost[k] + COST_POSSESSIVE;
            }
        }
    }
    /* dwipurwa, the reduplicated first syllable: rerata, lelembut, tetamu */
    if (len >= 6 && w[1] == 'e' && w[0] == w[2] && is_consonant(w[0]))
        found(st, w + 2, len - 2, COST_AFFIX);
    static const struct { const char *text; size_t len; int kind; } derivational[] = {
        {"kan", 3, S_KAN}, {"an", 2, S_AN}, {"i", 1, S_I}};
    /* Costs only grow as affixes are stripped, so the direct look-ups go
     * first and prefix stripping stops where it cannot beat the best. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t k = 0; k < n_ends; k++) {
            size_t end = clitic_ends[k];
            int cost = clitic_cost[k];
            st->keep_end = clitic_keep[k];
            if (pass == 0)
                found(st, w, end, cost);
            else
                strip_prefixes(st, w, end, 0, cost, 0, S_NONE);
            for (size_t i = 0; i < 3; i++) {
                size_t dl = derivational[i].len;
                if (end < dl + 3 || !ends_with(w, end, derivational[i].text, dl))
                    continue;
                if (pass == 0)
                    found(st, w, end - dl, cost + COST_AFFIX);
                else
                    strip_prefixes(st, w, end - dl, 0, cost + COST_AFFIX, 0, derivational[i].kind);
            }
        }
    }
}

/* Whether w begins like an affixed Indonesian word: di-, ter-, ber-, meN-, peN-, ke-. */
static int has_prefix_shape(const char *w, size_t len)
{
    static const char *const leads[] = {"di", "ter", "ber", "me", "pe", "ke", NULL};
    for (size_t i = 0; leads[i]; i++) {
        size_t n = strlen(leads[i]);
        if (len > n + 4 && memcmp(w, leads[i], n) == 0)
            return 1;
    }
    return 0;
}

/* ---- the public calls ---- */

int cari_stemmer_new(cari_stemmer **out)
{
    if (!out)
        return -1;
    *out = NULL;
    cari_stemmer *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    s->snowball = sb_stemmer_new("indonesian", "UTF_8");
    if (!s->snowball) {
        free(s);
        return -1;
    }
    /* the tuning constants can be overridden at build time (-DCOST_AFFIX=...):
     * they are part of the behaviour, so of the signature */
    char knobs[128];
    snprintf(knobs, sizeof knobs, "%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d", COST_AFFIX, COST_LICENSED,
             COST_PARTICLE, COST_POSSESSIVE, COST_RECODED, COST_LOOSE_PE, COST_BAD_CONFIX,
             COST_SHORT_ROOT, COST_SNOWBALL, BONUS_EXTRA_ROOT, KEEP_SE);
    snprintf(s->signature, sizeof s->signature, "%s.%04x/%s", STEM_ALGORITHM_VERSION,
             (unsigned)(cari_stem_dict_hash(knobs, strlen(knobs)) & 0xffff), cari_stem_dict_checksum);
    *out = s;
    return 0;
}

void cari_stemmer_free(cari_stemmer *s)
{
    if (!s)
        return;
    sb_stemmer_delete(s->snowball);
    free(s);
}

const char *cari_stemmer_signature(const cari_stemmer *s)
{
    return s ? s->signature : STEM_ALGORITHM_VERSION;
}

static size_t emit(const char *root, size_t len, char *out, size_t cap)
{
    if (cap > 0) {
        size_t n = len < cap ? len : cap - 1;
        if (out != root)
            memmove(out, root, n);
        out[n] = '\0';
    }
    return len;
}

/* Stem into a buffer of at least len + 1 bytes; returns the root's length. */
static size_t stem_word(cari_stemmer *s, const char *w, size_t len, char *out)
{
    if (len == 0 || len > CARI_STEM_MAX_WORD)
        return 0;
    memcpy(out, w, len); /* the answer for every word left whole */
    for (size_t i = 0; i < len; i++)
        if (w[i] < 'a' || w[i] > 'z') /* not ASCII: no Indonesian affixes to strip */
            return len;
    if (entry_is_root(dict_lookup(w, len)) || is_frozen(w, len) || extra_root(w, len))
        return len;
    /* ke- + numeral: an ordinal, kept */
    if (len > 2 && w[0] == 'k' && w[1] == 'e' && is_numeral(w + 2, len - 2))
        return len;
    search st = {w, len, NULL, 0, 0, 0, len};
    search_word(&st, w, len);
    if (st.best && st.best_cost < COST_SNOWBALL) {
        memcpy(out, st.best, st.best_len);
        return st.best_len;
    }
    /* Snowball: its root is a candidate when the dictionary has it ... */
    const sb_symbol *sb = NULL;
    int sb_len = 0;
    /* Only words with an Indonesian prefix: for the others Snowball's root
     * never changed an answer on the tuning half, and it costs time. */
    if (has_prefix_shape(w, len)) {
        sb = sb_stemmer_stem(s->snowball, (const sb_symbol *)w, (int)len);
        sb_len = sb ? sb_stemmer_length(s->snowball) : 0;
    }
    if (sb_len > 0 && (size_t)sb_len <= len) {
        record e = dict_lookup((const char *)sb, (size_t)sb_len);
        if (entry_is_root(e))
            consider(&st, e, COST_SNOWBALL);
    }
    if (st.best) {
        memcpy(out, st.best, st.best_len);
        return st.best_len;
    }
    /* ... and the answer for an unknown word with an Indonesian prefix and a
     * root of 5 letters or more (dikonversi -> konversi, terisolir -> isolir).
     * Other unknown words (names, foreign words, typos) stay whole, less a
     * final -nya: measured on the tuning half, Snowball's cuts there are
     * wrong far more often than right (FALLBACK in docs/stemmer.md). */
    if (sb_len >= 5 && (size_t)sb_len < len && has_prefix_shape(w, len)) {
        memcpy(out, sb, (size_t)sb_len); /* copied at once: the next call reuses it */
        return (size_t)sb_len;
    }
    if (len >= 7 && memcmp(w + len - 3, "nya", 3) == 0)
        return len - 3;
    return len;
}

size_t cari_stemmer_stem(cari_stemmer *s, const char *word, size_t len, char *out, size_t cap)
{
    char buf[CARI_STEM_MAX_WORD + 1];
    if (!out)
        cap = 0;
    if (!s || !word)
        return emit("", 0, out, cap);
    if (len > CARI_STEM_MAX_WORD)
        return emit(word, len, out, cap);
    size_t n = stem_word(s, word, len, buf);
    return emit(buf, n, out, cap);
}

/* ---- hyphenated words ---- */

static int is_clitic_part(const char *p, size_t n)
{
    static const char *const clitics[] = {"nya", "ku", "mu", "lah", "kah", "pun", "tah", NULL};
    for (size_t i = 0; clitics[i]; i++)
        if (strlen(clitics[i]) == n && memcmp(clitics[i], p, n) == 0)
            return 1;
    return 0;
}

static int all_letters(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < 'a' || p[i] > 'z')
            return 0;
    return n > 0;
}

static int same(const char *a, size_t an, const char *b, size_t bn)
{
    return an == bn && memcmp(a, b, an) == 0;
}

/* Add a term unless present or of one byte (when one_byte_ok is 0). */
static void add_term(cari_stem_terms *t, const char *p, size_t n, int one_byte_ok)
{
    if (n == 0 || (n == 1 && !one_byte_ok) || t->count == CARI_STEM_MAX_TERMS)
        return;
    for (size_t i = 0; i < t->count; i++)
        if (same(t->buf + t->term[i].offset, t->term[i].len, p, n))
            return;
    size_t at = t->count ? t->term[t->count - 1].offset + t->term[t->count - 1].len + 1u : 0;
    if (at + n + 1 > CARI_STEM_TERMS_BYTES)
        return;
    memcpy(t->buf + at, p, n);
    t->buf[at + n] = '\0';
    t->term[t->count].offset = (uint16_t)at;
    t->term[t->count].len = (uint16_t)n;
    t->count++;
}

/* p[0..n) cut to at most m bytes at a character's start, never inside
 * one (found by analyzer_fuzz: a part cut inside a character made a term
 * that is not UTF-8). */
static size_t utf8_cut(const char *p, size_t n, size_t m)
{
    if (m >= n)
        return n;
    while (m > 0 && ((unsigned char)p[m] & 0xc0) == 0x80)
        m--;
    return m;
}

/* Stem a part: words are stemmed, parts with digits kept as they are. */
static size_t stem_part(cari_stemmer *s, const char *p, size_t n, char *out)
{
    if (!all_letters(p, n) || n > CARI_STEM_MAX_WORD) {
        size_t m = utf8_cut(p, n, CARI_STEM_MAX_WORD);
        memcpy(out, p, m);
        return m;
    }
    return stem_word(s, p, n, out);
}

/* Prefixes that may be written with a hyphen before a name or an acronym
 * (di-PHK, ber-KTP, se-Indonesia): the rest is the word to index. */
static int is_bound_prefix(const char *p, size_t n)
{
    static const char *const prefixes[] = {"di", "ter", "ber", "se", "me", "men", "mem", "meng",
                                           "pe", "pen", "pem", "peng", "ke", "ku", "kau", NULL};
    for (size_t i = 0; prefixes[i]; i++)
        if (strlen(prefixes[i]) == n && memcmp(prefixes[i], p, n) == 0)
            return 1;
    return 0;
}

/* Bound forms that Indonesian writes joined to the next word (nonmigas,
 * antikorupsi, pascasarjana, prasejahtera), and news also hyphenated or
 * apart.  Counted in clickid_news (2026-12-01): joined (of the words it
 * is hyphenated to somewhere) / hyphenated / apart (before a word it is
 * joined or hyphenated to somewhere): non 127/206/200, anti 1036/245/218,
 * pasca 68/137/174, pra 273/44/15, antar 77/48/179, multi 68/37/44, sub
 * 67/41/60, nir 50/8/1.  Left out: pro,
 * super, trans, ultra, tuna, eks, inter, kontra (mostly words or names
 * when apart: Pro Max, Super Junior, Trans TV, ikan tuna, Inter Milan;
 * apart before a joined-elsewhere word 0-45%) and swa (never hyphenated
 * or apart: swadaya, swasta). */
int cari_stemmer_bound_form(const char *p, size_t n)
{
    /* asked of every new word the analyzer caches: lengths first */
    static const struct {
        const char *s;
        size_t n;
    } forms[] = {{"non", 3},   {"anti", 4},  {"pasca", 5}, {"pra", 3},
                 {"antar", 5}, {"multi", 5}, {"sub", 3},   {"nir", 3}};
    if (n < 3 || n > 5)
        return 0;
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
        if (forms[i].n == n && memcmp(forms[i].s, p, n) == 0)
            return 1;
    return 0;
}

/* The root shared by the two halves of a reduplication, or 0. */
static size_t reduplicated_root(cari_stemmer *s, const char *x, size_t xn, const char *y, size_t yn,
                                char *root)
{
    char rx[CARI_STEM_MAX_WORD + 1], ry[CARI_STEM_MAX_WORD + 1], rz[CARI_STEM_MAX_WORD + 1];
    char z[CARI_STEM_MAX_WORD + 1];
    size_t rxn = stem_word(s, x, xn, rx);
    size_t ryn = stem_word(s, y, yn, ry);
    /* anak-anak, anak-anaknya, berbalas-balasan, terus-menerus */
    if (same(rx, rxn, ry, ryn) || same(x, xn, y, yn)) {
        memcpy(root, rx, rxn);
        return rxn;
    }
    /* meniru-nirukan, menyepak-nyepak: the second half lacks the first's
     * prefix; put it back and compare roots */
    for (size_t k = 1; k <= 5 && k + 2 < xn; k++) {
        if (k + yn > CARI_STEM_MAX_WORD)
            break;
        memcpy(z, x, k);
        memcpy(z + k, y, yn);
        size_t rzn = stem_word(s, z, k + yn, rz);
        if (same(rz, rzn, rx, rxn) && !same(rx, rxn, x, xn)) {
            memcpy(root, rx, rxn);
            return rxn;
        }
    }
    /* sehari-hari, sebaik-baiknya, pertama-tama: the first half ends with the
     * second's root; a first half that is a word of its own stays whole */
    if (xn > ryn && memcmp(x + xn - ryn, ry, ryn) == 0 && ryn >= 2) {
        if (entry_is_root(dict_lookup(x, xn)) && !entry_is_root(dict_lookup(ry, ryn))) {
            memcpy(root, x, xn);
            return xn;
        }
        memcpy(root, ry, ryn);
        return ryn;
    }
    /* kehati-hatian: the halves overlap on a root */
    for (size_t c = xn < yn ? xn : yn; c >= 3; c--) {
        if (memcmp(x + xn - c, y, c) == 0 && entry_is_root(dict_lookup(y, c))) {
            memcpy(root, y, c);
            return c;
        }
    }
    return 0;
}

int cari_stemmer_hyphenated(cari_stemmer *s, const char *word, size_t len, cari_stem_terms *out)
{
    if (!s || !out || (!word && len > 0))
        return -1;
    memset(out, 0, sizeof *out);
    out->kind = CARI_STEM_SINGLE;
    if (len == 0)
        return 0;
    if (len >= CARI_STEM_TERMS_BYTES) {
        add_term(out, word, utf8_cut(word, len, CARI_STEM_TERMS_BYTES - 1), 1);
        return 0;
    }
    /* split at '-', dropping empty parts and clitic parts after the first */
    struct { const char *p; size_t n; } part[CARI_STEM_MAX_TERMS];
    size_t parts = 0;
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && word[j] != '-')
            j++;
        if (j > i) {
            if (parts > 0 && is_clitic_part(word + i, j - i)) {
                /* kopian-ku, allah-lah: not a term */
            } else if (parts == CARI_STEM_MAX_TERMS) {
                add_term(out, word, len, 1); /* too many parts: the whole only */
                out->kind = CARI_STEM_COMPOUND;
                return 0;
            } else {
                part[parts].p = word + i;
                part[parts].n = j - i;
                parts++;
            }
        }
        i = j + 1;
    }
    char a[CARI_STEM_MAX_WORD + 1], b[CARI_STEM_MAX_WORD + 1];
    if (parts == 0)
        return 0;
    if (parts == 1) {
        size_t n = stem_part(s, part[0].p, part[0].n, a);
        add_term(out, a, n, 1);
        return 0;
    }
    const char *x = part[0].p, *y = part[1].p;
    size_t xn = part[0].n, yn = part[1].n;
    int letters = all_letters(x, xn) && all_letters(y, yn) && xn <= CARI_STEM_MAX_WORD &&
                  yn <= CARI_STEM_MAX_WORD;
    /* the whole, as written less its clitic parts */
    char whole[CARI_STEM_TERMS_BYTES];
    size_t wn = 0;
    for (size_t i = 0; i < parts; i++) {
        if (i)
            whole[wn++] = '-';
        memcpy(whole + wn, part[i].p, part[i].n);
        wn += part[i].n;
    }
    if (parts == 2 && letters) {
        size_t rn = reduplicated_root(s, x, xn, y, yn, a);
        if (rn) {
            /* kupu-kupu: the halves are no word of their own, the whole is */
            if (same(x, xn, y, yn) && !entry_is_root(dict_lookup(x, xn)) &&
                entry_is_root(dict_lookup(whole, wn))) {
                out->kind = CARI_STEM_COMPOUND;
                add_term(out, whole, wn, 1);
                add_term(out, x, xn, 0);
                return 0;
            }
            out->kind = CARI_STEM_REDUPLICATION;
            add_term(out, a, rn, 1);
            return 0;
        }
        if (is_bound_prefix(x, xn)) { /* di-phk */
            out->kind = CARI_STEM_PREFIXED;
            size_t n = stem_part(s, y, yn, a);
            add_term(out, a, n, 1);
            return 0;
        }
        /* besar-kecilnya: a clitic on the last half belongs to the whole */
        size_t cut = yn;
        char ry[CARI_STEM_MAX_WORD + 1];
        size_t ryn = stem_word(s, y, yn, ry);
        static const char *const clitics[] = {"nya", "ku", "mu", "lah", "kah", "pun", NULL};
        for (size_t i = 0; clitics[i]; i++) {
            size_t cl = strlen(clitics[i]);
            if (yn > cl + 2 && memcmp(y + yn - cl, clitics[i], cl) == 0 &&
                same(ry, ryn, y, yn - cl)) {
                cut = yn - cl;
                break;
            }
        }
        wn -= yn - cut;
    }
    out->kind = CARI_STEM_COMPOUND;
    add_term(out, whole, wn, 1);
    for (size_t i = 0; i < parts; i++) {
        if (i == 0 && is_bound_prefix(part[i].p, part[i].n))
            continue; /* ke-2: "ke" alone is no term */
        size_t n = stem_part(s, part[i].p, part[i].n, b);
        add_term(out, b, n, b[0] >= '0' && b[0] <= '9'); /* "2" of ke-2 is a term, "e" of e-ktp not */
    }
    /* e-mail, e-ktp, x-ray: a word after one letter is written joined as
     * often (email, ektp); the joined word, stemmed as written so, is a
     * term too and the two spellings meet (found by review: email did not
     * find e-mail, nor ektp e-KTP) */
    /* non-migas, anti-korupsi, pasca-sarjana: a bound form is written
     * joined too (nonmigas, antikorupsi); so is the joined word a term
     * (analyzer 5; before, nonmigas and non-migas missed each other) */
    if (parts == 2 && letters && (xn == 1 || cari_stemmer_bound_form(x, xn)) && wn > xn + 1 &&
        wn - 1 <= CARI_STEM_MAX_WORD) {
        memcpy(a, whole, xn);
        memcpy(a + xn, whole + xn + 1, wn - xn - 1);
        size_t n = stem_word(s, a, wn - 1, b);
        add_term(out, b, n, 0);
    }
    return 0;
}
