#!/bin/sh
# families_test.sh — every family fixture end to end through the commands:
# `heed dump` against the reference's golden values (attention rows, top-5,
# an ELECTRA discriminator's P(replaced)), no predictions key for a
# checkpoint without a masked-LM head, then `heed calibrate` on each, with
# `heed stats` and dump under average, dense, random and uniform heads
# reading its file (ALBERT's shared layers calibrated per row).  An unknown
# model_type is one line and exit status 2.
set -eu

: "${HEED_BIN:=./heed}"
: "${HEED_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
FIX="$HEED_SRCDIR/tests/fixtures/enc"
CORPUS="$HEED_SRCDIR/tests/fixtures/calib/corpus.txt"
TMP="${TMPDIR:-/tmp}/heed-families-test.$$"
mkdir -p "$TMP"
trap 'rm -rf "$TMP"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }

for name in bert-nohead-f32 roberta-f16 xlmr-bf16 camembert-f32 electra-gen-f32 \
	electra-disc-bf16 albert-f32; do
	dir="$FIX/$name"
	# "Paris is the [MASK] of France.", as the family spells its mask
	SENTENCE=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sentences"][1]["text"])' \
		"$FIX/$name.json")
	"$HEED_BIN" dump -m "$dir" "$SENTENCE" >"$TMP/$name.json" 2>"$TMP/err" ||
		fail "$name: dump exited $?: $(cat "$TMP/err")"
	python3 - "$TMP/$name.json" "$FIX/$name.json" <<'PY' || fail "$name: dump against the reference"
import json, sys
d = json.load(open(sys.argv[1]))
gold = json.load(open(sys.argv[2]))
(s,) = d["sentences"]
g = next(x for x in gold["sentences"] if x["text"] == s["text"])
assert [t["id"] for t in s["tokens"]] == g["ids"], (s["tokens"], g["ids"])
n, rows = s["n"], g["attn_rows"]
assert d["layers"] == gold["layers"] and len(s["attention"]) == gold["layers"] * gold["heads"]
k = 0
for a in s["attention"]:
    for i in rows:
        for j in range(n):
            assert abs(a["weights"][i][j] - g["attention"][k]) < 1e-4, (a["layer"], a["head"], i, j)
            k += 1
if g["mlm"]:
    (p,) = s["predictions"]
    assert p["pos"] == g["mlm"][0]["pos"]
    assert [t["id"] for t in p["top"]][:len(g["mlm"][0]["ids"])] == g["mlm"][0]["ids"]
else:
    assert "predictions" not in s, s.keys()
if "replaced" in g:
    assert all(abs(a - b) < 1e-4 for a, b in zip(s["replaced"], g["replaced"])), s["replaced"]
    assert len(s["replaced"]) == n
else:
    assert "replaced" not in s
PY
	# calibration per attention row, then every head mode reads it
	"$HEED_BIN" calibrate -m "$dir" -o "$TMP/$name.calib" --rank 4 --epochs 2 "$CORPUS" \
		>"$TMP/summary" 2>"$TMP/err" || fail "$name: calibrate exited $?: $(cat "$TMP/err")"
	grep -q "on 13 sentences" "$TMP/summary" || fail "$name: $(cat "$TMP/summary")"
	"$HEED_BIN" stats -m "$dir" -c "$TMP/$name.calib" >"$TMP/stats" 2>"$TMP/err" ||
		fail "$name: stats exited $?: $(cat "$TMP/err")"
	# one row per attention row and head (ALBERT: 4 rows from 2 shared groups)
	rows=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["layers"]*d["heads"])' \
		"$FIX/$name.json")
	test "$(grep -c '^ *[0-9]' "$TMP/stats")" -eq "$rows" ||
		fail "$name: stats rows, want $rows: $(cat "$TMP/stats")"
	"$HEED_BIN" dump -m "$dir" -c "$TMP/$name.calib" -f tsv \
		--modes "L1=average,L2=dense,L3H1=random,L3H2=uniform" "$SENTENCE" >"$TMP/modes.tsv" \
		2>"$TMP/err" || fail "$name: dump with modes exited $?: $(cat "$TMP/err")"
	for m in average dense random uniform; do
		grep -q "^attn	1	[0-9]*	[0-9]*	$m	" "$TMP/modes.tsv" || fail "$name: no $m head"
	done
done

SENTENCE="Paris is the [MASK] of France."
# the discriminator in TSV: one replaced record per token
"$HEED_BIN" dump -m "$FIX/electra-disc-f32" -f tsv "the cat sat" >"$TMP/disc.tsv" ||
	fail "discriminator tsv"
test "$(grep -c '^replaced	' "$TMP/disc.tsv")" -eq 5 || fail "tsv replaced records"
test "$(grep -c '^pred	' "$TMP/disc.tsv")" -eq 0 || fail "a discriminator predicted words"

# an unknown model_type: one line naming it and the families, exit 2
mkdir -p "$TMP/gpt2"
cp "$FIX/bert-f32/vocab.txt" "$FIX/bert-f32/model.safetensors" "$TMP/gpt2/"
sed 's/"model_type": "bert"/"model_type": "gpt2"/' "$FIX/bert-f32/config.json" >"$TMP/gpt2/config.json"
set +e
"$HEED_BIN" dump -m "$TMP/gpt2" "hello" >"$TMP/out" 2>"$TMP/err"
rc=$?
set -e
test "$rc" -eq 2 || fail "unknown model_type exited $rc"
test "$(wc -l <"$TMP/err")" -eq 1 || fail "unknown model_type: $(cat "$TMP/err")"
grep -q 'model_type "gpt2" is not supported (heed runs bert, distilbert, roberta, camembert, xlm-roberta, electra, albert' \
	"$TMP/err" || fail "unknown model_type message: $(cat "$TMP/err")"
echo "families: ok"
