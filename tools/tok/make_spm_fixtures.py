#!/usr/bin/python3
"""make_spm_fixtures.py — SentencePiece models of every model type heed
reads from a .model file, trained here with python3-sentencepiece's own
trainer on the bundled corpus, and SentencePiece's segmentation of the
golden sentences (tools/tok/sentences.js) and pairs for each:

    tests/fixtures/tok/spm-bpe.model    BPE, byte fallback, nmt_nfkc charsmap
    tests/fixtures/tok/spm-word.model   whole words, identity normalization
    tests/fixtures/tok/spm-char.model   characters, identity normalization
    tests/fixtures/tok/spm-TYPE.golden.json

and small models of the same types as fuzz seeds, tests/fuzz/corpus/spm/TYPE.model
(with treat_whitespace_as_suffix and UNUSED pieces too).

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

SentencePiece models with UNUSED pieces (SetVocabulary's), BPE and Unigram:

    tests/fixtures/tok/spm-unused-TYPE.model, spm-unused-TYPE.golden.json

Models trained with treat_whitespace_as_suffix, Unigram and BPE:

    tests/fixtures/tok/spm-suffix-TYPE.model, spm-suffix-TYPE.golden.json

ALBERT's digit-comma rule, where transformers' fast tokenizer and
SentencePiece part ways:

    tests/fixtures/tok/albert-digits/spiece.model + tokenizer_config.json
        a Unigram model trained on text full of numbers like "1,000," so that
        it has pieces ending in a digit and a comma ("0,", "▁1,")
    tests/fixtures/tok/albert-digits.json: the tokenizer.json transformers'
        AlbertConverter makes of it, built here by the converter's own rules
        (its vocab lowers every such piece's score by 100, check_number_comma)
    tests/fixtures/tok/albert-digits.golden.json: what Hugging Face's Rust
        tokenizers (npm `tokenizers`, tools/tok/hf_golden.js) make of the
        sentences with that tokenizer.json: ids, pieces and byte offsets

Run from the source tree with Debian's /usr/bin/python3 (node for the
sentences and the Hugging Face goldens, after `npm install` in tools/tok):
/usr/bin/python3 tools/tok/make_spm_fixtures.py
"""
import json
import os
import random
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
    "suffix": dict(model_type="unigram", vocab_size=200, treat_whitespace_as_suffix=True,
                   character_coverage=0.98),
    "suffix-bpe": dict(model_type="bpe", vocab_size=200, treat_whitespace_as_suffix=True,
                       character_coverage=0.98),
    "unused": dict(model_type="bpe", vocab_size=300, character_coverage=0.98),
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
        sp = spm.SentencePieceProcessor(model_file=prefix + ".model")
        if name == "unused":
            # every third piece of two or more characters UNUSED
            multi = [i for i in range(sp.get_piece_size()) if len(sp.id_to_piece(i)) > 1
                     and not (sp.is_control(i) or sp.is_unknown(i))]
            sp.set_vocabulary([sp.id_to_piece(i) for i in range(sp.get_piece_size())
                               if i not in set(multi[::3])])
        with open(os.path.join(TOP, "tests", "fuzz", "corpus", "spm", name + ".model"), "wb") as g:
            g.write(sp.serialized_model_proto())


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


def check_number_comma(piece):
    """transformers' convert_slow_tokenizer.check_number_comma, verbatim."""
    return len(piece) < 2 or piece[-1] != "," or not piece[-2].isdigit()


def number_text(rnd):
    """A line of numbers written with thousands commas, some followed by a comma."""
    words = ["paid", "counted", "sailed", "about", "nearly", "and", "then", "whales", "miles",
             "men", "barrels", "of", "oil", "in", "the", "year"]
    out = []
    for _ in range(rnd.randint(4, 12)):
        if rnd.random() < 0.5:
            n = rnd.choice([rnd.randint(0, 99), rnd.randint(100, 9999), rnd.randint(10000, 10**7)])
            out.append("{:,}".format(n) + ("," if rnd.random() < 0.4 else ""))
        else:
            out.append(rnd.choice(words))
    return " ".join(out)


