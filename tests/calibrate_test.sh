#!/bin/sh
# calibrate_test.sh — `heed calibrate` on the tiny BERT fixture, then
# `heed stats` and `heed dump --modes all=average` reading its file; merging;
# and the documented exit codes for bad input.
set -eu

: "${HEED_BIN:=./heed}"
: "${HEED_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
MODEL="$HEED_SRCDIR/tests/fixtures/enc/bert-f32"
OTHER="$HEED_SRCDIR/tests/fixtures/enc/distil-f32"
CORPUS="$HEED_SRCDIR/tests/fixtures/calib/corpus.txt"
MORE="$HEED_SRCDIR/tests/fixtures/calib/more.txt"
TMP="${TMPDIR:-/tmp}/heed-calibrate-test.$$"
mkdir -p "$TMP"
trap 'rm -rf "$TMP"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }
expect_exit() {
	want=$1; shift
	set +e
	"$@" >"$TMP/out" 2>"$TMP/err"
	got=$?
	set -e
	[ "$got" = "$want" ] || fail "$* exited $got, want $want: $(cat "$TMP/err")"
}

# corpus.txt holds 13 sentences once running text is split and blanks skipped
"$HEED_BIN" calibrate -m "$MODEL" -o "$TMP/a.calib" --rank 8 --epochs 3 "$CORPUS" \
	>"$TMP/summary" 2>"$TMP/err" || fail "calibrate exited $?: $(cat "$TMP/err")"
grep -q "on 13 sentences" "$TMP/summary" || fail "summary: $(cat "$TMP/summary")"
grep -q "dense synthesizer loss" "$TMP/summary" || fail "no synthesizer in the summary"
[ -s "$TMP/err" ] && fail "stderr is not a terminal, yet calibrate wrote: $(cat "$TMP/err")"

# hard-wrapped prose is joined into paragraphs first: 7 sentences, not 14
# lines' worth of fragments; --max-sentences stops early
"$HEED_BIN" calibrate -m "$MODEL" -o "$TMP/w.calib" --rank 0 \
	"$HEED_SRCDIR/tests/fixtures/calib/wrapped.txt" >"$TMP/summary" || fail "wrapped text"
grep -q "on 7 sentences" "$TMP/summary" || fail "wrapped: $(cat "$TMP/summary")"
"$HEED_BIN" calibrate -m "$MODEL" -o "$TMP/w.calib" --rank 0 --max-sentences 5 "$CORPUS" \
	"$MORE" >"$TMP/summary" || fail "--max-sentences"
grep -q "on 5 sentences" "$TMP/summary" || fail "--max-sentences: $(cat "$TMP/summary")"

# the same seed gives the same file, byte for byte, at any thread count
"$HEED_BIN" calibrate -m "$MODEL" -o "$TMP/b.calib" --rank 8 --epochs 3 --threads 1 \
	"$CORPUS" >/dev/null
cmp "$TMP/a.calib" "$TMP/b.calib" >/dev/null || fail "calibration is not reproducible (1 thread)"
"$HEED_BIN" calibrate -m "$MODEL" -o "$TMP/b.calib" --rank 8 --epochs 3 --threads 3 \
	"$CORPUS" >/dev/null
cmp "$TMP/a.calib" "$TMP/b.calib" >/dev/null || fail "calibration is not reproducible (3 threads)"
"$HEED_BIN" calibrate -m "$MODEL" -o "$TMP/b.calib" --rank 8 --epochs 3 --threads 2 \
	--batch-tokens 150 "$CORPUS" >/dev/null
cmp "$TMP/a.calib" "$TMP/b.calib" >/dev/null || fail "calibration depends on the batch size"
# also for the families whose positions restart differently (RoBERTa) or
# whose sentences run one a batch (ModernBERT)
for fam in roberta-f32 modernbert-f32; do
	"$HEED_BIN" calibrate -q -m "$HEED_SRCDIR/tests/fixtures/enc/$fam" -o "$TMP/f1.calib" \
		--rank 4 --epochs 1 --threads 1 "$CORPUS" >/dev/null || fail "$fam"
	"$HEED_BIN" calibrate -q -m "$HEED_SRCDIR/tests/fixtures/enc/$fam" -o "$TMP/f2.calib" \
		--rank 4 --epochs 1 --threads 3 --batch-tokens 60 "$CORPUS" >/dev/null || fail "$fam"
	cmp "$TMP/f1.calib" "$TMP/f2.calib" >/dev/null || fail "$fam: not reproducible"
