#!/usr/bin/python3
"""Golden values for sentence pairs, from the independent reference.

    make_pair_fixtures.py [--out tests/fixtures/enc/pairs.json]

For the tiny BERT and ELECTRA checkpoints (type_vocab_size 2, a WordPiece
vocab.txt), runs reference.py's forward on pairs in BERT's template,
[CLS] A [SEP] B [SEP] with B's part of token type 1 (transformers'
BertTokenizer), and writes

    {"models": [{"model": DIR relative to the source root, "layers", "heads",
       "pairs": [{"a", "b", "ids", "types", "spans" (B's from B's start),
                  "attention": flat [layers][heads][n][n],
                  "mlm": [{"pos", "ids"}] top-k at each [MASK]}]}]}

heed's tests/pairs_test.sh dumps the same pairs (A TAB B) and compares.
Token types matter: the attention differs from the all-type-0 run, which the
generator checks so the fixture can catch types that never reach the encoder.
"""
import argparse
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
from make_enc_fixtures import flat, mlm_entries  # noqa: E402
from reference import Model  # noqa: E402

MODELS = ("bert-f32", "electra-gen-f32")
PAIRS = (
    ("The cat sat on the mat.", "It was happy."),
    ("Paris is the [MASK] of France.", "The city is large."),
    ("Where is the dog?", "The dog is in the [MASK]."),
)


def pair_fixture(m, a, b):
    r = m.run_pair(a, b)
    plain, _ = m.forward(r["ids"])
    assert (plain - r["attention"]).abs().max() > 1e-6, "token types change nothing"
    return {"a": a, "b": b, "ids": r["ids"], "types": r["types"],
            "spans": [list(s) for s in r["spans"]], "attention": flat(r["attention"], 7),
            "mlm": [{"pos": x["pos"], "ids": x["ids"]} for x in mlm_entries(m, r)
                    if r["tokens"][x["pos"]] == "[MASK]"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "fixtures", "enc", "pairs.json"))
    args = ap.parse_args()
    torch.set_default_dtype(torch.float64)
    doc = {"generator": "tools/reference/make_pair_fixtures.py", "models": []}
    for name in MODELS:
        d = os.path.join(ROOT, "tests", "fixtures", "enc", name)
        m = Model(d)
        doc["models"].append({"model": os.path.relpath(d, ROOT), "layers": m.layers,
                              "heads": m.heads, "pairs": [pair_fixture(m, a, b) for a, b in PAIRS]})
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    os.replace(tmp, args.out)
    print(f"{args.out}: {len(MODELS)} models, {os.path.getsize(args.out)} bytes")


if __name__ == "__main__":
    main()
