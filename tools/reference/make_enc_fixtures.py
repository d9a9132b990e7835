#!/usr/bin/python3
"""Golden values for heed's encoder tests, from the independent reference.

    make_enc_fixtures.py [--out tests/fixtures/enc]

Runs reference.py over tests/fixtures/enc/sentences.txt for the tiny BERT
and DistilBERT checkpoints in tests/fixtures/enc/ (make_random_model.py)
and, when its weights exist, for the bundled assets/models/heed-mini; over
the shorter tests/fixtures/enc/family-sentences.txt for the checkpoints of
the other families; and writes one compact JSON file per model,
tests/fixtures/enc/<name>.json:

    {"model": DIR relative to the source root, "layers", "heads", "hidden",
     "max_tokens", "sentences": [{
        "text", "ids", "tokens", "spans" ([-1,-1] for the added [CLS]/[SEP]),
        "n_full", "truncated",
        "attn_rows":  query rows stored (all of them when n <= 20),
        "attention":  flat [layers][heads][len(attn_rows)][n],
        "hidden_rows": token rows stored (first, middle, last; only the middle
                       one for models wider than 64),
        "hidden":     flat [layers+1][len(hidden_rows)][hidden],
        "mlm": [{"pos", "ids", "probs"}]   top-k, cut before any near-tie,
        "mlm_emd": the same through DeBERTa's enhanced mask decoder, where the
                   checkpoint has one (heed --mlm-head emd),
        "replaced": [n]  ELECTRA discriminators only: P(replaced) per token
     }]}

Attention weights and probabilities are rounded to 7 decimal places and
hidden states to 6 (at most 5e-8 and 5e-7 off, far inside the tests'
tolerances of 1e-4 and 1e-3), which keeps the files small.
"""
import argparse
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
from make_random_model import FAMILY_FIXTURES  # noqa: E402
from reference import Model  # noqa: E402

TINY = ("bert-f32", "bert-f16", "distil-f32", "distil-f16")
FULL_ROWS_UP_TO = 20
TOP_K = 5
TIE_GAP = 1e-5  # the C encoder runs in float32: closer probabilities may swap


def flat(t, places):
    return [round(v, places) for v in t.reshape(-1).tolist()]


def stored_rows(n):
    if n <= FULL_ROWS_UP_TO:
        return list(range(n))
    return sorted({0, 1, n // 2, n - 2, n - 1})


def mlm_entries(m, res, emd=False):
    if not m.has_mlm():
        return []
    positions = res.get("mask_positions") or [i for i, t in enumerate(res["tokens"])
                                              if t == "[MASK]"] or [1]
    out = []
    for pos in positions:
        # DeBERTa's enhanced mask decoder needs more than the last row
        p = m.mlm_probs_at(res, pos, emd) if emd else m.mlm_probs(res["hidden"][-1][pos])
        top = torch.topk(p, TOP_K + 1)
        vals, ids = top.values.tolist(), top.indices.tolist()
        k = TOP_K
        for i in range(TOP_K):
            if vals[i] - vals[i + 1] < TIE_GAP:
                k = i
                break
        if k > 0:
            out.append({"pos": pos, "ids": ids[:k], "probs": [round(v, 7) for v in vals[:k]]})
    return out


def sentence_fixture(m, sent):
    """sent: a text, or an entry of FOLDER.tokens.json (the ids Hugging
    Face's tokenizers gives it)."""
    if isinstance(sent, dict):
        text, r = sent["text"], m.run_encoded(sent, top_k=TOP_K)
    else:
        text, r = sent, m.run(sent, top_k=TOP_K)
    n = len(r["ids"])
    rows = stored_rows(n)
    # a wide model's rows are long: one middle row per layer is enough there
    hrows = sorted({0, n // 2, n - 1}) if m.hidden <= 64 else [n // 2]
    out = {"text": text, "ids": r["ids"], "tokens": r["tokens"],
           "spans": [list(s) for s in r["spans"]], "n_full": r["n_full"], "truncated": r["truncated"],
           "attn_rows": rows, "attention": flat(r["attention"][:, :, rows, :], 7),
           "hidden_rows": hrows, "hidden": flat(r["hidden"][:, hrows, :], 6),
           "mlm": mlm_entries(m, r)}
    if hasattr(m, "has_emd") and m.has_emd():
        out["mlm_emd"] = mlm_entries(m, r, emd=True)
    if "replaced" in r:
        out["replaced"] = [round(v, 7) for v in r["replaced"]]
    return out


def write_fixture(model_dir, sentences, out_path, model_cls=Model):
    """model_cls: the reference forward (reference.Model, or make_fam2_fixtures'
    ModernBERT and DeBERTa ones)."""
    m = model_cls(model_dir)
    doc = {"model": os.path.relpath(model_dir, ROOT), "layers": m.layers, "heads": m.heads,
           "hidden": m.hidden, "max_tokens": min(128, m.max_tokens),
           "sentences": [sentence_fixture(m, s) for s in sentences]}
    tmp = out_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    os.replace(tmp, out_path)
    print(f"{out_path}: {len(sentences)} sentences, {os.path.getsize(out_path)} bytes")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "fixtures", "enc"))
    ap.add_argument("--sentences", default=os.path.join(ROOT, "tests", "fixtures", "enc", "sentences.txt"))
    ap.add_argument("--family-sentences",
                    default=os.path.join(ROOT, "tests", "fixtures", "enc", "family-sentences.txt"))
    ap.add_argument("--heed-mini", default=os.path.join(ROOT, "assets", "models", "heed-mini"))
    args = ap.parse_args()
    torch.set_default_dtype(torch.float64)
    with open(args.sentences, encoding="utf-8") as f:
        sentences = [line.rstrip("\n") for line in f if line.strip()]
    with open(args.family_sentences, encoding="utf-8") as f:
        family_sentences = [line.rstrip("\n") for line in f if line.strip()]
    for name in TINY:
        write_fixture(os.path.join(args.out, name), sentences, os.path.join(args.out, name + ".json"))
    for name in FAMILY_FIXTURES:
        # folders with their family's tokenizer.json: the ids tokenizers gave
        # (tools/reference/family_tokenizers.js)
        tokens = os.path.join(args.out, name + ".tokens.json")
        sents = family_sentences
        if os.path.exists(tokens):
            with open(tokens, encoding="utf-8") as f:
                sents = json.load(f)["sentences"]
        write_fixture(os.path.join(args.out, name), sents, os.path.join(args.out, name + ".json"))
    if os.path.exists(os.path.join(args.heed_mini, "model.safetensors")):
        write_fixture(args.heed_mini, sentences, os.path.join(args.out, "heed-mini.json"))
    else:
        print(f"{args.heed_mini}: no weights yet, skipped")


if __name__ == "__main__":
    main()
