#!/bin/sh
# tokenize_test.sh — `heed tokenize`: JSON and TSV output with byte
# offsets, sentence pairs, any tokenizer file, and #22 items 1 and 11 at
# the command line: a vocab.txt shorter or longer than config.json's
# vocab_size is refused (exit 2), a duplicated line keeps the later id.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

MODEL="$FIXTURES/enc/bert-f32"
FIX="$FIXTURES/tok"


printf 'Paris is the [MASK] of France.\nZürich, naïve café\tsecond one\n\n' >"$tmp/in.txt"
"$HEED_BIN" tokenize -m "$MODEL" "$tmp/in.txt" >"$tmp/out.json"
check_last "tokenize exits 0"
python3 - "$tmp/out.json" "$tmp/in.txt" <<'PY'
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
text = open(sys.argv[2], "rb").read().split(b"\n")
assert len(lines) == 3, lines
d = [json.loads(l) for l in lines]
t = d[0]["tokens"]
assert [x["piece"] for x in t] == ["[CLS]", "paris", "is", "the", "[MASK]", "of", "france", ".", "[SEP]"], t
assert t[0]["begin"] == -1 and t[1]["begin"] == 0 and t[1]["end"] == 5
assert "type" not in t[0]
for x in t[1:-1]:
    assert text[0][x["begin"]:x["end"]].decode().lower().startswith(x["piece"].lstrip("#")[:1]), x
# a TAB makes a pair: [CLS] A [SEP] B [SEP], B of type 1, offsets into the line
p = d[1]["tokens"]
assert p[0]["piece"] == "[CLS]" and [x["type"] for x in p].count(1) >= 3, p
b = [x for x in p if x["type"] == 1 and x["begin"] >= 0]
assert text[1][b[0]["begin"]:b[0]["end"]] == b"second", b
assert d[2]["tokens"][0]["piece"] == "[CLS]" and len(d[2]["tokens"]) == 2
PY
check_last "JSON: pieces, offsets and the pair's types"

# TSV: one row per token, LINE INDEX ID BEGIN END TYPE PIECE TEXT SEGMENT
printf 'hello world\n' | "$HEED_BIN" tokenize -m "$MODEL" --format tsv >"$tmp/out.tsv"
check_last "tsv exits 0"
[ "$(wc -l <"$tmp/out.tsv")" -eq 4 ]
check_last "TSV: one row per token and a header"
awk -F'\t' 'NR == 2 && ($1 != 1 || $4 != 0 || $5 != 5 || NF != 9 || $9 != 0) { exit 1 }' "$tmp/out.tsv"
check_last "TSV: the fields of a row"

# Any tokenizer: a byte-level BPE's pieces are shown readably, raw kept.
printf 'Hello world\n' | "$HEED_BIN" tokenize --tokenizer "$FIX/roberta-bpe.json" >"$tmp/bpe.json"
check_last "bpe exits 0"
python3 - "$tmp/bpe.json" <<'PY'
import json, sys
t = json.loads(open(sys.argv[1]).read())["tokens"]
assert t[0]["piece"] == "<s>" and t[-1]["piece"] == "</s>", t
w = [x for x in t if x["piece"].startswith("\u0120")]
assert w and all(x["text"].startswith("\u2581") for x in w), t
PY
check_last "byte-level BPE: readable pieces, raw kept"

# dump keeps the raw piece and adds the readable one: a character split
# over byte-level tokens is shown once, on its first token.
"$HEED_BIN" dump -m "$FIXTURES/enc/roberta-f32" "$(printf 'Hello w\303\266rld')" >"$tmp/dump.json"
check_last "dump exits 0"
python3 - "$tmp/dump.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))["sentences"][0]["tokens"]
pieces = [x["piece"] for x in t]
texts = [x["text"] for x in t]
assert "\u0120w" in pieces and "\u2581w" in texts, t
i = texts.index("\u00f6")
assert pieces[i] == "\u00c3" and texts[i + 1] == "\u2026", t
PY
check_last "dump: a split character shown once"

# Usage errors exit 1; a missing tokenizer exits 2; a full disk exits 3.
"$HEED_BIN" tokenize --format xml </dev/null >/dev/null 2>&1; rc=$?
check "bad --format exits 1" test "$rc" -eq 1
"$HEED_BIN" tokenize --tokenizer "$tmp/nothing" </dev/null >/dev/null 2>"$tmp/err"; rc=$?
check "missing tokenizer exits 2" test "$rc" -eq 2
grep -q "$tmp/nothing" "$tmp/err"
check_last "a missing tokenizer is named"
if [ -w /dev/full ]; then
	printf 'hello\n' | "$HEED_BIN" tokenize -m "$MODEL" >/dev/full 2>/dev/null; rc=$?
	check "/dev/full exits 3" test "$rc" -eq 3
fi

# #22 item 1: vocab.txt against config.json's vocab_size.
mkdir -p "$tmp/short" "$tmp/long"
for d in short long; do
	cp "$MODEL/config.json" "$MODEL/model.safetensors" "$tmp/$d/"
done
n=$(wc -l <"$MODEL/vocab.txt")
head -n $((n - 1)) "$MODEL/vocab.txt" >"$tmp/short/vocab.txt"
{ cat "$MODEL/vocab.txt"; echo extra; } >"$tmp/long/vocab.txt"
for d in short long; do
	printf 'hello\n' | "$HEED_BIN" tokenize -m "$tmp/$d" >/dev/null 2>"$tmp/err"; rc=$?
	check "$d vocab.txt exits 2" test "$rc" -eq 2
	grep -q "vocab_size" "$tmp/err"
	check_last "$d vocab.txt: vocab_size named"
	"$HEED_BIN" dump -m "$tmp/$d" hello >/dev/null 2>&1; rc=$?
	check "dump with a $d vocab.txt exits 2" test "$rc" -eq 2
done

# #22 item 11: a duplicated line keeps the later id, as Hugging Face does.
printf '[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\nhello\n' >"$tmp/dup.txt"
printf 'hello\n' | "$HEED_BIN" tokenize --tokenizer "$tmp/dup.txt" --format tsv >"$tmp/dup.tsv"; rc=$?
check "dup exits 0" test "$rc" -eq 0
awk -F'\t' 'NR == 2 && $3 != 5 { exit 1 }' "$tmp/dup.tsv"
check_last "a duplicated line keeps the later id"
finish
