#!/usr/bin/env python3
"""record_table.py -- put results into docs/BENCHMARKS.md.

usage: bench/record_table.py DOC TSV HEADING INTRO
       bench/record_table.py --entry DOC ENTRY

Adds "## <today> — HEADING", INTRO (a Markdown paragraph) and the TSV as
a Markdown table -- or, with --entry, the Markdown ENTRY as it is --
right after the "<!-- results -->" marker of DOC (made, with the marker,
when missing), so that the newest results come first.
"""
import csv
import datetime
import sys


def insert(doc, entry):
    """Put entry right after DOC's results marker."""
    try:
        text = open(doc, encoding="utf-8").read()
    except FileNotFoundError:
        text = "# Benchmarks\n\n<!-- results -->\n"
    marker = "<!-- results -->"
    if marker not in text:
        text = text.rstrip("\n") + "\n\n" + marker + "\n"
    head, tail = text.split(marker, 1)
    open(doc, "w", encoding="utf-8").write(head + marker + "\n\n" + entry + "\n" + tail)


def main(doc, tsv, heading, intro):
    rows = list(csv.DictReader(open(tsv), delimiter="\t"))
    cols = list(rows[0].keys())
    table = "| " + " | ".join(cols) + " |\n| " + " | ".join("---" for _ in cols) + " |\n"
    table += "".join("| " + " | ".join(r[c] for c in cols) + " |\n" for r in rows)
    insert(doc, f"## {datetime.date.today()} — {heading}\n\n{intro}\n\n{table}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--entry":
        insert(*sys.argv[2:])
    elif len(sys.argv) == 5:
        main(*sys.argv[1:])
    else:
        sys.exit(__doc__.strip())
