#!/bin/sh
# calibrate_test.sh — `heed calibrate` on the tiny BERT fixture, then
# `heed stats` and `heed dump --modes all=average` reading its file; merging;
# and the documented exit codes for bad input.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

MODEL="$FIXTURES/enc/bert-f32"
OTHER="$FIXTURES/enc/distil-f32"
CORPUS="$FIXTURES/calib/corpus.txt"
MORE="$FIXTURES/calib/more.txt"

expect_exit() {
	want=$1; shift
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	_cmd=$*
	check "${_cmd#"$HEED_BIN" } exits $want" test "$rc" -eq "$want"
}

# corpus.txt holds 13 sentences once running text is split and blanks skipped
"$HEED_BIN" calibrate -m "$MODEL" -o "$tmp/a.calib" --rank 8 --epochs 3 "$CORPUS" \
	>"$tmp/summary" 2>"$tmp/err"
check_last "calibrate exits 0"
grep -q "on 13 sentences" "$tmp/summary"
check_last "the summary counts 13 sentences"
grep -q "dense synthesizer loss" "$tmp/summary"
check_last "the summary shows the synthesizer loss"
check "stderr is not a terminal: calibrate writes nothing there" empty err

# hard-wrapped prose is joined into paragraphs first: 7 sentences, not 14
# lines' worth of fragments; --max-sentences stops early
"$HEED_BIN" calibrate -m "$MODEL" -o "$tmp/w.calib" --rank 0 \
	"$FIXTURES/calib/wrapped.txt" >"$tmp/summary"
check_last "wrapped text: calibrate exits 0"
grep -q "on 7 sentences" "$tmp/summary"
check_last "wrapped text: 7 sentences"
"$HEED_BIN" calibrate -m "$MODEL" -o "$tmp/w.calib" --rank 0 --max-sentences 5 "$CORPUS" \
	"$MORE" >"$tmp/summary"
check_last "--max-sentences: calibrate exits 0"
grep -q "on 5 sentences" "$tmp/summary"
check_last "--max-sentences 5: 5 sentences"

# the same seed gives the same file, byte for byte, at any thread count
"$HEED_BIN" calibrate -m "$MODEL" -o "$tmp/b.calib" --rank 8 --epochs 3 --threads 1 \
	"$CORPUS" >/dev/null
cmp "$tmp/a.calib" "$tmp/b.calib" >/dev/null
check_last "calibration is reproducible (1 thread)"
"$HEED_BIN" calibrate -m "$MODEL" -o "$tmp/b.calib" --rank 8 --epochs 3 --threads 3 \
	"$CORPUS" >/dev/null
cmp "$tmp/a.calib" "$tmp/b.calib" >/dev/null
check_last "calibration is reproducible (3 threads)"
"$HEED_BIN" calibrate -m "$MODEL" -o "$tmp/b.calib" --rank 8 --epochs 3 --threads 2 \
	--batch-tokens 150 "$CORPUS" >/dev/null
cmp "$tmp/a.calib" "$tmp/b.calib" >/dev/null
check_last "calibration does not depend on the batch size"
# also for the families whose positions restart differently (RoBERTa) or
# whose sentences run one a batch (ModernBERT)
for fam in roberta-f32 modernbert-f32; do
	"$HEED_BIN" calibrate -q -m "$FIXTURES/enc/$fam" -o "$tmp/f1.calib" \
		--rank 4 --epochs 1 --threads 1 "$CORPUS" >/dev/null
	check_last "$fam: calibrate on 1 thread exits 0"
	"$HEED_BIN" calibrate -q -m "$FIXTURES/enc/$fam" -o "$tmp/f2.calib" \
		--rank 4 --epochs 1 --threads 3 --batch-tokens 60 "$CORPUS" >/dev/null
	check_last "$fam: calibrate on 3 threads exits 0"
	cmp "$tmp/f1.calib" "$tmp/f2.calib" >/dev/null
	check_last "$fam: reproducible"
done

# a pipe is a corpus too (heed calibrate <(zcat corpus.gz))
cat "$CORPUS" | "$HEED_BIN" calibrate -m "$MODEL" -o "$tmp/p.calib" --rank 8 --epochs 3 \
	/dev/stdin >/dev/null
check_last "calibrate from a pipe exits 0"
cmp "$tmp/a.calib" "$tmp/p.calib" >/dev/null
check_last "a piped corpus gives the same file"

