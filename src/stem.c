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
#define STEM_ALGORITHM_VERSION "cari-stem-1"

struct cari_stemmer {
    struct sb_stemmer *snowball;
    char signature[64];
};

/* ---- the dictionary ---- */

static const cari_stem_dict_entry *dict_lookup(const char *key, size_t len)
{
    if (len == 0 || len > 255)
        return NULL;
    uint32_t h = cari_stem_dict_hash(key, len) & cari_stem_dict_slot_mask;
    for (;;) {
        uint32_t slot = cari_stem_dict_slots[h];
        if (slot == 0)
            return NULL;
        const cari_stem_dict_entry *e = &cari_stem_dict_entries[slot - 1];
        if (e->key_len == len && memcmp(cari_stem_dict_pool + e->key_offset, key, len) == 0)
            return e;
        h = (h + 1) & cari_stem_dict_slot_mask;
    }
}

static int entry_is_root(const cari_stem_dict_entry *e)
{
    return e && (e->flags & CARI_STEM_DICT_ROOT);
}

static const char *entry_key(const cari_stem_dict_entry *e)
{
    return cari_stem_dict_pool + e->key_offset;
}

int cari_stemmer_is_root(const cari_stemmer *s, const char *word, size_t len)
{
    (void)s;
    return word && entry_is_root(dict_lookup(word, len));
}

/* ---- lexicalised words ---- */

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
 *   mulai              "begin": a free base in modern use (memulai, dimulai)
 */
static const char *const frozen_words[] = {
    "adalah", "ialah", "merupakan", "sebagai", "secara", "setelah", "sesudah", "sebelum",
    "selama", "semenjak", "sedangkan", "sehingga", "seperti", "setiap", "semakin",
    "terhadap", "berbagai", "bagaimana", "kepada", "daripada", "pemilu", "pilkada",
    "pilpres", "pileg", "pemda", "pemkot", "pemkab", "pemprov", "mulai", NULL,
};

static int is_frozen(const char *w, size_t len)
{
    for (size_t i = 0; frozen_words[i]; i++)
        if (strlen(frozen_words[i]) == len && memcmp(frozen_words[i], w, len) == 0)
            return 1;
    return 0;
}

/* Cardinal numerals: ke- + numeral is an ordinal (kedua "second"), a word of
 * its own; se- + numeral counts (sepuluh "ten" is itself a numeral). */
static const char *const numerals[] = {
    "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan",
    "sepuluh", "sebelas", "seratus", "seribu", "puluh", "belas", "ratus", "ribu", "juta", NULL,
};

