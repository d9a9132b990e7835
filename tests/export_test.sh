#!/bin/sh
# export_test.sh — `heed export` on the tiny BERT fixture: the SVG and the
# HTML are valid XML (xmllint), the SVG renders (rsvg-convert) with each
# cell in the colour heed's palette gives its weight and the token labels
# drawn, the text export holds the weights, the command line it prints
# makes the same file again, and bad requests get one line and exit 1.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

for tool in xmllint rsvg-convert python3; do
	command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not found"; exit 77; }
done
MODEL=$FIXTURES/enc/bert-f32
S="the cat sat on the [MASK] ."

# pixel PNG X Y: the colour of one pixel of an 8-bit RGB(A) PNG as rrggbb
# (rsvg-convert's output: non-interlaced, filters 0-4), decoded here with
# zlib alone so the test needs no imaging library.
cat >"$tmp/pixel.py" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
x, y = int(sys.argv[2]), int(sys.argv[3])
pos, idat, w = 8, b"", 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        assert depth == 8 and ctype in (2, 6) and body[12] == 0, body
        bpp = 3 if ctype == 2 else 4
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
raw, stride, prev, rows = zlib.decompress(idat), w * bpp, None, []
for r in range(y + 1):
    f, line = raw[r * (stride + 1)], bytearray(raw[r * (stride + 1) + 1:(r + 1) * (stride + 1)])
    up = prev or bytearray(stride)
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = up[i], (up[i - bpp] if i >= bpp else 0)
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
            line[i] = (line[i] + pr) & 255
    prev = line
print("%02x%02x%02x" % tuple(prev[x * bpp:x * bpp + 3]))
PY

# --- SVG of one head, gray palette: a cell's colour is 24 + 226 w ---------
run export -m "$MODEL" --view head:2,3 --palette gray -o "$tmp/h.svg" -- "$S"
check "export head:2,3 as SVG exits 0" test "$rc" -eq 0
check "it says the command line that makes it again" \
	has err "heed export -m .* --view head:2,3 --format svg --palette gray -o .*h.svg -- 'the cat sat on the \[MASK\] .'"
check "the SVG is valid XML" xmllint --noout "$tmp/h.svg"
check "the SVG names model, sentence and modes" sh -c \
	"grep -q 'layer 2, head 3' '$tmp/h.svg' && grep -q 'the cat sat on the \[MASK\] .' '$tmp/h.svg' &&
	 grep -q 'head modes: all input' '$tmp/h.svg'"
check "the SVG has a legend with its scale" has "$tmp/h.svg" 'colour: attention weight, absolute, 0 to 1'
check "rsvg-convert renders it" rsvg-convert "$tmp/h.svg" -o "$tmp/h.png"
run export -m "$MODEL" --view head:2,3 --format txt -- "$S"
cp "$tmp/out" "$tmp/h.txt"
check "the txt export exits 0" test "$rc" -eq 0
check "the txt export has the matrix, labelled" has h.txt '^query\\key	\[CLS\]	the	cat	sat	on	the	\[MASK\]	\.	\[SEP\]$'

# Every token's label is a <text> in the SVG, and where the renderer put
# the row label of query 3 there is ink; cell (3, 4)'s pixel is the gray of
# its weight in the txt export.
python3 - "$tmp/h.svg" "$tmp/h.txt" "$tmp/h.png" "$tmp/pixel.py" <<'PY'
import re, subprocess, sys, xml.etree.ElementTree as ET
ns = {"s": "http://www.w3.org/2000/svg"}
root = ET.parse(sys.argv[1]).getroot()
texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
tokens = "[CLS] the cat sat on the [MASK] . [SEP]".split()
for t in tokens:
    assert t in texts, (t, texts)
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[2]) if l[:1] not in "#\n"]
assert rows[0][1:] == tokens, rows[0]
w = float(rows[3][4])                      # query 3 "cat", key 4 "sat"
cell = next(r for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.get("id") == "q3k4")
x, y = float(cell.get("x")) + float(cell.get("width")) / 2, float(cell.get("y")) + float(cell.get("height")) / 2
def pixel(px, py):
    return subprocess.check_output([sys.executable, sys.argv[4], sys.argv[3], str(int(px)), str(int(py))]).decode().strip()