# encodings: UTF-16 and UTF-32 (by their byte-order marks) and NUL bytes are
# refused naming the line, and nothing is written; bytes that are not UTF-8
# are reported by line and skipped
printf '\377\376T\000h\000e\000\n\000' >"$tmp/u16.txt"
expect_exit 2 "$HEED_BIN" calibrate -m "$MODEL" -o "$tmp/z.calib" "$tmp/u16.txt"
grep -q "u16.txt:1: UTF-16LE byte-order mark" "$tmp/err"
check_last "UTF-16 is named with its line"
printf '\377\376\000\000T\000\000\000' >"$tmp/u32.txt"
expect_exit 2 "$HEED_BIN" calibrate -m "$MODEL" -o "$tmp/z.calib" "$tmp/u32.txt"
grep -q "UTF-32LE" "$tmp/err"
check_last "UTF-32 is named"
printf 'One line.\nTwo lines.\nThree\000 lines.\n' >"$tmp/nul.txt"
expect_exit 2 "$HEED_BIN" calibrate -m "$MODEL" -o "$tmp/z.calib" "$tmp/nul.txt"
grep -q "nul.txt:3: NUL byte" "$tmp/err"
check_last "a NUL byte is named with its line"
printf 'Caf\351 au lait.\nPlain line.\nNa\357ve.\n' >"$tmp/latin1.txt"
"$HEED_BIN" calibrate -m "$MODEL" -o "$tmp/l.calib" --rank 0 "$tmp/latin1.txt" \
	>"$tmp/out" 2>"$tmp/err"
check_last "Latin-1 corpus exits 0"
grep -q "latin1.txt:1: byte 0xe9 is not UTF-8" "$tmp/err"
check_last "Latin-1: line 1 reported"
grep -q "latin1.txt:3: byte 0xef is not UTF-8" "$tmp/err"
check_last "Latin-1: line 3 reported"
printf '\357\273\277The cat sat.\n' >"$tmp/bom8.txt"
"$HEED_BIN" calibrate -m "$MODEL" -o "$tmp/l.calib" --rank 0 "$tmp/bom8.txt" \
	>"$tmp/out" 2>"$tmp/err"
check_last "UTF-8 BOM exits 0"
check "UTF-8 BOM: no complaint" empty err
expect_exit 2 "$HEED_BIN" calibrate -m "$MODEL" -o "$tmp/z.calib" /dev/zero
grep -q "/dev/zero" "$tmp/err"
check_last "/dev/zero is named"

# progress: with --quiet, or into a file for a short run, nothing on stderr
"$HEED_BIN" calibrate -m "$MODEL" -o "$tmp/q.calib" --rank 0 --quiet "$CORPUS" \
	>"$tmp/out" 2>"$tmp/err"
check_last "--quiet exits 0"
check "--quiet writes nothing on stderr" empty err
grep -q "tokens/s" "$tmp/out"
check_last "the summary shows tokens/s"

