#!/usr/bin/python3
"""Golden values for heed's inside-a-head view (enc_probe_head), from the
independent references.

    make_probe_fixtures.py [--out tests/fixtures/enc/probe.json]

For one sentence of each family fixture (its ids from NAME.json, so no
tokenizer runs here) and a few (layer, head, query) triples, recomputes the
head's query and key vectors from the reference's float64 layer input and
writes every term of the scores:

    {"models": [{"model": DIR, "ids": [...], "probes": [{
        "layer", "head", "query" (0-based),
        "q": [d], "k": flat [n][d]   (ModernBERT: after the rotary positions),
        "qk", "c2p", "p2c": [n]      (the last two zero outside DeBERTa),
        "scale",                     1/sqrt(d), DeBERTa 1/sqrt(d (1 + terms)),
        "score": [n]                 scale * (qk + c2p + p2c),
        "weight": [n]                softmax over the keys the query sees
                                     (ModernBERT's local layers: |i - j| <= w)
    }]}]}

The weights are also checked here against the reference forward's own
attention row, so the terms add up to what the model computes.
"""
import argparse
import json
import math
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
from deberta_v2 import DebertaV2  # noqa: E402
from modernbert import ModernBert, rope  # noqa: E402
from reference import Model, linear  # noqa: E402

SENTENCE = 7  # 17 tokens: wider than ModernBERT's local window of ±4
PROBES = ((0, 0, 0), (1, 2, 12), (2, 3, 5))


def bert_qk(m, x, layer):
    lw = m._layer(layer)  # pylint: disable=protected-access
    n, h, d = x.shape[0], m.heads, m.hidden // m.heads
    q = linear(x, *lw["q"]).view(n, h, d).transpose(0, 1)
    k = linear(x, *lw["k"]).view(n, h, d).transpose(0, 1)
    return q, k, None, None, 1 / math.sqrt(d), None


def deberta_qk(m, x, layer):
    n, h, d = x.shape[0], m.heads, m.hidden // m.heads
    p = f"deberta.encoder.layer.{layer}.attention."

    def heads(y):
        return y.view(-1, h, d).transpose(0, 1)

    q, k = heads(m.lin(p + "self.query_proj", x)), heads(m.lin(p + "self.key_proj", x))
    rel = m.t["deberta.encoder.rel_embeddings.weight"][: 2 * m.span]
    if m.norm_rel:
        rel = m.ln("deberta.encoder.LayerNorm", rel)
    idx = m.rel_index(n)
    c2p = p2c = None
    if m.c2p:
        pk = heads(m.lin(p + ("self.key_proj" if m.share else "self.pos_key_proj"), rel))
        c2p = torch.gather(q @ pk.transpose(1, 2), 2, idx.expand(h, n, n))
    if m.p2c:
        pq = heads(m.lin(p + ("self.query_proj" if m.share else "self.pos_query_proj"), rel))
        p2c = torch.gather(k @ pq.transpose(1, 2), 2, idx.T.expand(h, n, n)).transpose(1, 2)
    return q, k, c2p, p2c, 1 / math.sqrt(d * (1 + m.c2p + m.p2c)), None


def modernbert_qk(m, x, layer):
    n, h, d = x.shape[0], m.heads, m.hidden // m.heads
    pre = f"model.layers.{layer}."
    a = x if layer == 0 else m.ln(pre + "attn_norm", x)
    qkv = m.lin(pre + "attn.Wqkv", a).view(n, 3, h, d)
    q, k = (qkv[:, j].transpose(0, 1) for j in range(2))
    theta = m.theta[m.types[layer]]
    return rope(q, theta), rope(k, theta), None, None, 1 / math.sqrt(d), m.window_mask(n, layer)


FAMILIES = (("bert-f32", Model, bert_qk), ("deberta2-f32", DebertaV2, deberta_qk),
            ("deberta3-f32", DebertaV2, deberta_qk), ("modernbert-f32", ModernBert, modernbert_qk))


def rounded(t):
    return [round(v, 7) for v in t.reshape(-1).tolist()]


def model_entry(name, cls, qk_of, enc_dir):
    with open(os.path.join(enc_dir, name + ".json"), encoding="utf-8") as f:
        ids = json.load(f)["sentences"][SENTENCE]["ids"]
    m = cls(os.path.join(enc_dir, name))
    attn, hidden = m.forward(ids)
    n = len(ids)
    probes = []
    for layer, head, i in PROBES:
        q, k, c2p, p2c, scale, mask = qk_of(m, hidden[layer], layer)
        zero = torch.zeros(n, dtype=torch.float64)
        qk = k[head] @ q[head][i]
        c2p_i = c2p[head][i] if c2p is not None else zero
        p2c_i = p2c[head][i] if p2c is not None else zero
        score = scale * (qk + c2p_i + p2c_i)
        seen = mask[i] if mask is not None else torch.ones(n, dtype=torch.bool)
        weight = torch.softmax(score.masked_fill(~seen, float("-inf")), dim=-1)
        err = (weight - attn[layer][head][i]).abs().max().item()
        assert err < 1e-12, f"{name} L{layer}H{head} q{i}: the terms miss the forward by {err}"
        probes.append({"layer": layer, "head": head, "query": i, "q": rounded(q[head][i]),
                       "k": rounded(k[head]), "qk": rounded(qk), "c2p": rounded(c2p_i),
                       "p2c": rounded(p2c_i), "scale": scale, "score": rounded(score),
                       "weight": rounded(weight)})
    return {"model": os.path.relpath(os.path.join(enc_dir, name), ROOT), "ids": ids, "probes": probes}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    enc = os.path.join(ROOT, "tests", "fixtures", "enc")
    ap.add_argument("--out", default=os.path.join(enc, "probe.json"))
    args = ap.parse_args()
    torch.set_default_dtype(torch.float64)
    doc = {"models": [model_entry(name, cls, qk, enc) for name, cls, qk in FAMILIES]}
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    os.replace(tmp, args.out)
    print(f"{args.out}: {sum(len(x['probes']) for x in doc['models'])} probes, "
          f"{os.path.getsize(args.out)} bytes")


if __name__ == "__main__":
    main()
