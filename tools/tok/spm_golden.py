#!/usr/bin/python3
"""spm_golden.py MODEL OUT — SentencePiece's own segmentation of the
sentences on standard input (a JSON list, or {"sentences": [...], "pairs":
[[a, b], ...]}), for heed's .model golden tests: ids, pieces and byte
offsets from python3-sentencepiece, with the <s> and </s> heed's template
puts around a sentence for a model that has them (<s> A </s></s> B </s>
for a pair).

Run by make_fixtures.js and make_spm_fixtures.py with Debian's
/usr/bin/python3."""
import json
import os
import sys

import sentencepiece as spm


def encode(sp, a):
    """(ids, pieces, byte offsets) of one sentence, without specials."""
    p = sp.encode(a, out_type="immutable_proto")
    # python's offsets count characters; heed's are bytes
    at = [0]
    for c in a:
        at.append(at[-1] + len(c.encode("utf-8")))
    return ([x.id for x in p.pieces], [x.piece for x in p.pieces],
            [[at[x.begin], at[x.end]] for x in p.pieces])


def golden(model, sentences, pairs, out, name=None):
    sp = spm.SentencePieceProcessor(model_file=model)
    bos, eos = sp.piece_to_id("<s>"), sp.piece_to_id("</s>")
    cases = []
    for a in sentences:
        ids, toks, offs = encode(sp, a)
        cases.append({"a": a, "ids": [bos] + ids + [eos], "tokens": ["<s>"] + toks + ["</s>"],
                      "offsets": [[-1, -1]] + offs + [[-1, -1]]})
    for a, b in pairs:
        ia, ta, oa = encode(sp, a)
        ib, tb, ob = encode(sp, b)
        n = len(ia) + len(ib) + 4
        cases.append({"a": a, "b": b, "ids": [bos] + ia + [eos, eos] + ib + [eos],
                      "tokens": ["<s>"] + ta + ["</s>", "</s>"] + tb + ["</s>"],
                      "offsets": [[-1, -1]] + oa + [[-1, -1], [-1, -1]] + ob + [[-1, -1]],
                      "types": [0] * n})
    doc = {"tokenizer": os.path.basename(model), "generator": "tools/tok/spm_golden.py",
           "sentencepiece": spm.__version__, "cases": cases}
    with open(out, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print("%s: %d cases" % (name or os.path.basename(out), len(cases)))


def main():
    data = json.load(sys.stdin)
    if isinstance(data, list):
        data = {"sentences": data, "pairs": []}
    golden(sys.argv[1], data["sentences"], data.get("pairs", []), sys.argv[2])


if __name__ == "__main__":
    main()
