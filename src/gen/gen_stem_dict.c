/*
 * gen_stem_dict.c -- build-time generator of the stemmer's root dictionary.
 *
 * Reads Debian's hunspell-id dictionary (id_ID.dic: one word per line, affix
 * flags after '/', ISO-8859-1; id_ID.aff: the affix rules) and writes a C
 * source with the tables declared in src/stem_dict.h: every dictionary word
 * (lowercased, accents folded) and every form the .aff rules derive from it
 * without clitics (prefixes, suffixes and circumfixes: menulis <- tulis,
 * pengiriman <- kirim, mempercepat <- cepat), in an open-addressing hash
 * table keyed with FNV-1a.  Nothing is vendored: the data is read from the
 * installed package each build.
 *
 * usage: gen_stem_dict DIC AFF OUT.c
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../stem_dict.h"

#define MAX_WORD 256
#define MAX_CLASSES 16

/* One bracket class (or '.') of an affix condition. */
typedef struct char_class {
    unsigned char negate;
    unsigned char any;
    unsigned char member[256];
} char_class;

typedef struct affix_rule {
    char flag[3];
    int is_prefix;
    int cross_product;
    char strip[32];
    char add[32];
    char cont[128]; /* continuation flags, two characters each */
    int class_count;
    char_class classes[MAX_CLASSES];
} affix_rule;

typedef struct derivation {
    uint32_t root;
    uint8_t prefix_len, suffix_len;
} derivation;

typedef struct entry {
    char *key;
    size_t len;
    unsigned flags;
    unsigned affix_classes;
    int seen_lowercase; /* some source line was not capitalised */
    derivation *derivations;
    size_t derivation_count, derivation_cap;
} entry;

static affix_rule *rules;
static size_t rule_count, rule_cap;
static entry *entries;
static size_t entry_count, entry_cap;
static uint32_t *table; /* build-time hash: entry index + 1 */
static size_t table_mask;

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "cari: gen_stem_dict: out of memory\n");
        exit(1);
    }
    return q;
}

static char *read_file(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 20, len = 0;
    char *buf = xrealloc(NULL, cap);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len < 2) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    *len_out = len;
    return buf;
}

/* FNV-1a 64 over several buffers: the dictionary checksum. */
static uint64_t fnv64(uint64_t h, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* ISO-8859-1 letter -> lowercase ASCII letter with accents folded, or 0. */
static int fold_latin1(unsigned char c)
{
    static const char upper[] = "aaaaaaaceeeeiiiidnooooo\0ouuuuyt";
    if (c < 0x80)
        return tolower(c);
    if (c >= 0xC0 && c <= 0xDF && upper[c - 0xC0])
        return upper[c - 0xC0];
    if (c == 0xFF)
        return 'y';
    if (c >= 0xE0 && upper[c - 0xE0])
        return upper[c - 0xE0];
    return 0;
}

/* ---- .aff ---- */

static int parse_condition(affix_rule *r, const char *cond)
{
    r->class_count = 0;
    if (strcmp(cond, ".") == 0)
        return 0;
    const char *p = cond;
    while (*p) {
        if (r->class_count == MAX_CLASSES)
            return -1;
        char_class *c = &r->classes[r->class_count++];
        memset(c, 0, sizeof *c);
        if (*p == '.') {
            c->any = 1;
            p++;
        } else if (*p == '[') {
            p++;
            if (*p == '^') {
                c->negate = 1;
                p++;
            }
            while (*p && *p != ']') {
                if (*p != '^') /* id_ID.aff writes [^l^r] for "neither l nor r" */
                    c->member[(unsigned char)*p] = 1;
                p++;
            }
            if (*p != ']')
                return -1;
            p++;
        } else {
            c->member[(unsigned char)*p] = 1;
            p++;
        }
    }
    return 0;
}

static int class_match(const char_class *c, unsigned char ch)
{
    if (c->any)
        return 1;
    return c->negate ? !c->member[ch] : c->member[ch];
}

static int condition_match(const affix_rule *r, const char *w, size_t len)
{
    if ((size_t)r->class_count > len)
        return 0;
    for (int i = 0; i < r->class_count; i++) {
        size_t at = r->is_prefix ? (size_t)i : len - (size_t)r->class_count + (size_t)i;
        if (!class_match(&r->classes[i], (unsigned char)w[at]))
            return 0;
    }
    return 1;
}

static int split_fields(char *line, char **field, int max)
{
    char *hash = strchr(line, '#');
    if (hash)
        *hash = '\0';
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(line, " \t\r\n", &save); t && n < max; t = strtok_r(NULL, " \t\r\n", &save))
        field[n++] = t;
    return n;
}

