#!/usr/bin/env python3
"""segment_bytes.py -- where the bytes of a cari segment go.

usage: bench/segment_bytes.py SEGMENT.cari...

Prints each section's size (the layout is documented at the top of
src/segment.c), then the posting lists by field, kind of term and list
length: words, exact forms ("=menulis") and metadata terms ("#...",
"@..."), lists of fewer than 128 entries (varint tails) and longer ones
(bit-packed blocks of 128, codec.h), with their postings, bytes per
posting and position bytes.  "exact/base": exact forms coded as ranks in
their base term's list (segment format 16).  Reads the file directly; no libcari needed.
"""
import collections
import os
import struct
import sys

# the section table is read as tests/segtool.py reads it
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests"))
from segtool import NAMES, table  # noqa: E402

FIELDS = ("body", "title")
DICT_FIELDS = 2
SEC_DICT, SEC_DICTIDX = 4, 5


def varint(b, p):
    v = s = 0
    while True:
        c = b[p]
        p += 1
        v |= (c & 127) << s
        s += 7
        if c < 128:
            return v, p


def report(path):
    f = open(path, "rb").read()
    sec = {sid: (off, length) for sid, _crc, off, length in table(f)[1]}
    print(f"{path}: {len(f) / 1e6:.3f} MB")
    for sid in sorted(sec):
        name = NAMES[sid] if sid < len(NAMES) else str(sid)
        print(f"  {name:24s} {sec[sid][1] / 1e6:8.3f} MB")
    o, ln = sec[SEC_DICT]
    d = f[o:o + ln]
    oi, li = sec[SEC_DICTIDX]
    idx = struct.unpack("<%dI" % (li // 4), f[oi:oi + li])
    stats = collections.defaultdict(lambda: [0, 0, 0, 0])
    for bi, p in enumerate(idx):
        end = idx[bi + 1] if bi + 1 < len(idx) else ln
        _, p = varint(d, p)
        _, p = varint(d, p)
        prev = b""
        while p < end:
            pre, p = varint(d, p)
            sl, p = varint(d, p)
            fields, sl = sl & 3, sl >> 2
            term = prev[:pre] + d[p:p + sl]
            p += sl
            prev = term
            kind = ("exact form" if term[:1] == b"=" else
                    "metadata" if term[:1] in (b"#", b"@") else "word")
            if kind == "exact form":
                # its base recipe (segment.c): 0, or the base named; its
                # lists are then ranks in the base's
                h, p = varint(d, p)
                if h:
                    kind = "exact/base"
                    h -= 1
                    if (h >> 2) & 7 == 7:
                        _, p = varint(d, p)
                    plen = h & 3
                    if plen == 3:
                        extra, p = varint(d, p)
                        plen += extra
                    p += plen
            for fld in range(DICT_FIELDS):
                if not fields >> fld & 1:
                    continue
                df, p = varint(d, p)
                pl, p = varint(d, p)
                ql = 0
                if kind == "word":  # positional: its positions' length
                    ql, p = varint(d, p)
                key = (FIELDS[fld], kind, "<128" if df < 128 else ">=128")
                s = stats[key]
                s[0] += 1
                s[1] += df
                s[2] += pl
                s[3] += ql
    print(f"  {'field':6s} {'kind':10s} {'list':6s} {'terms':>8s} "
          f"{'postings':>9s} {'MB':>7s} {'B/posting':>9s} {'pos MB':>7s}")
    for key in sorted(stats):
        n, df, pl, ql = stats[key]
        print(f"  {key[0]:6s} {key[1]:10s} {key[2]:6s} {n:8d} {df:9d} "
              f"{pl / 1e6:7.3f} {pl / df:9.2f} {ql / 1e6:7.3f}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__.strip())
    for a in sys.argv[1:]:
        report(a)