done

# a pipe is a corpus too (heed calibrate <(zcat corpus.gz))
cat "$CORPUS" | "$HEED_BIN" calibrate -m "$MODEL" -o "$TMP/p.calib" --rank 8 --epochs 3 \
	/dev/stdin >/dev/null || fail "calibrate from a pipe"
cmp "$TMP/a.calib" "$TMP/p.calib" >/dev/null || fail "a piped corpus gave another file"

# encodings: UTF-16 and UTF-32 (by their byte-order marks) and NUL bytes are
# refused naming the line, and nothing is written; bytes that are not UTF-8
# are reported by line and skipped
printf '\377\376T\000h\000e\000\n\000' >"$TMP/u16.txt"
expect_exit 2 "$HEED_BIN" calibrate -m "$MODEL" -o "$TMP/z.calib" "$TMP/u16.txt"
grep -q "u16.txt:1: UTF-16LE byte-order mark" "$TMP/err" || fail "UTF-16: $(cat "$TMP/err")"
printf '\377\376\000\000T\000\000\000' >"$TMP/u32.txt"
expect_exit 2 "$HEED_BIN" calibrate -m "$MODEL" -o "$TMP/z.calib" "$TMP/u32.txt"
grep -q "UTF-32LE" "$TMP/err" || fail "UTF-32: $(cat "$TMP/err")"
printf 'One line.\nTwo lines.\nThree\000 lines.\n' >"$TMP/nul.txt"
expect_exit 2 "$HEED_BIN" calibrate -m "$MODEL" -o "$TMP/z.calib" "$TMP/nul.txt"
grep -q "nul.txt:3: NUL byte" "$TMP/err" || fail "NUL: $(cat "$TMP/err")"
printf 'Caf\351 au lait.\nPlain line.\nNa\357ve.\n' >"$TMP/latin1.txt"
"$HEED_BIN" calibrate -m "$MODEL" -o "$TMP/l.calib" --rank 0 "$TMP/latin1.txt" \
	>"$TMP/out" 2>"$TMP/err" || fail "Latin-1 corpus exited $?"
grep -q "latin1.txt:1: byte 0xe9 is not UTF-8" "$TMP/err" || fail "Latin-1: $(cat "$TMP/err")"
grep -q "latin1.txt:3: byte 0xef is not UTF-8" "$TMP/err" || fail "Latin-1: $(cat "$TMP/err")"
printf '\357\273\277The cat sat.\n' >"$TMP/bom8.txt"
"$HEED_BIN" calibrate -m "$MODEL" -o "$TMP/l.calib" --rank 0 "$TMP/bom8.txt" \
	>"$TMP/out" 2>"$TMP/err" || fail "UTF-8 BOM exited $?"
[ -s "$TMP/err" ] && fail "UTF-8 BOM: $(cat "$TMP/err")"
expect_exit 2 "$HEED_BIN" calibrate -m "$MODEL" -o "$TMP/z.calib" /dev/zero
grep -q "/dev/zero" "$TMP/err" || fail "/dev/zero: $(cat "$TMP/err")"

# progress: with --quiet, or into a file for a short run, nothing on stderr
"$HEED_BIN" calibrate -m "$MODEL" -o "$TMP/q.calib" --rank 0 --quiet "$CORPUS" \
	>"$TMP/out" 2>"$TMP/err" || fail "--quiet"
[ -s "$TMP/err" ] && fail "--quiet wrote: $(cat "$TMP/err")"
grep -q "tokens/s" "$TMP/out" || fail "no tokens/s in the summary: $(cat "$TMP/out")"