static int parse_aff(char *text)
{
    int remaining = 0, is_prefix = 0, cross = 0;
    char flag[3] = "";
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *field[8];
        int n = split_fields(line, field, 8);
        if (n < 4 || (strcmp(field[0], "PFX") != 0 && strcmp(field[0], "SFX") != 0))
            continue;
        if (remaining == 0) { /* header: PFX B0 Y 2 */
            if (strlen(field[1]) != 2)
                return -1;
            memcpy(flag, field[1], 3);
            is_prefix = field[0][0] == 'P';
            cross = field[2][0] == 'Y';
            remaining = atoi(field[3]);
            continue;
        }
        remaining--;
        if (strcmp(field[1], flag) != 0)
            return -1;
        if (rule_count == rule_cap) {
            rule_cap = rule_cap ? rule_cap * 2 : 256;
            rules = xrealloc(rules, rule_cap * sizeof *rules);
        }
        affix_rule *r = &rules[rule_count++];
        memset(r, 0, sizeof *r);
        memcpy(r->flag, flag, 3);
        r->is_prefix = is_prefix;
        r->cross_product = cross;
        if (strcmp(field[2], "0") != 0)
            snprintf(r->strip, sizeof r->strip, "%s", field[2]);
        char *slash = strchr(field[3], '/');
        if (slash) {
            snprintf(r->cont, sizeof r->cont, "%s", slash + 1);
            *slash = '\0';
        }
        if (strcmp(field[3], "0") != 0)
            snprintf(r->add, sizeof r->add, "%s", field[3]);
        if (parse_condition(r, n > 4 ? field[4] : ".") != 0)
            return -1;
    }
    return 0;
}

static int has_flag(const char *flags, const char *flag)
{
    for (size_t i = 0; flags[i] && flags[i + 1]; i += 2)
        if (flags[i] == flag[0] && flags[i + 1] == flag[1])
            return 1;
    return 0;
}

/* Clitic classes: -nya/-ku/-mu, -lah/-kah.  The stemmer strips clitics itself. */
static int is_clitic_flag(const char *flag)
{
    return !strcmp(flag, "o0") || !strcmp(flag, "n0") || !strcmp(flag, "nl") || !strcmp(flag, "l0");
}

/* ---- entries ---- */

static void table_grow(void)
{
    size_t size = table_mask ? (table_mask + 1) * 2 : 1 << 16;
    uint32_t *t = xrealloc(NULL, size * sizeof *t);
    memset(t, 0, size * sizeof *t);
    for (size_t i = 0; i < entry_count; i++) {
        uint32_t h = cari_stem_dict_hash(entries[i].key, entries[i].len) & (uint32_t)(size - 1);
        while (t[h])
            h = (h + 1) & (uint32_t)(size - 1);
        t[h] = (uint32_t)i + 1;
    }
    free(table);
    table = t;
    table_mask = size - 1;
}

static uint32_t intern(const char *key, size_t len)
{
    if (entry_count * 2 >= table_mask)
        table_grow();
    uint32_t h = cari_stem_dict_hash(key, len) & (uint32_t)table_mask;
    while (table[h]) {
        entry *e = &entries[table[h] - 1];
        if (e->len == len && memcmp(e->key, key, len) == 0)
            return table[h] - 1;
        h = (h + 1) & (uint32_t)table_mask;
    }
    if (entry_count == entry_cap) {
        entry_cap = entry_cap ? entry_cap * 2 : 1024;
        entries = xrealloc(entries, entry_cap * sizeof *entries);
    }
    entry *e = &entries[entry_count];
    memset(e, 0, sizeof *e);
    e->key = xrealloc(NULL, len + 1);
    memcpy(e->key, key, len);
    e->key[len] = '\0';
    e->len = len;
    table[h] = (uint32_t)entry_count + 1;
    return (uint32_t)entry_count++;
}

