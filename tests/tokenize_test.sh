#!/bin/sh
# tokenize_test.sh — `heed tokenize`: JSON and TSV output with byte
# offsets, sentence pairs, any tokenizer file, and #22 items 1 and 11 at
# the command line: a vocab.txt shorter or longer than config.json's
# vocab_size is refused (exit 2), a duplicated line keeps the later id.
set -eu

: "${HEED_BIN:=./heed}"
: "${HEED_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
MODEL="$HEED_SRCDIR/tests/fixtures/enc/bert-f32"
FIX="$HEED_SRCDIR/tests/fixtures/tok"
TMP="${TMPDIR:-/tmp}/heed-tokenize-test.$$"
mkdir -p "$TMP"
trap 'rm -rf "$TMP"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }

printf 'Paris is the [MASK] of France.\nZürich, naïve café\tsecond one\n\n' >"$TMP/in.txt"
"$HEED_BIN" tokenize -m "$MODEL" "$TMP/in.txt" >"$TMP/out.json" || fail "tokenize exited $?"
python3 - "$TMP/out.json" "$TMP/in.txt" <<'PY' || fail "json content"
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

# TSV: one row per token, LINE INDEX ID BEGIN END TYPE PIECE TEXT
printf 'hello world\n' | "$HEED_BIN" tokenize -m "$MODEL" --format tsv >"$TMP/out.tsv" ||
	fail "tsv exited $?"
[ "$(wc -l <"$TMP/out.tsv")" -eq 4 ] || fail "tsv rows: $(cat "$TMP/out.tsv")"
awk -F'\t' 'NR == 2 && ($1 != 1 || $4 != 0 || $5 != 5 || NF != 8) { exit 1 }' "$TMP/out.tsv" ||
	fail "tsv row: $(sed -n 2p "$TMP/out.tsv")"

# Any tokenizer: a byte-level BPE's pieces are shown readably, raw kept.
printf 'Hello world\n' | "$HEED_BIN" tokenize --tokenizer "$FIX/roberta-bpe.json" >"$TMP/bpe.json" ||
	fail "bpe exited $?"
python3 - "$TMP/bpe.json" <<'PY' || fail "bpe content"
import json, sys
t = json.loads(open(sys.argv[1]).read())["tokens"]
assert t[0]["piece"] == "<s>" and t[-1]["piece"] == "</s>", t
w = [x for x in t if x["piece"].startswith("\u0120")]
assert w and all(x["text"].startswith("\u2581") for x in w), t
PY

# dump keeps the raw piece and adds the readable one: a character split
# over byte-level tokens is shown once, on its first token.
"$HEED_BIN" dump -m "$HEED_SRCDIR/tests/fixtures/enc/roberta-f32" "$(printf 'Hello w\303\266rld')" >"$TMP/dump.json" ||
	fail "dump exited $?"
python3 - "$TMP/dump.json" <<'PY' || fail "dump text"
import json, sys
t = json.load(open(sys.argv[1]))["sentences"][0]["tokens"]
pieces = [x["piece"] for x in t]
texts = [x["text"] for x in t]
assert "\u0120w" in pieces and "\u2581w" in texts, t
i = texts.index("\u00f6")
assert pieces[i] == "\u00c3" and texts[i + 1] == "\u2026", t
PY

# Usage errors exit 1; a missing tokenizer exits 2; a full disk exits 3.
set +e
"$HEED_BIN" tokenize --format xml </dev/null >/dev/null 2>&1; rc=$?
[ $rc -eq 1 ] || fail "bad --format exited $rc"
"$HEED_BIN" tokenize --tokenizer "$TMP/nothing" </dev/null >/dev/null 2>"$TMP/err"; rc=$?
[ $rc -eq 2 ] || fail "missing tokenizer exited $rc"
grep -q "$TMP/nothing" "$TMP/err" || fail "message does not name the file: $(cat "$TMP/err")"
if [ -w /dev/full ]; then
	printf 'hello\n' | "$HEED_BIN" tokenize -m "$MODEL" >/dev/full 2>/dev/null; rc=$?
	[ $rc -eq 3 ] || fail "/dev/full exited $rc"
fi

# #22 item 1: vocab.txt against config.json's vocab_size.
mkdir -p "$TMP/short" "$TMP/long"
for d in short long; do
	cp "$MODEL/config.json" "$MODEL/model.safetensors" "$TMP/$d/"
done
n=$(wc -l <"$MODEL/vocab.txt")
head -n $((n - 1)) "$MODEL/vocab.txt" >"$TMP/short/vocab.txt"
{ cat "$MODEL/vocab.txt"; echo extra; } >"$TMP/long/vocab.txt"
for d in short long; do
	printf 'hello\n' | "$HEED_BIN" tokenize -m "$TMP/$d" >/dev/null 2>"$TMP/err"; rc=$?
	[ $rc -eq 2 ] || fail "$d vocab.txt exited $rc"
	grep -q "vocab_size" "$TMP/err" || fail "$d: $(cat "$TMP/err")"
	"$HEED_BIN" dump -m "$TMP/$d" hello >/dev/null 2>&1; rc=$?
	[ $rc -eq 2 ] || fail "dump with a $d vocab.txt exited $rc"
done

# #22 item 11: a duplicated line keeps the later id, as Hugging Face does.
printf '[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\nhello\n' >"$TMP/dup.txt"
printf 'hello\n' | "$HEED_BIN" tokenize --tokenizer "$TMP/dup.txt" --format tsv >"$TMP/dup.tsv"; rc=$?
[ $rc -eq 0 ] || fail "dup exited $rc"
awk -F'\t' 'NR == 2 && $3 != 5 { exit 1 }' "$TMP/dup.tsv" || fail "dup id: $(cat "$TMP/dup.tsv")"
set -e
echo "tokenize_test: ok"
