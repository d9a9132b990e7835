#!/usr/bin/python3
"""Golden values for heed's per-head importance (src/imp, tests/unit/test_imp.c),
from the independent float64 reference (reference.py).

    make_imp_fixtures.py --heed build/heed [--out tests/fixtures/imp]

1. Writes tests/fixtures/imp/bert-uhead: the tiny BERT of tests/fixtures/enc/bert-f32
   with the query weights and bias of layer 2, head 3 (1-based) set to zero,
   so that head's scores are all 0 and its attention is exactly uniform
   whatever the input: replacing it by uniform attention provably changes
   nothing.
2. Calibrates it with heed (`heed calibrate -L 24 -r 8` over
   tests/fixtures/calib/corpus.txt) into bert-uhead/heed.calib, so the
   average and dense replacements have data.  The reference reads the
   PAPA averages, the Dense Synthesizers and the Random Synthesizer's seed
   from that file (its layout is documented in src/calib/calibfile.c) and
   draws the random matrices with random_synth.py.
3. For each case (a sentence, the modes the other heads keep, a
   replacement), switches every head alone in the reference and writes
   bert-uhead.json:

   {"model", "layers", "heads", "uniform_head": [layer, head] (0-based),
    "cases": [{"text", "ids", "masks" (positions of [MASK]), "modes" ({"lh": mode}
       for heads not in input mode), "replace",
       "target": [per mask: the baseline's top prediction],
       "base_prob": [its probability], "score": [lh: mean KL(base || switched)
       over the masks, nats; with no mask ||H_s - H_b||_F / ||H_b||_F of the last
       layer], "prob": [lh][mask: target's probability, switched],
       "curve_order": [lh...], "curve_prob": [k: mean target probability with
       the first k heads of curve_order replaced], "curve_kl": [...]}]}

The definitions are imp.h's.  Values are rounded to 9 decimals.
"""
import argparse
import json
import math
import os
import shutil
import struct
import subprocess
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
from make_random_model import write_safetensors  # noqa: E402
from random_synth import logits as random_logits  # noqa: E402
from reference import Model, layer_norm, linear, read_safetensors  # noqa: E402

UNIFORM_HEAD = (1, 2)   # layer, head (0-based) whose queries are zeroed
CAL_L, CAL_RANK = 24, 8
MODES = ["input", "average", "dense", "random", "uniform"]
TIE_GAP = 1e-4

CASES = [
    # text, {lh: mode} for the other heads, replacement
    ("Paris is the [MASK] of France.", {}, "uniform"),
    ("Paris is the [MASK] of France.", {}, "average"),
    ("She poured the water into the [MASK] and drank it.", {}, "random"),
    ("The [MASK] barked at the [MASK] all morning.", {}, "dense"),
    ("The [MASK] barked at the [MASK] all morning.", {"0": "random", "9": "average"}, "average"),
    ("The quick brown fox jumps over the lazy dog.", {}, "average"),
    ("The quick brown fox jumps over the lazy dog.", {}, "uniform"),
]


