#!/usr/bin/python3
"""Evaluate an exported model folder on the held-out 2% of the corpus.

    /usr/bin/python3 tools/train/evaluate.py [--model assets/models/heed-mini] [--json OUT]

Prints held-out masked-LM loss, top-1 and top-5 accuracy (15% of each
held-out sentence's tokens replaced by [MASK], fixed seed: the same protocol
as the training log), and the top-5 predictions for the sample sentences of
the model card.  Also writes the held-out sentences to --heldout-out so
`heed eval` (the C engine, with head modes) can be run on the same text.
"""
import argparse
import json
import os
import struct
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import data  # noqa: E402
from model import BertForMaskedLM  # noqa: E402
from train import CLS, SEP, collate, evaluate, mask_tokens  # noqa: E402

SAMPLES = [
    "the president of the united [MASK] .",
    "the cat sat on the [MASK] .",
    "the whale swam in the [MASK] .",
    "he went to the [MASK] to buy bread .",
    "the [MASK] of the united states shall be commander in chief .",
    "call me [MASK] .",
    "she opened the [MASK] and walked in .",
    "the ship sailed across the [MASK] .",
    "congress shall make no [MASK] .",
    "it was a dark and stormy [MASK] .",
]

NP = {"F32": np.float32, "F16": np.float16}


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        blob = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        if info["dtype"] == "BF16":
            raw = np.frombuffer(blob[b:e], dtype=np.uint16).astype(np.uint32) << 16
            arr = raw.view(np.float32)
        else:
            arr = np.frombuffer(blob[b:e], dtype=NP[info["dtype"]]).astype(np.float32)
        out[name] = torch.from_numpy(arr.reshape(info["shape"]).copy())
    return out


def load_model(folder):
    with open(os.path.join(folder, "config.json")) as f:
        cfg = json.load(f)
    cfg.setdefault("hidden_dropout_prob", 0.0)
    cfg.setdefault("attention_probs_dropout_prob", 0.0)
    m = BertForMaskedLM(cfg)
    m.load_state_dict(read_safetensors(os.path.join(folder, "model.safetensors")))
    m.eval()
    return m


@torch.no_grad()
def predict(model, tok, sentence, k=5):
    model.eval()  # train.evaluate() leaves the model in training mode (dropout on)
    ids, tokens, _ = tok.encode(sentence, max_len=128)
    t = torch.tensor([ids])
    pos = [i for i, x in enumerate(tokens) if x == "[MASK]"]
    logits = model(t, t != 0, (torch.zeros(len(pos), dtype=torch.long), torch.tensor(pos)))
    probs = torch.softmax(logits, dim=-1)
    out = []
    for r in range(len(pos)):
        p, i = probs[r].topk(k)
        out.append([(tok.inv[int(j)], round(float(q), 3)) for q, j in zip(p, i)])
    return out


def write_masked(heldout, path, seed=1234, batch=64):
    """The exact examples evaluate() scores, as 'IDS<TAB>POS:LABEL ...' lines
    for `heed eval` (same generator, same batches, so the same masks)."""
    gen = torch.Generator().manual_seed(seed)
    sents = [[CLS] + ids + [SEP] for _, ids in heldout]
    with open(path, "w") as f:
        for i in range(0, len(sents), batch):
            ids, pad = collate(sents[i:i + batch])
            inp, pos, lab = mask_tokens(ids, gen, all_mask=True)
            rows = {}
            for b, t, y in zip(pos[0].tolist(), pos[1].tolist(), lab.tolist()):
                rows.setdefault(b, []).append(f"{t}:{y}")
            for b in range(ids.shape[0]):
                n = int(pad[b].sum())
                f.write(" ".join(str(x) for x in inp[b, :n].tolist()) + "\t" + " ".join(rows.get(b, [])) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=os.path.join(ROOT, "assets", "models", "heed-mini"))
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--heldout-out", help="write held-out sentences (one per line) here")
    ap.add_argument("--masked-out", help="write the masked held-out examples for `heed eval` here")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    _, heldout = data.load(cache=os.path.join(HERE, "run", "data.pkl")
                           if os.path.exists(os.path.join(HERE, "run", "data.pkl")) else None)
    if args.heldout_out:
        with open(args.heldout_out, "w", encoding="utf-8") as f:
            for s, _ in heldout:
                f.write(s + "\n")
    if args.masked_out:
        write_masked(heldout, args.masked_out)
    model = load_model(args.model)
    res = {"heldout": evaluate(model, heldout), "heldout_sentences": len(heldout)}
    tok = data.Tokenizer(data.VOCAB)
    res["samples"] = {s: predict(model, tok, s) for s in SAMPLES}
    h = res["heldout"]
    print(f"held-out: {res['heldout_sentences']} sentences, {h['n']} masked tokens: "
          f"loss {h['loss']:.3f}, top-1 {100 * h['top1']:.1f}%, top-5 {100 * h['top5']:.1f}%")
    for s, preds in res["samples"].items():
        print(f"  {s}")
        for r in preds:
            print("      " + ", ".join(f"{w} {p:.2f}" for w, p in r))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=2)


if __name__ == "__main__":
    main()
