#!/bin/sh
# export_imp_test.sh — `heed export --view importance`: view 6 as SVG (valid
# XML, renders, the heatmap, list and curve drawn), HTML, ANSI (the
# explorer's screen, its numbers the reference's) and text, the
# text's numbers equal to the float64 reference's (tests/fixtures/imp, the
# same head switches test_imp checks), the printed command line making the
# same file again, and the refusals.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

for tool in xmllint rsvg-convert python3; do
	command -v "$tool" >/dev/null 2>&1 || { echo "1..0 # SKIP $tool not installed"; exit 77; }
done
MODEL="$FIXTURES/imp/bert-uhead"
REF="$FIXTURES/imp/bert-uhead.json"

# ---- text: the reference's numbers ----------------------------------------
for c in 0 1 2 5; do
	set -- $(python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["cases"][int(sys.argv[2])]; print(c["replace"], len(c["modes"]))' "$REF" "$c")
	[ "$2" -eq 0 ] || continue
	text=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cases"][int(sys.argv[2])]["text"])' "$REF" "$c")
	run export -m "$MODEL" --view "importance:$1" -f txt -o "$tmp/c$c.txt" "$text"
	check "case $c ($1): txt exits 0" test "$rc" -eq 0
	python3 - "$REF" "$c" "$tmp/c$c.txt" <<'PY'
import json, sys
case = json.load(open(sys.argv[1]))["cases"][int(sys.argv[2])]
lines = open(sys.argv[3]).read().split("\n")
i = lines.index("layer\thead\tscore\tdprob\tsame")
heads = 4
score = {}
for l in lines[i + 1:]:
    if not l:
        break
    f = l.split("\t")
    score[(int(f[0]) - 1) * heads + int(f[1]) - 1] = float(f[2])
assert len(score) == len(case["score"])
for lh, s in enumerate(case["score"]):
    assert abs(score[lh] - s) <= 1e-4, (lh, score[lh], s)
# the curve: same order as the reference's (ties aside), same numbers
j = [k for k, l in enumerate(lines) if l.startswith("replaced\t")][0]
rows = [l.split("\t") for l in lines[j + 1:] if l]
assert len(rows) == len(case["score"]) + 1
order = [(int(r[1]) - 1) * heads + int(r[2]) - 1 for r in rows[1:]]
if order == case["curve_order"]:
    col = 3 if case["masks"] else 3
    ref = case["curve_prob"] if case["masks"] else case["curve_kl"]
    for k, r in enumerate(rows):
        assert abs(float(r[col]) - ref[k]) <= 1e-4, (k, r, ref[k])
    print("# curve checked against the reference")
PY
	check_last "case $c ($1): every head's score and the curve equal the reference's within 1e-4"
done
check "the uniform head scores 0 under uniform replacement" \
	grep -q "^2	3	0	0	no$" "$tmp/c0.txt"

# ---- SVG and HTML ---------------------------------------------------------
run export -m "$MODEL" --view importance:average,papa -o "$tmp/i.svg" "The [MASK] barked at the [MASK] all morning."
check "SVG exits 0" test "$rc" -eq 0
check "the SVG is valid XML" xmllint --noout "$tmp/i.svg"
check "rsvg-convert renders it" rsvg-convert "$tmp/i.svg" -o "$tmp/i.png"
check "it has the heatmap's cells (12 heads)" test "$(grep -c '<rect x="[0-9.]*" y="[0-9.]*" width="44.00"' "$tmp/i.svg")" -eq 12
check "it has the sorted list" has "$tmp/i.svg" '>most important<'
check "it has the curve as two lines" test "$(grep -c '<polyline' "$tmp/i.svg")" -eq 2
check "the curve's order is named" has "$tmp/i.svg" 'least input-dependent first (PAPA)'
cp "$tmp/i.svg" "$tmp/first.svg"
cmd=$(sed -n 's|^  heed |"$HEED_BIN" |p' "$tmp/err")
eval "$cmd" 2>/dev/null
check "the command line it prints makes the same file" cmp -s "$tmp/i.svg" "$tmp/first.svg"
run export -m "$MODEL" --view importance -f html -o "$tmp/i.html" "The cat sat on the mat."
check "HTML exits 0" test "$rc" -eq 0
check "the HTML is valid XML" xmllint --noout "$tmp/i.html"
check "without a mask it measures the last layer's distance" has "$tmp/i.html" 'last-layer distance'
check "the default replacement with a calibration is average" has err 'importance:average,importance'

# ---- ANSI: the explorer's view 6, its scan complete ---------------------------
P="Paris is the [MASK] of France."
run export -m "$MODEL" --view importance -f ansi --size 110x30 -o "$tmp/i.ans" "$P"
check "ANSI exits 0" test "$rc" -eq 0
# the cells' text, without the colours
sed 's/\x1b\[[0-9;]*[A-Za-z]//g' "$tmp/i.ans" >"$tmp/i.plain"
check "it is view 6, each head replaced by its average" \
	has "$tmp/i.plain" 'Head importance: each head alone → average; KL at \[MASK\]'
# the reference's KL for L1H2 switched to average is 1.463 nats, the
# largest (tests/fixtures/imp/bert-uhead.json): first in the list
check "... its list, headed by L1H2 at the reference's KL" has "$tmp/i.plain" '  1\. L1H2 \+1\.46'
check "... and its complete curve, the baseline's top kept at first" \
	has "$tmp/i.plain" 'target still top: 100% → '
check "... no scan in progress on the status line" \
	sh -c "! grep -q 'importance [0-9]*/[0-9]' '$tmp/i.plain'"
check "the command line names the replacement and order" \
	has err "--view importance:average,importance --format ansi"
run export -m "$MODEL" --view importance:uniform,papa -f ansi --size 110x30 "$P"
sed 's/\x1b\[[0-9;]*[A-Za-z]//g' "$tmp/out" >"$tmp/u.plain"
check "importance:uniform,papa: each head made uniform" \
	has "$tmp/u.plain" 'each head alone → uniform'
check "... the curve in the PAPA order" has "$tmp/u.plain" 'least input-dependent first (PAPA)'
# L2H3 is uniform already: 0.000 in the heatmap
check "... the uniform head scores 0.000" has "$tmp/u.plain" '^L2 \+[^ ]\+ \+[^ ]\+ \+0\.000 '

# ---- refusals ---------------------------------------------------------------
run export -m "$MODEL" --view importance:sideways -f txt "The cat sat."
check "an unknown mode: exit 1" test "$rc" -eq 1
run export -m "$MODEL" --view importance:uniform,upwards -f txt "The cat sat."
check "an unknown order: exit 1" test "$rc" -eq 1
run export -m "$FIXTURES/enc/bert-f32" --view importance:uniform,papa -f txt "The cat sat."
check "the PAPA order without calibration: exit 2" test "$rc" -eq 2
run export -m "$FIXTURES/enc/bert-f32" --view importance -f txt "The cat [MASK]."
check "without calibration the default replacement is uniform" has out '^# importance: each head alone -> uniform'

finish
