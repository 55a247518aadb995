#!/usr/bin/env python3
"""segtool.py -- inspect and damage cari segment files, for the tests.

  segtool.py sections FILE          one line per section: id name offset length
  segtool.py fixcrc FILE            recompute every section's crc32 and the
                                    table's, so that damage made on purpose
                                    gets past the checksums (structural damage)
  segtool.py xor FILE OFFSET BYTE   xor the byte at OFFSET with BYTE

The layout is documented at the top of src/segment.c.
"""
import struct
import sys
import zlib

NAMES = ["", "info", "articles", "passages", "dictionary", "dictionary-index",
         "postings", "positions", "store", "store-index", "ids", "id-text",
         "store-words"]


def table(data):
    """(table offset, [(id, crc, offset, length)]) from the trailer."""
    tr = data[-32:]
    table_off, count = struct.unpack_from("<QI", tr, 0)
    entries = []
    for i in range(count):
        entries.append(struct.unpack_from("<IIQQ", data, table_off + 24 * i))
    return table_off, entries


def fixcrc(path):
    data = bytearray(open(path, "rb").read())
    table_off, entries = table(data)
    for i, (sid, _crc, off, length) in enumerate(entries):
        crc = zlib.crc32(bytes(data[off:off + length])) & 0xffffffff
        struct.pack_into("<I", data, table_off + 24 * i + 4, crc)
    tcrc = zlib.crc32(bytes(data[table_off:table_off + 24 * len(entries)]))
    struct.pack_into("<I", data, len(data) - 32 + 12, tcrc & 0xffffffff)
    open(path, "wb").write(data)


def main(argv):
    if len(argv) >= 3 and argv[1] == "sections":
        data = open(argv[2], "rb").read()
        for sid, _crc, off, length in table(data)[1]:
            name = NAMES[sid] if sid < len(NAMES) else "?"
            print(sid, name, off, length)
    elif len(argv) >= 3 and argv[1] == "fixcrc":
        fixcrc(argv[2])
    elif len(argv) >= 5 and argv[1] == "xor":
        data = bytearray(open(argv[2], "rb").read())
        data[int(argv[3])] ^= int(argv[4], 0)
        open(argv[2], "wb").write(data)
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
