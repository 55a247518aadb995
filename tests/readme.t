#!/usr/bin/env bash
# readme.t -- the README tells the truth: every example block (a fenced
# block whose lines start with "$ cari-..." or "$ echo ... | cari-...") is
# run in a scratch copy of corpus/ with the tools on PATH, and its output
# (standard output and error, as a terminal shows them) must be exactly
# what the README shows, timings and sizes in the cari-index summary and
# --stats lines aside.  Also: the README's first command installs exactly
# the packages of .ci/packages.
#
# After a change that alters what the tools print (ranking, snippets),
# refresh the README's examples with
#     CARI_UPDATE_README=1 tests/readme.t
# and read the diff before committing it.
. "$(dirname "$0")/tap.sh"

command -v python3 >/dev/null || skip_all "python3 not found"
WORK=$TMP/work
mkdir -p "$WORK" && cp -R "$ROOT/corpus" "$WORK/corpus"

python3 - "$ROOT/README.md" "$ROOT/.ci/packages" "$WORK" "$BIN" <<'PY'
import os, re, subprocess, sys

readme, packages, work, bindir = sys.argv[1:5]
text = open(readme, encoding="utf-8").read()
update = os.environ.get("CARI_UPDATE_README") == "1"
n = failed = 0

def tap(good, desc, detail=""):
    global n, failed
    n += 1
    failed += not good
    print(("ok" if good else "not ok") + " %d - %s" % (n, desc))
    if not good and detail:
        for line in detail.splitlines()[:40]:
            print("#   " + line)

# ---- the first command installs .ci/packages ----
first = re.search(r"```sh\n(.*?)\n```", text, re.S).group(1)
m = re.search(r"apt-get install -y ([^&]*)&&", first)
want = sorted(open(packages).read().split())
got = sorted(m.group(1).split()) if m else []
tap(got == want, "the README's first command installs exactly .ci/packages",
    "README: %s\n.ci/packages: %s" % (" ".join(got), " ".join(want)))
tap(first.rstrip().endswith("make && ./bin/cari-index corpus/ && ./bin/cari-search banjir Jakarta"),
    "the first command builds, indexes corpus/ and searches it")

# ---- the examples ----
VARIABLE = [
    (re.compile(r"\d+(\.\d+)? (B|KB|MB|GB)\b"), "<size>"),
    (re.compile(r"\d+(\.\d+)? s\b"), "<seconds>"),
    (re.compile(r"\(\d+(\.\d+)? [KMG]?B/s\)"), "(<rate>)"),
    (re.compile(r"\(\d+ bytes\)"), "(<bytes>)"),
]

def normal(out):
    lines = []
    for line in out.splitlines():
        if line.startswith("indexed ") or line.startswith("size "):
            for rx, sub in VARIABLE:
                line = rx.sub(sub, line)
        lines.append(line.rstrip())
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)

env = dict(os.environ)
env["PATH"] = bindir + os.pathsep + env["PATH"]
for k in ("COLUMNS", "NO_COLOR", "CARI_UPDATE_README"):
    env.pop(k, None)
env["LC_ALL"] = "C.UTF-8"

blocks = list(re.finditer(r"^```\n(\$ .*?)^```\n", text, re.S | re.M))
pieces, last = [], 0
for b in blocks:
    body = b.group(1)
    cmds = []  # [command, expected lines]
    for line in body.splitlines():
        if line.startswith("$ "):
            cmds.append([line[2:], []])
        else:
            cmds[-1][1].append(line)
    new_body = []
    for cmd, expected in cmds:
        if "cari-" not in cmd:
            continue
        r = subprocess.run(["bash", "-c", cmd], cwd=work, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out = r.stdout.decode("utf-8", "replace")
        got, want = normal(out), normal("\n".join(expected))
        if update:  # keep what the README says when only timings differ
            shown = "\n".join(expected) if got == want else out.rstrip("\n")
            new_body.append("$ " + cmd + "\n" + shown + "\n")
            continue
        import difflib
        diff = "\n".join(difflib.unified_diff(want.splitlines(),
                         got.splitlines(), "README", "printed", lineterm=""))
        tap(got == want, "README example: " + cmd, diff)
    if update:
        pieces.append(text[last:b.start(1)] + "".join(new_body))
        last = b.end(1)

if update:
    pieces.append(text[last:])
    open(readme, "w", encoding="utf-8").write("".join(pieces))
    tap(True, "README examples refreshed: review `git diff README.md`")
tap(len(blocks) >= 10, "the README has its examples (%d blocks)" % len(blocks))
print("1..%d" % n)
sys.exit(1 if failed else 0)
PY
