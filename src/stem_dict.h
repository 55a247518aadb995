/*
 * stem_dict.h -- the root dictionary that guards the stemmer: the layout of
 * the tables that src/gen/gen_stem_dict.c generates at build time from
 * Debian's hunspell-id dictionary (/usr/share/hunspell/id_ID.{dic,aff}),
 * and the hash both sides use.  Only src/stem.c and the generator include it.
 *
 * One open-addressing hash table maps a lowercase, accent-folded UTF-8 key to
 * an entry.  A key is a dictionary word (a root: "tulis", "berita",
 * "bolak-balik"), a form the .aff rules derive from a root without clitics
 * ("menulis", "pengiriman", "mempercepat"), or both.  A derived form lists
 * the roots it comes from (several when ambiguous: "beradu" <- adu, radu).
 */
#ifndef CARI_STEM_DICT_H
#define CARI_STEM_DICT_H

#include <stddef.h>
#include <stdint.h>

/* Entry flags. */
#define CARI_STEM_DICT_ROOT 0x01u      /* a word of id_ID.dic */
#define CARI_STEM_DICT_PROPER 0x02u    /* ... written capitalised there (Allah, April) */
#define CARI_STEM_DICT_HYPHEN 0x04u    /* contains '-' (aba-aba, bolak-balik) */
#define CARI_STEM_DICT_NEEDAFFIX 0x08u /* .aff NEEDAFFIX: not used bare (A2) */
#define CARI_STEM_DICT_FORM 0x10u      /* an affixed form: derivations valid */

/*
 * Entries are variable-length records packed in one byte array, so a hit
 * touches the slot and one record (its fields and key on one cache line):
 *   byte 0      key length (1..255)
 *   byte 1      flags, CARI_STEM_DICT_*
 *   byte 2      roots: number of .aff flags on the entry, capped at 255
 *   byte 3      number of derivations (forms: the roots they come from)
 *   bytes 4..7  index of the first derivation, little-endian
 *   bytes 8..   the key, then a NUL
 */
#define CARI_STEM_DICT_RECORD_HEADER 8

/* How a derived form is made from one root. */
typedef struct cari_stem_dict_derivation {
    uint32_t root;          /* record offset of the root */
    uint8_t prefix_len;     /* bytes of the surface prefix ("meng" = 4) */
    uint8_t suffix_len;     /* bytes of the surface suffix ("kan" = 3) */
} cari_stem_dict_derivation;

extern const unsigned char cari_stem_dict_records[];
extern const uint32_t cari_stem_dict_record_count;
extern const cari_stem_dict_derivation cari_stem_dict_derivations[];
/* Slot i holds 0 when empty, else (record offset + 1) in the low
 * CARI_STEM_DICT_INDEX_BITS bits and the key hash's top bits above them, so
 * most probes for a missing key end without touching the records.  The
 * size is a power of two. */
#define CARI_STEM_DICT_INDEX_BITS 21
#define CARI_STEM_DICT_INDEX_MASK ((1u << CARI_STEM_DICT_INDEX_BITS) - 1u)
#define CARI_STEM_DICT_FINGERPRINT(hash) ((hash) >> CARI_STEM_DICT_INDEX_BITS << CARI_STEM_DICT_INDEX_BITS)
extern const uint32_t cari_stem_dict_slots[];
extern const uint32_t cari_stem_dict_slot_mask;
/* Hex FNV-1a 64 of the .dic and .aff bytes the tables were made from. */
extern const char cari_stem_dict_checksum[];

/* FNV-1a, 32 bits: the generator places keys with it, the stemmer probes with it. */
static inline uint32_t cari_stem_dict_hash(const char *key, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 16777619u;
    }
    return h;
}

#endif
