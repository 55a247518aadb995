/*
 * seg_image.h -- a segment file's bytes in memory, for the tests that
 * damage segments on purpose (check_test, the segment fuzz target): find a
 * section, and recompute the checksums so that the damage gets past them.
 * The layout is documented at the top of src/segment.c.
 */
#ifndef CARI_SEG_IMAGE_H
#define CARI_SEG_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include <zlib.h>

#include "util.h"  /* cari_get_u32, cari_get_u64, cari_put_u32 */

/* Offset and length of section id: 0, or -1 when the table has none (or
 * the trailer does not describe a table). */
static inline int seg_image_section(const unsigned char *d, size_t len,
                                    uint32_t id, size_t *off, size_t *n)
{
    uint64_t table;
    uint32_t count, i;
    if (len < 48)
        return -1;
    table = cari_get_u64(d + len - 32);
    count = cari_get_u32(d + len - 24);
    if (table > len - 32 || (uint64_t)count * 24 != len - 32 - table)
        return -1;
    for (i = 0; i < count; i++) {
        const unsigned char *e = d + table + 24 * i;
        if (cari_get_u32(e) == id) {
            *off = (size_t)cari_get_u64(e + 8);
            *n = (size_t)cari_get_u64(e + 16);
            return 0;
        }
    }
    return -1;
}

/* Recompute every section's crc and the table's: damage made before this
 * is invisible to the checksums.  Nothing is done when the trailer itself
 * no longer describes the table. */
static inline void seg_image_fix_crcs(unsigned char *d, size_t len)
{
    unsigned char *tr;
    uint64_t table;
    uint32_t count, i;
    if (len < 48)
        return;
    tr = d + len - 32;
    table = cari_get_u64(tr);
    count = cari_get_u32(tr + 8);
    if (table > len - 32 || (uint64_t)count * 24 != len - 32 - table)
        return;
    for (i = 0; i < count; i++) {
        unsigned char *e = d + table + 24 * i;
        uint64_t off = cari_get_u64(e + 8), n = cari_get_u64(e + 16);
        if (off <= table && n <= table - off)
            cari_put_u32(e + 4, (uint32_t)crc32(0, d + off, (uInt)n));
    }
    cari_put_u32(tr + 12, (uint32_t)crc32(0, d + table, (uInt)(24 * count)));
}

#endif
