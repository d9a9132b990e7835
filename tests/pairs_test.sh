#!/bin/sh
# pairs_test.sh — sentence pairs end to end: `heed dump` on A TAB B (and
# A ||| B) against the reference's pair forward (tools/reference/
# make_pair_fixtures.py: BERT's [CLS] A [SEP] B [SEP], B of token type 1),
# ids, types, segments, spans into the line, every attention weight and the
# predictions at [MASK]; `heed tokenize` gives a pair's segments in JSON and
# TSV, and a RoBERTa-style tokenizer's pair marks its segments though every
# type id is 0.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

GOLD=$FIXTURES/enc/pairs.json
for name in bert-f32 electra-gen-f32; do
	for sep in tab bars; do
		python3 - "$GOLD" "$name" "$sep" >"$tmp/lines" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
m = next(x for x in d["models"] if x["model"].endswith("/" + sys.argv[2]))
for p in m["pairs"]:
    print(p["a"] + ("\t" if sys.argv[3] == "tab" else " ||| ") + p["b"])
PY
		timeout 60 "$HEED_BIN" dump -m "$FIXTURES/enc/$name" <"$tmp/lines" >"$tmp/out" 2>"$tmp/err"
		check "$name ($sep): dump of pairs exits 0" test $? -eq 0
		python3 - "$tmp/out" "$GOLD" "$name" "$sep" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
gold = next(x for x in json.load(open(sys.argv[2]))["models"] if x["model"].endswith("/" + sys.argv[3]))
boff = 1 if sys.argv[4] == "tab" else 5
assert len(d["sentences"]) == len(gold["pairs"])
for s, g in zip(d["sentences"], gold["pairs"]):
    t = s["tokens"]
    assert [x["id"] for x in t] == g["ids"], ([x["id"] for x in t], g["ids"])
    assert [x["type"] for x in t] == g["types"], [x["type"] for x in t]
    sep = g["ids"].index(g["ids"][-1])   # the first [SEP] closes A
    assert [x["segment"] for x in t] == [0] * (sep + 1) + [1] * (len(t) - sep - 1)
    la = len(g["a"].encode())
    for x, (b, e) in zip(t, g["spans"]):
        if b >= 0 and x["segment"] == 1:
            b, e = b + la + boff, e + la + boff
        assert (x["begin"], x["end"]) == (b, e), (x, b, e)
    n, k = s["n"], 0
    for a in s["attention"]:
        for i in range(n):
            for j in range(n):
                assert abs(a["weights"][i][j] - g["attention"][k]) < 1e-4, (a["layer"], a["head"], i, j)
                k += 1
    assert k == len(g["attention"])
    for p, want in zip(s.get("predictions", []), g["mlm"]):
        assert p["pos"] == want["pos"] and [x["id"] for x in p["top"]][:len(want["ids"])] == want["ids"]
PY
		check_last "$name ($sep): ids, types, segments, spans, attention as the reference"
	done
done

# a single sentence has no segment keys; TSV has them in every row
run dump -m "$FIXTURES/enc/bert-f32" -f tsv "a b	c"
check "dump tsv of a pair exits 0" test "$rc" -eq 0
check "dump tsv: segment and type columns" has out '^token	1	4	c	[0-9]*	4	5	1	1$'
run dump -m "$FIXTURES/enc/bert-f32" "a b c"
check "a single sentence has no segment key" sh -c "! grep -q segment '$tmp/out'"

printf 'the whale ||| a ship\n' >"$tmp/in"
run tokenize --tokenizer "$FIXTURES/tok/roberta-bpe.json" "$tmp/in"
python3 - "$tmp/out" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))["tokens"]
# <s> the whale </s> </s> a ship </s>: all type 0, segments 0 0 0 0 0 | 1 1 1
assert [x["piece"] for x in t] == ["<s>", "Ġthe", "Ġwhale", "</s>", "</s>", "Ġa", "Ġship", "</s>"], t
assert [x["type"] for x in t] == [0] * 8
assert [x["segment"] for x in t] == [0, 0, 0, 0, 0, 1, 1, 1]
assert (t[5]["begin"], t[6]["end"]) == (14, 20), t
PY
check_last "tokenize: RoBERTa's pair, all type 0, segments apart"
run tokenize --tokenizer "$FIXTURES/tok/roberta-bpe.json" -f tsv "$tmp/in"
check "tokenize tsv: segment is the last column" has out '^1	6	[0-9]*	16	20	0	Ġship	▁ship	1$'
finish
