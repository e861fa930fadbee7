"""bench/steps/table.py FILE: "<variant> TS <step> <ms>" lines (bench/steps.sh)
into a Markdown table: per variant, the median of each step's cumulative
time since the fork, and the step's own share (the difference of medians)."""
import sys, re, statistics, collections
# input lines: "<variant> TS <step> <ms>"
data = collections.defaultdict(lambda: collections.defaultdict(list))
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) == 4 and f[1] == 'TS':
        data[f[0]][f[2]].append(float(f[3]))
variants = list(data)
steps = sorted(set(k for v in variants for k in data[v]))
print("| step (median of cumulative time since fork, then the step's own share) | " + " | ".join(variants) + " |")
print("|:---|" + "---:|" * len(variants))
prev = {v: 0.0 for v in variants}
for s in steps:
    cells = []
    for v in variants:
        if s in data[v]:
            m = statistics.median(data[v][s])
            cells.append("%.2f (+%.2f)" % (m, m - prev[v]))
            prev[v] = m
        else:
            cells.append("-")
    print("| %s | %s |" % (s, " | ".join(cells)))
