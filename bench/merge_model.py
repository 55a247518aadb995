#!/usr/bin/env python3
"""merge_model.py BASE WORKDIR DATE SETS -- BASE with the weights trained by
bench/train.sh (WORKDIR/{question,keyword}.weights) in place of its own, and
a comment per class naming the run.  Lines are kept in order; a class's
weight.* lines are replaced by the trained ones."""
import os, sys

base, work, date, sets = sys.argv[1:5]
trained = {}
for cls in ("question", "keyword"):
    path = os.path.join(work, cls + ".weights")
    if os.path.exists(path) and os.path.getmtime(path) >= os.path.getmtime(base):
        trained[cls] = [l.rstrip("\n") for l in open(path) if l.startswith("weight.")]
        valid = open(os.path.join(work, cls + ".valid")).read().strip()
        trained[cls].insert(0, "# weights: bench/train.sh, %s, trained on the train splits of %s;"
                            % (date, sets))
        trained[cls].insert(1, "#   %s (set0.. in the order above)" % valid)
section = None
out = []
for line in open(base):
    line = line.rstrip("\n")
    s = line.strip()
    if s.startswith("["):
        section = s[1:-1]
        out.append(line)
        if section in trained:
            out.extend(trained[section])
        continue
    if section in trained and (s.startswith("weight.") or s.startswith("# weights:")
                               or s.startswith("#   valid:")):
        continue
    out.append(line)
print("\n".join(out))
