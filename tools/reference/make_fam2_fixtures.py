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

Each carries its family's own kind of tokenizer: ModernBERT a byte-level BPE
tokenizer.json (tools/reference/family_tokenizers.js writes it and
modernbert-*.tokens.json, the ids Hugging Face's tokenizers gives the
sentences); DeBERTa-v3 a SentencePiece spm.model trained here with
python3-sentencepiece ([PAD] 0, [CLS] 1, [SEP] 2, [UNK] 3, [MASK] added past
the pieces, as DebertaV2Tokenizer does) and its tokenizer_config.json, ids
from SentencePiece itself; DeBERTa-v2 make_random_model.py's reduced
bert-base-uncased vocab.txt.
Projections get a large spread so attention is far from uniform.
"""
import argparse
import json
import os
import subprocess
import sys

import sentencepiece as spm

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
            "tie_word_embeddings": True, "pad_token_id": vocab - 2, "bos_token_id": vocab - 4,
            "eos_token_id": vocab - 3, "cls_token_id": vocab - 4, "sep_token_id": vocab - 3,
            "initializer_range": 0.02, "torch_dtype": dtype}


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


# ---- the DeBERTa-v3 tokenizer ----------------------------------------------

def deberta_spm(tmp):
    """spm.model bytes: a Unigram model in DeBERTa-v3's numbering."""
    prefix = os.path.join(tmp, "deberta")
    spm.SentencePieceTrainer.train(
        input=os.path.join(ROOT, "assets", "corpus", "moby-dick.txt"), model_prefix=prefix,
        model_type="unigram", vocab_size=1000, normalization_rule_name="identity",
        pad_id=0, pad_piece="[PAD]", bos_id=1, bos_piece="[CLS]", eos_id=2, eos_piece="[SEP]",
        unk_id=3, unk_piece="[UNK]", input_sentence_size=50000, shuffle_input_sentence=False,
        num_threads=2, minloglevel=2)
    with open(prefix + ".model", "rb") as f:
        return f.read()


def hf_offsets(sp, sentences):
    """Hugging Face's ids and byte offsets for the sentences (npm tokenizers,
    tools/tok) with the model in the pipeline heed reads a .model into:
    extra spaces removed, Metaspace, the added tokens, [CLS] $A [SEP].  The
    ids must equal SentencePiece's; the offsets are those transformers' fast
    tokenizer reports (SentencePiece's own differ where spaces collapse)."""
    n = sp.get_piece_size()
    vocab = [[sp.id_to_piece(i), sp.get_score(i)] for i in range(n)] + [["[MASK]", 0.0]]
    added = [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True}
             for i, t in ((0, "[PAD]"), (1, "[CLS]"), (2, "[SEP]"), (3, "[UNK]"), (n, "[MASK]"))]
    tok = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
           "normalizer": {"type": "Sequence", "normalizers": [
               {"type": "Strip", "strip_left": True, "strip_right": True},
               {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]},
           "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581",
                             "prepend_scheme": "always", "split": True},
           "post_processor": {"type": "TemplateProcessing",
                              "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                                         {"Sequence": {"id": "A", "type_id": 0}},
                                         {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
                              "pair": [], "special_tokens": {
                                  "[CLS]": {"id": "[CLS]", "ids": [1], "tokens": ["[CLS]"]},
                                  "[SEP]": {"id": "[SEP]", "ids": [2], "tokens": ["[SEP]"]}}},
           "decoder": None,
           "model": {"type": "Unigram", "unk_id": 3, "vocab": vocab, "byte_fallback": False}}
    js = r"""
const tk = require('tokenizers');
const fs = require('fs');
const inp = JSON.parse(fs.readFileSync(0, 'utf8'));
const t = tk.Tokenizer.fromString(JSON.stringify(inp.tok));
(async () => {
  const out = [];
  for (const s of inp.sentences) {
    const e = await t.encode(s, null, { addSpecialTokens: true });
    const cps = Array.from(s), at = [0];
    for (const c of cps) at.push(at[at.length - 1] + Buffer.byteLength(c, 'utf8'));
    const seq = e.getSequenceIds();
    out.push({ ids: e.getIds(), offsets: e.getOffsets().map((o, i) =>
      seq[i] === 0 ? [at[o[0]], at[o[1]]] : [-1, -1]) });
  }
  console.log(JSON.stringify(out));
})();
"""
    res = subprocess.run(["node", "-e", js], input=json.dumps({"tok": tok, "sentences": sentences}),
                         capture_output=True, text=True, check=True,
                         cwd=os.path.join(ROOT, "tools", "tok"))
    return json.loads(res.stdout)


