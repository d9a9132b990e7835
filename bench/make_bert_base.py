#!/usr/bin/python3
"""Write a BERT checkpoint with random weights in the Hugging Face layout.

By default it is bert-base-shaped (tools/reference/bert-base-uncased.config.json:
12 layers, 768 hidden, 12 heads, F32, ~440 MB, or F16 with --dtype F16) with
the bert-base-uncased vocabulary (assets/models/heed-mini/vocab.txt).  --set overrides config keys,
so bench/run also makes a heed-mini-shaped one to time before the trained
model exists.  Speed does not depend on the weight values; a fixed seed makes
the file identical on every machine anyway.

    bench/make_bert_base.py [--out bench/out/bert-base-random] [--dtype F16]
                            [--set num_hidden_layers=4 ...] [--roberta]

--roberta makes it roberta-base-shaped instead: RobertaForMaskedLM's names,
model_type roberta, 514 positions numbered from padding_idx 1 + 1, one
token type, still with the bert-base-uncased vocabulary so that every
engine gets the same ids.
"""
import argparse
import json
import os
import shutil
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def tensors(c, rng):
    """(name, array) in Hugging Face BertForMaskedLM naming, or
    RobertaForMaskedLM's for model_type roberta; the MLM decoder is tied to
    the word embeddings, so only its bias is stored."""
    h, ffn, L = c["hidden_size"], c["intermediate_size"], c["num_hidden_layers"]
    std = c.get("initializer_range", 0.02)

    def normal(*shape):
        return (rng.standard_normal(shape, dtype=np.float32) * std)

    def ln(prefix):
        return [(prefix + ".weight", np.ones(h, np.float32)),
                (prefix + ".bias", np.zeros(h, np.float32))]

    def dense(prefix, n_out, n_in):
        return [(prefix + ".weight", normal(n_out, n_in)),
                (prefix + ".bias", np.zeros(n_out, np.float32))]

    out = [("bert.embeddings.word_embeddings.weight", normal(c["vocab_size"], h)),
           ("bert.embeddings.position_embeddings.weight", normal(c["max_position_embeddings"], h)),
           ("bert.embeddings.token_type_embeddings.weight", normal(c["type_vocab_size"], h))]
    out += ln("bert.embeddings.LayerNorm")
    for i in range(L):
        p = "bert.encoder.layer.%d." % i
        for m in ("query", "key", "value"):
            out += dense(p + "attention.self." + m, h, h)
        out += dense(p + "attention.output.dense", h, h)
        out += ln(p + "attention.output.LayerNorm")
        out += dense(p + "intermediate.dense", ffn, h)
        out += dense(p + "output.dense", h, ffn)
        out += ln(p + "output.LayerNorm")
    out += dense("cls.predictions.transform.dense", h, h)
    out += ln("cls.predictions.transform.LayerNorm")
    out.append(("cls.predictions.bias", np.zeros(c["vocab_size"], np.float32)))
    if c.get("model_type") == "roberta":
        out = [(roberta_name(n), a) for n, a in out]
    return out


def roberta_name(name):
    """RobertaForMaskedLM's name for a BertForMaskedLM tensor."""
    for old, new in (("cls.predictions.transform.LayerNorm.", "lm_head.layer_norm."),
                     ("cls.predictions.transform.dense.", "lm_head.dense."),
                     ("cls.predictions.bias", "lm_head.bias"),
                     ("bert.", "roberta.")):
        if name.startswith(old):
            return new + name[len(old):]
    return name


def write_safetensors(path, named, dtype):
    np_type = {"F32": "<f4", "F16": "<f2"}[dtype]
    named = [(name, np.ascontiguousarray(a, dtype=np_type)) for name, a in named]
    header, off = {}, 0
    for name, a in named:
        header[name] = {"dtype": dtype, "shape": list(a.shape),
                        "data_offsets": [off, off + a.nbytes]}
        off += a.nbytes
    header["__metadata__"] = {"format": "pt", "note": "random weights for benchmarking"}
    hj = json.dumps(header, separators=(",", ":")).encode()
    hj += b" " * (-len(hj) % 8)   # keep the data 8-byte aligned for mmap
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(hj)))
        f.write(hj)
        for _, a in named:
            f.write(a.tobytes())
    os.replace(tmp, path)


def parse_value(v):
    for conv in (int, float):
        try:
            return conv(v)
        except ValueError:
            pass
    return v


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", default=os.path.join(ROOT, "tools/reference/bert-base-uncased.config.json"))
    ap.add_argument("--vocab", default=os.path.join(ROOT, "assets/models/heed-mini/vocab.txt"))
    ap.add_argument("--out", default=os.path.join(HERE, "out/bert-base-random"))
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--roberta", action="store_true", help="roberta-base-shaped")
    ap.add_argument("--dtype", default="F32", choices=("F32", "F16"),
                    help="stored weights (F16: what many checkpoints ship; heed keeps them F16)")
    a = ap.parse_args()

    with open(a.config) as f:
        c = json.load(f)
    if a.roberta:
        c.update({"model_type": "roberta", "architectures": ["RobertaForMaskedLM"],
                  "max_position_embeddings": 514, "type_vocab_size": 1, "pad_token_id": 1,
                  "layer_norm_eps": 1e-5})
    for kv in a.set:
        k, v = kv.split("=", 1)
        c[k] = parse_value(v)
    os.makedirs(a.out, exist_ok=True)
    write_safetensors(os.path.join(a.out, "model.safetensors"),
                      tensors(c, np.random.default_rng(a.seed)), a.dtype)
    c["torch_dtype"] = {"F32": "float32", "F16": "float16"}[a.dtype]
    shutil.copyfile(a.vocab, os.path.join(a.out, "vocab.txt"))
    # config last: its presence marks a complete folder for bench/run
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(c, f, indent=2)
    print("wrote", a.out)


if __name__ == "__main__":
    main()
