#!/bin/sh
# words_test.sh — `heed dump --words` against the reference: for every
# model in tests/fixtures/words, each token's word is the one Hugging Face's
# tokenizers gives it (word_ids(), tools/reference/word_ids.js), the words
# span the same tokens, and every head's word-level attention (to a word
# summed over its pieces, from a word averaged; Clark et al. 2019) is within
# 1e-4 of the float64 reference (tools/reference/words.py).  Then the TSV
# form, and rows that still sum to 1.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

DIR="$FIXTURES/words"

for gold in "$DIR"/*.json; do
	case "$gold" in *.tokens.json) continue ;; esac
	name=$(basename "$gold" .json)
	model=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["model"])' "$gold")
	python3 -c '
import json, sys
for s in json.load(open(sys.argv[1]))["sentences"]:
    print(s["text"])' "$gold" >"$tmp/$name.txt"
	"$HEED_BIN" dump --words -m "$HEED_SRCDIR/$model" <"$tmp/$name.txt" >"$tmp/$name.out"
	check_last "$name: dump --words exits 0" || continue
	python3 - "$tmp/$name.out" "$gold" <<'PY'
import json, sys
got = json.load(open(sys.argv[1]))
gold = json.load(open(sys.argv[2]))
L, H = gold["layers"], gold["heads"]
assert (got["layers"], got["heads"]) == (L, H)
assert len(got["sentences"]) == len(gold["sentences"])
worst = 0.0
for s, g in zip(got["sentences"], gold["sentences"]):
    where = repr(g["text"])
    assert [t["id"] for t in s["tokens"]] == g["ids"], where
    assert [t["word"] for t in s["tokens"]] == g["word_ids"], (where, [t["word"] for t in s["tokens"]], g["word_ids"])
    assert [[w["first"], w["end"]] for w in s["words"]] == g["words"], where
    nw = len(g["words"])
    assert len(s["attention"]) == L * H
    for a in s["attention"]:
        base = ((a["layer"] - 1) * H + a["head"] - 1) * nw * nw
        assert len(a["weights"]) == nw
        for q, row in enumerate(a["weights"]):
            assert len(row) == nw and abs(sum(row) - 1) < 1e-4, (where, a["layer"], a["head"], q)
            for k, v in enumerate(row):
                d = abs(v - g["attention"][base + q * nw + k])
                worst = max(worst, d)
                assert d < 1e-4, (where, a["layer"], a["head"], q, k, v, g["attention"][base + q * nw + k])
print(f"# {sys.argv[2].rsplit('/', 1)[-1]}: worst |heed - reference| {worst:.2e}")
PY
	check_last "$name: word ids as tokenizers gives them, weights within 1e-4 of the reference"
done

# Words' text is the input's own (case and accents kept), a split word is
# one word, and [CLS]/[SEP] are words of their own; TSV carries the same.
run dump --words -f tsv -l 1 -H 1 -m "$HEED_SRCDIR/assets/models/heed-mini" "Unaffable Café."
check "tsv: dump --words exits 0" test "$rc" -eq 0
grep '^word	' "$tmp/out" | cut -f3- >"$tmp/words"
printf '0\t0\t1\t[CLS]\n1\t1\t4\tUnaffable\n2\t4\t5\tCafé\n3\t5\t6\t.\n4\t6\t7\t[SEP]\n' >"$tmp/want"
check "tsv: word records name each word's tokens and text" cmp -s "$tmp/words" "$tmp/want"
check "tsv: one attn record per query word" test "$(grep -c '^attn	' "$tmp/out")" -eq 5
check "tsv: a weight per key word" \
	test "$(grep '^attn	' "$tmp/out" | head -1 | awk -F'\t' '{print NF}')" -eq 11
finish
