"""A plain PyTorch BERT encoder that computes what heed computes.

Loads a Hugging Face folder (config.json + model.safetensors, read by hand:
8-byte little-endian header length, JSON header, raw data) and returns the
last hidden state and every layer's attention probabilities for one
sequence of token ids (token type 0, positions 0..n-1, no padding).  Used
for the PyTorch-eager side of the benchmark and for the ONNX export, so
both run the same graph on the same weights.
"""
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

_DTYPES = {"F32": np.float32, "F16": np.float16}


def read_safetensors(path):
    """{name: float32 torch tensor}; BF16 is widened by shifting the bits."""
    with open(path, "rb") as f:
        hlen = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(hlen))
        base = 8 + hlen
        out = {}
        for name, t in header.items():
            if name == "__metadata__":
                continue
            b, e = t["data_offsets"]
            f.seek(base + b)
            raw = f.read(e - b)
            if t["dtype"] == "BF16":
                a = (np.frombuffer(raw, np.uint16).astype(np.uint32) << 16).view(np.float32)
            else:
                a = np.frombuffer(raw, _DTYPES[t["dtype"]]).astype(np.float32)
            out[name] = torch.from_numpy(a.reshape(t["shape"]).copy())
        return out


class Encoder(torch.nn.Module):
    """What every family's module shares: the config's shape, the weights
    as buffers (PyTorch's [out, in] layout, the checkpoint's PREFIX cut off,
    only names under KEEP), and the forward, embeddings then each layer:
    a family gives _embed(ids) -> (x, what its layers need), _layer(x, i,
    that) -> (x, attention) and, if any, _final(x)."""

    def __init__(self, folder, prefix, keep):
        super().__init__()
        with open(os.path.join(folder, "config.json")) as f:
            self.config = c = json.load(f)
        self.layers = c["num_hidden_layers"]
        self.hidden = c["hidden_size"]
        self.heads = c["num_attention_heads"]
        w = read_safetensors(os.path.join(folder, "model.safetensors"))
        for k, v in w.items():
            k = k[len(prefix):] if k.startswith(prefix) else k
            if k.startswith(keep):
                self.register_buffer(k.replace(".", "_"), v)

    def _w(self, name):
        return getattr(self, name.replace(".", "_"))

    def _final(self, x):
        return x

    def forward(self, ids):
        """ids: int64 [n] -> (hidden [n, h], attn_0 [H, n, n], ..., attn_{L-1})."""
        x, ctx = self._embed(ids)
        attns = []
        for i in range(self.layers):
            x, att = self._layer(x, i, ctx)
            attns.append(att)
        return (self._final(x), *attns)


class Bert(Encoder):
    """Post-LayerNorm BERT (and RoBERTa, below)."""

    def __init__(self, folder, prefix="bert."):
        super().__init__(folder, prefix, ("embeddings.", "encoder."))
        self.pos0 = 0
        self.eps = self.config.get("layer_norm_eps", 1e-12)
        self.tanh_gelu = self.config.get("hidden_act", "gelu") in ("gelu_new", "gelu_pytorch_tanh")

    def _ln(self, x, prefix):
        return F.layer_norm(x, (self.hidden,), self._w(prefix + ".weight"),
                            self._w(prefix + ".bias"), self.eps)

    def _dense(self, x, prefix):
        return F.linear(x, self._w(prefix + ".weight"), self._w(prefix + ".bias"))

    def _layer(self, x, i, _):
        p = "encoder.layer.%d." % i
        # static sizes from the config keep the ONNX graph free of shape ops
        h, d = self.hidden, self.hidden // self.heads
        q = self._dense(x, p + "attention.self.query").view(-1, self.heads, d).transpose(0, 1)
        k = self._dense(x, p + "attention.self.key").view(-1, self.heads, d).transpose(0, 1)
        v = self._dense(x, p + "attention.self.value").view(-1, self.heads, d).transpose(0, 1)
        att = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(d), dim=-1)
        ctx = (att @ v).transpose(0, 1).reshape(-1, h)
        a = self._ln(self._dense(ctx, p + "attention.output.dense") + x,
                     p + "attention.output.LayerNorm")
        f = F.gelu(self._dense(a, p + "intermediate.dense"),
                   approximate="tanh" if self.tanh_gelu else "none")
        return self._ln(self._dense(f, p + "output.dense") + a, p + "output.LayerNorm"), att

    def _embed(self, ids):
        n = ids.shape[0]
        x = (F.embedding(ids, self._w("embeddings.word_embeddings.weight"))
             + self._w("embeddings.position_embeddings.weight")[self.pos0:self.pos0 + n]
             + self._w("embeddings.token_type_embeddings.weight")[0])
        return self._ln(x, "embeddings.LayerNorm"), None


class Roberta(Bert):
    """BERT's graph under roberta.*, positions numbered from padding_idx + 1
    (the bench's ids hold no padding token)."""

    def __init__(self, folder):
        super().__init__(folder, "roberta.")
        self.pos0 = self.config.get("pad_token_id", 1) + 1


def encoder_for(folder):
    """The benchmark's module for the folder's family: Bert, Roberta, or
    ModernBert (bench/modernbert_torch.py) for model_type modernbert."""
    with open(os.path.join(folder, "config.json")) as f:
        family = json.load(f).get("model_type")
    if family == "modernbert":
        from modernbert_torch import ModernBert
        return ModernBert(folder)
    if family == "roberta":
        return Roberta(folder)
    return Bert(folder)


# heed bench's input (src/cli/bench.c): this sentence's pieces repeated
# between [CLS] and [SEP] to the wanted length, so every engine sees the same ids.
BENCH_SENTENCE = ("The quick brown fox jumps over the lazy dog, "
                  "while the old cat watches quietly from the warm windowsill.")


def bench_ids(vocab_path, n):
    """int64 tensor of the n token ids heed bench uses for length n."""
    import sys
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.join(here, "..", "tools", "reference"))
    from bert_tokenizer import Tokenizer
    ids = Tokenizer(vocab_path).encode(BENCH_SENTENCE)[0]
    body = ids[1:-1]
    seq = [ids[0]] + [body[i % len(body)] for i in range(n - 2)] + [ids[-1]]
    return torch.tensor(seq[:n], dtype=torch.int64)


if __name__ == "__main__":
    # bert_torch.py VOCAB 8,32,128 → {"8": [ids], ...} for ort_bench.js
    import sys
    print(json.dumps({n: bench_ids(sys.argv[1], int(n)).tolist()
                      for n in sys.argv[2].split(",")}))
