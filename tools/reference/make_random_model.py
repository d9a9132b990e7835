#!/usr/bin/python3
"""Tiny random-weight checkpoints for heed's encoder tests.

    make_random_model.py [--out tests/fixtures/enc] [--sentences FILE]

Writes four Hugging Face model folders (config.json, vocab.txt,
model.safetensors), all from one fixed seed:

    bert-f32, bert-f16      BertForMaskedLM naming (`bert.` prefix, cls.predictions.*)
    distil-f32, distil-f16  DistilBertForMaskedLM naming (transformer.layer.*, vocab_*)

hidden 32, 3 layers, 4 heads, ffn 64, 128 positions.  The vocabulary is a
subset of bert-base-uncased's (assets/models/heed-mini/vocab.txt): the
special tokens, every piece the fixture sentences need, single characters and
the most frequent words, in their original order, so each folder stays well
under 1 MB.  Attention projections get a large spread (std 0.3) so heads are
far from uniform and differ from one another.
"""
import argparse
import json
import os
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
from bert_tokenizer import Tokenizer  # noqa: E402

SEED = 20240601
HIDDEN, LAYERS, HEADS, FFN, MAX_POS = 32, 3, 4, 64, 128
VOCAB_TARGET = 3000
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def reduced_vocab(full_path, sentences):
    tok = Tokenizer(full_path)
    full = [line.rstrip("\n") for line in open(full_path, encoding="utf-8")]
    need = set(SPECIALS)
    for s in sentences:
        need.update(t for t, _, _ in tok.tokenize(s))
    keep = []
    for piece in full:
        if piece in SPECIALS or piece.startswith("[unused"):
            continue
        if piece in need or len(keep) + len(need) < VOCAB_TARGET:
            keep.append(piece)
    rest = [p for p in keep if p not in SPECIALS]
    return SPECIALS + rest


def write_safetensors(path, tensors, dtype):
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        arr = np.ascontiguousarray(tensors[name].astype("<f4" if dtype == "F32" else "<f2"))
        raw = arr.tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    header["__metadata__"] = {"format": "pt", "heed_fixture": "random"}
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


class Draw:
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)

    def normal(self, std, *shape):
        return (self.rng.standard_normal(shape) * std).astype(np.float32)

    def ln(self, n):
        return 1.0 + self.normal(0.1, n), self.normal(0.1, n)


def bert_tensors(r, vocab):
    t = {}
    p = "bert.embeddings."
    t[p + "word_embeddings.weight"] = r.normal(0.5, vocab, HIDDEN)
    t[p + "position_embeddings.weight"] = r.normal(0.3, MAX_POS, HIDDEN)
    t[p + "token_type_embeddings.weight"] = r.normal(0.3, 2, HIDDEN)
    t[p + "LayerNorm.weight"], t[p + "LayerNorm.bias"] = r.ln(HIDDEN)
    for i in range(LAYERS):
        p = f"bert.encoder.layer.{i}."
        for name, std in (("query", 0.3), ("key", 0.3), ("value", 0.3)):
            t[p + f"attention.self.{name}.weight"] = r.normal(std, HIDDEN, HIDDEN)
            t[p + f"attention.self.{name}.bias"] = r.normal(0.1, HIDDEN)
        t[p + "attention.output.dense.weight"] = r.normal(0.2, HIDDEN, HIDDEN)
        t[p + "attention.output.dense.bias"] = r.normal(0.1, HIDDEN)
        t[p + "attention.output.LayerNorm.weight"], t[p + "attention.output.LayerNorm.bias"] = r.ln(HIDDEN)
        t[p + "intermediate.dense.weight"] = r.normal(0.25, FFN, HIDDEN)
        t[p + "intermediate.dense.bias"] = r.normal(0.1, FFN)
        t[p + "output.dense.weight"] = r.normal(0.15, HIDDEN, FFN)
        t[p + "output.dense.bias"] = r.normal(0.1, HIDDEN)
        t[p + "output.LayerNorm.weight"], t[p + "output.LayerNorm.bias"] = r.ln(HIDDEN)
    t["cls.predictions.transform.dense.weight"] = r.normal(0.3, HIDDEN, HIDDEN)
    t["cls.predictions.transform.dense.bias"] = r.normal(0.1, HIDDEN)
    t["cls.predictions.transform.LayerNorm.weight"], t["cls.predictions.transform.LayerNorm.bias"] = r.ln(HIDDEN)
    t["cls.predictions.bias"] = r.normal(0.2, vocab)
    return t


