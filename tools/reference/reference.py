#!/usr/bin/python3
"""Independent reference forward pass for the encoder families heed runs:
BERT (with or without a head), DistilBERT, RoBERTa / CamemBERT / XLM-R,
ELECTRA (generator and discriminator) and ALBERT.

Written from the papers and the Hugging Face checkpoint layout and
configuration semantics, without `transformers` and without the training
code, so that heed's C encoder is checked against something that shares
none of its code.  Everything runs in float64.

    reference.py MODEL_DIR --sentences FILE --out OUT.json [--top-k K]

For every sentence (one per line) the output holds ids, tokens, byte spans,
attention [L][H][n][n], hidden states [L+1][n][hidden] and the masked-LM
top-k at every [MASK] position (and, for an ELECTRA discriminator, the
per-token probability of "replaced").
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


# -- families ----------------------------------------------------------------
#
# Written from the papers and from the configuration semantics of Hugging
# Face's modeling_{bert,distilbert,roberta,electra,albert}.py:
#
#   BERT (Devlin et al. 2019)        post-LN encoder, positions 0..n-1, token type 0
#   DistilBERT (Sanh et al. 2019)    the same graph without token types
#   RoBERTa (Liu et al. 2019), CamemBERT, XLM-R (Conneau et al. 2020)
#                                    BERT's graph; position ids count from
#                                    padding_idx + 1 over non-pad tokens
#                                    (create_position_ids_from_input_ids), a pad
#                                    token gets padding_idx; lm_head: dense, exact
#                                    GELU, layer_norm, tied decoder + bias
#   ELECTRA (Clark et al. 2020)      embeddings embedding_size wide, then
#                                    embeddings_project when it differs from the
#                                    hidden size; generator head: dense to
#                                    embedding_size, exact GELU, LayerNorm,
#                                    generator_lm_head; discriminator head: dense,
#                                    hidden_act, dense_prediction -> one logit
#   ALBERT (Lan et al. 2020)         factorised embeddings, embedding_hidden_mapping_in,
#                                    num_hidden_groups groups of inner_group_num
#                                    layers shared over num_hidden_layers; layer i
#                                    runs group int(i / (layers / groups)); head:
#                                    dense to embedding_size, hidden_act, LayerNorm,
#                                    decoder + bias

FAMILIES = {"bert": "bert", "distilbert": "distilbert", "roberta": "roberta",
            "camembert": "roberta", "xlm-roberta": "roberta", "electra": "electra",
            "albert": "albert"}
PREFIX = {"bert": "bert.", "distilbert": "distilbert.", "roberta": "roberta.",
          "electra": "electra.", "albert": "albert."}


def family_of(cfg):
    if "model_type" in cfg:
        return FAMILIES[cfg["model_type"]]
    for a in cfg.get("architectures", []):
        for stem, fam in (("DistilBert", "distilbert"), ("XLMRoberta", "roberta"),
                          ("Camembert", "roberta"), ("Roberta", "roberta"),
                          ("Electra", "electra"), ("Albert", "albert"), ("Bert", "bert")):
            if a.startswith(stem):
                return fam
    return "bert"


class Weights:
    """Tensors under the family's names, with or without the body prefix
    (the base model saves bare names, *ForMaskedLM adds e.g. `roberta.`),
    and the old gamma/beta LayerNorm names of TF conversions."""

    def __init__(self, tensors, family):
        self.t = tensors
        self.prefix = PREFIX[family]

    def _variants(self, n):
        out = []
        for p in (self.prefix, ""):
            out.append(p + n)
            if n.endswith("LayerNorm.weight"):
                out.append(p + n[:-len("weight")] + "gamma")
            if n.endswith("LayerNorm.bias"):
                out.append(p + n[:-len("bias")] + "beta")
        return out

    def get(self, *names):
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
            self.cfg = c = json.load(f)
        self.family = family_of(c)
        self.w = Weights(read_safetensors(os.path.join(model_dir, "model.safetensors")), self.family)
        distil = self.family == "distilbert"
        self.hidden = c["dim"] if distil else c["hidden_size"]
        self.depth = c["n_layers"] if distil else c["num_hidden_layers"]
        self.heads = c["n_heads"] if distil else c["num_attention_heads"]
        self.max_pos = c.get("max_position_embeddings", 512)
        self.eps = 1e-12 if distil else c.get("layer_norm_eps", 1e-12)
        default_act = "gelu_new" if self.family == "albert" else "gelu"
        self.act_name = c.get("activation" if distil else "hidden_act", default_act)
        self.act = activation(self.act_name)
        self.emb = c.get("embedding_size", 128) if self.family in ("albert", "electra") else self.hidden
        self.groups = c.get("num_hidden_groups", 1) if self.family == "albert" else None
        self.inner = c.get("inner_group_num", 1) if self.family == "albert" else 1
        self.layers = self.depth * self.inner  # attention rows
        # RoBERTa: positions from padding_idx + 1
        self.pad = c.get("pad_token_id", 1) if self.family == "roberta" else None
        self.max_tokens = self.max_pos - (self.pad + 1 if self.pad is not None else 0)
        self.lowercase = c.get("do_lower_case", True)
        tc = os.path.join(model_dir, "tokenizer_config.json")
        if "do_lower_case" not in c and os.path.exists(tc):
            with open(tc, encoding="utf-8") as f:
                self.lowercase = json.load(f).get("do_lower_case", self.lowercase)
        # a folder with only a tokenizer.json (BPE, Unigram) gets its ids from
        # Hugging Face's tokenizers instead (run_encoded)
        vocab = os.path.join(model_dir, "vocab.txt")
        self.tok = Tokenizer(vocab, lowercase=self.lowercase) if os.path.exists(vocab) else None
        self.vocab_inv = self.tok.inv if self.tok else {}

    # one attention row's weights
    def _layer(self, row):
        g = self.w.get
        if self.family == "distilbert":
            p = f"transformer.layer.{row}."
            names = ("attention.q_lin", "attention.k_lin", "attention.v_lin", "attention.out_lin",
                     "sa_layer_norm", "ffn.lin1", "ffn.lin2", "output_layer_norm")
        elif self.family == "albert":
            i, j = divmod(row, self.inner)
            group = int(i / (self.depth / self.groups))
            p = f"encoder.albert_layer_groups.{group}.albert_layers.{j}."
            names = ("attention.query", "attention.key", "attention.value", "attention.dense",
                     "attention.LayerNorm", "ffn", "ffn_output", "full_layer_layer_norm")
        else:
            p = f"encoder.layer.{row}."
            names = ("attention.self.query", "attention.self.key", "attention.self.value",
                     "attention.output.dense", "attention.output.LayerNorm", "intermediate.dense",
                     "output.dense", "output.LayerNorm")
        keys = ("q", "k", "v", "o", "ln1", "f1", "f2", "ln2")
        return {k: (g(p + n + ".weight"), g(p + n + ".bias")) for k, n in zip(keys, names)}

    def positions(self, ids):
        if self.pad is None:
            return torch.arange(len(ids))
        mask = (ids != self.pad).long()
        return torch.cumsum(mask, 0) * mask + self.pad

    def embed(self, ids, types=None):
        g = self.w.get
        x = g("embeddings.word_embeddings.weight")[ids] + \
            g("embeddings.position_embeddings.weight")[self.positions(ids)]
        if self.family != "distilbert" and self.w.has("embeddings.token_type_embeddings.weight"):
            t = g("embeddings.token_type_embeddings.weight")
            # token type ids (a pair's segment B is type 1 in BERT's template);
            # a model with one type row reads 0 for every token
            x = x + (t[types] if types is not None and t.shape[0] > 1 else t[0])
        x = layer_norm(x, g("embeddings.LayerNorm.weight"), g("embeddings.LayerNorm.bias"), self.eps)
        if self.family == "albert":
            x = linear(x, g("encoder.embedding_hidden_mapping_in.weight"),
                       g("encoder.embedding_hidden_mapping_in.bias"))
        elif self.family == "electra" and self.emb != self.hidden:
            x = linear(x, g("embeddings_project.weight"), g("embeddings_project.bias"))
        return x

    def forward(self, ids, types=None):
        """(attention [L][H][n][n], hidden [L+1][n][hidden]) as float64 tensors."""
        x = self.embed(torch.tensor(ids), None if types is None else torch.tensor(types))
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

    # (dense, layer norm, bias names, decoder, activation) of the family's MLM head
    def _mlm_names(self):
        gelu = activation("gelu")
        return {
            "bert": ("cls.predictions.transform.dense", "cls.predictions.transform.LayerNorm",
                     ("cls.predictions.bias", "cls.predictions.decoder.bias"),
                     "cls.predictions.decoder.weight", self.act),
            "distilbert": ("vocab_transform", "vocab_layer_norm", ("vocab_projector.bias",),
                           "vocab_projector.weight", self.act),
            "roberta": ("lm_head.dense", "lm_head.layer_norm", ("lm_head.bias", "lm_head.decoder.bias"),
                        "lm_head.decoder.weight", gelu),
            "electra": ("generator_predictions.dense", "generator_predictions.LayerNorm",
                        ("generator_lm_head.bias",), "generator_lm_head.weight", gelu),
            "albert": ("predictions.dense", "predictions.LayerNorm",
                       ("predictions.bias", "predictions.decoder.bias"), "predictions.decoder.weight",
                       self.act),
        }[self.family]

    def _top(self, name):
        """A head tensor: outside the body prefix."""
        return self.w.t[name]

    def has_mlm(self):
        return self._mlm_names()[0] + ".weight" in self.w.t

    def has_rtd(self):
        return self.family == "electra" and "discriminator_predictions.dense.weight" in self.w.t

    def mlm_probs(self, x):
        """Masked-LM distribution for one final hidden row x [hidden]."""
        dense, ln, biases, dec, act = self._mlm_names()
        t = act(linear(x, self._top(dense + ".weight"), self._top(dense + ".bias")))
        t = layer_norm(t, self._top(ln + ".weight"), self._top(ln + ".bias"), self.eps)
        bias = next(self.w.t[b] for b in biases if b in self.w.t)
        d = self.w.t.get(dec, None)
        if d is None:
            d = self.w.get("embeddings.word_embeddings.weight")  # tied
        return torch.softmax(d @ t + bias, dim=-1)

    def rtd_probs(self, xs):
        """ELECTRA discriminator: P(replaced) per token for final hidden rows xs [n][hidden]."""
        t = self.act(linear(xs, self._top("discriminator_predictions.dense.weight"),
                            self._top("discriminator_predictions.dense.bias")))
        logit = linear(t, self._top("discriminator_predictions.dense_prediction.weight"),
                       self._top("discriminator_predictions.dense_prediction.bias"))[:, 0]
        return torch.sigmoid(logit)

    def run(self, text, top_k=5, max_len=None):
        max_len = min(max_len or self.max_tokens, self.max_tokens)
        full = self.tok.tokenize(text)
        ids, tokens, spans = self.tok.encode(text, max_len=max_len)
        # added [CLS]/[SEP] have no span in the input
        spans = [(-1, -1)] + spans[1:-1] + [(-1, -1)]
        masks = [i for i, t in enumerate(tokens) if t == "[MASK]"]
        return self._results(text, ids, tokens, spans, len(full) + 2, max_len, masks, top_k)

    def run_encoded(self, entry, top_k=5):
        """The same for ids a tokenizer already made: entry holds text, ids,
        tokens, spans and n_full (tools/reference/family_tokenizers.js)."""
        masks = [i for i, t in enumerate(entry["tokens"]) if t.strip() in ("<mask>", "[MASK]")]
        return self._results(entry["text"], entry["ids"], entry["tokens"], entry["spans"],
                             entry["n_full"], self.max_tokens, masks, top_k)

    def run_pair(self, a, b, top_k=5):
        """A sentence pair in BERT's template, [CLS] A [SEP] B [SEP] with B's
        part of type 1, as transformers' BertTokenizer builds it; spans of B
        count from B's start."""
        ia, ta, sa = self.tok.encode(a)
        ib, tb, sb = self.tok.encode(b)
        ids = ia + ib[1:]
        tokens = ta + tb[1:]
        spans = [(-1, -1)] + list(sa[1:-1]) + [(-1, -1)] + list(sb[1:-1]) + [(-1, -1)]
        types = [0] * (len(ia)) + [1] * (len(ib) - 1)
        masks = [i for i, t in enumerate(tokens) if t == "[MASK]"]
        res = self._results(a + "\t" + b, ids, tokens, spans, len(ids), self.max_tokens, masks,
                            top_k, types)
        res["types"] = types
        return res

    def _results(self, text, ids, tokens, spans, n_full, max_len, masks, top_k, types=None):
        attn, hidden = self.forward(ids) if types is None else self.forward(ids, types)
        res = dict(text=text, ids=ids, tokens=tokens, spans=spans,
                   n_full=n_full, truncated=n_full > max_len,
                   attention=attn, hidden=hidden, mlm=[], mask_positions=masks)
        if self.has_mlm():
            for pos in masks:
                p = self.mlm_probs(hidden[-1][pos])
                top = torch.topk(p, top_k)
                res["mlm"].append(dict(pos=pos, ids=top.indices.tolist(), probs=top.values.tolist(),
                                       tokens=[self.vocab_inv.get(i, "") for i in top.indices.tolist()]))
        if self.has_rtd():
            res["replaced"] = self.rtd_probs(hidden[-1]).tolist()
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
