#!/bin/sh
# dump_test.sh — `heed dump` on the tiny BERT fixture: the JSON parses and
# holds the expected tokens, layer/head selection and modes work, TSV has
# one record per token, and errors give the documented exit codes.
set -eu

: "${HEED_BIN:=./heed}"
: "${HEED_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
MODEL="$HEED_SRCDIR/tests/fixtures/enc/bert-f32"
TMP="${TMPDIR:-/tmp}/heed-dump-test.$$"
mkdir -p "$TMP"
trap 'rm -rf "$TMP"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }

# All layers and heads, predictions at [MASK], checked against the
# reference's golden top-1 for the same sentence.
"$HEED_BIN" dump -m "$MODEL" --format json "Paris is the [MASK] of France." >"$TMP/all.json" ||
	fail "dump exited $?"
python3 - "$TMP/all.json" "$HEED_SRCDIR/tests/fixtures/enc/bert-f32.json" <<'PY' || fail "json content"
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

# One head, a mode, sentences from stdin.
printf 'the cat sat\n\nCall me Ishmael.\n' |
	"$HEED_BIN" dump -m "$MODEL" --layer 2 --head 3 --modes L2H3=uniform --top-k 2 \
	>"$TMP/sel.json" || fail "dump from stdin exited $?"
python3 - "$TMP/sel.json" <<'PY' || fail "selection"
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

# TSV: a token record per token, an attn record per head and query.
"$HEED_BIN" dump -m "$MODEL" -f tsv "the cat sat" >"$TMP/out.tsv" || fail "tsv exited $?"
test "$(grep -c '^token	' "$TMP/out.tsv")" -eq 5 || fail "tsv token records"
test "$(grep -c '^attn	' "$TMP/out.tsv")" -eq 60 || fail "tsv attn records"
grep -q '^token	1	1	the	' "$TMP/out.tsv" || fail "tsv token fields"

# Overlong input: a warning on stderr, output cut to the maximum.
long=$(python3 -c 'print("word " * 300)')
"$HEED_BIN" dump -m "$MODEL" -l 1 -H 1 "$long" >"$TMP/long.json" 2>"$TMP/long.err" ||
	fail "overlong exited $?"
grep -q 'warning: sentence 1: 302 tokens, cut to the first 128' "$TMP/long.err" ||
	fail "no truncation warning: $(cat "$TMP/long.err")"

# Errors: a missing model is exit 2 with one line, bad usage exit 1.
set +e
"$HEED_BIN" dump -m "$TMP/nonexistent" "x" >/dev/null 2>"$TMP/err"
rc=$?
set -e
test $rc -eq 2 || fail "missing model: exit $rc"
test "$(wc -l <"$TMP/err")" -eq 1 || fail "missing model: $(cat "$TMP/err")"
grep -q "^heed: .*nonexistent" "$TMP/err" || fail "missing model message: $(cat "$TMP/err")"
for bad in "--layer 0" "--layer 4" "--format xml" "--top-k 0" "--bogus"; do
	set +e
	# shellcheck disable=SC2086
	"$HEED_BIN" dump -m "$MODEL" $bad "x" >/dev/null 2>&1
	rc=$?
	set -e
	test $rc -eq 1 || fail "$bad: exit $rc"
done
"$HEED_BIN" dump --help | grep -q -- '--predict' || fail "--help"
echo "dump_test: ok"
