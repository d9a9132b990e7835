#!/usr/bin/python3
"""Time heed loading the same weights from model.safetensors and from
pytorch_model.bin in both torch.save formats; print them side by side.

    bench/load_formats.py [--model DIR] [--rounds N] [--heed build/heed]

DIR (default bench/out/bert-base-random, made by bench/make_bert_base.py
when missing) holds model.safetensors; this script saves the same tensors
with torch.save (zip, and _use_new_zipfile_serialization=False) into
bench/out/load-formats/, the tied decoder sharing the embeddings' storage
as transformers saves it.  Each round runs a fresh `heed bench --format
tsv` per format, alternating, and reads its "load" row (model_load: read,
validate, convert and pack every weight); the table shows the median and
each format's ratio to safetensors.  The target (issue #15): at most 1.5.
Run with Debian's /usr/bin/python3 (torch, numpy).
"""
import argparse
import json
import os
import shutil
import statistics
import struct
import subprocess
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
NP = {"F32": np.float32, "F16": np.float16}


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, h in header.items():
        if name == "__metadata__":
            continue
        b, e = h["data_offsets"]
        a = np.frombuffer(data[b:e], dtype=NP[h["dtype"]]).reshape(h["shape"])
        out[name] = torch.from_numpy(a.copy())
    return out


def make_copies(src, out):
    sd = read_safetensors(os.path.join(src, "model.safetensors"))
    emb = "bert.embeddings.word_embeddings.weight"
    if emb in sd and "cls.predictions.decoder.weight" not in sd:
        sd["cls.predictions.decoder.weight"] = sd[emb]   # tied: one storage
    dirs = {}
    for fmt, legacy in (("safetensors", None), ("zip", False), ("legacy", True)):
        d = os.path.join(out, fmt)
        dirs[fmt] = d
        if os.path.exists(os.path.join(d, "config.json")):
            continue
        os.makedirs(d, exist_ok=True)
        shutil.copyfile(os.path.join(src, "vocab.txt"), os.path.join(d, "vocab.txt"))
        if legacy is None:
            shutil.copyfile(os.path.join(src, "model.safetensors"),
                            os.path.join(d, "model.safetensors"))
        else:
            torch.save(sd, os.path.join(d, "pytorch_model.bin"),
                       _use_new_zipfile_serialization=not legacy)
        # config last: its presence marks a finished folder
        shutil.copyfile(os.path.join(src, "config.json"), os.path.join(d, "config.json"))
    return dirs


def load_ms(heed, d):
    """heed's own load time (wall ms) and the CPU ms of the whole process
    (user + sys: the load, plus a vocabulary and one 8-token forward)."""
    p = subprocess.Popen([heed, "bench", "-m", d, "--format", "tsv", "--lengths", "8",
                          "--runs", "1", "--warmup", "0", "--forward-only", "--threads", "1"],
                         stdout=subprocess.PIPE, text=True)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise SystemExit("heed bench -m %s exited %d" % (d, p.returncode))
    for line in out.splitlines():
        f = line.split("\t")
        if f[0] == "load":
            return float(f[4]), (ru.ru_utime + ru.ru_stime) * 1000
    raise SystemExit("no load row from heed bench for " + d)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default=os.path.join(HERE, "out", "bert-base-random"))
    ap.add_argument("--out", default=os.path.join(HERE, "out", "load-formats"))
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--heed", default=os.path.join(ROOT, "build", "heed"))
    a = ap.parse_args()

    if not os.path.exists(os.path.join(a.model, "config.json")):
        subprocess.run([sys.executable, os.path.join(HERE, "make_bert_base.py"),
                        "--out", a.model], check=True)
    dirs = make_copies(a.model, a.out)
    wall = {fmt: [] for fmt in dirs}
    cpu = {fmt: [] for fmt in dirs}
    for fmt, d in dirs.items():   # one untimed load each: the page cache
        load_ms(a.heed, d)
    for _ in range(a.rounds):
        for fmt, d in dirs.items():
            w, c = load_ms(a.heed, d)
            wall[fmt].append(w)
            cpu[fmt].append(c)
    print("%-12s %7s  %-26s %-26s" % ("", "", "heed's load, wall ms", "process CPU ms"))
    print("%-12s %7s  %8s %8s %8s  %8s %8s %8s" % ("format", "MB", "median", "min", "ratio",
                                                 "median", "min", "ratio"))
    for fmt, d in dirs.items():
        f = [x for x in os.listdir(d) if x.endswith((".safetensors", ".bin"))][0]
        mb = os.path.getsize(os.path.join(d, f)) / 1e6
        row = [fmt, mb]
        for t in (wall, cpu):
            row += [statistics.median(t[fmt]), min(t[fmt]),
                    statistics.median(t[fmt]) / statistics.median(t["safetensors"])]
        print("%-12s %7.1f  %8.1f %8.1f %8.2f  %8.1f %8.1f %8.2f" % tuple(row))
    print("\nmedians of %d alternating rounds, %s; target (issue #15): .bin at most "
          "1.5x safetensors.  On a busy machine the wall times wait on other work: "
          "the CPU columns and the minimums are the steadier ones." % (a.rounds, a.model))


if __name__ == "__main__":
    main()
