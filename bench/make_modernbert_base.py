#!/usr/bin/python3
"""Write a modernbert-base-shaped checkpoint with random weights (22 layers,
768 hidden, 12 heads, GeGLU 1152, a global layer every 3, local windows of
128, RoPE theta 160000 / 10000), in ModernBertForMaskedLM's names.  The
vocabulary is bert-base-uncased's (assets/models/heed-mini/vocab.txt, 30522
pieces, so heed bench and the other engines feed the same ids) instead of
ModernBERT's 50368: only the embedding table's height differs, which a
forward pass reads one row per token of.

    bench/make_modernbert_base.py [--out bench/out/modernbert-base-random]
"""
import argparse
import json
import os
import shutil

import numpy as np

from make_bert_base import write_safetensors

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

CONFIG = {"architectures": ["ModernBertForMaskedLM"], "model_type": "modernbert",
          "vocab_size": 30522, "hidden_size": 768, "intermediate_size": 1152,
          "num_hidden_layers": 22, "num_attention_heads": 12, "hidden_activation": "gelu",
          "max_position_embeddings": 8192, "norm_eps": 1e-5, "norm_bias": False,
          "attention_bias": False, "mlp_bias": False, "decoder_bias": True,
          "classifier_activation": "gelu", "global_attn_every_n_layers": 3,
          "local_attention": 128, "global_rope_theta": 160000.0, "local_rope_theta": 10000.0,
          "pad_token_id": 0, "torch_dtype": "float32"}


def tensors(c, rng):
    h, f, L = c["hidden_size"], c["intermediate_size"], c["num_hidden_layers"]

    def normal(*shape):
        return rng.standard_normal(shape, dtype=np.float32) * 0.02

    out = [("model.embeddings.tok_embeddings.weight", normal(c["vocab_size"], h)),
           ("model.embeddings.norm.weight", np.ones(h, np.float32))]
    for i in range(L):
        p = "model.layers.%d." % i
        if i > 0:
            out.append((p + "attn_norm.weight", np.ones(h, np.float32)))
        out += [(p + "attn.Wqkv.weight", normal(3 * h, h)), (p + "attn.Wo.weight", normal(h, h)),
                (p + "mlp_norm.weight", np.ones(h, np.float32)),
                (p + "mlp.Wi.weight", normal(2 * f, h)), (p + "mlp.Wo.weight", normal(h, f))]
    out += [("model.final_norm.weight", np.ones(h, np.float32)),
            ("head.dense.weight", normal(h, h)), ("head.norm.weight", np.ones(h, np.float32)),
            ("decoder.bias", np.zeros(c["vocab_size"], np.float32))]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vocab", default=os.path.join(ROOT, "assets/models/heed-mini/vocab.txt"))
    ap.add_argument("--out", default=os.path.join(HERE, "out/modernbert-base-random"))
    ap.add_argument("--seed", type=int, default=1234)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    write_safetensors(os.path.join(a.out, "model.safetensors"),
                      tensors(CONFIG, np.random.default_rng(a.seed)), "F32")
    shutil.copyfile(a.vocab, os.path.join(a.out, "vocab.txt"))
    # config last: its presence marks a complete folder for bench/run
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
    print("wrote", a.out)


if __name__ == "__main__":
    main()
