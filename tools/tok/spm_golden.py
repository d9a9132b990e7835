#!/usr/bin/python3
"""spm_golden.py MODEL OUT — SentencePiece's own segmentation of the
sentences on standard input (a JSON list), for heed's .model golden test:
ids, pieces and byte offsets from python3-sentencepiece, with the <s> and
</s> heed's template puts around a sentence for a model that has them.

Run by make_fixtures.js with Debian's /usr/bin/python3."""
import json
import sys

import sentencepiece as spm

sp = spm.SentencePieceProcessor(model_file=sys.argv[1])
cases = []
for a in json.load(sys.stdin):
    p = sp.encode(a, out_type="immutable_proto")
    ids = [1] + [x.id for x in p.pieces] + [2]
    toks = ["<s>"] + [x.piece for x in p.pieces] + ["</s>"]
    # python's offsets count characters; heed's are bytes
    at = [0]
    for c in a:
        at.append(at[-1] + len(c.encode("utf-8")))
    offs = [[-1, -1]] + [[at[x.begin], at[x.end]] for x in p.pieces] + [[-1, -1]]
    cases.append({"a": a, "ids": ids, "tokens": toks, "offsets": offs})
doc = {"tokenizer": "unigram.model", "generator": "tools/tok/spm_golden.py",
       "sentencepiece": spm.__version__, "cases": cases}
with open(sys.argv[2], "w", encoding="utf-8") as f:
    json.dump(doc, f, ensure_ascii=False, separators=(",", ":"))
    f.write("\n")
print("unigram-spm: %d cases" % len(cases))
