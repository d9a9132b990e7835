#!/bin/sh
# families_test.sh — every family fixture end to end through the commands:
# `heed dump` against the reference's golden values (attention rows, top-5,
# an ELECTRA discriminator's P(replaced)), no predictions key for a
# checkpoint without a masked-LM head, then `heed calibrate` on each, with
# `heed stats` and dump under average, dense, random and uniform heads
# reading its file (ALBERT's shared layers calibrated per row).  An unknown
# model_type is one line and exit status 2.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

FIX="$FIXTURES/enc"
CORPUS="$FIXTURES/calib/corpus.txt"


for name in bert-nohead-f32 roberta-f16 xlmr-bf16 camembert-f32 electra-gen-f32 \
	electra-disc-bf16 albert-f32; do
	dir="$FIX/$name"
	# "Paris is the [MASK] of France.", as the family spells its mask
	SENTENCE=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sentences"][1]["text"])' \
		"$FIX/$name.json")
	"$HEED_BIN" dump -m "$dir" "$SENTENCE" >"$tmp/$name.json" 2>"$tmp/err"
	check_last "$name: dump exits 0"
	python3 - "$tmp/$name.json" "$FIX/$name.json" <<'PY'
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
	check_last "$name: dump against the reference"
	# calibration per attention row, then every head mode reads it
	"$HEED_BIN" calibrate -m "$dir" -o "$tmp/$name.calib" --rank 4 --epochs 2 "$CORPUS" \
		>"$tmp/summary" 2>"$tmp/err"
	check_last "$name: calibrate exits 0"
	grep -q "on 13 sentences" "$tmp/summary"
	check_last "$name: calibrated on 13 sentences"
	# one sentence a batch on 3 threads gives the very same file as the
	# default batches (every family batches its sentences)
	"$HEED_BIN" calibrate -q -m "$dir" -o "$tmp/$name.1.calib" --rank 4 --epochs 2 \
		--batch-tokens 1 --threads 3 "$CORPUS" >/dev/null 2>"$tmp/err"
	cmp -s "$tmp/$name.calib" "$tmp/$name.1.calib"
	check_last "$name: calibration does not depend on the batch size"
	"$HEED_BIN" stats -m "$dir" -c "$tmp/$name.calib" >"$tmp/stats" 2>"$tmp/err"
	check_last "$name: stats exits 0"
	# one row per attention row and head (ALBERT: 4 rows from 2 shared groups)
	rows=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["layers"]*d["heads"])' \
		"$FIX/$name.json")
	test "$(grep -c '^ *[0-9]' "$tmp/stats")" -eq "$rows"
	check_last "$name: stats has $rows rows"
	"$HEED_BIN" dump -m "$dir" -c "$tmp/$name.calib" -f tsv \
		--modes "L1=average,L2=dense,L3H1=random,L3H2=uniform" "$SENTENCE" >"$tmp/modes.tsv" \
		2>"$tmp/err"
	check_last "$name: dump with modes exits 0"
	for m in average dense random uniform; do
		grep -q "^attn	1	[0-9]*	[0-9]*	$m	" "$tmp/modes.tsv"
		check_last "$name: a head in $m mode"
	done
done

SENTENCE="Paris is the [MASK] of France."
# the discriminator in TSV: one replaced record per token
"$HEED_BIN" dump -m "$FIX/electra-disc-f32" -f tsv "the cat sat" >"$tmp/disc.tsv"
check_last "discriminator TSV exits 0"
check "TSV: one replaced record per token" test "$(grep -c '^replaced	' "$tmp/disc.tsv")" -eq 5
check "a discriminator predicts no words" test "$(grep -c '^pred	' "$tmp/disc.tsv")" -eq 0

# an unknown model_type: one line naming it and the families, exit 2
mkdir -p "$tmp/gpt2"
cp "$FIX/bert-f32/vocab.txt" "$FIX/bert-f32/model.safetensors" "$tmp/gpt2/"
sed 's/"model_type": "bert"/"model_type": "gpt2"/' "$FIX/bert-f32/config.json" >"$tmp/gpt2/config.json"
run dump -m "$tmp/gpt2" "hello"
check "unknown model_type exits 2" test "$rc" -eq 2
check "unknown model_type: one line" test "$(wc -l <"$tmp/err")" -eq 1
check "unknown model_type: named with the families heed runs" has err \
	'model_type "gpt2" is not supported (heed runs bert, distilbert, roberta, camembert, xlm-roberta, electra, albert'
finish