def albert_converted(sp):
    """The tokenizer.json AlbertConverter (transformers' convert_slow_tokenizer.py)
    makes of an ALBERT spiece.model trained with identity normalization (no
    charsmap), do_lower_case and keep_accents false as AlbertTokenizer's
    defaults: its vocab, normalizer, Metaspace, template, and the added
    tokens AlbertTokenizerFast holds (the control pieces, <unk>, [MASK]
    taking the spaces before it)."""
    vocab = []
    for i in range(sp.get_piece_size()):
        piece, score = sp.id_to_piece(i), sp.get_score(i)
        vocab.append([piece, score if check_number_comma(piece) else score - 100])

    def added(i, extra=None):
        t = {"id": i, "content": sp.id_to_piece(i), "single_word": False, "lstrip": False,
             "rstrip": False, "normalized": False, "special": True}
        t.update(extra or {})
        return t

    specials = sorted(set(i for i in range(sp.get_piece_size()) if sp.is_control(i)) | {sp.unk_id()})
    tpl = lambda s: {"SpecialToken": {"id": s, "type_id": 0}}
    seq = lambda x, t: {"Sequence": {"id": x, "type_id": t}}
    cls, sep = sp.piece_to_id("[CLS]"), sp.piece_to_id("[SEP]")
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [added(i, {"lstrip": True} if sp.id_to_piece(i) == "[MASK]" else None)
                         for i in specials],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Replace", "pattern": {"String": "``"}, "content": '"'},
            {"type": "Replace", "pattern": {"String": "''"}, "content": '"'},
            {"type": "NFKD"}, {"type": "StripAccents"}, {"type": "Lowercase"},
            {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]},
        "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always",
                          "split": True},
        "post_processor": {"type": "TemplateProcessing",
                           "single": [tpl("[CLS]"), seq("A", 0), tpl("[SEP]")],
                           "pair": [tpl("[CLS]"), seq("A", 0), tpl("[SEP]"), seq("B", 1),
                                    {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
                           "special_tokens": {
                               "[CLS]": {"id": "[CLS]", "ids": [cls], "tokens": ["[CLS]"]},
                               "[SEP]": {"id": "[SEP]", "ids": [sep], "tokens": ["[SEP]"]}}},
        "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always",
                    "split": True},
        "model": {"type": "Unigram", "unk_id": sp.unk_id(), "vocab": vocab, "byte_fallback": False},
    }


