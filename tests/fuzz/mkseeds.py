#!/usr/bin/env python3
"""mkseeds.py — write the fuzz seed corpora in tests/fuzz/corpus/.

Seeds are small, valid (or nearly valid) inputs that show the fuzzer each
format's shape; libFuzzer mutates from there.  Run from anywhere:
    python3 tests/fuzz/mkseeds.py
The files are committed; re-running rewrites them identically.
"""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(HERE, "corpus")


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def fnv64(data, seed=0):
    h = 1469598103934665603 ^ seed
    for b in data:
        h ^= b
        h = (h * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


# ---- safetensors ------------------------------------------------------------

def safetensors(tensors, metadata=None, pad=8):
    """tensors: [(name, dtype, shape, raw bytes)] laid out in order."""
    header, data = {}, b""
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    if metadata is not None:
        header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % pad)
    return struct.pack("<Q", len(h)) + h + data


def f32(*v):
    return struct.pack("<%df" % len(v), *v)


def seeds_st():
    put("st", "one_f32", safetensors([("w", "F32", [2, 2], f32(1, 2, 3, 4))]))
    put("st", "mixed", safetensors([
        ("embeddings.word_embeddings.weight", "F16", [2, 2], struct.pack("<4H", 0x3c00, 0x0001, 0x7c00, 0xfe00)),
        ("embeddings.LayerNorm.gamma", "BF16", [2], struct.pack("<2H", 0x3f80, 0x8000)),
        ("position_ids", "I64", [1, 2], struct.pack("<2q", 0, 1)),
        ("mask", "BOOL", [3], b"\x01\x00\x01"),
    ], metadata={"format": "pt"}))
    put("st", "scalar_and_empty", safetensors([
        ("s", "F32", [], f32(7)), ("e", "F16", [0, 3], b""), ("e2", "F32", [0], b"")]))
    put("st", "four_dims", safetensors([("t", "F32", [1, 2, 1, 2], f32(1, 2, 3, 4))]))
    put("st", "f64_refused", safetensors([("d", "F64", [1], struct.pack("<d", 1.0))]))
    put("st", "empty_header", safetensors([]))
    fixture = os.path.join(ROOT, "tests", "fixtures", "model", "dtypes.safetensors")
    if os.path.exists(fixture):
        with open(fixture, "rb") as f:
            put("st", "fixture_dtypes", f.read())


# ---- config.json ------------------------------------------------------------

def seeds_config():
    bert = {"architectures": ["BertForMaskedLM"], "model_type": "bert",
            "vocab_size": 30522, "hidden_size": 768, "num_hidden_layers": 12,
            "num_attention_heads": 12, "intermediate_size": 3072, "hidden_act": "gelu",
            "max_position_embeddings": 512, "type_vocab_size": 2,
            "layer_norm_eps": 1e-12}
    put("config", "bert", json.dumps(bert, indent=2))
    put("config", "bert_tanh", json.dumps(dict(bert, hidden_act="gelu_new", do_lower_case=False)))
    distil = {"architectures": ["DistilBertForMaskedLM"], "model_type": "distilbert",
              "vocab_size": 30522, "dim": 768, "n_layers": 6, "n_heads": 12,
              "hidden_dim": 3072, "activation": "gelu", "max_position_embeddings": 512}
    put("config", "distilbert", json.dumps(distil))
    put("config", "relu_small", json.dumps(dict(bert, hidden_act="relu", hidden_size=4,
                                                num_attention_heads=3)))
    put("config", "roberta", json.dumps(dict(bert, architectures=["RobertaForMaskedLM"],
                                             model_type="roberta", vocab_size=50265,
                                             max_position_embeddings=514, type_vocab_size=1,
                                             pad_token_id=1, layer_norm_eps=1e-5)))
    put("config", "electra", json.dumps(dict(bert, architectures=["ElectraForPreTraining"],
                                             model_type="electra", embedding_size=128,
                                             hidden_size=256, num_attention_heads=4)))
    put("config", "albert", json.dumps(dict(bert, architectures=["AlbertForMaskedLM"],
                                            model_type="albert", embedding_size=128,
                                            hidden_act="gelu_new", num_hidden_groups=1,
                                            inner_group_num=1)))
    # ModernBERT's windows and RoPE, DeBERTa-v3's and -v2's relative attention
    for name in ("bert-f32", "distil-f16", "modernbert-f32", "deberta3-f32", "deberta2-f16"):
        p = os.path.join(ROOT, "tests", "fixtures", "enc", name, "config.json")
        if os.path.exists(p):
            with open(p, "rb") as f:
                put("config", "fixture_" + name, f.read())