want = round(24 + 226 * w)
got = pixel(x, y)
assert got == "%02x" % want * 3 and cell.get("fill") == "#" + got, (w, want, got, cell.get("fill"))
# the row label "cat" ends 6 px left of the first cell, on the row's middle
label = next(t for t in root.iter("{http://www.w3.org/2000/svg}text") if t.text == "cat" and t.get("text-anchor") == "end")
lx, ly = float(label.get("x")), float(label.get("y"))
ink = [pixel(lx - dx, ly - dy) for dx in range(1, 18) for dy in range(0, 8)]
assert any(int(p[:2], 16) < 128 for p in ink), ink
PY
check_last "a cell renders in the gray of its weight, and the labels are drawn"

# --- a known cell: a uniform head is 1/n everywhere ------------------------
run export -m "$MODEL" --modes L1H1=uniform --view head:1,1 --palette gray -o "$tmp/u.svg" -- "$S"
check "export of a uniform head exits 0" test "$rc" -eq 0
check "its title says the head's mode" has "$tmp/u.svg" 'head modes: L1H1=uniform'
rsvg-convert "$tmp/u.svg" -o "$tmp/u.png"
python3 - "$tmp/u.svg" "$tmp/u.png" "$tmp/pixel.py" <<'PY'
import subprocess, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
cell = next(r for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.get("id") == "q9k1")
x = float(cell.get("x")) + float(cell.get("width")) / 2
y = float(cell.get("y")) + float(cell.get("height")) / 2
got = subprocess.check_output([sys.executable, sys.argv[3], sys.argv[2], str(int(x)), str(int(y))]).decode().strip()
want = "%02x" % round(24 + 226 / 9) * 3      # 9 tokens: every weight 1/9
assert got == want, (got, want)
PY
check_last "cell (9, 1) of a uniform head renders as the gray of 1/9"

# --- the printed command line makes the same file again --------------------
run export -m "$MODEL" --view head:2,3 --palette gray -o "$tmp/h.svg" -- "$S"
cp "$tmp/h.svg" "$tmp/h1.svg"
cmd=$(sed -n 's/^  heed export//p' "$tmp/err")
(cd "$tmp" && eval "\"$HEED_BIN\" export $cmd" 2>/dev/null)
check "the printed command line makes the same SVG again" cmp -s "$tmp/h1.svg" "$tmp/h.svg"

# --- the other views, as SVG and HTML ---------------------------------------
for v in grid tokens:2,3 output stats; do
	run export -m "$MODEL" --modes L2=uniform --view "$v" -o "$tmp/v.svg" -- "$S"
	check "export --view $v exits 0" test "$rc" -eq 0
	check "--view $v: valid SVG" xmllint --noout "$tmp/v.svg"
	check "--view $v: rsvg-convert renders it" rsvg-convert "$tmp/v.svg" -o "$tmp/v.png"
	run export -m "$MODEL" --modes L2=uniform --view "$v" -o "$tmp/v.html" -- "$S"
	check "--view $v: the HTML is well-formed (XHTML)" xmllint --noout "$tmp/v.html"
	check "--view $v: the HTML loads nothing from anywhere" \
		sh -c "! grep -E -q '<script|<link|<img|<iframe|@import|src=|href=|url\\((http|//)' '$tmp/v.html'"
	check "--view $v: the HTML has the figure and the numbers" \
		sh -c "grep -q '<svg' '$tmp/v.html' && grep -q '<pre>' '$tmp/v.html'"
done
run export -m "$MODEL" --view output --format txt -- "$S"
check "the output view's numbers: predictions at the [MASK]" has out '^# \[MASK\] at token 7$'
check "the output view's numbers: cosines per layer" has out '^L3	1.0000$'
# --- before and after: the output view under other modes -----------------
# The heads not on input, then per [MASK] the top predictions now with
# their all-input probability, rank and change, and the all-input top
# predictions with their probability and rank now: every number is `heed
# dump`'s, with and without the modes.
run dump -m "$MODEL" -k 100 -l 1 -H 1 -- "$S"
cp "$tmp/out" "$tmp/base.json"
run dump -m "$MODEL" -k 100 -l 1 -H 1 --modes L2=uniform -- "$S"
cp "$tmp/out" "$tmp/now.json"
run export -m "$MODEL" --modes L2=uniform --view output --format txt -- "$S"
cp "$tmp/out" "$tmp/ba.txt"
check "before/after: the heads not on input are named" has ba.txt '^# 4 heads not input: L2=uniform$'
python3 - "$tmp/base.json" "$tmp/now.json" "$tmp/ba.txt" <<'PY'
import json, sys
base = json.load(open(sys.argv[1]))["sentences"][0]["predictions"][0]["top"]
now = json.load(open(sys.argv[2]))["sentences"][0]["predictions"][0]["top"]
blocks, cur = [], None
for line in open(sys.argv[3]):
    line = line.rstrip("\n")
    if line.startswith("# [MASK]"):
        cur = []
        blocks.append(cur)
    elif line.startswith("#") or not line:
        cur = None
    elif cur is not None:
        cur.append(line.split("\t"))
