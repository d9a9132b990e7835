#!/usr/bin/python3
"""Write tests/fixtures/tok/uncased.json: sentences tokenized by the Python
reference (bert_tokenizer.py) with the bundled bert-base-uncased vocabulary.

Run with Debian's /usr/bin/python3 from anywhere:
    /usr/bin/python3 tools/reference/make_tok_fixtures.py

Each case has either "text" (a string) or "hex" (raw bytes, for invalid
UTF-8), max_tokens, and the expected ids, tokens (for reading), byte spans
([-1, -1] for the added [CLS]/[SEP]), n_full, truncated and invalid_bytes.
"cases" are tokenized with lowercase=True, "cased_cases" (a subset) with
lowercase=False.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
from bert_tokenizer import Tokenizer  # noqa: E402

VOCAB = os.path.join(ROOT, "assets", "models", "heed-mini", "vocab.txt")
OUT = os.path.join(ROOT, "tests", "fixtures", "tok", "uncased.json")
MAX_TOKENS = 128

LONG = ("Call me Ishmael. Some years ago, never mind how long precisely, having "
        "little or no money in my purse, and nothing particular to interest me on "
        "shore, I thought I would sail about a little and see the watery part of "
        "the world. It is a way I have of driving off the spleen and regulating the "
        "circulation. Whenever I find myself growing grim about the mouth; whenever "
        "it is a damp, drizzly November in my soul; whenever I find myself "
        "involuntarily pausing before coffin warehouses, and bringing up the rear "
        "of every funeral I meet; then, I account it high time to get to sea.")

# (name, text) or (name, bytes) or (name, text, max_tokens)
CASES = [
    ("plain", "The quick brown fox jumps over the lazy dog."),
    ("greeting", "Hello, world! How are you today?"),
    ("subwords", "Tokenization of unbelievably interesting transformers"),
    ("mask", "The cat sat on the [MASK]."),
    ("mask_alone_dot", "[MASK]."),
    ("mask_glued", "x[MASK]y"),
    ("specials_literal", "[CLS] already here [SEP] [UNK] [PAD]"),
    ("mask_twice", "[MASK][MASK] of [MASK]"),
    ("mask_lowercase_not_special", "[mask] is not special"),
    ("mask_broken", "[MA SK] and [MASK"),
    ("accent_cafe", "café"),
    ("accent_naive", "naïve"),
    ("accent_angstrom", "Ångström"),
    ("accent_resume", "résumé"),
    ("accent_decomposed", "cafe\u0301 re\u0301sume\u0301"),
    ("accent_reorder", "e\u0302\u0323 and e\u0323\u0302"),
    ("angstrom_sign", "\u212b and \u2126"),
    ("dotted_capital_i", "İstanbul"),
    ("cjk_chinese", "我爱中文。"),
    ("cjk_japanese", "日本語のテキスト"),
    ("hangul", "한국어 문장"),
    ("hangul_jamo_compose", "\u1100\u1161 \u1100"),
    ("cjk_then_mark", "中\u0301文"),
    ("punct_bang", "Wow!!!"),
    ("punct_ellipsis", "Wait... what?"),
    ("punct_dashes", "well--maybe -- not"),
    ("punct_symbols", "$5 & 50% off @home #tag ^_^ `x` {y} |z| ~w"),
    ("punct_unicode", "«quoted» “smart” ‘single’ — dash ¿qué?"),
    ("contractions", "don't U.S.A. e-mail it's"),
    ("number_pi", "3.14"),
    ("number_million", "1,000,000"),
    ("number_date", "2026-11-24"),
    ("emoji", "I love 🍕 and 🎉!"),
    ("emoji_zwj", "family 👨\u200d👩\u200d👧 ok"),
    ("whitespace", "tab\tand\nnewline\r\nend  double"),
    ("nbsp", "a\u00a0b\u3000c\u2009d"),
    ("line_separators", "a\u2028b\u2029c"),
    ("zero_width", "zero\u200bwidth\u200cnon\u200djoiner\ufeffbom"),
    ("controls", "ctrl\x01\x07\x1b[0mcodes\x7f and\x0bvt\x0cff\x85nel"),
    ("nul_and_fffd", "a\x00b \ufffdc"),
    ("private_use", "\ue000x \U000f0000y"),
    ("long_word", "a" * 150 + " ok"),
    ("word_101", "b" * 101),
    ("word_100", "ab" * 50),
    ("supercali", "supercalifragilisticexpialidocious"),
    ("unknown_char", "snow ☃ man ᚠ rune"),
    ("greek", "Η γρήγορη καφέ αλεπού"),
    ("greek_capital_sigma", "ΟΔΟΣ ΣΟΦΙΑΣ. ΣΑΣ Σ ΑΣ'Α"),
    ("cyrillic", "Привет, мир! Ёлка"),
    ("arabic", "مرحبا بالعالم"),
    ("mixed_scripts", "English русский ελληνικά عربى 中文 עברית हिन्दी"),
    ("ligature_fullwidth", "ﬁnance ＦＵＬＬ ｗｉｄｔｈ"),
    ("titlecase_digraph", "Ǆemal ǅ"),
    ("empty", ""),
    ("only_space", "   \t\n "),
    ("truncated", LONG),
    ("truncated_small", "hello world again and again", 4),
    ("exact_fit", "hello world", 4),
    ("invalid_ff", b"ab\xffcd"),
    ("invalid_lone_continuation", b"\x80abc \xbf"),
    ("invalid_truncated", b"x\xe2\x82 y\xf0\x9f\x98"),
    ("invalid_overlong", b"\xc0\xaf \xe0\x80\xaf ok"),
    ("invalid_surrogate", b"s\xed\xa0\x80t"),
    ("invalid_in_mask", b"[MA\xffSK] [MASK]"),
    ("invalid_above_max", b"\xf4\x90\x80\x80z\xf5"),
    ("zalgo", "Z" + "\u0301\u0323\u0345\u0334\u031b\u0302" * 8 + "a\u0323\u0302lgo"),
]

# Cases run again with lowercase=False (the same vocabulary, which then
# misses capitals and accents): NFC without case folding or accent stripping.
CASED = ["plain", "mask_glued", "accent_cafe", "accent_decomposed", "accent_reorder",
         "angstrom_sign", "dotted_capital_i", "hangul", "hangul_jamo_compose",
         "cjk_then_mark", "greek_capital_sigma", "cyrillic", "ligature_fullwidth",
         "titlecase_digraph", "zalgo", "invalid_surrogate", "truncated"]


def case(tok, name, text, max_tokens=MAX_TOKENS):
    r = tok.encode_full(text, max_tokens)
    out = {"name": name}
    if isinstance(text, bytes):
        out["hex"] = text.hex()
    else:
        out["text"] = text
    out.update({
        "max_tokens": max_tokens,
        "ids": r["ids"],
        "tokens": r["tokens"],
        "spans": [list(s) for s in r["spans"]],
        "n_full": r["n_full"],
        "truncated": r["truncated"],
        "invalid_bytes": r["invalid_bytes"],
    })
    return out


def main():
    tok = Tokenizer(VOCAB, lowercase=True)
    cases = [case(tok, *c) for c in CASES]
    cased_tok = Tokenizer(VOCAB, lowercase=False)
    cased = [case(cased_tok, *c) for c in CASES if c[0] in CASED]
    assert len(cased) == len(CASED)
    by_name = {c["name"]: c for c in cases}
    # The fixture must exercise what it claims to.
    assert by_name["truncated"]["truncated"] and by_name["truncated"]["n_full"] > MAX_TOKENS
    assert len(by_name["truncated"]["ids"]) == MAX_TOKENS
    assert "[UNK]" in by_name["long_word"]["tokens"]
    assert "[UNK]" in by_name["unknown_char"]["tokens"]
    # Lowercased one character at a time: no word-final sigma.
    assert "ς" not in "".join(by_name["greek_capital_sigma"]["tokens"])
    assert by_name["invalid_surrogate"]["invalid_bytes"] == 3
    assert by_name["mask_glued"]["tokens"][2] == "[MASK]"
    doc = {
        "vocab": "assets/models/heed-mini/vocab.txt",
        "lowercase": True,
        "generator": "tools/reference/make_tok_fixtures.py",
        "cases": cases,
        "cased_cases": cased,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=True, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} + {len(cased)} cases to {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
