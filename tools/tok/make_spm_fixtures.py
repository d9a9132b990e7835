#!/usr/bin/python3
"""make_spm_fixtures.py — SentencePiece models of every model type heed
reads from a .model file, trained here with python3-sentencepiece's own
trainer on the bundled corpus, and SentencePiece's segmentation of the
golden sentences (tools/tok/sentences.js) and pairs for each:

    tests/fixtures/tok/spm-bpe.model    BPE, byte fallback, nmt_nfkc charsmap
    tests/fixtures/tok/spm-word.model   whole words, identity normalization
    tests/fixtures/tok/spm-char.model   characters, identity normalization
    tests/fixtures/tok/spm-TYPE.golden.json

and small models of the same types as fuzz seeds, tests/fuzz/corpus/spm/TYPE.model.

What transformers' tokenizer classes add around a bare .model, on two small
Unigram models:

    tests/fixtures/tok/xlmr-spm/sentencepiece.bpe.model   XLMRobertaTokenizer:
        fairseq's ids (<s> <pad> </s> <unk>, the pieces one up, <mask> last)
    tests/fixtures/tok/albert-spm/spiece.model + tokenizer_config.json
        AlbertTokenizer: `` and '' as ", accents stripped (NFKD, every mark
        dropped, as Hugging Face's StripAccents), lowercased (per character,
        as its Lowercase), [CLS] A [SEP] / [CLS] A [SEP] B [SEP], B type 1
    tests/fixtures/tok/NAME.golden.json: SentencePiece's segmentation of the
        text so prepared, in those ids

Run from the source tree with Debian's /usr/bin/python3 (node for the
sentences): /usr/bin/python3 tools/tok/make_spm_fixtures.py
"""
import json
import os
import subprocess
import sys
import tempfile
import unicodedata

import sentencepiece as spm

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(TOP, "tests", "fixtures", "tok")
CORPUS = os.path.join(TOP, "assets", "corpus", "moby-dick.txt")
sys.path.insert(0, HERE)
from spm_golden import golden  # noqa: E402

MODELS = {
    "bpe": dict(model_type="bpe", vocab_size=2000, byte_fallback=True,
                normalization_rule_name="nmt_nfkc", character_coverage=0.9995),
    "word": dict(model_type="word", vocab_size=3000, normalization_rule_name="identity"),
    "char": dict(model_type="char", vocab_size=70, hard_vocab_limit=False,
                 normalization_rule_name="identity", character_coverage=0.9995),
}


SEEDS = {
    "bpe": dict(model_type="bpe", vocab_size=400, byte_fallback=True, character_coverage=0.98),
    "word": dict(model_type="word", vocab_size=60, character_coverage=0.98),
    "char": dict(model_type="char", vocab_size=40, hard_vocab_limit=False, character_coverage=0.98),
}


def seeds(tmp):
    """Tiny models (identity normalization) on the corpus's first ASCII lines."""
    text = os.path.join(tmp, "seed.txt")
    with open(CORPUS, encoding="utf-8") as f, open(text, "w", encoding="utf-8") as g:
        g.writelines([line for line in f if line.isascii()][:400])
    for name, opts in SEEDS.items():
        prefix = os.path.join(tmp, "seed-" + name)
        spm.SentencePieceTrainer.train(input=text, model_prefix=prefix, num_threads=1,
                                       normalization_rule_name="identity", minloglevel=2,
                                       **opts)
        with open(prefix + ".model", "rb") as f, \
                open(os.path.join(TOP, "tests", "fuzz", "corpus", "spm", name + ".model"), "wb") as g:
            g.write(f.read())


def xlmr_id(sp, i):
    """XLMRobertaTokenizer._convert_token_to_id for SentencePiece id i."""
    return {1: 0, 2: 2}.get(i, i + 1 if i else 3)


def xlmr(model, sentences, pairs):
    sp = spm.SentencePieceProcessor(model_file=model)
    mask = sp.get_piece_size() + 1

    def enc(text):
        # <mask> is an added token taking the spaces before it (lstrip)
        ids, toks = [], []
        for k, chunk in enumerate(text.split("<mask>")):
            if k > 0:
                ids.append(mask)
                toks.append("<mask>")
            if k + 1 < len(text.split("<mask>")):
                chunk = chunk.rstrip()
            if chunk:
                p = sp.encode(chunk, out_type="immutable_proto")
                ids += [xlmr_id(sp, x.id) for x in p.pieces]
                toks += [x.piece for x in p.pieces]
        return ids, toks

    cases = []
    for a in sentences:
        ids, toks = enc(a)
        cases.append({"a": a, "ids": [0] + ids + [2], "tokens": ["<s>"] + toks + ["</s>"],
                      "offsets": [[-1, -1]] * (len(ids) + 2)})
    for a, b in pairs:
        ia, ta = enc(a)
        ib, tb = enc(b)
        cases.append({"a": a, "b": b, "ids": [0] + ia + [2, 2] + ib + [2],
                      "tokens": ["<s>"] + ta + ["</s>", "</s>"] + tb + ["</s>"],
                      "offsets": [[-1, -1]] * (len(ia) + len(ib) + 4),
                      "types": [0] * (len(ia) + len(ib) + 4)})
    return cases