static void add_derivation(const char *form, size_t len, uint32_t root, size_t prefix_len, size_t suffix_len)
{
    if (len == 0 || len >= MAX_WORD)
        return;
    for (size_t i = 0; i < len; i++)
        if (!islower((unsigned char)form[i])) /* -Nya, -Ku: clitic spellings */
            return;
    if (len == entries[root].len && memcmp(form, entries[root].key, len) == 0)
        return;
    uint32_t id = intern(form, len);
    entry *e = &entries[id];
    for (size_t i = 0; i < e->derivation_count; i++)
        if (e->derivations[i].root == root && e->derivations[i].prefix_len == prefix_len &&
            e->derivations[i].suffix_len == suffix_len)
            return;
    if (e->derivation_count == 255)
        return;
    if (e->derivation_count == e->derivation_cap) {
        e->derivation_cap = e->derivation_cap ? e->derivation_cap * 2 : 2;
        e->derivations = xrealloc(e->derivations, e->derivation_cap * sizeof *e->derivations);
    }
    e->derivations[e->derivation_count++] = (derivation){root, (uint8_t)prefix_len, (uint8_t)suffix_len};
    e->flags |= CARI_STEM_DICT_FORM;
}

/* Apply prefix rule r to w; returns the new length or 0 when it does not apply. */
static size_t apply_prefix(const affix_rule *r, const char *w, size_t len, char *out)
{
    size_t sl = strlen(r->strip), al = strlen(r->add);
    if (sl >= len || strncmp(w, r->strip, sl) != 0 || !condition_match(r, w, len))
        return 0;
    if (al + len - sl >= MAX_WORD)
        return 0;
    memcpy(out, r->add, al);
    memcpy(out + al, w + sl, len - sl);
    return al + len - sl;
}

static size_t apply_suffix(const affix_rule *r, const char *w, size_t len, char *out)
{
    size_t sl = strlen(r->strip), al = strlen(r->add);
    if (sl >= len || strncmp(w + len - sl, r->strip, sl) != 0 || !condition_match(r, w, len))
        return 0;
    if (len - sl + al >= MAX_WORD)
        return 0;
    memcpy(out, w, len - sl);
    memcpy(out + len - sl, r->add, al);
    return len - sl + al;
}

/* Every form the flags of root derive: prefix alone, suffix alone, and the
 * circumfixes (a suffix whose continuation names the prefix, both marked
 * with the CIRCUMFIX flag A1).  Clitic flags are left to the stemmer. */
static void expand(uint32_t root, const char *flags, const char *circumfix)
{
    char w[MAX_WORD];
    size_t len = entries[root].len;
    memcpy(w, entries[root].key, len + 1);
    char form[MAX_WORD], form2[MAX_WORD];
    for (size_t i = 0; flags[i] && flags[i + 1]; i += 2) {
        char flag[3] = {flags[i], flags[i + 1], 0};
        if (is_clitic_flag(flag))
            continue;
        for (size_t k = 0; k < rule_count; k++) {
            const affix_rule *r = &rules[k];
            if (strcmp(r->flag, flag) != 0)
                continue;
            if (r->is_prefix) {
                if (circumfix[0] && has_flag(r->cont, circumfix))
                    continue; /* needs its suffix half */
                size_t n = apply_prefix(r, w, len, form);
                if (n)
                    add_derivation(form, n, root, strlen(r->add), 0);
                continue;
            }
            size_t n = apply_suffix(r, w, len, form);
            if (!n)
                continue;
            int bound = circumfix[0] && has_flag(r->cont, circumfix);
            if (!bound)
                add_derivation(form, n, root, 0, strlen(r->add));
            for (size_t j = 0; r->cont[j] && r->cont[j + 1]; j += 2) {
                char pflag[3] = {r->cont[j], r->cont[j + 1], 0};
                for (size_t m = 0; m < rule_count; m++) {
                    const affix_rule *p = &rules[m];
                    if (!p->is_prefix || strcmp(p->flag, pflag) != 0)
                        continue;
                    /* conditions of a prefix test the root, as hunspell does */
                    if (!condition_match(p, w, len))
                        continue;
                    size_t n2 = apply_prefix(p, form, n, form2);
                    if (n2)
                        add_derivation(form2, n2, root, strlen(p->add), strlen(r->add));
                }
            }
        }
    }
}

