#!/usr/bin/python3
"""Golden values for `heed scan` (tests/scan_test.sh), from the independent
float64 reference (reference.py, with make_imp_fixtures.py's head modes).

    make_scan_fixtures.py --heed build/heed [--out tests/fixtures/scan]

Runs `heed scan --partial` on one sentence with the fixture model of
tests/fixtures/imp/bert-uhead, takes the masks heed drew (positions and
original tokens; the reference tokenizer must give the same tokens there),
switches every head alone in the reference, and writes uhead.json:

   {"model", "text", "seed", "modes": [...], "masks": [...], "targets": [...],
    "kl": {mode: [lh: mean KL(base || switched) over the masks, nats]},
    "drop": {mode: [lh: mean ln p_base(t) - ln p_switched(t)]}}

The definitions are include/heed/scan.h's.  Values are rounded to 9 decimals.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
from make_imp_fixtures import Calib, kl, outputs  # noqa: E402
from reference import Model  # noqa: E402

TEXT = "The quick brown fox jumps over the lazy dog near the old river bank."
SEED = 7
MODES = ["average", "dense", "random", "uniform"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--heed", required=True)
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "fixtures", "scan"))
    args = ap.parse_args()
    torch.set_default_dtype(torch.float64)
    model_dir = os.path.join(ROOT, "tests", "fixtures", "imp", "bert-uhead")
    with tempfile.TemporaryDirectory() as tmp:
        corpus, part = os.path.join(tmp, "corpus.txt"), os.path.join(tmp, "one.part")
        with open(corpus, "w", encoding="utf-8") as f:
            f.write(TEXT + "\n")
        subprocess.run([args.heed, "scan", "-q", "-m", model_dir, "-t", "1", "-s", str(SEED),
                        "--partial", "-o", part, corpus], check=True)
        with open(part, encoding="utf-8") as f:
            doc = json.load(f)
    assert doc["modes"] == MODES, doc["modes"]
    s = doc["sentences"][0]
    m = Model(model_dir)
    cal = Calib(os.path.join(model_dir, "heed.calib"))
    ids, tokens, _ = m.tok.encode(TEXT, max_len=m.max_tokens)
    masks, targets = s["masks"], s["targets"]
    assert [ids[p] for p in masks] == targets, "heed and the reference tokenize differently"
    mask_id = {t: i for i, t in m.tok.inv.items()}["[MASK]"]
    masked = list(ids)
    for p in masks:
        masked[p] = mask_id
    _, pb = outputs(m, cal, masked, masks, {})
    out = {"model": os.path.relpath(model_dir, os.path.join(ROOT, "tests")), "text": TEXT,
           "seed": SEED, "modes": MODES, "masks": masks, "targets": targets, "kl": {}, "drop": {}}
    for mode in MODES:
        kls, drops = [], []
        for lh in range(m.layers * m.heads):
            _, ps = outputs(m, cal, masked, masks, {divmod(lh, m.heads): mode})
            kls.append(round(sum(kl(p, q) for p, q in zip(pb, ps)) / len(masks), 9))
            drops.append(round(sum(float(torch.log(p[t]) - torch.log(q[t]))
                                   for p, q, t in zip(pb, ps, targets)) / len(masks), 9))
        out["kl"][mode], out["drop"][mode] = kls, drops
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "uhead.json")
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    os.replace(path + ".tmp", path)
    print(f"{path}: {len(masks)} masks, {m.layers * m.heads} heads x {len(MODES)} modes")


if __name__ == "__main__":
    main()
