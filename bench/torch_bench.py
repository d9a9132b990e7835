#!/usr/bin/python3
"""PyTorch-eager side of the benchmark: one forward of bench/bert_torch.py's
BERT (no_grad, torch.set_num_threads(N)) on heed bench's ids.

    bench/torch_bench.py MODEL_DIR --lengths 8,32,128 --threads N --runs R --warmup W

Prints TSV: engine, model, length, run, ms — one line per timed run.
"""
import argparse
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bert_torch import bench_ids, encoder_for  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--lengths", default="8,32,128")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--name", default=None, help="model name to print")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    model = encoder_for(a.model).eval()
    name = a.name or os.path.basename(os.path.normpath(a.model))
    vocab = os.path.join(a.model, "vocab.txt")
    with torch.no_grad():
        for n in (int(x) for x in a.lengths.split(",")):
            ids = bench_ids(vocab, n)
            for _ in range(a.warmup):
                model(ids)
            for r in range(a.runs):
                t0 = time.perf_counter()
                model(ids)
                ms = (time.perf_counter() - t0) * 1e3
                print("pytorch\t%s\t%d\t%d\t%.4f" % (name, n, r, ms), flush=True)


if __name__ == "__main__":
    main()