assert len(blocks) == 2, blocks
after, before = blocks
assert after[0] == ["rank", "piece", "probability", "all-input probability", "all-input rank", "change (pp)"], after[0]
assert before[0] == ["all-input rank", "piece", "all-input probability", "probability", "change (pp)", "rank"], before[0]
near = lambda a, b, tol=6e-5: abs(float(a) - b) < tol
brank = {t["id"]: i for i, t in enumerate(base[:50])}
nrank = {t["id"]: i for i, t in enumerate(now[:50])}
nprob = {t["id"]: t["prob"] for t in now}
bprob = {t["id"]: t["prob"] for t in base}
moved = 0
for i, r in enumerate(after[1:]):
    t = now[i]
    assert r[0] == str(i + 1) and r[1] == t["piece"] and near(r[2], t["prob"]), (r, t)
    if t["id"] in brank:
        b = brank[t["id"]]
        assert near(r[3], base[b]["prob"]) and r[4] == str(b + 1), (r, b)
        assert near(r[5], 100 * (t["prob"] - base[b]["prob"]), 6e-3), r
        moved += b != i
    else:
        assert r[3:] == ["-", ">50", "-"], r
for i, r in enumerate(before[1:]):
    t = base[i]
    assert r[0] == str(i + 1) and r[1] == t["piece"] and near(r[2], t["prob"]), (r, t)
    assert r[5] == (str(nrank[t["id"]] + 1) if t["id"] in nrank else ">50"), (r, t)
    if t["id"] in nprob:
        assert near(r[3], nprob[t["id"]]) and near(r[4], 100 * (nprob[t["id"]] - t["prob"]), 6e-3), r
assert len(after) == 6 and len(before) == 6 and moved > 0, (after, before)
print("# before/after: 5 + 5 predictions equal dump's, %d moved" % moved)
PY
check_last "before/after: the numbers are dump's with and without the modes"
run export -m "$MODEL" --view output --format txt -- "$S"
check "all-input: no heads to list and no before column" sh -c \
	"! grep -q 'not input' '$tmp/out' && ! grep -q 'before (all-input)' '$tmp/out'"
run export -m "$MODEL" --modes L2=uniform --view output -o "$tmp/ba.svg" -- "$S"
python3 - "$tmp/ba.svg" "$tmp/base.json" <<'PY'
import json, sys, xml.etree.ElementTree as ET
texts = [t.text for t in ET.parse(sys.argv[1]).getroot().iter("{http://www.w3.org/2000/svg}text")]
base = json.load(open(sys.argv[2]))["sentences"][0]["predictions"][0]["top"]
assert "4 heads not input: L2=uniform" in texts, texts
assert "before (all-input) \u2192 now" in texts, texts
for t in base[:5]:
    assert t["piece"] in texts and "%.1f%%" % (100 * t["prob"]) in texts, (t, texts)
PY
check_last "before/after in the SVG: the heads named, the all-input column beside"

run export -m "$MODEL" --view tokens:2,3 --format txt -- "$S"
check "the tokens view's numbers: a row per head" test "$(grep -c '^H[1-4]	' "$tmp/out")" -eq 4

run export -m "$MODEL" --view stats --format txt -- "$S"
check "the stats view's numbers: a row per head with its kind" \
	test "$(grep -c -E '^L[1-3]H[1-4]	input	([0-9.]+	){7}-	[0-9.]+	(previous-token|next-token|self|sink|broad|mixed)$' "$tmp/out")" -eq 12

# --- ANSI at each colour depth ---------------------------------------------
run export -m "$MODEL" -f ansi -- "$S"
check "ANSI: 256 colours by default, 24 lines of 80 columns at most" sh -c \
	"grep -q '48;5;' '$tmp/out' && [ \$(wc -l <'$tmp/out') -eq 24 ] &&
	 [ \$(sed 's/\x1b\[[0-9;]*m//g' '$tmp/out' | wc -L) -le 80 ]"
