#!/usr/bin/env python3
"""mkfolderseeds.py — seeds for tests/fuzz/fuzz_folder.c: whole model
folders (config.json, vocab.txt, model.safetensors, and optionally a
calibration file) packed into one input:

    u32 LE len(config) | u32 LE len(vocab) | u32 LE len(weights) |
    config | vocab | weights | heed.calib (the rest, may be empty)

A tiny BERT (hidden 4, 1 layer, 2 heads, ffn 4, 12-piece vocabulary,
8 positions) in F32 and F16, with and without its masked-LM head, and the
hostile variants #22 found by hand: a short vocabulary, a NaN weight, an
overflowing gain, an I32 tensor, a numeric model_type.  Pure Python, so it
runs anywhere:  python3 tests/robust/mkfolderseeds.py tests/fuzz/corpus/folder
"""
import json
import os
import struct
import sys

H, L, NH, F, V, P = 4, 1, 2, 4, 12, 8
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat",
         "on", "mat", "##s", "."]


def config(**kw):
    c = {"architectures": ["BertForMaskedLM"], "model_type": "bert", "vocab_size": V,
         "hidden_size": H, "num_hidden_layers": L, "num_attention_heads": NH,
         "intermediate_size": F, "hidden_act": "gelu", "max_position_embeddings": P,
         "type_vocab_size": 2, "layer_norm_eps": 1e-12}
    c.update(kw)
    return json.dumps(c, separators=(",", ":")).encode()


def tensors(mlm=True):
    t = {}
    def add(name, *shape, fill=None):
        n = 1
        for d in shape:
            n *= d
        vals = fill if fill is not None else [((i * 7 + len(name)) % 11 - 5) / 8.0 for i in range(n)]
        t[name] = (list(shape), vals)
    p = "bert."
    add(p + "embeddings.word_embeddings.weight", V, H)
    add(p + "embeddings.position_embeddings.weight", P, H)
    add(p + "embeddings.token_type_embeddings.weight", 2, H)
    add(p + "embeddings.LayerNorm.weight", H, fill=[1.0] * H)
    add(p + "embeddings.LayerNorm.bias", H)
    for i in range(L):
        s = p + "encoder.layer.%d." % i
        for m in ("attention.self.query", "attention.self.key", "attention.self.value",
                  "attention.output.dense"):
            add(s + m + ".weight", H, H)
            add(s + m + ".bias", H)
        add(s + "attention.output.LayerNorm.weight", H, fill=[1.0] * H)
        add(s + "attention.output.LayerNorm.bias", H)
        add(s + "intermediate.dense.weight", F, H)
        add(s + "intermediate.dense.bias", F)
        add(s + "output.dense.weight", H, F)
        add(s + "output.dense.bias", H)
        add(s + "output.LayerNorm.weight", H, fill=[1.0] * H)
        add(s + "output.LayerNorm.bias", H)
    if mlm:
        add("cls.predictions.transform.dense.weight", H, H)
        add("cls.predictions.transform.dense.bias", H)
        add("cls.predictions.transform.LayerNorm.weight", H, fill=[1.0] * H)
        add("cls.predictions.transform.LayerNorm.bias", H)
        add("cls.predictions.bias", V)
    return t


def safetensors(t, dtype="F32", override=None):
    override = override or {}
    hdr, blobs, off = {}, [], 0
    for name in sorted(t):
        shape, vals = t[name]
        dt = override.get(name, dtype)
        if dt == "F16":
            raw = b"".join(struct.pack("<e", v) for v in vals)
        else:
            raw = b"".join(struct.pack("<f", v) for v in vals)
        hdr[name] = {"dtype": dt, "shape": shape, "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(hdr, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def pack(cfg, vocab, weights, calib=b""):
    return struct.pack("<III", len(cfg), len(vocab), len(weights)) + cfg + vocab + weights + calib


def main(out):
    os.makedirs(out, exist_ok=True)
    vocab = ("\n".join(VOCAB) + "\n").encode()
    seeds = {}
    seeds["bert_f32"] = pack(config(), vocab, safetensors(tensors()))
    seeds["bert_f16"] = pack(config(), vocab, safetensors(tensors(), "F16"))
    seeds["bert_nohead"] = pack(config(architectures=["BertModel"]), vocab,
                                safetensors(tensors(mlm=False)))
    seeds["vocab_short"] = pack(config(), ("\n".join(VOCAB[:7]) + "\n").encode(),
                                safetensors(tensors()))
    t = tensors()
    t["bert.encoder.layer.0.attention.self.query.weight"][1][0] = float("nan")
    seeds["nan_weight"] = pack(config(), vocab, safetensors(t))
    t = tensors()
    for k in t:
        if k.endswith("LayerNorm.weight"):
            t[k] = (t[k][0], [3e38] * len(t[k][1]))
    seeds["overflow"] = pack(config(), vocab, safetensors(t))
    seeds["i32_tensor"] = pack(config(), vocab, safetensors(
        tensors(), override={"bert.embeddings.word_embeddings.weight": "I32"}))
    seeds["model_type_number"] = pack(config(model_type=7), vocab, safetensors(tensors()))
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        assert len(data) <= 8192, (name, len(data))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/fuzz/corpus/folder")