# the fingerprint: the same configuration with other weights is refused
mkdir -p "$tmp/twin"
cp "$MODEL"/* "$tmp/twin/"
rm -f "$tmp/twin/heed.calib"
python3 - "$tmp/twin/model.safetensors" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[-1] ^= 1          # the last byte of the last tensor's data
open(p, "wb").write(bytes(b))
PY
expect_exit 2 "$HEED_BIN" dump -m "$tmp/twin" --calib "$tmp/a.calib" --modes all=average "A cat."
grep -q "other weights" "$tmp/err"
check_last "other weights are refused by the fingerprint"

"$HEED_BIN" stats -m "$MODEL" --calib "$tmp/a.calib" --format tsv >"$tmp/stats.tsv"
check_last "stats exits 0"
python3 - "$tmp/stats.tsv" <<'PY'
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
check_last "stats TSV content"
"$HEED_BIN" stats -m "$MODEL" --calib "$tmp/a.calib" --format tsv --sort -jsd >"$tmp/sorted.tsv"
python3 - "$tmp/sorted.tsv" <<'PY'
import sys
j = [float(l.split("\t")[8]) for l in list(open(sys.argv[1]))[1:]]
assert j == sorted(j, reverse=True), j
PY
check_last "stats --sort -jsd sorts"
"$HEED_BIN" stats -m "$MODEL" --calib "$tmp/a.calib" | grep -q "^# 13 sentences"
check_last "text stats header counts 13 sentences"
expect_exit 1 "$HEED_BIN" stats -m "$MODEL" --calib "$tmp/a.calib" --sort bogus
grep -q "unknown column 'bogus'" "$tmp/err"
check_last "an unknown sort column is named"

# average mode reads the file: every row a distribution, every head "average"
"$HEED_BIN" dump -m "$MODEL" --calib "$tmp/a.calib" --modes all=average \
	"The cat sat on the mat." >"$tmp/avg.json"
check_last "dump --modes all=average exits 0"
"$HEED_BIN" dump -m "$MODEL" --calib "$tmp/a.calib" --modes all=dense \
	"The cat sat on the mat." >"$tmp/dense.json"
check_last "dump --modes all=dense exits 0"
python3 - "$tmp/avg.json" "$tmp/dense.json" <<'PY'
import json, sys
for path, mode in zip(sys.argv[1:], ["average", "dense"]):
    s = json.load(open(path))["sentences"][0]
    assert len(s["attention"]) == 12
    for a in s["attention"]:
        assert a["mode"] == mode, a["mode"]
        for row in a["weights"]:
            assert abs(sum(row) - 1) < 1e-4, row
PY
check_last "average/dense attention rows are distributions"

# papa-half: half the heads (the least input-dependent, by the file's jsd)
# to average, the rest left as they were
"$HEED_BIN" dump -m "$MODEL" --calib "$tmp/a.calib" --modes papa-half \
	"The cat sat on the mat." >"$tmp/half.json"
check_last "dump --modes papa-half exits 0"
python3 - "$tmp/half.json" "$tmp/stats.tsv" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["sentences"][0]
rows = [l.split("\t") for l in list(open(sys.argv[2]))[1:]]
jsd = {(int(r[0]), int(r[1])): float(r[8]) for r in rows}
avg = [(a["layer"], a["head"]) for a in s["attention"] if a["mode"] == "average"]
inp = [(a["layer"], a["head"]) for a in s["attention"] if a["mode"] == "input"]
assert len(avg) == 6 and len(inp) == 6, (avg, inp)
assert max(jsd[k] for k in avg) <= min(jsd[k] for k in inp) + 1e-6
PY
check_last "papa-half averages the 6 least input-dependent heads"

# merging two corpora counts both; another model's file is refused
"$HEED_BIN" calibrate -m "$MODEL" -o "$tmp/m.calib" --rank 0 "$MORE" >/dev/null
check_last "calibrate more.txt exits 0"
"$HEED_BIN" calibrate --merge "$tmp/a.calib" "$tmp/m.calib" -o "$tmp/ab.calib" >"$tmp/out"
check_last "merge exits 0"
grep -q "17 sentences" "$tmp/out"
check_last "merge summary counts 17 sentences"
"$HEED_BIN" stats -m "$MODEL" --calib "$tmp/ab.calib" | grep -q "^# 17 sentences"
check_last "the merged file holds 17 sentences"
"$HEED_BIN" calibrate -m "$OTHER" -o "$tmp/o.calib" --rank 0 "$MORE" >/dev/null
check_last "calibrate distil exits 0"
expect_exit 2 "$HEED_BIN" calibrate --merge "$tmp/a.calib" "$tmp/o.calib" -o "$tmp/x.calib"
grep -q "different models" "$tmp/err"
check_last "merge of different models says so"

# merge keeps the synthesizers whatever the order of the files
"$HEED_BIN" calibrate --merge "$tmp/m.calib" "$tmp/a.calib" -o "$tmp/ba.calib" >/dev/null
check_last "merge b a exits 0"
cmp "$tmp/ab.calib" "$tmp/ba.calib" >/dev/null
check_last "merge does not depend on the order of files"
"$HEED_BIN" dump -m "$MODEL" --calib "$tmp/ba.calib" --modes all=dense "A cat." >/dev/null
check_last "the merged file keeps its synthesizers"
# and honours -m (the files must belong to it), -L and -r
expect_exit 2 "$HEED_BIN" calibrate --merge -m "$tmp/twin" "$tmp/a.calib" "$tmp/m.calib" \
	-o "$tmp/x.calib"
grep -q "other weights" "$tmp/err"
check_last "merge -m: other weights refused"
"$HEED_BIN" calibrate --merge -m "$MODEL" "$tmp/a.calib" "$tmp/m.calib" -o "$tmp/x.calib" \
	>/dev/null
check_last "merge -m MODEL exits 0"
expect_exit 2 "$HEED_BIN" calibrate --merge -L 16 "$tmp/a.calib" "$tmp/m.calib" -o "$tmp/x.calib"
grep -q "not the 16 of --length" "$tmp/err"
check_last "merge -L 16 is refused"
"$HEED_BIN" calibrate --merge -r 0 "$tmp/a.calib" "$tmp/m.calib" -o "$tmp/x.calib" >/dev/null
check_last "merge -r 0 exits 0"
expect_exit 2 "$HEED_BIN" dump -m "$MODEL" --calib "$tmp/x.calib" --modes all=dense "A cat."
grep -q "no dense synthesizers" "$tmp/err"
check_last "merge -r 0 drops the synthesizers"
expect_exit 1 "$HEED_BIN" calibrate --merge -r 5 "$tmp/a.calib" "$tmp/m.calib" -o "$tmp/x.calib"
grep -q "rank 5" "$tmp/err"
check_last "merge -r 5 is refused"
expect_exit 1 "$HEED_BIN" calibrate --merge -n 5 "$tmp/a.calib" "$tmp/m.calib" -o "$tmp/x.calib"
expect_exit 2 "$HEED_BIN" stats -m "$MODEL" --calib "$tmp/o.calib"
grep -q "another model" "$tmp/err"
check_last "stats with another model's file says so"

# damaged files and bad arguments
head -c 1000 "$tmp/a.calib" >"$tmp/short.calib"
expect_exit 2 "$HEED_BIN" stats -m "$MODEL" --calib "$tmp/short.calib"
grep -q "truncated" "$tmp/err"
check_last "a truncated file is called truncated"
expect_exit 2 "$HEED_BIN" calibrate -m "$MODEL" -o "$tmp/z.calib" "$tmp/no-such-corpus.txt"
expect_exit 1 "$HEED_BIN" calibrate -m "$MODEL"
expect_exit 1 "$HEED_BIN" calibrate -m "$MODEL" --rank -3 "$CORPUS"
expect_exit 1 "$HEED_BIN" calibrate -m "$MODEL" --length 4096 "$CORPUS"
check "a failed calibration leaves no file" test ! -e "$tmp/z.calib"
finish
