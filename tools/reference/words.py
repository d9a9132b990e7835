#!/usr/bin/python3
"""Expected word-level attention for heed's `dump --words`, from the
independent reference forward.

    /usr/bin/python3 tools/reference/words.py [--dir tests/fixtures/words]

For each DIR/NAME.tokens.json (tools/reference/word_ids.js: the ids, spans
and word_ids Hugging Face's tokenizers gives each sentence) it runs
reference.py's float64 forward on those ids and merges the pieces into
words the way Clark et al. 2019 do ("What Does BERT Look At?", section 4):
attention to a word is summed over its pieces, attention from a word is
averaged over its pieces.  A word is the tokens sharing one word id; a
token without one (an added [CLS], [SEP], <s>, </s>) is a word of its own.
The merge is written as two matrices, W = F A T with F[w, i] = 1/|w| when
token i is in word w and T[j, w] = 1 when token j is, so it shares no
code or loop structure with heed's src/words/words.c.

Writes DIR/NAME.json:

    {"model", "layers", "heads", "sentences": [{
        "text", "ids", "word_ids", "words": [[first, end], ...] (tokens),
        "attention": flat [layers][heads][words][words], 6 decimal places
     }]}

tests/words_test.sh compares `heed dump --words` with these files (CI has
no torch): word ids exactly, weights within 1e-4.
"""
import argparse
import glob
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
from reference import Model  # noqa: E402


def words_of(word_ids, sequence_ids):
    """Token groups, in order: tokens sharing a word id in one sentence of
    a pair, or one token without an id."""
    groups, key_of = [], {}
    for i, (w, q) in enumerate(zip(word_ids, sequence_ids)):
        key = ("word", q, w) if w is not None else ("special", i)
        if key not in key_of:
            key_of[key] = len(groups)
            groups.append([])
        groups[key_of[key]].append(i)
    return groups


def merge(attn, groups):
    """attn: [layers, heads, n, n] -> [layers, heads, words, words]."""
    n = attn.shape[-1]
    frm = torch.zeros(len(groups), n, dtype=torch.float64)
    to = torch.zeros(n, len(groups), dtype=torch.float64)
    for w, toks in enumerate(groups):
        for i in toks:
            frm[w, i] = 1.0 / len(toks)
            to[i, w] = 1.0
    return frm @ attn @ to


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", default=os.path.join(ROOT, "tests", "fixtures", "words"))
    args = ap.parse_args()
    torch.set_default_dtype(torch.float64)
    for path in sorted(glob.glob(os.path.join(args.dir, "*.tokens.json"))):
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        m = Model(os.path.join(ROOT, doc["model"]))
        sentences = []
        for entry in doc["sentences"]:
            # a pair's token types, as tokenizers gives them, into the forward
            masks = [i for i, t in enumerate(entry["tokens"]) if t.strip() in ("<mask>", "[MASK]")]
            r = m._results(entry["text"], entry["ids"], entry["tokens"], entry["spans"],
                           entry["n_full"], m.max_tokens, masks, 5, entry["type_ids"])
            groups = words_of(entry["word_ids"], entry["sequence_ids"])
            w = merge(r["attention"].to(torch.float64), groups)
            sentences.append({"text": entry["text"], "ids": entry["ids"], "word_ids": entry["word_ids"],
                              "words": [[g[0], g[-1] + 1] for g in groups],
                              "attention": [round(v, 6) for v in w.reshape(-1).tolist()]})
        out = path[: -len(".tokens.json")] + ".json"
        res = {"model": doc["model"], "layers": m.layers, "heads": m.heads,
               "generator": "tools/reference/words.py", "sentences": sentences}
        with open(out + ".tmp", "w", encoding="utf-8") as f:
            json.dump(res, f, ensure_ascii=False, separators=(",", ":"))
            f.write("\n")
        os.replace(out + ".tmp", out)
        print(f"{out}: {len(sentences)} sentences, {os.path.getsize(out)} bytes")


if __name__ == "__main__":
    main()