def make_model(src, dst):
    os.makedirs(dst, exist_ok=True)
    for f in ("config.json", "vocab.txt"):
        shutil.copyfile(os.path.join(src, f), os.path.join(dst, f))
    t = {k: v.numpy().astype(np.float32) for k, v in read_safetensors(os.path.join(src, "model.safetensors")).items()}
    with open(os.path.join(src, "config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    d = cfg["hidden_size"] // cfg["num_attention_heads"]
    layer, head = UNIFORM_HEAD
    p = f"bert.encoder.layer.{layer}.attention.self.query."
    t[p + "weight"][head * d:(head + 1) * d, :] = 0.0
    t[p + "bias"][head * d:(head + 1) * d] = 0.0
    write_safetensors(os.path.join(dst, "model.safetensors"), t, "F32")


class Calib:
    """The parts of heed.calib the replacements read (src/calib/calibfile.c)."""

    def __init__(self, path):
        buf = open(path, "rb").read()
        assert buf[:8] == b"HEEDCAL\0"
        flags = struct.unpack_from("<I", buf, 12)[0]
        self.layers, self.heads, self.hidden, self.L, self.rank, _ = struct.unpack_from("<6I", buf, 24)
        self.seed = struct.unpack_from("<Q", buf, 56)[0]
        L, LH, r, H = self.L, self.layers * self.heads, self.rank, self.hidden
        off = 96
        s = np.frombuffer(buf, "<f8", LH * L * L, off).reshape(LH, L, L)
        off += 8 * LH * L * L
        cnt = np.frombuffer(buf, "<f8", L * L, off).reshape(L, L)
        off += 8 * L * L
        with np.errstate(invalid="ignore", divide="ignore"):
            # heed keeps the averages as float32
            self.avg = np.where(cnt > 0, s / np.where(cnt > 0, cnt, 1), 0.0).astype(np.float32).astype(np.float64)
        self.synth = bool(flags & 1)
        if self.synth:
            def take(count, shape):
                nonlocal off
                a = np.frombuffer(buf, "<f4", count, off).astype(np.float64).reshape(shape)
                off += 4 * count
                return a
            self.w1 = take(LH * r * H, (LH, r, H))
            self.b1 = take(LH * r, (LH, r))
            self.w2 = take(LH * L * r, (LH, L, r))
            self.b2 = take(LH * L, (LH, L))


def slot(k, n, L):
    """heads.c's layout_slot: the last token in slot L-1, tokens past L-2 share it."""
    if k == n - 1:
        return L - 1
    return k if k < L - 1 else L - 2


def mode_matrix(mode, cal, layer, head, n, x):
    """The n x n attention of a head in a non-input mode; x its layer input."""
    L, lh = cal.L, layer * cal.heads + head
    sl = [slot(k, n, L) for k in range(n)]
    if mode == "uniform":
        return torch.full((n, n), 1.0 / n)
    if mode == "average":
        a = torch.tensor(cal.avg[lh][np.ix_(sl, sl)])
        rows = a.sum(-1, keepdim=True)
        return torch.where(rows > 0, a / torch.where(rows > 0, rows, torch.ones_like(rows)),
                           torch.full((n, n), 1.0 / n))
    if mode == "random":
        lg = np.array(random_logits(cal.seed, layer, head, L)).reshape(L, L).astype(np.float32)
        return torch.softmax(torch.tensor(lg[np.ix_(sl, sl)].astype(np.float64)), dim=-1)
    if mode == "dense":
        h = torch.relu(x @ torch.tensor(cal.w1[lh]).T + torch.tensor(cal.b1[lh]))
        b = h @ torch.tensor(cal.w2[lh]).T + torch.tensor(cal.b2[lh])  # [n][L]
        return torch.softmax(b[:, sl], dim=-1)
    raise ValueError(mode)


def forward(m, cal, ids, modes):
    """reference.Model.forward with the heads in modes ({(l, h): mode}) switched;
    returns the last layer's hidden states."""
    x = m.embed(torch.tensor(ids))
    n, nh, d = len(ids), m.heads, m.hidden // m.heads
    for i in range(m.layers):
        lw = m._layer(i)
        q = linear(x, *lw["q"]).view(n, nh, d).transpose(0, 1)
        k = linear(x, *lw["k"]).view(n, nh, d).transpose(0, 1)
        v = linear(x, *lw["v"]).view(n, nh, d).transpose(0, 1)
        a = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(d), dim=-1)
        for h in range(nh):
            mode = modes.get((i, h), "input")
            if mode != "input":
                a[h] = mode_matrix(mode, cal, i, h, n, x)
        ctx = (a @ v).transpose(0, 1).reshape(n, m.hidden)
        x = layer_norm(x + linear(ctx, *lw["o"]), *lw["ln1"], m.eps)
        f = linear(m.act(linear(x, *lw["f1"])), *lw["f2"])
        x = layer_norm(x + f, *lw["ln2"], m.eps)
    return x


def outputs(m, cal, ids, masks, modes):
    h = forward(m, cal, ids, modes)
    return h, [m.mlm_probs(h[p]) for p in masks]


def kl(p, q):
    return float((p * (torch.log(p) - torch.log(q))).sum())


def hidden_distance(hs, hb):
    return float(torch.linalg.norm(hs - hb) / torch.linalg.norm(hb))


def case(m, cal, text, others, replace):
    ids, tokens, _ = m.tok.encode(text, max_len=m.max_tokens)
    masks = [i for i, t in enumerate(tokens) if t == "[MASK]"]
    base_modes = {divmod(int(k), m.heads): v for k, v in others.items()}
    hb, pb = outputs(m, cal, ids, masks, base_modes)
    target, base_prob = [], []
    for p in pb:
        top = torch.topk(p, 2)
        if float(top.values[0] - top.values[1]) < TIE_GAP:
            sys.exit(f"{text}: near tie at a mask; choose another sentence")
        target.append(int(top.indices[0]))
        base_prob.append(float(top.values[0]))

    def measure(modes):
        hs, ps = outputs(m, cal, ids, masks, modes)
        if not masks:
            return hidden_distance(hs, hb), []
        return (sum(kl(p, q) for p, q in zip(pb, ps)) / len(masks),
                [float(q[t]) for q, t in zip(ps, target)])

    score, prob = [], []
    for lh in range(m.layers * m.heads):
        modes = dict(base_modes)
        modes[divmod(lh, m.heads)] = replace
        s, pr = measure(modes)
        score.append(s)
        prob.append(pr)
    # the curve in the reference's own ranking (ties by index)
    order = sorted(range(len(score)), key=lambda i: (score[i], i))
    curve_prob, curve_kl, modes = [], [], dict(base_modes)
    for k in range(len(order) + 1):
        if k > 0:
            modes[divmod(order[k - 1], m.heads)] = replace
        s, pr = measure(modes)
        curve_kl.append(s)
        curve_prob.append(sum(pr) / len(pr) if pr else 0.0)
    r9 = lambda v: round(v, 9)  # noqa: E731
    return {"text": text, "ids": ids, "masks": masks, "modes": others, "replace": replace,
            "target": target, "base_prob": [r9(v) for v in base_prob],
            "score": [r9(v) for v in score], "prob": [[r9(v) for v in p] for p in prob],
            "curve_order": order, "curve_prob": [r9(v) for v in curve_prob],
            "curve_kl": [r9(v) for v in curve_kl]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--heed", required=True, help="the heed binary that calibrates the fixture")
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "fixtures", "imp"))
    args = ap.parse_args()
    torch.set_default_dtype(torch.float64)
    model_dir = os.path.join(args.out, "bert-uhead")
    make_model(os.path.join(ROOT, "tests", "fixtures", "enc", "bert-f32"), model_dir)
    subprocess.run([args.heed, "calibrate", "-q", "-m", model_dir, "-L", str(CAL_L), "-r", str(CAL_RANK),
                    "-t", "1", "-o", os.path.join(model_dir, "heed.calib"),
                    os.path.join(ROOT, "tests", "fixtures", "calib", "corpus.txt")], check=True)
    m = Model(model_dir)
    cal = Calib(os.path.join(model_dir, "heed.calib"))
    doc = {"model": os.path.relpath(model_dir, os.path.join(ROOT, "tests")), "layers": m.layers,
           "heads": m.heads, "uniform_head": list(UNIFORM_HEAD),
           "cases": [case(m, cal, *c) for c in CASES]}
    out = os.path.join(args.out, "bert-uhead.json")
    with open(out + ".tmp", "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    os.replace(out + ".tmp", out)
    print(f"{out}: {len(doc['cases'])} cases, {os.path.getsize(out)} bytes")


if __name__ == "__main__":
    main()