run export -m "$MODEL" -f ansi --colors 8 --size 100x30 -- "$S"
check "ANSI --colors 8: ANSI colours only, 30 lines" sh -c \
	"! grep -q ';5;' '$tmp/out' && grep -q -E '\[(.*;)?4[0-7]m' '$tmp/out' && [ \$(wc -l <'$tmp/out') -eq 30 ]"
check "... and it says so in the command line" has err -- "--size 100x30 --colors 8 --"
run export -m "$MODEL" -f ansi --colors none -- "$S"
check "ANSI --colors none: no colour at all" sh -c "! grep -q -E '\[(.*;)?[34][0-9]' '$tmp/out'"
run export -m "$MODEL" -f ansi --colors 24bit -- "$S"
check "ANSI --colors 24bit: direct colour" has out '48;2;'

# --- a sentence pair: the numbers say where segment B starts ---------------
run export -m "$MODEL" --view head:1,1 --format txt -- "the cat sat ||| it was"
check "a pair's numbers name its segments" has out '^# sentence pair: segment A is tokens 1-5, segment B 6-8$'
run export -m "$MODEL" --words --view head:1,1 --format txt -- "the unaffable cat ||| it was"
check "... in words with --words" has out '^# sentence pair: segment A is words 1-5, segment B 6-8$'

# --- the format follows -o's extension; the write is atomic -----------------
run export -m "$MODEL" -o "$tmp/x.txt" -- "$S"
check "-o x.txt writes text" has "$tmp/x.txt" '^# L1 H1	'
echo keep >"$tmp/keep.svg"
chmod a-w "$tmp" 2>/dev/null
run export -m "$MODEL" -o "$tmp/keep.svg" -- "$S"
chmod u+w "$tmp"
if [ "$(id -u)" -ne 0 ]; then
	check "an unwritable folder: exit 3, the old file kept" sh -c \
		"[ $rc -eq 3 ] && [ \"\$(cat '$tmp/keep.svg')\" = keep ]"
fi

# --- --words: the matrices between words are dump --words's ----------------
# "unaffable" is several pieces: the head, tokens and stats views export
# word-level numbers, labelled with the words' text, equal to `heed dump
# --words` (which tests/words_test.sh checks against tools/reference).
W="the unaffable cat sat on the [MASK] ."
run dump --words -m "$MODEL" -- "$W"
cp "$tmp/out" "$tmp/wdump.json"
run export -m "$MODEL" --words --view head:2,3 --format txt -- "$W"
cp "$tmp/out" "$tmp/wh.txt"
check "export --words head:2,3 --format txt exits 0" test "$rc" -eq 0
check "... and its command line keeps --words" has err -- "--view head:2,3 --words --format txt --"
run export -m "$MODEL" --words --view tokens:2,3 --format txt -- "$W"
cp "$tmp/out" "$tmp/wt.txt"
run export -m "$MODEL" --words --view stats --format txt -- "$W"
cp "$tmp/out" "$tmp/ws.txt"
python3 - "$tmp/wdump.json" "$tmp/wh.txt" "$tmp/wt.txt" "$tmp/ws.txt" <<'PY'
import json, math, sys
d = json.load(open(sys.argv[1]))
H = d["heads"]
s = d["sentences"][0]
words = [w["text"] for w in s["words"]]
assert len(words) < s["n"], (words, s["n"])
att = {(a["layer"], a["head"]): a["weights"] for a in s["attention"]}
def table(path):
    return [l.rstrip("\n").split("\t") for l in open(path) if l[:1] not in "#\n"]
# head:2,3: the labels are the words, every number dump's
rows = table(sys.argv[2])
assert rows[0][1:] == words, (rows[0], words)
for q, r in enumerate(rows[1:]):
    assert r[0] == words[q]
    for k, v in enumerate(r[1:]):
        assert abs(float(v) - att[(2, 3)][q][k]) < 6e-5, (q, k, v, att[(2, 3)][q][k])
assert len(rows) == len(words) + 1
# tokens:2,3: word 3's row in every head of layer 2
rows = table(sys.argv[3])
assert rows[0][1:] == words
for h, r in enumerate(rows[1:]):
    assert r[0] == "H%d" % (h + 1)
    for k, v in enumerate(r[1:]):
        assert abs(float(v) - att[(2, h + 1)][2][k]) < 6e-5, (h, k, v)