# ---- vocab.txt and tokenizer text ---------------------------------------------

def seeds_vocab():
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    put("vocab", "small", "\n".join(specials + ["the", "cat", "##s", "sat", ".", "é"]) + "\n")
    put("vocab", "crlf_no_final_newline", "\r\n".join(specials + ["a", "##b"]))
    put("vocab", "duplicates_and_blank", "[UNK]\n\nx\nx\n##\n[MASK]\n")
    put("vocab", "no_unk", "[CLS]\n[SEP]\nhello\n")


def seeds_tok():
    texts = [
        (1, "The cat sat on the [MASK]."),
        (1, "Héllo, WORLD!! naïve café — 東京タワー"),
        (0, "Cased Text with [UNK] and [SEP] inside"),
        (9, "a" * 150 + " short words after a very long one"),
        (5, "tabs\tand\nnewlines\r\nand\u200bzero\u00a0width"),
        (3, "don't stop-believing; 3.14159 ##hash"),
    ]
    for i, (ctrl, t) in enumerate(texts):
        put("tok", "text%d" % i, bytes([ctrl]) + t.encode("utf-8"))
    put("tok", "invalid_utf8", bytes([1]) + b"ok \xff\xfe \xc3 \xe2\x82 \xed\xa0\x80 end")
    put("tok", "controls", bytes([7]) + b"\x00\x01\x1b[31mred\x1b[0m\x7f")


# ---- calibration files --------------------------------------------------------

# Must match `tiny` in fuzz_calib.c.
TINY = dict(arch=0, vocab=16, hidden=4, layers=1, heads=2, ffn=8, max_pos=8,
            type_vocab=2, ln_eps=1e-12, act=0)


def tiny_hash():
    v = [TINY["arch"], TINY["vocab"], TINY["hidden"], TINY["layers"], TINY["heads"],
         TINY["ffn"], TINY["max_pos"], TINY["type_vocab"]]
    b = struct.pack("<8I", *v) + struct.pack("<f", TINY["ln_eps"]) + struct.pack("<I", TINY["act"])
    return fnv64(b, 0x68656564)


def calib_file(L, rank, synth, sentences=3, shard=(0, 0)):
    lh = TINY["layers"] * TINY["heads"]
    hidden = TINY["hidden"]
    flags = 1 if synth else 0
    b = b"HEEDCAL\0" + struct.pack("<II", 2, flags) + struct.pack("<Q", tiny_hash())
    b += struct.pack("<6I", TINY["layers"], TINY["heads"], hidden, L, rank, 0)
    b += struct.pack("<QQ", sentences, 0x68656564)
    # fingerprint, rows, synthesizer sentences, shard K/N
    b += struct.pack("<QQQII", 0x0123456789ABCDEF, sentences * 4, sentences if synth else 0,
                     *shard)
    b += struct.pack("<%dd" % (lh * L * L), *[(k % 5) / 4.0 for k in range(lh * L * L)])
    b += struct.pack("<%dd" % (L * L), *[float(k % 3) for k in range(L * L)])
    if synth:
        b += struct.pack("<%df" % (lh * rank * hidden), *[0.1 * (k % 7 - 3) for k in range(lh * rank * hidden)])
        b += struct.pack("<%df" % (lh * rank), *[0.01 * k for k in range(lh * rank)])
        b += struct.pack("<%df" % (lh * L * rank), *[0.2 * (k % 5 - 2) for k in range(lh * L * rank)])
        b += struct.pack("<%df" % (lh * L), *[0.0] * (lh * L))
    b += struct.pack("<%dd" % (lh * 9), *[0.5] * (lh * 9))
    return b + struct.pack("<Q", fnv64(b))


