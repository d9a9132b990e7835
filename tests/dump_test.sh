#!/bin/sh
# dump_test.sh — `heed dump` on the tiny BERT fixture: the JSON parses and
# holds the expected tokens, layer/head selection and modes work, TSV has
# one record per token, and errors give the documented exit codes.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

MODEL="$FIXTURES/enc/bert-f32"


# All layers and heads, predictions at [MASK], checked against the
# reference's golden top-1 for the same sentence.
"$HEED_BIN" dump -m "$MODEL" --format json "Paris is the [MASK] of France." >"$tmp/all.json"
check_last "dump exits 0"
python3 - "$tmp/all.json" "$FIXTURES/enc/bert-f32.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
gold = json.load(open(sys.argv[2]))["sentences"]
s = d["sentences"]
assert d["layers"] == 3 and d["heads"] == 4 and len(s) == 1, d.keys()
s = s[0]
assert [t["piece"] for t in s["tokens"]] == ["[CLS]", "paris", "is", "the", "[MASK]", "of",
                                             "france", ".", "[SEP]"], s["tokens"]
assert s["tokens"][1]["begin"] == 0 and s["tokens"][1]["end"] == 5
assert s["tokens"][0]["begin"] == -1 and not s["truncated"]
assert len(s["attention"]) == 12
for a in s["attention"]:
    assert a["mode"] == "input" and len(a["weights"]) == 9
    for row in a["weights"]:
        assert abs(sum(row) - 1) < 1e-4, row
g = next(x for x in gold if x["text"] == s["text"])
assert s["predictions"][0]["pos"] == 4 and len(s["predictions"][0]["top"]) == 5
assert s["predictions"][0]["top"][0]["id"] == g["mlm"][0]["ids"][0]
PY
check_last "the JSON holds every head and the golden top-1"

# One head, a mode, sentences from stdin.
printf 'the cat sat\n\nCall me Ishmael.\n' |
	"$HEED_BIN" dump -m "$MODEL" --layer 2 --head 3 --modes L2H3=uniform --top-k 2 \
	>"$tmp/sel.json"
check_last "dump from stdin exits 0"
python3 - "$tmp/sel.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["sentences"]
assert [x["text"] for x in s] == ["the cat sat", "Call me Ishmael."], s
for x in s:
    (a,) = x["attention"]
    assert (a["layer"], a["head"], a["mode"]) == (2, 3, "uniform"), a
    n = x["n"]
    assert all(abs(w - 1 / n) < 1e-6 for row in a["weights"] for w in row)
    assert x["predictions"] == []
PY
check_last "layer, head and mode selection"

# TSV: a token record per token, an attn record per head and query.
"$HEED_BIN" dump -m "$MODEL" -f tsv "the cat sat" >"$tmp/out.tsv"
check_last "tsv exits 0"
check "tsv token records" test "$(grep -c '^token	' "$tmp/out.tsv")" -eq 5
check "tsv attn records" test "$(grep -c '^attn	' "$tmp/out.tsv")" -eq 60
grep -q '^token	1	1	the	' "$tmp/out.tsv"
check_last "tsv token fields"

# Overlong input: a warning on stderr, output cut to the maximum.
long=$(python3 -c 'print("word " * 300)')
"$HEED_BIN" dump -m "$MODEL" -l 1 -H 1 "$long" >"$tmp/long.json" 2>"$tmp/long.err"
check_last "overlong exits 0"
grep -q 'warning: sentence 1: 302 tokens, cut to the first 128' "$tmp/long.err"
check_last "overlong input is cut with a warning"

# Errors: a missing model is exit 2 with one line, bad usage exit 1.
run dump -m "$tmp/nonexistent" "x"
check "missing model exits 2" test "$rc" -eq 2
check "missing model: one line" test "$(wc -l <"$tmp/err")" -eq 1
check "missing model: the line names it" has err "^heed: .*nonexistent"
for bad in "--layer 0" "--layer 4" "--format xml" "--top-k 0" "--bogus"; do
	# shellcheck disable=SC2086
	run dump -m "$MODEL" $bad "x"
	check "dump $bad exits 1" test "$rc" -eq 1
done
"$HEED_BIN" dump --help | grep -q -- '--predict'
check_last "dump --help names --predict"
finish
