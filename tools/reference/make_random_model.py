#!/usr/bin/python3
"""Tiny random-weight checkpoints for heed's encoder tests.

    make_random_model.py [--out tests/fixtures/enc] [--sentences FILE]
                         [--family-sentences FILE]

Writes Hugging Face model folders (config.json, vocab.txt,
model.safetensors), each from a fixed seed:

    bert-f32, bert-f16      BertForMaskedLM naming (`bert.` prefix, cls.predictions.*)
    distil-f32, distil-f16  DistilBertForMaskedLM naming (transformer.layer.*, vocab_*)

and one pair per further family (family_models below), in the exact tensor
names and config fields transformers' own classes save, F32 and F16 or BF16:

    bert-nohead-*           BertModel (bare names, a pooler, no head): MiniLM,
                            sentence-transformers
    roberta-*, xlmr-*,      RobertaForMaskedLM / XLMRobertaForMaskedLM /
    camembert-*             CamembertForMaskedLM: `roberta.` body, lm_head.*,
                            130 positions for 128 tokens after padding_idx 1
    electra-gen-*           ElectraForMaskedLM: embedding_size 16 < hidden 32,
                            embeddings_project, generator_predictions, generator_lm_head
    electra-disc-*          ElectraForPreTraining: discriminator_predictions
    albert-*                AlbertForMaskedLM: embedding_size 16, 4 layers over
                            2 shared groups, predictions.*; albert-inner-f32: 2
                            layers of one group of 2 inner layers

The BERT-vocabulary ones get a smaller vocab.txt (about 1000 pieces); the
RoBERTa, XLM-R, CamemBERT and ALBERT ones the tokenizer.json their family
ships (byte-level BPE, SentencePiece Unigram), which
tools/reference/family_tokenizers.js writes first, with the ids Hugging
Face's tokenizers gives the family sentences; their vocab_size is that
tokenizer's.

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
        if dtype == "BF16":
            # round to nearest even on the top 16 bits of the float32
            u = np.ascontiguousarray(tensors[name].astype("<f4")).view("<u4").astype(np.uint64)
            u = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype("<u2")
            arr = u.reshape(tensors[name].shape)
        else:
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
    for stale in ("model.safetensors", "vocab.txt", "config.json"):
        if os.path.exists(os.path.join(folder, stale)):
            os.remove(os.path.join(folder, stale))
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    if vocab is not None:  # None: the folder's tokenizer.json (family_tokenizers.js)
        with open(os.path.join(folder, "vocab.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(vocab) + "\n")
    write_safetensors(os.path.join(folder, "model.safetensors"), tensors, dtype)


# ---- the other families ------------------------------------------------------

F_HIDDEN, F_LAYERS, F_HEADS, F_FFN, F_EMB = 32, 3, 4, 64, 16
F_VOCAB_TARGET = 1000


def family_vocab(full_path, sentences):
    """A ~1000-piece vocabulary for the BERT-vocabulary family fixtures."""
    v = reduced_vocab(full_path, sentences)
    rest = [p for p in v if p not in SPECIALS]
    need = set()
    tok = Tokenizer(full_path)
    for s in sentences:
        need.update(t for t, _, _ in tok.tokenize(s))
    keep = [p for p in rest if p in need]
    keep += [p for p in rest if p not in need][:F_VOCAB_TARGET - len(keep) - len(SPECIALS)]
    keep = [p for p in rest if p in set(keep)]  # original order
    return SPECIALS + keep


def layer_tensors(r, t, pre, names, hidden=F_HIDDEN, ffn=F_FFN):
    """One post-LN layer under names (q, k, v, out, ln1, ffn1, ffn2, ln2)."""
    q, k, v, o, ln1, f1, f2, ln2 = names
    for n in (q, k, v):
        t[pre + n + ".weight"] = r.normal(0.3, hidden, hidden)
        t[pre + n + ".bias"] = r.normal(0.1, hidden)
    t[pre + o + ".weight"] = r.normal(0.2, hidden, hidden)
    t[pre + o + ".bias"] = r.normal(0.1, hidden)
    t[pre + ln1 + ".weight"], t[pre + ln1 + ".bias"] = r.ln(hidden)
    t[pre + f1 + ".weight"] = r.normal(0.25, ffn, hidden)
    t[pre + f1 + ".bias"] = r.normal(0.1, ffn)
    t[pre + f2 + ".weight"] = r.normal(0.15, hidden, ffn)
    t[pre + f2 + ".bias"] = r.normal(0.1, hidden)
    t[pre + ln2 + ".weight"], t[pre + ln2 + ".bias"] = r.ln(hidden)


BERT_LAYER = ("attention.self.query", "attention.self.key", "attention.self.value",
              "attention.output.dense", "attention.output.LayerNorm", "intermediate.dense",
              "output.dense", "output.LayerNorm")
ALBERT_LAYER = ("attention.query", "attention.key", "attention.value", "attention.dense",
                "attention.LayerNorm", "ffn", "ffn_output", "full_layer_layer_norm")


def embeddings(r, t, pre, vocab, max_pos, type_vocab, width):
    t[pre + "embeddings.word_embeddings.weight"] = r.normal(0.5, vocab, width)
    t[pre + "embeddings.position_embeddings.weight"] = r.normal(0.3, max_pos, width)
    t[pre + "embeddings.token_type_embeddings.weight"] = r.normal(0.3, type_vocab, width)
    t[pre + "embeddings.LayerNorm.weight"], t[pre + "embeddings.LayerNorm.bias"] = r.ln(width)


def mlm_head(r, t, dense, ln, width, hidden=F_HIDDEN):
    t[dense + ".weight"] = r.normal(0.3, width, hidden)
    t[dense + ".bias"] = r.normal(0.1, width)
    t[ln + ".weight"], t[ln + ".bias"] = r.ln(width)


def base_config(arch, model_type, vocab, dtype, **kw):
    c = {"architectures": [arch], "model_type": model_type, "vocab_size": vocab,
         "hidden_size": F_HIDDEN, "num_hidden_layers": F_LAYERS, "num_attention_heads": F_HEADS,
         "intermediate_size": F_FFN, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
         "attention_probs_dropout_prob": 0.1, "max_position_embeddings": MAX_POS,
         "type_vocab_size": 2, "initializer_range": 0.02, "layer_norm_eps": 1e-12,
         "pad_token_id": 0, "position_embedding_type": "absolute", "torch_dtype": dtype}
    c.update(kw)
    return c


def bert_nohead(r, vocab):
    """BertModel as sentence-transformers saves it: bare names and a pooler."""
    t = {}
    embeddings(r, t, "", vocab, MAX_POS, 2, F_HIDDEN)
    for i in range(F_LAYERS):
        layer_tensors(r, t, f"encoder.layer.{i}.", BERT_LAYER)
    t["pooler.dense.weight"] = r.normal(0.2, F_HIDDEN, F_HIDDEN)
    t["pooler.dense.bias"] = r.normal(0.1, F_HIDDEN)
    return t


def roberta(r, vocab, untied_names):
    """RobertaForMaskedLM.  untied_names: save the tied decoder copy and its
    bias under lm_head.decoder.* (as some exports do) instead of lm_head.bias."""
    t = {}
    embeddings(r, t, "roberta.", vocab, MAX_POS + 2, 1, F_HIDDEN)
    for i in range(F_LAYERS):
        layer_tensors(r, t, f"roberta.encoder.layer.{i}.", BERT_LAYER)
    mlm_head(r, t, "lm_head.dense", "lm_head.layer_norm", F_HIDDEN)
    bias = r.normal(0.2, vocab)
    if untied_names:
        t["lm_head.decoder.weight"] = t["roberta.embeddings.word_embeddings.weight"].copy()
        t["lm_head.decoder.bias"] = bias
    else:
        t["lm_head.bias"] = bias
    return t


def factorised(r, t, pre, proj, vocab):
    """Embeddings F_EMB wide and their projection proj to the hidden size."""
    embeddings(r, t, pre, vocab, MAX_POS, 2, F_EMB)
    t[pre + proj + ".weight"] = r.normal(0.35, F_HIDDEN, F_EMB)
    t[pre + proj + ".bias"] = r.normal(0.1, F_HIDDEN)


def electra(r, vocab, generator, tied_copy):
    t = {}
    factorised(r, t, "electra.", "embeddings_project", vocab)
    for i in range(F_LAYERS):
        layer_tensors(r, t, f"electra.encoder.layer.{i}.", BERT_LAYER)
    if generator:
        mlm_head(r, t, "generator_predictions.dense", "generator_predictions.LayerNorm", F_EMB)
        t["generator_lm_head.bias"] = r.normal(0.2, vocab)
        if tied_copy:
            t["generator_lm_head.weight"] = t["electra.embeddings.word_embeddings.weight"].copy()
    else:
        t["discriminator_predictions.dense.weight"] = r.normal(0.3, F_HIDDEN, F_HIDDEN)
        t["discriminator_predictions.dense.bias"] = r.normal(0.1, F_HIDDEN)
        t["discriminator_predictions.dense_prediction.weight"] = r.normal(0.4, 1, F_HIDDEN)
        # shifted so that P(replaced) spreads around one half, not near 1
        t["discriminator_predictions.dense_prediction.bias"] = r.normal(0.1, 1) - 2.5
    return t


ALBERT_DEPTH, ALBERT_GROUPS = 4, 2


def albert(r, vocab, groups=ALBERT_GROUPS, inner=1):
    t = {}
    factorised(r, t, "albert.", "encoder.embedding_hidden_mapping_in", vocab)
    for g in range(groups):
        for j in range(inner):
            layer_tensors(r, t, f"albert.encoder.albert_layer_groups.{g}.albert_layers.{j}.",
                          ALBERT_LAYER)
    mlm_head(r, t, "predictions.dense", "predictions.LayerNorm", F_EMB)
    bias = r.normal(0.2, vocab)
    t["predictions.bias"] = bias
    t["predictions.decoder.bias"] = bias.copy()
    return t


def tokenizer_size(out, folder):
    """The number of ids of the tokenizer.json tools/reference/family_tokenizers.js
    put in folder (its FOLDER.tokens.json says)."""
    with open(os.path.join(out, folder + ".tokens.json"), encoding="utf-8") as f:
        return json.load(f)["vocab_size"]


def family_models(vocab_path, sentences, out):
    """(folder, config, tensors, dtype, vocab) for every family fixture; vocab
    None where the folder has the family's own tokenizer.json."""
    v = family_vocab(vocab_path, sentences)
    V = len(v)
    RV, XV, AV = (tokenizer_size(out, f) for f in ("roberta-f32", "xlmr-bf16", "albert-f32"))
    out = []
    t = bert_nohead(Draw(SEED + 1), V)
    for dt, td in (("F32", "float32"), ("BF16", "bfloat16")):
        out.append(("bert-nohead-" + dt.lower(),
                    base_config("BertModel", "bert", V, td, hidden_act="gelu_new"), t, dt, v))
    rkw = dict(max_position_embeddings=MAX_POS + 2, type_vocab_size=1, pad_token_id=1,
               bos_token_id=0, eos_token_id=2, layer_norm_eps=1e-5)
    t = roberta(Draw(SEED + 2), RV, False)
    for dt, td in (("F32", "float32"), ("F16", "float16")):
        out.append(("roberta-" + dt.lower(),
                    base_config("RobertaForMaskedLM", "roberta", RV, td, **rkw), t, dt, None))
    out.append(("xlmr-bf16", base_config("XLMRobertaForMaskedLM", "xlm-roberta", XV, "bfloat16",
                                         **rkw), roberta(Draw(SEED + 3), XV, True), "BF16", None))
    # the body's gelu_new beside lm_head's own exact GELU
    out.append(("camembert-f32", base_config("CamembertForMaskedLM", "camembert", XV, "float32",
                                             **dict(rkw, hidden_act="gelu_new")),
                roberta(Draw(SEED + 4), XV, False), "F32", None))
    ekw = dict(embedding_size=F_EMB)
    for dt, td, tied in (("F32", "float32", False), ("F16", "float16", True)):
        out.append(("electra-gen-" + dt.lower(),
                    base_config("ElectraForMaskedLM", "electra", V, td, **ekw),
                    electra(Draw(SEED + 5), V, True, tied), dt, v))
    t = electra(Draw(SEED + 6), V, False, False)
    for dt, td in (("F32", "float32"), ("BF16", "bfloat16")):
        out.append(("electra-disc-" + dt.lower(),
                    base_config("ElectraForPreTraining", "electra", V, td, **ekw), t, dt, v))
    akw = dict(embedding_size=F_EMB, num_hidden_layers=ALBERT_DEPTH, num_hidden_groups=ALBERT_GROUPS,
               inner_group_num=1, hidden_act="gelu_new", layer_norm_eps=1e-12,
               classifier_dropout_prob=0.1, pad_token_id=0, bos_token_id=2, eos_token_id=3)
    t = albert(Draw(SEED + 7), AV)
    for dt, td in (("F32", "float32"), ("F16", "float16")):
        out.append(("albert-" + dt.lower(), base_config("AlbertForMaskedLM", "albert", AV, td, **akw),
                    t, dt, None))
    # inner_group_num 2 (no released checkpoint has it; transformers runs it):
    # 2 layers of one group of 2 give 4 rows, sets 0 1 0 1
    out.append(("albert-inner-f32",
                base_config("AlbertForMaskedLM", "albert", AV, "float32",
                            **dict(akw, num_hidden_layers=2, num_hidden_groups=1, inner_group_num=2)),
                albert(Draw(SEED + 8), AV, groups=1, inner=2), "F32", None))
    return out


FAMILY_FIXTURES = ("bert-nohead-f32", "bert-nohead-bf16", "roberta-f32", "roberta-f16", "xlmr-bf16",
                   "camembert-f32", "electra-gen-f32", "electra-gen-f16", "electra-disc-f32",
                   "electra-disc-bf16", "albert-f32", "albert-f16", "albert-inner-f32")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "fixtures", "enc"))
    ap.add_argument("--sentences", default=os.path.join(ROOT, "tests", "fixtures", "enc", "sentences.txt"))
    ap.add_argument("--family-sentences",
                    default=os.path.join(ROOT, "tests", "fixtures", "enc", "family-sentences.txt"))
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
    fs = [line.rstrip("\n") for line in open(args.family_sentences, encoding="utf-8") if line.strip()]
    for folder, cfg, tensors, dtype, v in family_models(args.vocab, fs, args.out):
        write_model(os.path.join(args.out, folder), cfg, tensors, dtype, v)
        print(f"{folder}: {cfg['vocab_size']} ids, {len(tensors)} tensors, {dtype}")


if __name__ == "__main__":
    main()
