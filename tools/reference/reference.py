#!/usr/bin/python3
"""Independent reference forward pass for BERT-family encoders.

Written from the BERT paper (Devlin et al. 2019) and the Hugging Face
checkpoint layout, without `transformers` and without the training code, so
that heed's C encoder is checked against something that shares none of its
code.  Everything runs in float64.

    reference.py MODEL_DIR --sentences FILE --out OUT.json [--top-k K]

For every sentence (one per line) the output holds ids, tokens, byte spans,
attention [L][H][n][n], hidden states [L+1][n][hidden] and the masked-LM
top-k at every [MASK] position.
"""
import argparse
import json
import math
import os
import struct
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bert_tokenizer import Tokenizer  # noqa: E402

DTYPES = {"F32": np.float32, "F16": np.float16, "BF16": None}


# -- safetensors, by hand (8-byte LE header length, JSON header, raw data) --

def read_safetensors(path):
    with open(path, "rb") as f:
        buf = f.read()
    (hlen,) = struct.unpack("<Q", buf[:8])
    header = json.loads(buf[8:8 + hlen].decode("utf-8"))
    base = 8 + hlen
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        raw = buf[base + b:base + e]
        if info["dtype"] == "BF16":
            # bfloat16 is the top half of a float32
            u16 = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            arr = u16.view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=np.dtype(DTYPES[info["dtype"]]).newbyteorder("<"))
        out[name] = torch.from_numpy(arr.astype(np.float64).reshape(info["shape"]))
    return out


# -- weights under one naming, whatever the checkpoint used ------------------

class Weights:
    def __init__(self, tensors, cfg):
        self.t = tensors
        self.cfg = cfg
        self.distil = cfg.get("model_type") == "distilbert" or any(
            k.startswith("distilbert.") or k.startswith("transformer.layer.") for k in tensors)

    def get(self, *names):
        """The first of names present, also trying the `bert.`/`distilbert.`
        prefix and the old gamma/beta LayerNorm names."""
        for n in names:
            for cand in self._variants(n):
                if cand in self.t:
                    return self.t[cand]
        raise KeyError(names[0])

    def has(self, name):
        try:
            self.get(name)
            return True
        except KeyError:
            return False

    @staticmethod
    def _variants(n):
        out = []
        for p in ("", "bert.", "distilbert."):
            out.append(p + n)
            if n.endswith("LayerNorm.weight"):
                out.append(p + n[:-len("weight")] + "gamma")
            if n.endswith("LayerNorm.bias"):
                out.append(p + n[:-len("bias")] + "beta")
        return out


def config_get(cfg, bert_key, distil_key, default=None):
    if bert_key in cfg:
        return cfg[bert_key]
    if distil_key in cfg:
        return cfg[distil_key]
    return default


# -- the maths -------------------------------------------------------------

def layer_norm(x, g, b, eps):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps) * g + b


def activation(name):
    if name in ("gelu", "gelu_python"):
        return lambda x: 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))
    if name in ("gelu_new", "gelu_pytorch_tanh", "gelu_fast"):
        c = math.sqrt(2.0 / math.pi)
        return lambda x: 0.5 * x * (1.0 + torch.tanh(c * (x + 0.044715 * x ** 3)))
    if name == "relu":
        return lambda x: torch.clamp(x, min=0.0)
    raise ValueError(f"unsupported activation {name}")


def linear(x, w, b):
    return x @ w.T + b  # PyTorch Linear: w is [out, in]


