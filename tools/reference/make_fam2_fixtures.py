#!/usr/bin/python3
"""Tiny random-weight ModernBERT and DeBERTa-v2/v3 checkpoints, and their
golden values from the independent references (modernbert.py, deberta_v2.py).

    make_fam2_fixtures.py [--out tests/fixtures/enc]

Writes Hugging Face model folders in each family's exact tensor names and
config fields, and one NAME.json beside each in make_enc_fixtures.py's
format (attention rows, hidden rows, masked-LM top-k):

  modernbert-f32, modernbert-bf16   ModernBertForMaskedLM: 4 layers, layers 0
        and 3 global (global_attn_every_n_layers 3), 1 and 2 local with
        local_attention 8 (|i − j| <= 4), global/local RoPE theta 160000 /
        10000, GeGLU, no biases but decoder.bias, tied decoder.
  deberta3-f32, deberta3-bf16       DeBERTa-v3 style: relative attention
        with log buckets (position_buckets 16, max_relative_positions 64, so
        distances past 8 share buckets), share_att_key, no absolute positions,
        norm_rel_ebd layer_norm, type_vocab_size 0, the lm_predictions head
        with the enhanced mask decoder (position embeddings in the file, not
        added by the encoder).
  deberta2-f32, deberta2-f16        DeBERTa-v2 style: no buckets
        (max_relative_positions 6: every distance past 5 is clamped), separate
        pos_key_proj / pos_query_proj, absolute positions added,
        pos_att_type "p2c|c2p" as a string, token types, the legacy
        cls.predictions head.

All share make_random_model.py's reduced bert-base-uncased vocabulary, so the
sentences tokenize with the WordPiece tokenizer (vocab.txt); the families'
own tokenizers (BPE tokenizer.json, SentencePiece) are not exercised here.
Projections get a large spread so attention is far from uniform.
"""
import argparse
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
from deberta_v2 import DebertaV2  # noqa: E402
from make_enc_fixtures import write_fixture  # noqa: E402
from make_random_model import (FFN, HEADS, HIDDEN, LAYERS, MAX_POS, Draw, bert_tensors,  # noqa: E402
                               reduced_vocab, write_model)
from modernbert import ModernBert  # noqa: E402

SEED = 20261203


# ---- ModernBERT -----------------------------------------------------------

MB_LAYERS, MB_FFN, MB_WINDOW = 4, 48, 8


def modernbert_tensors(r, vocab):
    t = {"model.embeddings.tok_embeddings.weight": r.normal(0.5, vocab, HIDDEN),
         "model.embeddings.norm.weight": 1.0 + r.normal(0.1, HIDDEN)}
    for i in range(MB_LAYERS):
        p = f"model.layers.{i}."
        if i > 0:  # layer 0's attn_norm is the identity: no tensor
            t[p + "attn_norm.weight"] = 1.0 + r.normal(0.1, HIDDEN)
        t[p + "attn.Wqkv.weight"] = r.normal(0.35, 3 * HIDDEN, HIDDEN)
        t[p + "attn.Wo.weight"] = r.normal(0.2, HIDDEN, HIDDEN)
        t[p + "mlp_norm.weight"] = 1.0 + r.normal(0.1, HIDDEN)
        t[p + "mlp.Wi.weight"] = r.normal(0.25, 2 * MB_FFN, HIDDEN)
        t[p + "mlp.Wo.weight"] = r.normal(0.15, HIDDEN, MB_FFN)
    t["model.final_norm.weight"] = 1.0 + r.normal(0.1, HIDDEN)
    t["head.dense.weight"] = r.normal(0.3, HIDDEN, HIDDEN)
    t["head.norm.weight"] = 1.0 + r.normal(0.1, HIDDEN)
    t["decoder.bias"] = r.normal(0.2, vocab)
    return t


def modernbert_config(vocab, dtype):
    return {"architectures": ["ModernBertForMaskedLM"], "model_type": "modernbert",
            "vocab_size": vocab, "hidden_size": HIDDEN, "intermediate_size": MB_FFN,
            "num_hidden_layers": MB_LAYERS, "num_attention_heads": HEADS,
            "hidden_activation": "gelu", "max_position_embeddings": MAX_POS,
            "norm_eps": 1e-5, "norm_bias": False, "attention_bias": False, "mlp_bias": False,
            "decoder_bias": True, "classifier_activation": "gelu", "classifier_bias": False,
            "global_attn_every_n_layers": 3, "local_attention": MB_WINDOW,
            "global_rope_theta": 160000.0, "local_rope_theta": 10000.0,
            "tie_word_embeddings": True, "pad_token_id": 0, "bos_token_id": 2, "eos_token_id": 3,
            "cls_token_id": 2, "sep_token_id": 3, "initializer_range": 0.02,
            "torch_dtype": dtype}