def albert_digits(tmp, data):
    rnd = random.Random(15)
    text = os.path.join(tmp, "digits.txt")
    with open(CORPUS, encoding="utf-8") as f, open(text, "w", encoding="utf-8") as g:
        lines = [line for line in f if line.strip()][:4000]
        for k, line in enumerate(lines):
            g.write(line)
            if k % 2 == 0:
                g.write(number_text(rnd) + "\n")
    prefix = os.path.join(tmp, "albert-digits")
    spm.SentencePieceTrainer.train(input=text, model_prefix=prefix, num_threads=1, model_type="unigram",
                                   vocab_size=1200, pad_id=0, unk_id=1, bos_id=-1, eos_id=-1,
                                   control_symbols="[CLS],[SEP],[MASK]",
                                   normalization_rule_name="identity", minloglevel=2)
    d = os.path.join(OUT, "albert-digits")
    os.makedirs(d, exist_ok=True)
    model = os.path.join(d, "spiece.model")
    with open(prefix + ".model", "rb") as f, open(model, "wb") as g:
        g.write(f.read())
    with open(os.path.join(d, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump({"tokenizer_class": "AlbertTokenizer", "do_lower_case": True,
                   "keep_accents": False, "remove_space": True}, f, indent=1)
        f.write("\n")
    sp = spm.SentencePieceProcessor(model_file=model)
    lowered = [sp.id_to_piece(i) for i in range(sp.get_piece_size())
               if not check_number_comma(sp.id_to_piece(i))]
    tj = os.path.join(OUT, "albert-digits.json")
    with open(tj, "w", encoding="utf-8") as f:
        json.dump(albert_converted(sp), f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    # Spaces at either end are left out: there heed follows SentencePiece
    # and the slow AlbertTokenizer, which drop them, where the fast one
    # keeps a lone "▁" (its normalizer has no Strip).
    extra = [number_text(rnd) for _ in range(120)]
    sentences = [a.strip(" ") for a in data["sentences"]] + extra
    pairs = [[a.strip(" "), b.strip(" ")] for a, b in data["pairs"]]
    out = os.path.join(OUT, "albert-digits.golden.json")
    subprocess.run(["node", os.path.join(HERE, "hf_golden.js"), tj, out], check=True,
                   input=json.dumps({"sentences": sentences, "pairs": pairs}).encode())
    # the rule must matter: cases where SentencePiece's own pieces differ
    with open(out, encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    differ = sum(1 for c in cases if "b" not in c and
                 sp.encode(albert_text(c["a"]), out_type=str) != c["tokens"][1:-1])
    print("albert-digits: %d pieces lowered (%s...), %d of %d sentences cut otherwise by SentencePiece"
          % (len(lowered), " ".join(lowered[:6]), differ, len(sentences)))
    if not lowered or not differ:
        sys.exit("albert-digits: the digit-comma rule changes nothing; retrain")


def unused(tmp, data):
    """BPE and Unigram models with UNUSED pieces, made as SentencePiece makes
    them (SetVocabulary: every piece of two or more characters outside the
    list given becomes UNUSED; here every fourth), and its segmentation with
    them: BPE merges through an UNUSED piece and splits it back, Unigram
    never uses one."""
    for kind in ("bpe", "unigram"):
        prefix = os.path.join(tmp, "unused-" + kind)
        spm.SentencePieceTrainer.train(input=CORPUS, model_prefix=prefix, num_threads=1,
                                       model_type=kind, vocab_size=1500, input_sentence_size=50000,
                                       shuffle_input_sentence=False, minloglevel=2)
        sp = spm.SentencePieceProcessor(model_file=prefix + ".model")
        plain = spm.SentencePieceProcessor(model_file=prefix + ".model")
        multi = [i for i in range(sp.get_piece_size())
                 if not (sp.is_control(i) or sp.is_unknown(i)) and len(sp.id_to_piece(i)) > 1]
        drop = set(multi[3::4])
        sp.set_vocabulary([sp.id_to_piece(i) for i in range(sp.get_piece_size()) if i not in drop])
        model = os.path.join(OUT, "spm-unused-%s.model" % kind)
        with open(model, "wb") as g:
            g.write(sp.serialized_model_proto())
        check = spm.SentencePieceProcessor(model_file=model)
        assert sum(check.is_unused(i) for i in range(check.get_piece_size())) == len(drop)
        differ = sum(1 for a in data["sentences"] if check.encode(a) != plain.encode(a))
        golden(model, data["sentences"], data["pairs"],
               os.path.join(OUT, "spm-unused-%s.golden.json" % kind), "spm-unused-" + kind)
        print("spm-unused-%s: %d UNUSED pieces, %d of %d sentences cut otherwise without them"
              % (kind, len(drop), differ, len(data["sentences"])))
        if not differ:
            sys.exit("spm-unused-%s: the UNUSED pieces change nothing" % kind)


def suffix(tmp, data):
    """Unigram and BPE models trained with treat_whitespace_as_suffix
    ("hello▁" "world▁"), and SentencePiece's segmentation with them."""
    for kind in ("unigram", "bpe"):
        prefix = os.path.join(tmp, "suffix-" + kind)
        spm.SentencePieceTrainer.train(input=CORPUS, model_prefix=prefix, num_threads=1,
                                       model_type=kind, vocab_size=1500, input_sentence_size=50000,
                                       shuffle_input_sentence=False, treat_whitespace_as_suffix=True,
                                       minloglevel=2)
        model = os.path.join(OUT, "spm-suffix-%s.model" % kind)
        with open(prefix + ".model", "rb") as f, open(model, "wb") as g:
            g.write(f.read())
        golden(model, data["sentences"], data["pairs"],
               os.path.join(OUT, "spm-suffix-%s.golden.json" % kind), "spm-suffix-" + kind)


def main():
    """Every fixture, or only the groups named: types seeds layouts albert-digits
    unused suffix."""
    only = set(sys.argv[1:])
    want = lambda g: not only or g in only
    js = ("const s = require('./sentences');"
          "console.log(JSON.stringify({sentences: s.sentences(600), pairs: s.pairs(60)}))")
    data = json.loads(subprocess.check_output(["node", "-e", js], cwd=HERE))
    with tempfile.TemporaryDirectory() as tmp:
        for name, opts in MODELS.items():
            if not want("types"):
                break
            prefix = os.path.join(tmp, name)
            spm.SentencePieceTrainer.train(input=CORPUS, model_prefix=prefix, num_threads=2,
                                           input_sentence_size=200000, shuffle_input_sentence=False,
                                           minloglevel=2, **opts)
            model = os.path.join(OUT, "spm-%s.model" % name)
            with open(prefix + ".model", "rb") as f, open(model, "wb") as g:
                g.write(f.read())
            golden(model, data["sentences"], data["pairs"],
                   os.path.join(OUT, "spm-%s.golden.json" % name), "spm-" + name)
        if want("seeds"):
            seeds(tmp)
        if want("layouts"):
            transformers_layouts(tmp, data)
        if want("albert-digits"):
            albert_digits(tmp, data)
        if want("unused"):
            unused(tmp, data)
        if want("suffix"):
            suffix(tmp, data)


if __name__ == "__main__":
    main()