def seeds_calib():
    # Control byte: bit 0 rewrites the checksum, bit 1 checks against the model.
    put("calib", "avg_model", bytes([2]) + calib_file(4, 0, False))
    put("calib", "synth_model", bytes([2]) + calib_file(3, 2, True))
    put("calib", "avg_nomodel_fixup", bytes([1]) + calib_file(2, 0, False))
    put("calib", "synth_fixup_model", bytes([3]) + calib_file(5, 1, True))
    put("calib", "truncated", bytes([0]) + calib_file(2, 0, False)[:-20])
    put("calib", "shard_model", bytes([3]) + calib_file(3, 2, True, 5, (2, 4)))


# ---- head-mode specs and presets -------------------------------------------------

def seeds_modes():
    # Control byte: bit 0 = the text is a preset file, bit 1 = with statistics.
    specs = [(0, "all=average"), (2, "papa-half"), (2, "top3=dense,L2H4=uniform"),
             (0, "L1=random, L3H2=uniform,input,L2=uniform"), (0, "l2h1=INPUT"),
             (2, "top100=random"), (0, "L9=uniform"), (0, "bogus")]
    for i, (ctrl, s) in enumerate(specs):
        put("modes", "spec%d" % i, bytes([ctrl]) + s.encode())
    put("modes", "preset_file", bytes([3]) +
        b"# a preset\ninput\nL1=average\n\nL2H3=random  # comment\ntop2=uniform\n")
    put("modes", "preset_bad_line", bytes([1]) + b"input\nL2H9=uniform\n")


# ---- lessons ------------------------------------------------------------------

def seeds_lesson():
    for name in ("positional", "sinks", "papa", "synthesizer", "importance"):
        with open(os.path.join(ROOT, "assets", "lessons", name + ".lesson"), "rb") as f:
            put("lesson", name, f.read())
    put("lesson", "figures", "title every figure\nstep one\nsentence the cat [MASK] .\n"
        "head 2,3\ncaption {entropy L1H1} {prev_share 1,2} {sink L3H4} {dep L2H2} {max L1H4}"
        " {kind L1H1} {best sink} {least dep} {highest cls} {lowest sep} {count sink}"
        " {heads mixed} {prob sat} {base states} {top} {basetop} {tokens}\n"
        "claim prob sat ~ {base sat} 5%\nclaim kind L1H1 != sink\nclaim tokens >= 3\n")
    put("lesson", "inherit", "step a\r\nsentence a b\r\nview head\r\nstep b\r\n"
        "modes L1=uniform\r\n\tcaption  {top}  \r\n")
    put("lesson", "bad_head", "step a\nsentence s\nhead L9H9\ncaption {prev L9H1}\n")
    put("lesson", "bad_brace", "step a\nsentence s\ncaption {prev L1H1\n")
    put("lesson", "bad_claim", "step a\nsentence s\nclaim prev L1H1 ~ 0.5\n")
    put("lesson", "order", "step a\nsentence un affable\nview stats\nsort sep\nwords on\n"
        "step b\nsort entropy up\nwords off\nstep c\nsort kind down\nstep d\nsort bogus\n")
    put("lesson", "view6", "step a\nsentence the cat [MASK] .\nview importance\n"
        "step b\nview importance uniform papa\nstep c\nview grid\nstep d\n"
        "view importance  papa  average\nstep e\nview importance dense importance\n"
        "step f\nview stats random\n")


if __name__ == "__main__":
    seeds_st()
    seeds_config()
    seeds_vocab()
    seeds_tok()
    seeds_calib()
    seeds_modes()
    seeds_lesson()
