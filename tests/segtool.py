#!/usr/bin/env python3
"""segtool.py -- inspect and damage cari segment files, for the tests.

  segtool.py sections FILE          one line per section: id name offset length
  segtool.py fixcrc FILE            recompute every section's crc32 and the
                                    table's, so that damage made on purpose
                                    gets past the checksums (structural damage)
  segtool.py xor FILE OFFSET BYTE   xor the byte at OFFSET with BYTE
  segtool.py samecontent A B        exit 0 when the segments differ at most
                                    in their stored text's deflate streams
                                    (and so the store index's offsets), the
                                    streams inflating to the same bytes;
                                    says which sections differ

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


def sections(path):
    """{name: bytes} of the segment's sections."""
    data = open(path, "rb").read()
    return {NAMES[sid] if sid < len(NAMES) else str(sid): data[o:o + n]
            for sid, _crc, o, n in table(data)[1]}


def inflate_blocks(store):
    """The stored text's blocks, each a zlib stream, inflated."""
    blocks = []
    while store:
        z = zlib.decompressobj()
        blocks.append(z.decompress(store))
        if not z.eof:
            raise ValueError("a stored-text block ends early")
        store = z.unused_data
    return blocks


def samecontent(path_a, path_b):
    """ISA-L's deflate now and then writes another valid stream for the
    same block inside cari-index (docs/ROBUSTNESS.md): a segment is then
    the same but for those bytes."""
    a, b = sections(path_a), sections(path_b)
    differ = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    print("# sections that differ:", " ".join(differ) or "none")
    if set(a) != set(b) or any(k not in ("store", "store-index")
                               for k in differ):
        return 1
    if "store" in differ:
        ia, ib = inflate_blocks(a["store"]), inflate_blocks(b["store"])
        if ia != ib:
            print("# the stored text inflates to other bytes")
            return 1
        print("# the stored text's %d blocks inflate to the same bytes"
              % len(ia))
    return 0


def main(argv):
    if len(argv) >= 3 and argv[1] == "sections":
        data = open(argv[2], "rb").read()
        for sid, _crc, off, length in table(data)[1]:
            name = NAMES[sid] if sid < len(NAMES) else "?"
            print(sid, name, off, length)
    elif len(argv) >= 3 and argv[1] == "fixcrc":
        fixcrc(argv[2])
    elif len(argv) >= 4 and argv[1] == "samecontent":
        return samecontent(argv[2], argv[3])
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