def deberta_entries(model, sentences, max_tokens):
    """make_enc_fixtures' entries for the sentences: SentencePiece's pieces
    between [CLS] and [SEP], the special tokens typed in the text as added
    tokens; spans are hf_offsets'."""
    sp = spm.SentencePieceProcessor(model_file=model)
    n = sp.get_piece_size()
    added = {"[PAD]": 0, "[CLS]": 1, "[SEP]": 2, "[UNK]": 3, "[MASK]": n}
    hf_spans = hf_offsets(sp, sentences)
    out = []
    for text in sentences:
        ids, toks = [1], ["[CLS]"]
        pos = 0
        while pos <= len(text):
            nxt = min([(text.find(a, pos), a) for a in added if text.find(a, pos) >= 0] or
                      [(len(text), None)])
            chunk = text[pos:nxt[0]]
            if chunk.strip():
                for x in sp.encode(chunk, out_type="immutable_proto").pieces:
                    ids.append(x.id)
                    toks.append(x.piece)
            if nxt[1] is None:
                break
            ids.append(added[nxt[1]])
            toks.append(nxt[1])
            pos = nxt[0] + len(nxt[1])
        n_full = len(ids) + 1
        ids, toks = ids[:max_tokens - 1], toks[:max_tokens - 1]
        hf = hf_spans.pop(0)
        assert hf["ids"][:len(ids)] == ids, (text, hf["ids"], ids)
        spans = [list(o) for o in hf["offsets"][:len(ids)]]
        out.append({"text": text, "ids": ids + [2], "tokens": toks + ["[SEP]"],
                    "spans": spans + [[-1, -1]], "n_full": n_full})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "fixtures", "enc"))
    ap.add_argument("--sentences", default=os.path.join(ROOT, "tests", "fixtures", "enc", "sentences.txt"))
    ap.add_argument("--vocab", default=os.path.join(ROOT, "assets", "models", "heed-mini", "vocab.txt"))
    args = ap.parse_args()
    torch.set_default_dtype(torch.float64)
    sentences = [line.rstrip("\n") for line in open(args.sentences, encoding="utf-8") if line.strip()]
    vocab = reduced_vocab(args.vocab, sentences)
    with open(os.path.join(args.out, "modernbert-f32.tokens.json"), encoding="utf-8") as f:
        mb = json.load(f)
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        deb_model = deberta_spm(tmp)
        path = os.path.join(tmp, "spm.model")
        with open(path, "wb") as f:
            f.write(deb_model)
        deb_vocab = spm.SentencePieceProcessor(model_file=path).get_piece_size() + 1
        deb_sentences = deberta_entries(path, sentences, MAX_POS)
    r = Draw(SEED)
    # (stem, reference, tensors, config, dtypes, vocab size, vocab.txt or
    # None, sentences)
    models = [
        ("modernbert", ModernBert, modernbert_tensors(r, mb["vocab_size"]), modernbert_config,
         (("F32", "float32"), ("BF16", "bfloat16")), mb["vocab_size"], None, mb["sentences"]),
        ("deberta3", DebertaV2, deberta_tensors(r, deb_vocab, True, 16),
         lambda v, dt: deberta_config(v, dt, True), (("F32", "float32"), ("BF16", "bfloat16")),
         deb_vocab, None, deb_sentences),
        ("deberta2", DebertaV2, deberta_tensors(r, len(vocab), False, 6),
         lambda v, dt: deberta_config(v, dt, False), (("F32", "float32"), ("F16", "float16")),
         len(vocab), vocab, sentences),
    ]
    for stem, cls, tensors, config, dtypes, nvocab, words, sents in models:
        for dtype, torch_dtype in dtypes:
            name = f"{stem}-{dtype.lower()}"
            folder = os.path.join(args.out, name)
            write_model(folder, config(nvocab, torch_dtype), tensors, dtype, words)
            if stem == "deberta3":
                with open(os.path.join(folder, "spm.model"), "wb") as f:
                    f.write(deb_model)
                with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
                    json.dump({"tokenizer_class": "DebertaV2Tokenizer", "do_lower_case": False,
                               "split_by_punct": False, "bos_token": "[CLS]", "eos_token": "[SEP]",
                               "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]",
                               "cls_token": "[CLS]", "mask_token": "[MASK]"}, f, indent=1)
                    f.write("\n")
            write_fixture(folder, sents, os.path.join(args.out, name + ".json"), cls)


if __name__ == "__main__":
    main()