# the fingerprint: the same configuration with other weights is refused
mkdir -p "$TMP/twin"
cp "$MODEL"/* "$TMP/twin/"
rm -f "$TMP/twin/heed.calib"
python3 - "$TMP/twin/model.safetensors" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[-1] ^= 1          # the last byte of the last tensor's data
open(p, "wb").write(bytes(b))
PY
expect_exit 2 "$HEED_BIN" dump -m "$TMP/twin" --calib "$TMP/a.calib" --modes all=average "A cat."
grep -q "other weights" "$TMP/err" || fail "fingerprint: $(cat "$TMP/err")"

"$HEED_BIN" stats -m "$MODEL" --calib "$TMP/a.calib" --format tsv >"$TMP/stats.tsv" ||
	fail "stats exited $?"
python3 - "$TMP/stats.tsv" <<'PY' || fail "stats content"
import sys, math
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
assert rows[0] == ["layer", "head", "entropy", "cls", "sep", "self", "prev", "next",
                   "jsd", "synth", "uniform"], rows[0]
body = rows[1:]
assert len(body) == 12, len(body)
assert [(int(r[0]), int(r[1])) for r in body] == [(l, h) for l in range(1, 4) for h in range(1, 5)]
for r in body:
    v = [float(x) for x in r[2:]]
    ent, shares, jsd, synth, uni = v[0], v[1:6], v[6], v[7], v[8]
    assert 0 <= ent <= math.log(40), r
    assert all(0 <= s <= 1 for s in shares), r
    assert 0 <= jsd <= math.log(2), r
    assert synth > 0 and uni > 0, r
PY
"$HEED_BIN" stats -m "$MODEL" --calib "$TMP/a.calib" --format tsv --sort -jsd >"$TMP/sorted.tsv"
python3 - "$TMP/sorted.tsv" <<'PY' || fail "stats --sort -jsd"
import sys
j = [float(l.split("\t")[8]) for l in list(open(sys.argv[1]))[1:]]
assert j == sorted(j, reverse=True), j
PY
"$HEED_BIN" stats -m "$MODEL" --calib "$TMP/a.calib" | grep -q "^# 13 sentences" ||
	fail "text stats header"
expect_exit 1 "$HEED_BIN" stats -m "$MODEL" --calib "$TMP/a.calib" --sort bogus
grep -q "unknown column 'bogus'" "$TMP/err" || fail "sort message: $(cat "$TMP/err")"

# average mode reads the file: every row a distribution, every head "average"
"$HEED_BIN" dump -m "$MODEL" --calib "$TMP/a.calib" --modes all=average \
	"The cat sat on the mat." >"$TMP/avg.json" || fail "dump --modes all=average exited $?"
"$HEED_BIN" dump -m "$MODEL" --calib "$TMP/a.calib" --modes all=dense \
	"The cat sat on the mat." >"$TMP/dense.json" || fail "dump --modes all=dense exited $?"
python3 - "$TMP/avg.json" "$TMP/dense.json" <<'PY' || fail "average/dense attention"
import json, sys
for path, mode in zip(sys.argv[1:], ["average", "dense"]):
    s = json.load(open(path))["sentences"][0]
    assert len(s["attention"]) == 12
    for a in s["attention"]:
        assert a["mode"] == mode, a["mode"]
        for row in a["weights"]:
            assert abs(sum(row) - 1) < 1e-4, row
PY

# papa-half: half the heads (the least input-dependent, by the file's jsd)
# to average, the rest left as they were
"$HEED_BIN" dump -m "$MODEL" --calib "$TMP/a.calib" --modes papa-half \
	"The cat sat on the mat." >"$TMP/half.json" || fail "dump --modes papa-half exited $?"
python3 - "$TMP/half.json" "$TMP/stats.tsv" <<'PY' || fail "papa-half"
import json, sys
s = json.load(open(sys.argv[1]))["sentences"][0]
rows = [l.split("\t") for l in list(open(sys.argv[2]))[1:]]
jsd = {(int(r[0]), int(r[1])): float(r[8]) for r in rows}
avg = [(a["layer"], a["head"]) for a in s["attention"] if a["mode"] == "average"]
inp = [(a["layer"], a["head"]) for a in s["attention"] if a["mode"] == "input"]
assert len(avg) == 6 and len(inp) == 6, (avg, inp)
assert max(jsd[k] for k in avg) <= min(jsd[k] for k in inp) + 1e-6
PY

# merging two corpora counts both; another model's file is refused
"$HEED_BIN" calibrate -m "$MODEL" -o "$TMP/m.calib" --rank 0 "$MORE" >/dev/null ||
	fail "calibrate more.txt"
"$HEED_BIN" calibrate --merge "$TMP/a.calib" "$TMP/m.calib" -o "$TMP/ab.calib" >"$TMP/out" ||
	fail "merge exited $?"
grep -q "17 sentences" "$TMP/out" || fail "merge summary: $(cat "$TMP/out")"
"$HEED_BIN" stats -m "$MODEL" --calib "$TMP/ab.calib" | grep -q "^# 17 sentences" ||
	fail "merged file"
"$HEED_BIN" calibrate -m "$OTHER" -o "$TMP/o.calib" --rank 0 "$MORE" >/dev/null ||
	fail "calibrate distil"
expect_exit 2 "$HEED_BIN" calibrate --merge "$TMP/a.calib" "$TMP/o.calib" -o "$TMP/x.calib"
grep -q "different models" "$TMP/err" || fail "merge mismatch message: $(cat "$TMP/err")"

# merge keeps the synthesizers whatever the order of the files
"$HEED_BIN" calibrate --merge "$TMP/m.calib" "$TMP/a.calib" -o "$TMP/ba.calib" >/dev/null ||
	fail "merge b a"
cmp "$TMP/ab.calib" "$TMP/ba.calib" >/dev/null || fail "merge depends on the order of files"
"$HEED_BIN" dump -m "$MODEL" --calib "$TMP/ba.calib" --modes all=dense "A cat." >/dev/null ||
	fail "merged file lost its synthesizers"
# and honours -m (the files must belong to it), -L and -r
expect_exit 2 "$HEED_BIN" calibrate --merge -m "$TMP/twin" "$TMP/a.calib" "$TMP/m.calib" \
	-o "$TMP/x.calib"
grep -q "other weights" "$TMP/err" || fail "merge -m: $(cat "$TMP/err")"
"$HEED_BIN" calibrate --merge -m "$MODEL" "$TMP/a.calib" "$TMP/m.calib" -o "$TMP/x.calib" \
	>/dev/null || fail "merge -m MODEL"
expect_exit 2 "$HEED_BIN" calibrate --merge -L 16 "$TMP/a.calib" "$TMP/m.calib" -o "$TMP/x.calib"
grep -q "not the 16 of --length" "$TMP/err" || fail "merge -L: $(cat "$TMP/err")"
"$HEED_BIN" calibrate --merge -r 0 "$TMP/a.calib" "$TMP/m.calib" -o "$TMP/x.calib" >/dev/null ||
	fail "merge -r 0"
expect_exit 2 "$HEED_BIN" dump -m "$MODEL" --calib "$TMP/x.calib" --modes all=dense "A cat."
grep -q "no dense synthesizers" "$TMP/err" || fail "merge -r 0: $(cat "$TMP/err")"
expect_exit 1 "$HEED_BIN" calibrate --merge -r 5 "$TMP/a.calib" "$TMP/m.calib" -o "$TMP/x.calib"
grep -q "rank 5" "$TMP/err" || fail "merge -r 5: $(cat "$TMP/err")"
expect_exit 1 "$HEED_BIN" calibrate --merge -n 5 "$TMP/a.calib" "$TMP/m.calib" -o "$TMP/x.calib"
expect_exit 2 "$HEED_BIN" stats -m "$MODEL" --calib "$TMP/o.calib"
grep -q "another model" "$TMP/err" || fail "stats mismatch message: $(cat "$TMP/err")"

# damaged files and bad arguments
head -c 1000 "$TMP/a.calib" >"$TMP/short.calib"
expect_exit 2 "$HEED_BIN" stats -m "$MODEL" --calib "$TMP/short.calib"
grep -q "truncated" "$TMP/err" || fail "truncated message: $(cat "$TMP/err")"
expect_exit 2 "$HEED_BIN" calibrate -m "$MODEL" -o "$TMP/z.calib" "$TMP/no-such-corpus.txt"
expect_exit 1 "$HEED_BIN" calibrate -m "$MODEL"
expect_exit 1 "$HEED_BIN" calibrate -m "$MODEL" --rank -3 "$CORPUS"
expect_exit 1 "$HEED_BIN" calibrate -m "$MODEL" --length 4096 "$CORPUS"
[ -e "$TMP/z.calib" ] && fail "a failed calibration left a file"
echo "calibrate_test: ok"