def distil_names(bert):
    """The same kind of network under DistilBertForMaskedLM's names (no token
    types, so that embedding is dropped)."""
    m = {"bert.embeddings.": "distilbert.embeddings.",
         "attention.self.query": "attention.q_lin", "attention.self.key": "attention.k_lin",
         "attention.self.value": "attention.v_lin", "attention.output.dense": "attention.out_lin",
         "attention.output.LayerNorm": "sa_layer_norm", "intermediate.dense": "ffn.lin1",
         "output.dense": "ffn.lin2", "output.LayerNorm": "output_layer_norm",
         "bert.encoder.layer.": "distilbert.transformer.layer.",
         "cls.predictions.transform.dense": "vocab_transform",
         "cls.predictions.transform.LayerNorm": "vocab_layer_norm",
         "cls.predictions.bias": "vocab_projector.bias"}
    out = {}
    for name, v in bert.items():
        if "token_type" in name:
            continue
        new = name
        for a, b in m.items():  # dict order: longer, more specific keys first
            new = new.replace(a, b)
        out[new] = v
    return out


def bert_config(vocab, dtype):
    return {"architectures": ["BertForMaskedLM"], "model_type": "bert", "vocab_size": vocab,
            "hidden_size": HIDDEN, "num_hidden_layers": LAYERS, "num_attention_heads": HEADS,
            "intermediate_size": FFN, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1, "max_position_embeddings": MAX_POS,
            "type_vocab_size": 2, "initializer_range": 0.02, "layer_norm_eps": 1e-12,
            "pad_token_id": 0, "torch_dtype": dtype}


def distil_config(vocab, dtype):
    return {"architectures": ["DistilBertForMaskedLM"], "model_type": "distilbert", "vocab_size": vocab,
            "dim": HIDDEN, "n_layers": LAYERS, "n_heads": HEADS, "hidden_dim": FFN,
            "activation": "gelu", "dropout": 0.1, "attention_dropout": 0.1,
            "max_position_embeddings": MAX_POS, "sinusoidal_pos_embds": False,
            "initializer_range": 0.02, "pad_token_id": 0, "torch_dtype": dtype}


def write_model(folder, cfg, tensors, dtype, vocab):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    with open(os.path.join(folder, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(vocab) + "\n")
    write_safetensors(os.path.join(folder, "model.safetensors"), tensors, dtype)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "fixtures", "enc"))
    ap.add_argument("--sentences", default=os.path.join(ROOT, "tests", "fixtures", "enc", "sentences.txt"))
    ap.add_argument("--vocab", default=os.path.join(ROOT, "assets", "models", "heed-mini", "vocab.txt"))
    args = ap.parse_args()
    sentences = [line.rstrip("\n") for line in open(args.sentences, encoding="utf-8") if line.strip()]
    vocab = reduced_vocab(args.vocab, sentences)
    bert = bert_tensors(Draw(SEED), len(vocab))
    distil = distil_names(bert)
    for dtype, torch_dtype in (("F32", "float32"), ("F16", "float16")):
        suffix = dtype.lower()
        write_model(os.path.join(args.out, "bert-" + suffix), bert_config(len(vocab), torch_dtype),
                    bert, dtype, vocab)
        write_model(os.path.join(args.out, "distil-" + suffix), distil_config(len(vocab), torch_dtype),
                    distil, dtype, vocab)
    print(f"{len(vocab)} pieces, {len(bert)} tensors -> {args.out}")


if __name__ == "__main__":
    main()