# stats: entropy, self and max of every head between words, from dump's matrices
rows = table(sys.argv[4])
col = {c: i for i, c in enumerate(rows[0])}
for r in rows[1:]:
    l, h = map(int, r[0][1:].split("H"))
    m = att[(l, h)]
    ent = sum(-p * math.log(p) for row in m for p in row if p > 0) / len(m)
    assert abs(float(r[col["entropy"]]) - ent) < 2e-4, (r, ent)
    assert abs(float(r[col["self"]]) - sum(m[i][i] for i in range(len(m))) / len(m)) < 2e-4, r
    assert abs(float(r[col["max"]]) - max(max(row) for row in m)) < 6e-5, r
print("# %d words of %d tokens; head, tokens and stats numbers equal dump --words" % (len(words), s["n"]))
PY
check_last "txt --words: head, tokens and stats numbers equal heed dump --words"
check "txt --words says how the pieces were merged" has wh.txt '^# 14 tokens in 10 words: '

run export -m "$MODEL" --words --view head:2,3 -o "$tmp/w.svg" -- "$W"
check "export --words head:2,3 as SVG exits 0" test "$rc" -eq 0
check "the --words SVG is valid XML" xmllint --noout "$tmp/w.svg"
check "rsvg-convert renders the --words SVG" rsvg-convert "$tmp/w.svg" -o "$tmp/w.png"
python3 - "$tmp/w.svg" "$tmp/wdump.json" <<'PY'
import json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
S = "{http://www.w3.org/2000/svg}"
s = json.load(open(sys.argv[2]))["sentences"][0]
words = [w["text"] for w in s["words"]]
nw = len(words)
texts = [t.text for t in root.iter(S + "text")]
for w in words:
    assert w in texts, (w, texts)
assert not any(t and t.startswith("##") for t in texts), texts
ids = {r.get("id") for r in root.iter(S + "rect") if r.get("id")}
assert "q%dk%d" % (nw, nw) in ids and "q%dk1" % (nw + 1) not in ids, sorted(ids)
w = next(a for a in s["attention"] if (a["layer"], a["head"]) == (2, 3))["weights"]
cell = next(r for r in root.iter(S + "rect") if r.get("id") == "q3k2")
assert abs(float(cell.find(S + "title").text) - w[2][1]) < 6e-5
PY
check_last "the --words SVG's labels are the words, a cell per pair of words"
run export -m "$MODEL" --words --view tokens:2,3 -o "$tmp/w.html" -- "$W"
check "the --words HTML is well-formed, its figure and numbers of words" sh -c \
	"xmllint --noout '$tmp/w.html' && grep -q '>unaffable</text>' '$tmp/w.html' &&
	 grep -q '^# layer 2, query word 3 (unaffable)' '$tmp/w.html'"
run export -m "$MODEL" --words --view tokens:1,11 -- "$W"
check "--words: tokens:L,Q counts words (10 here): exit 1" test "$rc" -eq 1
run export -m "$MODEL" --view tokens:1,11 --format txt -- "$W"
check "... while without --words Q 11 is a token" test "$rc" -eq 0
run export -m "$MODEL" --words --view head:2,3 -o "$tmp/w.svg" -- "$W"
cp "$tmp/w.svg" "$tmp/w1.svg"
cmd=$(sed -n 's/^  heed export//p' "$tmp/err")
(cd "$tmp" && eval "\"$HEED_BIN\" export $cmd" 2>/dev/null)
check "the printed --words command line makes the same SVG again" cmp -s "$tmp/w1.svg" "$tmp/w.svg"

# --- bad requests: one line, exit 1 -----------------------------------------
run export -m "$MODEL" --view head:9,1 -- "$S"
check "a layer past the model: exit 1" test "$rc" -eq 1
check "... with one line naming it" sh -c "grep -q 'L 9 is not from 1 to 3' '$tmp/err' && [ \$(wc -l <'$tmp/err') -eq 1 ]"
run export -m "$MODEL" --view tokens:1,10 -- "$S"
check "a query past the sentence: exit 1" test "$rc" -eq 1
run export -m "$MODEL" --view pie -- "$S"
check "an unknown view: exit 1" test "$rc" -eq 1
run export -m "$MODEL" --format png -- "$S"
check "an unknown format: exit 1" test "$rc" -eq 1
run export -m "$MODEL"
check "no sentence: exit 1" test "$rc" -eq 1
run export -m "$tmp/nowhere" -- "$S"
check "a missing model: exit 2" test "$rc" -eq 2
finish