class Model:
    def __init__(self, model_dir):
        with open(os.path.join(model_dir, "config.json"), encoding="utf-8") as f:
            self.cfg = json.load(f)
        self.w = Weights(read_safetensors(os.path.join(model_dir, "model.safetensors")), self.cfg)
        c = self.cfg
        self.hidden = config_get(c, "hidden_size", "dim")
        self.layers = config_get(c, "num_hidden_layers", "n_layers")
        self.heads = config_get(c, "num_attention_heads", "n_heads")
        self.max_pos = c.get("max_position_embeddings", 512)
        self.eps = c.get("layer_norm_eps", 1e-12)
        self.act = activation(config_get(c, "hidden_act", "activation", "gelu"))
        self.lowercase = c.get("do_lower_case", True)
        self.tok = Tokenizer(os.path.join(model_dir, "vocab.txt"), lowercase=self.lowercase)
        self.vocab_inv = self.tok.inv

    # names of one layer's tensors, BERT or DistilBERT
    def _layer(self, i):
        g = self.w.get
        if self.w.distil:
            p = f"transformer.layer.{i}."
            return dict(
                q=(g(p + "attention.q_lin.weight"), g(p + "attention.q_lin.bias")),
                k=(g(p + "attention.k_lin.weight"), g(p + "attention.k_lin.bias")),
                v=(g(p + "attention.v_lin.weight"), g(p + "attention.v_lin.bias")),
                o=(g(p + "attention.out_lin.weight"), g(p + "attention.out_lin.bias")),
                ln1=(g(p + "sa_layer_norm.weight"), g(p + "sa_layer_norm.bias")),
                f1=(g(p + "ffn.lin1.weight"), g(p + "ffn.lin1.bias")),
                f2=(g(p + "ffn.lin2.weight"), g(p + "ffn.lin2.bias")),
                ln2=(g(p + "output_layer_norm.weight"), g(p + "output_layer_norm.bias")))
        p = f"encoder.layer.{i}."
        return dict(
            q=(g(p + "attention.self.query.weight"), g(p + "attention.self.query.bias")),
            k=(g(p + "attention.self.key.weight"), g(p + "attention.self.key.bias")),
            v=(g(p + "attention.self.value.weight"), g(p + "attention.self.value.bias")),
            o=(g(p + "attention.output.dense.weight"), g(p + "attention.output.dense.bias")),
            ln1=(g(p + "attention.output.LayerNorm.weight"), g(p + "attention.output.LayerNorm.bias")),
            f1=(g(p + "intermediate.dense.weight"), g(p + "intermediate.dense.bias")),
            f2=(g(p + "output.dense.weight"), g(p + "output.dense.bias")),
            ln2=(g(p + "output.LayerNorm.weight"), g(p + "output.LayerNorm.bias")))

    def embed(self, ids):
        g = self.w.get
        n = len(ids)
        x = g("embeddings.word_embeddings.weight")[ids] + g("embeddings.position_embeddings.weight")[:n]
        if not self.w.distil and self.w.has("embeddings.token_type_embeddings.weight"):
            x = x + g("embeddings.token_type_embeddings.weight")[0]
        return layer_norm(x, g("embeddings.LayerNorm.weight"), g("embeddings.LayerNorm.bias"), self.eps)

    def forward(self, ids):
        """(attention [L][H][n][n], hidden [L+1][n][hidden]) as float64 tensors."""
        x = self.embed(torch.tensor(ids))
        n, h, d = len(ids), self.heads, self.hidden // self.heads
        hidden, attn = [x], []
        for i in range(self.layers):
            lw = self._layer(i)
            q = linear(x, *lw["q"]).view(n, h, d).transpose(0, 1)
            k = linear(x, *lw["k"]).view(n, h, d).transpose(0, 1)
            v = linear(x, *lw["v"]).view(n, h, d).transpose(0, 1)
            a = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(d), dim=-1)  # [h][n][n]
            ctx = (a @ v).transpose(0, 1).reshape(n, self.hidden)
            x = layer_norm(x + linear(ctx, *lw["o"]), *lw["ln1"], self.eps)
            f = linear(self.act(linear(x, *lw["f1"])), *lw["f2"])
            x = layer_norm(x + f, *lw["ln2"], self.eps)
            attn.append(a)
            hidden.append(x)
        return torch.stack(attn), torch.stack(hidden)

    def has_mlm(self):
        return self.w.has("cls.predictions.transform.dense.weight") or self.w.has("vocab_transform.weight")

    def mlm_probs(self, x):
        """Masked-LM distribution for one final hidden row x [hidden]."""
        g = self.w.get
        if self.w.distil:
            t = self.act(linear(x, g("vocab_transform.weight"), g("vocab_transform.bias")))
            t = layer_norm(t, g("vocab_layer_norm.weight"), g("vocab_layer_norm.bias"), self.eps)
            bias = g("vocab_projector.bias")
            dec = self.w.t.get("vocab_projector.weight", g("embeddings.word_embeddings.weight"))
        else:
            t = self.act(linear(x, g("cls.predictions.transform.dense.weight"),
                                g("cls.predictions.transform.dense.bias")))
            t = layer_norm(t, g("cls.predictions.transform.LayerNorm.weight"),
                           g("cls.predictions.transform.LayerNorm.bias"), self.eps)
            bias = g("cls.predictions.bias", "cls.predictions.decoder.bias")
            dec = self.w.t.get("cls.predictions.decoder.weight", g("embeddings.word_embeddings.weight"))
        return torch.softmax(dec @ t + bias, dim=-1)

    def run(self, text, top_k=5, max_len=None):
        max_len = min(max_len or self.max_pos, self.max_pos)
        full = self.tok.tokenize(text)
        ids, tokens, spans = self.tok.encode(text, max_len=max_len)
        # added [CLS]/[SEP] have no span in the input
        spans = [(-1, -1)] + spans[1:-1] + [(-1, -1)]
        attn, hidden = self.forward(ids)
        res = dict(text=text, ids=ids, tokens=tokens, spans=spans,
                   n_full=len(full) + 2, truncated=len(full) + 2 > max_len,
                   attention=attn, hidden=hidden, mlm=[])
        if self.has_mlm():
            for pos, t in enumerate(tokens):
                if t == "[MASK]":
                    p = self.mlm_probs(hidden[-1][pos])
                    top = torch.topk(p, top_k)
                    res["mlm"].append(dict(pos=pos, ids=top.indices.tolist(), probs=top.values.tolist(),
                                           tokens=[self.vocab_inv[i] for i in top.indices.tolist()]))
        return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model_dir")
    ap.add_argument("--sentences", required=True, help="one sentence per line")
    ap.add_argument("--out", required=True)
    ap.add_argument("--top-k", type=int, default=5)
    args = ap.parse_args()
    torch.set_default_dtype(torch.float64)
    m = Model(args.model_dir)
    with open(args.sentences, encoding="utf-8") as f:
        sentences = [line.rstrip("\n") for line in f if line.strip()]
    out = []
    for s in sentences:
        r = m.run(s, top_k=args.top_k)
        r["attention"] = r["attention"].tolist()
        r["hidden"] = r["hidden"].tolist()
        out.append(r)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