/* ---- output ---- */

static int emit(const char *path, uint64_t checksum)
{
    /* record offsets first: derivations and slots refer to them */
    uint32_t *offsets = xrealloc(NULL, (entry_count + 1) * sizeof *offsets);
    size_t bytes = 0;
    for (size_t i = 0; i < entry_count; i++) {
        offsets[i] = (uint32_t)bytes;
        bytes += CARI_STEM_DICT_RECORD_HEADER + entries[i].len + 1;
    }
    /* final table: load factor below 1/2 */
    size_t size = 1;
    while (size < entry_count * 2 + 2)
        size <<= 1;
    if (bytes + 1 > CARI_STEM_DICT_INDEX_MASK) {
        fprintf(stderr, "cari: gen_stem_dict: %zu bytes of records do not fit the table\n", bytes);
        free(offsets);
        return -1;
    }
    uint32_t *slots = xrealloc(NULL, size * sizeof *slots);
    memset(slots, 0, size * sizeof *slots);
    for (size_t i = 0; i < entry_count; i++) {
        uint32_t hash = cari_stem_dict_hash(entries[i].key, entries[i].len);
        uint32_t h = hash & (uint32_t)(size - 1);
        while (slots[h])
            h = (h + 1) & (uint32_t)(size - 1);
        slots[h] = (offsets[i] + 1) | CARI_STEM_DICT_FINGERPRINT(hash);
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        free(offsets);
        free(slots);
        return -1;
    }
    fprintf(f, "/* Generated by src/gen/gen_stem_dict.c from hunspell-id; do not edit. */\n");
    fprintf(f, "#include \"stem_dict.h\"\n\n");
    fprintf(f, "const char cari_stem_dict_checksum[] = \"%016llx\";\n", (unsigned long long)checksum);
    fprintf(f, "const uint32_t cari_stem_dict_record_count = %zu;\n", entry_count);
    fprintf(f, "const uint32_t cari_stem_dict_slot_mask = %zu;\n\n", size - 1);
    fprintf(f, "const unsigned char cari_stem_dict_records[] = {\n");
    size_t first = 0;
    for (size_t i = 0; i < entry_count; i++) {
        const entry *e = &entries[i];
        unsigned classes = e->affix_classes > 255 ? 255 : e->affix_classes;
        fprintf(f, "%zu,%u,%u,%zu,%zu,%zu,%zu,%zu,", e->len, e->flags, classes, e->derivation_count,
                first & 0xff, (first >> 8) & 0xff, (first >> 16) & 0xff, (first >> 24) & 0xff);
        for (size_t k = 0; k <= e->len; k++)
            fprintf(f, "%d,", (unsigned char)e->key[k]);
        fputc('\n', f);
        first += e->derivation_count;
    }
    fprintf(f, "0};\n\n");
    fprintf(f, "const cari_stem_dict_derivation cari_stem_dict_derivations[] = {\n");
    for (size_t i = 0; i < entry_count; i++)
        for (size_t k = 0; k < entries[i].derivation_count; k++) {
            const derivation *d = &entries[i].derivations[k];
            fprintf(f, "{%u,%u,%u},\n", offsets[d->root], d->prefix_len, d->suffix_len);
        }
    fprintf(f, "{0,0,0}};\n\n");
    fprintf(f, "const uint32_t cari_stem_dict_slots[] = {\n");
    for (size_t i = 0; i < size; i++)
        fprintf(f, "%u,%s", slots[i], i % 16 == 15 ? "\n" : "");
    fprintf(f, "};\n");
    free(offsets);
    free(slots);
    if (ferror(f) | fclose(f))
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: gen_stem_dict DIC AFF OUT.c\n");
        return 2;
    }
    size_t dic_len, aff_len;
    char *dic = read_file(argv[1], &dic_len);
    if (!dic) {
        fprintf(stderr, "cari: %s not found: apt-get install hunspell-id\n", argv[1]);
        return 1;
    }
    char *aff = read_file(argv[2], &aff_len);
    if (!aff) {
        fprintf(stderr, "cari: %s not found: apt-get install hunspell-id\n", argv[2]);
        return 1;
    }
    uint64_t checksum = fnv64(fnv64(14695981039346656037ull, dic, dic_len), aff, aff_len);

    char circumfix[3] = "";
    {
        char *copy = xrealloc(NULL, aff_len + 1);
        memcpy(copy, aff, aff_len + 1);
        char *save = NULL;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            char *field[4];
            if (split_fields(line, field, 4) >= 2 && strcmp(field[0], "CIRCUMFIX") == 0)
                snprintf(circumfix, sizeof circumfix, "%s", field[1]);
        }
        free(copy);
    }
    if (parse_aff(aff) != 0) {
        fprintf(stderr, "cari: %s: cannot parse the affix rules\n", argv[2]);
        return 1;
    }

    /* Pass 1: the words.  Pass 2: their derived forms, so a form that is
     * also a word keeps its ROOT flag whatever the order of lines. */
    typedef struct pending { uint32_t root; char *flags; } pending;
    pending *todo = NULL;
    size_t todo_count = 0, todo_cap = 0;
    char *save = NULL;
    int first_line = 1;
    for (char *line = strtok_r(dic, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (first_line) { /* the word count */
            first_line = 0;
            continue;
        }
        char *slash = strchr(line, '/');
        char *flags = line + strlen(line); /* none: the empty string at the end */
        if (slash) {
            *slash = '\0';
            flags = slash + 1;
        }
        flags[strcspn(flags, " \t\r")] = '\0';
        char key[MAX_WORD];
        size_t len = 0;
        int ok = 1, capitalised = 0, hyphen = 0;
        for (const unsigned char *p = (const unsigned char *)line; *p && *p != '\r'; p++) {
            int c;
            if (*p == '-') {
                c = '-';
                hyphen = 1;
            } else {
                c = fold_latin1(*p);
                if (!c || !islower(c)) {
                    ok = 0;
                    break;
                }
                if (p == (const unsigned char *)line && (isupper(*p) || (*p >= 0xC0 && *p <= 0xDE)))
                    capitalised = 1;
            }
            if (len + 1 >= MAX_WORD) {
                ok = 0;
                break;
            }
            key[len++] = (char)c;
        }
        /* "-isme", "-kan": suffixes, left out; "anti-", "pasca-": bound
         * prefixes, kept (with their '-') for hyphenated compounds */
        if (!ok || len == 0 || key[0] == '-')
            continue;
        key[len] = '\0';
        uint32_t id = intern(key, len);
        entry *e = &entries[id];
        e->flags |= CARI_STEM_DICT_ROOT | (hyphen ? CARI_STEM_DICT_HYPHEN : 0);
        if (capitalised)
            e->flags |= CARI_STEM_DICT_PROPER;
        else
            e->seen_lowercase = 1;
        if (circumfix[0] && has_flag(flags, "A2"))
            e->flags |= CARI_STEM_DICT_NEEDAFFIX;
        e->affix_classes += (unsigned)(strlen(flags) / 2);
        if (*flags) {
            if (todo_count == todo_cap) {
                todo_cap = todo_cap ? todo_cap * 2 : 1024;
                todo = xrealloc(todo, todo_cap * sizeof *todo);
            }
            todo[todo_count++] = (pending){id, flags};
        }
    }
    for (size_t i = 0; i < entry_count; i++)
        if (entries[i].seen_lowercase)
            entries[i].flags &= ~CARI_STEM_DICT_PROPER;
    for (size_t i = 0; i < todo_count; i++)
        if (!(entries[todo[i].root].flags & CARI_STEM_DICT_HYPHEN))
            expand(todo[i].root, todo[i].flags, circumfix);

    if (emit(argv[3], checksum) != 0) {
        fprintf(stderr, "cari: cannot write %s: %s\n", argv[3], strerror(errno));
        remove(argv[3]);
        return 1;
    }
    size_t roots = 0, forms = 0;
    for (size_t i = 0; i < entry_count; i++) {
        roots += (entries[i].flags & CARI_STEM_DICT_ROOT) != 0;
        forms += (entries[i].flags & CARI_STEM_DICT_FORM) != 0;
    }
    fprintf(stderr, "gen_stem_dict: %zu roots, %zu derived forms, %zu keys\n", roots, forms, entry_count);
    free(todo);
    free(dic);
    free(aff);
    return 0;
}