# ---- DeBERTa-v2 / v3 -------------------------------------------------------

def deberta_tensors(r, vocab, v3, span):
    """BERT's tiny network (make_random_model.bert_tensors: 3 layers, ffn 64)
    under DebertaV2ForMaskedLM's names, plus the relative embeddings and,
    without share_att_key, the position projections."""
    rename = (("bert.", "deberta."), ("attention.self.query", "attention.self.query_proj"),
              ("attention.self.key", "attention.self.key_proj"),
              ("attention.self.value", "attention.self.value_proj"))
    if v3:
        rename += (("cls.predictions.transform.", "lm_predictions.lm_head."),
                   ("cls.predictions.bias", "lm_predictions.lm_head.bias"))
    t = {}
    for name, v in bert_tensors(r, vocab).items():
        # v3 keeps its absolute positions for the enhanced mask decoder only
        if v3 and "token_type" in name:
            continue
        for a, b in rename:
            name = name.replace(a, b)
        t[name] = v
    t["deberta.encoder.rel_embeddings.weight"] = r.normal(0.5, 2 * span, HIDDEN)
    t["deberta.encoder.LayerNorm.weight"], t["deberta.encoder.LayerNorm.bias"] = r.ln(HIDDEN)
    for i in range(LAYERS if not v3 else 0):
        for name in ("pos_key_proj", "pos_query_proj"):
            p = f"deberta.encoder.layer.{i}.attention.self.{name}."
            t[p + "weight"], t[p + "bias"] = r.normal(0.3, HIDDEN, HIDDEN), r.normal(0.1, HIDDEN)
    return t


def deberta_config(vocab, dtype, v3):
    c = {"architectures": ["DebertaV2ForMaskedLM"], "model_type": "deberta-v2",
         "vocab_size": vocab, "hidden_size": HIDDEN, "num_hidden_layers": LAYERS,
         "num_attention_heads": HEADS, "intermediate_size": FFN, "hidden_act": "gelu",
         "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
         "max_position_embeddings": MAX_POS, "layer_norm_eps": 1e-7, "relative_attention": True,
         "norm_rel_ebd": "layer_norm", "pad_token_id": 0, "initializer_range": 0.02,
         "torch_dtype": dtype}
    if v3:
        c.update({"type_vocab_size": 0, "position_biased_input": False, "position_buckets": 16,
                  "max_relative_positions": 64, "share_att_key": True,
                  "pos_att_type": ["p2c", "c2p"], "legacy": False})
    else:
        c.update({"type_vocab_size": 2, "position_biased_input": True, "position_buckets": -1,
                  "max_relative_positions": 6, "share_att_key": False, "pos_att_type": "p2c|c2p"})
    return c


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "fixtures", "enc"))
    ap.add_argument("--sentences", default=os.path.join(ROOT, "tests", "fixtures", "enc", "sentences.txt"))
    ap.add_argument("--vocab", default=os.path.join(ROOT, "assets", "models", "heed-mini", "vocab.txt"))
    args = ap.parse_args()
    torch.set_default_dtype(torch.float64)
    sentences = [line.rstrip("\n") for line in open(args.sentences, encoding="utf-8") if line.strip()]
    vocab = reduced_vocab(args.vocab, sentences)
    r = Draw(SEED)
    models = [
        ("modernbert", ModernBert, modernbert_tensors(r, len(vocab)), modernbert_config,
         (("F32", "float32"), ("BF16", "bfloat16"))),
        ("deberta3", DebertaV2, deberta_tensors(r, len(vocab), True, 16),
         lambda v, dt: deberta_config(v, dt, True), (("F32", "float32"), ("BF16", "bfloat16"))),
        ("deberta2", DebertaV2, deberta_tensors(r, len(vocab), False, 6),
         lambda v, dt: deberta_config(v, dt, False), (("F32", "float32"), ("F16", "float16"))),
    ]
    for stem, cls, tensors, config, dtypes in models:
        for dtype, torch_dtype in dtypes:
            name = f"{stem}-{dtype.lower()}"
            folder = os.path.join(args.out, name)
            write_model(folder, config(len(vocab), torch_dtype), tensors, dtype, vocab)
            write_fixture(folder, sentences, os.path.join(args.out, name + ".json"), cls)


if __name__ == "__main__":
    main()
