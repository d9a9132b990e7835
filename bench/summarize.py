#!/usr/bin/python3
"""Summarise bench/run's results.tsv (engine, model, length, round, ms):
median and p95 per engine, model and length, and heed's median over each
other engine's (below 1: heed is faster).

    bench/summarize.py bench/out/results.tsv
"""
import csv
import math
import statistics
import sys
from collections import defaultdict

ENGINES = ("heed", "ort", "pytorch")
LABEL = {"heed": "heed", "ort": "ONNX Runtime", "pytorch": "PyTorch eager"}


def p95(v):
    s = sorted(v)
    return s[max(0, math.ceil(0.95 * len(s)) - 1)]


def main():
    ms = defaultdict(list)
    with open(sys.argv[1]) as f:
        for row in csv.DictReader(f, delimiter="\t"):
            ms[(row["model"], int(row["length"]), row["engine"])].append(float(row["ms"]))
    models = list(dict.fromkeys(m for m, _, _ in ms))
    print("%-14s %-24s %6s %10s %9s %11s" % ("engine", "model", "tokens", "median ms", "p95 ms", "heed/other"))
    for model in models:
        for n in sorted({n for m, n, _ in ms if m == model}):
            heed = ms.get((model, n, "heed"))
            for eng in ENGINES:
                v = ms.get((model, n, eng))
                if not v:
                    continue
                med = statistics.median(v)
                ratio = "" if eng == "heed" or not heed else "%.2f" % (statistics.median(heed) / med)
                print("%-14s %-24s %6d %10.2f %9.2f %11s" % (LABEL[eng], model, n, med, p95(v), ratio))


if __name__ == "__main__":
    main()