def albert_text(t):
    """AlbertTokenizer.preprocess_text with Hugging Face's normalizers'
    semantics (AlbertConverter's, what the fast tokenizer runs): spaces
    collapsed, `` and '' as ", NFKD without any mark (StripAccents drops
    categories Mn, Mc and Me), lowercased character by character."""
    t = " ".join(t.strip().split())
    t = t.replace("``", '"').replace("\'\'", '"')
    t = "".join(c for c in unicodedata.normalize("NFKD", t) if not unicodedata.category(c).startswith("M"))
    return "".join(c.lower() for c in t)


def albert(model, sentences, pairs):
    sp = spm.SentencePieceProcessor(model_file=model)
    cls, sep = sp.piece_to_id("[CLS]"), sp.piece_to_id("[SEP]")

    def enc(text):
        p = sp.encode(albert_text(text), out_type="immutable_proto")
        return [x.id for x in p.pieces], [x.piece for x in p.pieces]

    cases = []
    for a in sentences:
        ids, toks = enc(a)
        cases.append({"a": a, "ids": [cls] + ids + [sep], "tokens": ["[CLS]"] + toks + ["[SEP]"],
                      "offsets": [[-1, -1]] * (len(ids) + 2)})
    for a, b in pairs:
        ia, ta = enc(a)
        ib, tb = enc(b)
        cases.append({"a": a, "b": b, "ids": [cls] + ia + [sep] + ib + [sep],
                      "tokens": ["[CLS]"] + ta + ["[SEP]"] + tb + ["[SEP]"],
                      "offsets": [[-1, -1]] * (len(ia) + len(ib) + 3),
                      "types": [0] * (len(ia) + 2) + [1] * (len(ib) + 1)})
    return cases


def write_cases(name, cases):
    doc = {"tokenizer": name, "generator": "tools/tok/make_spm_fixtures.py",
           "sentencepiece": spm.__version__, "cases": cases}
    with open(os.path.join(OUT, name + ".golden.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print("%s: %d cases" % (name, len(cases)))


def transformers_layouts(tmp, data):
    masked = ["A <mask> in the middle", "two<mask>  <mask> masks", "<mask>", "x <mask>"]
    for name, opts, fname in (
            ("xlmr-spm", dict(normalization_rule_name="identity"), "sentencepiece.bpe.model"),
            ("albert-spm", dict(pad_id=0, unk_id=1, bos_id=-1, eos_id=-1,
                                control_symbols="[CLS],[SEP],[MASK]",
                                normalization_rule_name="nmt_nfkc"), "spiece.model")):
        prefix = os.path.join(tmp, name)
        spm.SentencePieceTrainer.train(input=CORPUS, model_prefix=prefix, num_threads=2,
                                       model_type="unigram", vocab_size=1000,
                                       input_sentence_size=50000, shuffle_input_sentence=False,
                                       minloglevel=2, **opts)
        d = os.path.join(OUT, name)
        os.makedirs(d, exist_ok=True)
        model = os.path.join(d, fname)
        with open(prefix + ".model", "rb") as f, open(model, "wb") as g:
            g.write(f.read())
        if name == "xlmr-spm":
            write_cases(name, xlmr(model, data["sentences"] + masked, data["pairs"]))
        else:
            with open(os.path.join(d, "tokenizer_config.json"), "w", encoding="utf-8") as f:
                json.dump({"tokenizer_class": "AlbertTokenizer", "do_lower_case": True,
                           "keep_accents": False, "remove_space": True}, f, indent=1)
                f.write("\n")
            write_cases(name, albert(model, data["sentences"], data["pairs"]))


def main():
    js = ("const s = require('./sentences');"
          "console.log(JSON.stringify({sentences: s.sentences(600), pairs: s.pairs(60)}))")
    data = json.loads(subprocess.check_output(["node", "-e", js], cwd=HERE))
    with tempfile.TemporaryDirectory() as tmp:
        for name, opts in MODELS.items():
            prefix = os.path.join(tmp, name)
            spm.SentencePieceTrainer.train(input=CORPUS, model_prefix=prefix, num_threads=2,
                                           input_sentence_size=200000, shuffle_input_sentence=False,
                                           minloglevel=2, **opts)
            model = os.path.join(OUT, "spm-%s.model" % name)
            with open(prefix + ".model", "rb") as f, open(model, "wb") as g:
                g.write(f.read())
            golden(model, data["sentences"], data["pairs"],
                   os.path.join(OUT, "spm-%s.golden.json" % name), "spm-" + name)
        seeds(tmp)
        transformers_layouts(tmp, data)


if __name__ == "__main__":
    main()