static int is_numeral(const char *w, size_t len)
{
    for (size_t i = 0; numerals[i]; i++)
        if (strlen(numerals[i]) == len && memcmp(numerals[i], w, len) == 0)
            return 1;
    return 0;
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
#define COST_AFFIX 10          /* each affix our own rules strip */
#define COST_LICENSED 4        /* each affix the .aff rules license for that root */
#define COST_RECODED 1         /* a sound change undone (menulis -> tulis) */
#define COST_LOOSE_PE 3        /* pe- before a consonant other than l m n r w y (petani) */
#define COST_BAD_CONFIX 25     /* an affix pair Indonesian does not combine (di-...-an) */
#define COST_SHORT_ROOT 15     /* a root of under 3 letters */
#define COST_SNOWBALL 30       /* Snowball's root when our own rules found nothing better */

#define MAX_DEPTH 3

typedef struct search {
    const char *word;
    size_t len;
    const cari_stem_dict_entry *best;
    int best_cost;
} search;

static void consider(search *st, const cari_stem_dict_entry *e, int cost)
{
    if (!e)
        return;
    if (e->key_len < 3)
        cost += COST_SHORT_ROOT;
    if (!st->best || cost < st->best_cost ||
        (cost == st->best_cost &&
         (e->key_len > st->best->key_len ||
          (e->key_len == st->best->key_len && e->affix_classes > st->best->affix_classes)))) {
        st->best = e;
        st->best_cost = cost;
    }
}

/* A stem found: a root itself, or a derived form of roots. */
static void found(search *st, const char *s, size_t len, int cost)
{
    const cari_stem_dict_entry *e = dict_lookup(s, len);
    if (!e)
        return;
    if (e->flags & CARI_STEM_DICT_ROOT)
        consider(st, e, cost);
    if (e->flags & CARI_STEM_DICT_FORM) {
        for (uint32_t i = 0; i < e->derivation_count; i++) {
            const cari_stem_dict_derivation *d = &cari_stem_dict_derivations[e->derivation_first + i];
            int affixes = (d->prefix_len > 0) + (d->suffix_len > 0);
            consider(st, &cari_stem_dict_entries[d->root], cost + affixes * COST_LICENSED);
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
    return c && strchr(set, c) != NULL;
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
    if (c0 == 'k' && c1 == 'u') {
        if (c2 == 'a' && c3 == 'u' && len > 5)
            try_prefix(st, s, len, 3, 0, P_KU, 0, depth, cost, used, suffix);
        try_prefix(st, s, len, 2, 0, P_KU, 0, depth, cost, used, suffix);
    }
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
    static const char *const particles[] = {"lah", "kah", "tah", "pun", NULL};
    static const char *const possessives[] = {"nya", "ku", "mu", NULL};
    /* every (particle?, possessive?) clitic split; clitics cost nothing */
    size_t clitic_ends[8];
    size_t n_ends = 0;
    clitic_ends[n_ends++] = len;
    for (size_t i = 0; particles[i]; i++) {
        size_t pl = strlen(particles[i]);
        if (len >= pl + 3 && memcmp(w + len - pl, particles[i], pl) == 0)
            clitic_ends[n_ends++] = len - pl;
    }
    size_t n_particle_ends = n_ends;
    for (size_t k = 0; k < n_particle_ends; k++) {
        size_t end = clitic_ends[k];
        for (size_t i = 0; possessives[i]; i++) {
            size_t pl = strlen(possessives[i]);
            if (end >= pl + 3 && memcmp(w + end - pl, possessives[i], pl) == 0 && n_ends < 8)
                clitic_ends[n_ends++] = end - pl;
        }
    }
    for (size_t k = 0; k < n_ends; k++) {
        size_t end = clitic_ends[k];
        /* no derivational suffix */
        found(st, w, end, 0);
        strip_prefixes(st, w, end, 0, 0, 0, S_NONE);
        static const struct { const char *text; int kind; } derivational[] = {
            {"kan", S_KAN}, {"an", S_AN}, {"i", S_I}};
        for (size_t i = 0; i < 3; i++) {
            size_t dl = strlen(derivational[i].text);
            if (end < dl + 3 || memcmp(w + end - dl, derivational[i].text, dl) != 0)
                continue;
            found(st, w, end - dl, COST_AFFIX);
            strip_prefixes(st, w, end - dl, 0, COST_AFFIX, 0, derivational[i].kind);
        }
    }
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
    snprintf(s->signature, sizeof s->signature, "%s/%s", STEM_ALGORITHM_VERSION,
             cari_stem_dict_checksum);
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
    if (len == 0 || len > CARI_STEM_MAX_WORD) {
        memcpy(out, w, len);
        return len;
    }
    for (size_t i = 0; i < len; i++)
        if (w[i] < 'a' || w[i] > 'z') { /* not ASCII: no Indonesian affixes to strip */
            memcpy(out, w, len);
            return len;
        }
    if (is_frozen(w, len) || entry_is_root(dict_lookup(w, len))) {
        memcpy(out, w, len);
        return len;
    }
    /* ke- + numeral: an ordinal, kept */
    if (len > 2 && w[0] == 'k' && w[1] == 'e' && is_numeral(w + 2, len - 2)) {
        memcpy(out, w, len);
        return len;
    }
    search st = {w, len, NULL, 0};
    search_word(&st, w, len);
    const sb_symbol *sb = sb_stemmer_stem(s->snowball, (const sb_symbol *)w, (int)len);
    int sb_len = sb ? sb_stemmer_length(s->snowball) : 0;
    if (sb && sb_len > 0 && (size_t)sb_len <= len) {
        const cari_stem_dict_entry *e = dict_lookup((const char *)sb, (size_t)sb_len);
        if (entry_is_root(e))
            consider(&st, e, COST_SNOWBALL);
    }
    if (st.best) {
        memcpy(out, entry_key(st.best), st.best->key_len);
        return st.best->key_len;
    }
    if (sb && sb_len > 0 && (size_t)sb_len <= len) {
        memcpy(out, sb, (size_t)sb_len); /* copied at once: the next call reuses it */
        return (size_t)sb_len;
    }
    memcpy(out, w, len);
    return len;
}

size_t cari_stemmer_stem(cari_stemmer *s, const char *word, size_t len, char *out, size_t cap)
{
    char buf[CARI_STEM_MAX_WORD + 1];
    if (!s || (!word && len > 0))
        return emit("", 0, out, out ? cap : 0);
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

/* Stem a part: words are stemmed, parts with digits kept as they are. */
static size_t stem_part(cari_stemmer *s, const char *p, size_t n, char *out)
{
    if (!all_letters(p, n) || n > CARI_STEM_MAX_WORD) {
        size_t m = n < CARI_STEM_MAX_WORD ? n : CARI_STEM_MAX_WORD;
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
        add_term(out, word, CARI_STEM_TERMS_BYTES - 1, 1);
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
        size_t n = stem_part(s, part[i].p, part[i].n, b);
        add_term(out, b, n, 0);
    }
    return 0;
}
