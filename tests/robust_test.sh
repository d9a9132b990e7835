#!/bin/sh
# robust_test.sh — one test per defect of issue #22 that a command shows:
# hostile models (tests/robust/mkmodel.py writes them from the bert-f32
# fixture), resource limits (ulimit -v, ulimit -f), /dev/full, /dev/zero,
# FIFOs, outputs that are inputs, control bytes.  Every failure must be one
# "heed: ..." line and the documented exit status: 1 usage, 2 bad input
# file or model, 3 runtime failure; never a signal, a hang or a lost file.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
FIX=$FIXTURES/enc/bert-f32
CORPUS=$FIXTURES/calib/corpus.txt
MKMODEL="python3 $HEED_SRCDIR/tests/robust/mkmodel.py"

no_esc() { ! grep -q "$(printf '\033')" "$tmp/$1"; }

# A private copy of the fixture, so files can be swapped for hostile ones.
model() {
	rm -rf "$tmp/$1"
	cp -R "$FIX" "$tmp/$1"
}

# ulimit -v is unusable under AddressSanitizer (it reserves terabytes).
if (ulimit -v 2000000 && "$HEED_BIN" --version) >/dev/null 2>&1; then
	have_ulimit_v=1
else
	have_ulimit_v=0
	echo "# ulimit -v unusable here (sanitizer build?): memory-limit tests skipped"
fi

# ---- #22.2: memory follows the sentence, not max_position_embeddings ----
$MKMODEL "$FIX" "$tmp/long" --max-pos 8192 || exit 1
if [ $have_ulimit_v = 1 ]; then
	# layers x heads x 8192^2 floats would be 3.2 GB
	rc=0
	(ulimit -v 700000; timeout 60 "$HEED_BIN" dump -m "$tmp/long" -l 1 -H 1 "a six token sentence" \
	    >"$tmp/out" 2>"$tmp/err") || rc=$?
	check "#22.2 dump on a model with 8192 positions runs in 700 MB" test "$rc" -eq 0
	printf '2 1002 4 3\t2:2797\n' >"$tmp/ex.txt"
	rc=0
	(ulimit -v 700000; timeout 60 "$HEED_BIN" eval -m "$tmp/long" "$tmp/ex.txt" \
	    >"$tmp/out" 2>"$tmp/err") || rc=$?
	check "#22.2 eval on a model with 8192 positions runs in 700 MB" test "$rc" -eq 0
fi

# ---- #22.3: out of memory is exit 3 with a message, within seconds ----
if [ $have_ulimit_v = 1 ]; then
	for limit in 60000 100000 150000; do
		rc=0
		(ulimit -v $limit; timeout 30 "$HEED_BIN" dump -m "$FIX" "the cat" \
		    >"$tmp/out" 2>"$tmp/err") || rc=$?
		check "#22.3 dump under ulimit -v $limit exits 3" test "$rc" -eq 3
		check "#22.3 dump under ulimit -v $limit says out of memory" has err 'out of memory'
		rc=0
		(ulimit -v $limit; timeout 30 "$HEED_BIN" calibrate -m "$FIX" -o "$tmp/oom.calib" \
		    "$CORPUS" >"$tmp/out" 2>"$tmp/err") || rc=$?
		check "#22.3 calibrate under ulimit -v $limit exits 3" test "$rc" -eq 3
	done
fi

# ---- #22.4: ulimit -f is a write error, not SIGXFSZ, and no temp file ----
rc=0
(ulimit -f 100; timeout 60 "$HEED_BIN" calibrate -m "$FIX" -r 0 -o "$tmp/big.calib" "$CORPUS" \
    >"$tmp/out" 2>"$tmp/err") || rc=$?
check "#22.4 calibrate past ulimit -f exits 3" test "$rc" -eq 3
check "#22.4 calibrate past ulimit -f says why" has err 'File too large'
check "#22.4 calibrate past ulimit -f leaves no temp file" test -z "$(ls "$tmp" | grep 'big.calib')"
rc=0
(ulimit -f 1; timeout 60 "$HEED_BIN" dump -m "$FIX" "the cat sat on the mat" \
    >"$tmp/big.json" 2>"$tmp/err") || rc=$?
check "#22.4 dump past ulimit -f exits 3" test "$rc" -eq 3

# ---- #22.5: endless devices and FIFOs where files belong ----
model zero
rm "$tmp/zero/vocab.txt"
ln -s /dev/zero "$tmp/zero/vocab.txt"
run dump -m "$tmp/zero" x
check "#22.5 /dev/zero as vocab.txt exits 2" test "$rc" -eq 2
check "#22.5 /dev/zero as vocab.txt names the file" has err 'vocab.txt: is a character device'
run stats -m "$FIX" -c /dev/zero
check "#22.5 /dev/zero as calibration exits 2" test "$rc" -eq 2
run dump -m "$FIX" -M /dev/zero x
check "#22.5 /dev/zero as preset exits 2" test "$rc" -eq 2
run calibrate -m "$FIX" -o "$tmp/z.calib" /dev/zero
check "#22.5 /dev/zero as corpus exits 2" test "$rc" -eq 2
model fifo
rm "$tmp/fifo/model.safetensors"
mkfifo "$tmp/fifo/model.safetensors"
run dump -m "$tmp/fifo" x
check "#22.5 a FIFO as model.safetensors exits 2 at once" test "$rc" -eq 2
check "#22.5 a FIFO as model.safetensors is named" has err 'model.safetensors: is a pipe'
mkfifo "$tmp/corpus.fifo"
timeout 60 cat "$CORPUS" >"$tmp/corpus.fifo" &
run calibrate -m "$FIX" -r 0 -o "$tmp/piped.calib" "$tmp/corpus.fifo"
check "#22.5 a pipe still works as a corpus" test "$rc" -eq 0

# ---- #22.6: NaN, Inf and overflow are never silent ----
for p in nan inf; do
	$MKMODEL "$FIX" "$tmp/$p" --poison $p || exit 1
	run dump -m "$tmp/$p" "the [MASK]"
	check "#22.6 $p weights: dump exits 2" test "$rc" -eq 2
	check "#22.6 $p weights: the tensor is named" has err 'query.weight holds a NaN or infinite'
done
$MKMODEL "$FIX" "$tmp/huge" --poison huge || exit 1
run dump -m "$tmp/huge" "the [MASK]"
check "#22.6 overflowing forward: dump exits 2" test "$rc" -eq 2
check "#22.6 overflowing forward: a warning names the layer" has err 'layer 1 head 1: the attention is not finite'
check "#22.6 overflowing forward: JSON still parses, null marks values" \
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["sentences"][0]["attention"][0]["weights"][0][0] is None' "$tmp/out"
printf '2 1002 4 3\t2:2797\n' >"$tmp/ex.txt"
run eval -m "$tmp/huge" "$tmp/ex.txt"
check "#22.6 overflowing forward: eval exits 2" test "$rc" -eq 2
run calibrate -m "$tmp/huge" -r 0 -o "$tmp/huge.calib" "$CORPUS"
check "#22.6 overflowing forward: calibrate exits 2" test "$rc" -eq 2
check "#22.6 overflowing forward: no calibration written" test ! -e "$tmp/huge.calib"

# ---- #22.8: malformed selectors are errors quoting the item ----
for spec in L1H0=uniform L1H00=uniform L1H=uniform; do
	run dump -m "$FIX" -M "$spec" x
	check "#22.8 $spec exits 1" test "$rc" -eq 1
	check "#22.8 $spec is quoted" has err "'$spec'"
done
printf 'input\nL1H00=uniform\n' >"$tmp/preset"
run dump -m "$FIX" -M "$tmp/preset" x
check "#22.8 a bad preset line exits 1" test "$rc" -eq 1
check "#22.8 a bad preset line is named FILE:LINE" has err "preset:2: 'L1H00=uniform'"

# ---- #22.9: unwritable stdout, a folder on stdin ----
"$HEED_BIN" calibrate -m "$FIX" -r 0 -o "$tmp/ok.calib" "$CORPUS" >/dev/null 2>&1
for c in "stats -m $FIX -c $tmp/ok.calib" "eval -m $FIX $tmp/ex.txt" \
    "bench -m $FIX --lengths 8 --runs 1 --warmup 0 --forward-only" \
    "calibrate -m $FIX -r 0 -o $tmp/full.calib $CORPUS" "dump -m $FIX x"; do
	# shellcheck disable=SC2086
	timeout 60 "$HEED_BIN" $c >/dev/full 2>"$tmp/err" </dev/null
	rc=$?
	check "#22.9 heed ${c%% *} > /dev/full exits 3" test "$rc" -eq 3
	check "#22.9 heed ${c%% *} > /dev/full says so" has err 'cannot write the output'
done
timeout 60 "$HEED_BIN" dump -m "$FIX" <"$tmp" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "#22.9 dump < FOLDER exits 2" test "$rc" -eq 2
check "#22.9 dump < FOLDER prints nothing" test ! -s "$tmp/out"

# ---- #22.12: eval ids are whole numbers below the vocabulary ----
for line in '2 4294967298 3	1:5' '2 5x 3	1:5' '2 999999 3	1:5' '2 1002 3	1:999999' \
    '2 1002 3	7:5'; do
	printf '%s\n' "$line" >"$tmp/bad.txt"
	run eval -m "$FIX" "$tmp/bad.txt"
	check "#22.12 eval '$line' exits 2" test "$rc" -eq 2
	check "#22.12 eval '$line' names FILE:LINE" has err "bad.txt:1: "
done

# ---- #22.14-16: outputs that are inputs, special files, fail fast ----
model outm
mkdir "$tmp/outm/sub"
sum_before=$(cat "$tmp/outm/model.safetensors" "$tmp/outm/vocab.txt" "$CORPUS" | cksum)
cp "$CORPUS" "$tmp/corpus.txt"
for o in "$tmp/corpus.txt" "$tmp/outm/model.safetensors" "$tmp/outm/sub/../vocab.txt" \
    "$tmp/outm/config.json"; do
	run calibrate -m "$tmp/outm" -r 0 -o "$o" "$tmp/corpus.txt"
	check "#22.14 -o $(basename "$o") (an input) exits 1" test "$rc" -eq 1
done
check "#22.14 the inputs are untouched" \
    test "$(cat "$tmp/outm/model.safetensors" "$tmp/outm/vocab.txt" "$tmp/corpus.txt" | cksum)" = "$sum_before"
mkfifo "$tmp/out.fifo"
timeout 60 cat "$tmp/out.fifo" >"$tmp/from.fifo" &
reader=$!
run calibrate -m "$FIX" -r 0 -o "$tmp/out.fifo" "$CORPUS"
wait $reader
check "#22.15 -o FIFO exits 0" test "$rc" -eq 0
check "#22.15 -o FIFO stays a FIFO" test -p "$tmp/out.fifo"
check "#22.15 -o FIFO: the reader got the file" test -s "$tmp/from.fifo"
run calibrate -m "$FIX" -r 0 -o /dev/null "$CORPUS"
check "#22.15 -o /dev/null exits 0" test "$rc" -eq 0
check "#22.15 /dev/null is still a device" test -c /dev/null
run calibrate -m "$FIX" -r 0 -o "$tmp/a.calib" "$CORPUS"
cp "$tmp/a.calib" "$tmp/b.calib"
mkdir -p "$tmp/sub"
sum_before=$(cat "$tmp/a.calib" "$tmp/b.calib" | cksum)
run calibrate --merge -o "$tmp/sub/../b.calib" "$tmp/a.calib" "$tmp/b.calib"
check "#22.14 --merge -o one of its inputs exits 1" test "$rc" -eq 1
check "#22.14 --merge -o one of its inputs: says so" has err 'b.calib: is the input'
check "#22.14 --merge: the inputs are untouched" \
    test "$(cat "$tmp/a.calib" "$tmp/b.calib" | cksum)" = "$sum_before"
run calibrate --merge -o "$tmp/no/such/dir/m.calib" "$tmp/a.calib" "$tmp/b.calib"
check "#22.16 --merge: an unwritable -o exits 3" test "$rc" -eq 3
run calibrate -m "$FIX" -o "$tmp/no/such/dir/x.calib" "$tmp/no-such-corpus.txt"
check "#22.16 an unwritable -o fails before the corpus is read" has err 'no/such/dir/x.calib: cannot write there'
check "#22.16 an unwritable -o exits 3" test "$rc" -eq 3

# ---- #22.17: control bytes never reach the terminal raw ----
esc=$(printf '\033]0;pwned\007')
run dump -m "$FIX" -M "L1=${esc}" x
check "#22.17 ESC in a mode spec: not echoed raw" no_esc err
run dump -m "$tmp/${esc}model" x
check "#22.17 ESC in a model path: not echoed raw" no_esc err
check "#22.17 ESC in a model path: one line" one_line
run dump -m "$FIX" -f tsv -l 1 -H 1 "a${esc}b	c"
check "#22.17 ESC in a sentence: escaped in TSV" no_esc out
check "#22.17 a tab in a sentence: escaped in TSV" has out '^sentence	1	[0-9]*	[0-9]*	a\\x1B.*\\tc$'
printf 'L1=uniform\nL2=%s\n' "$esc" >"$tmp/preset"
run dump -m "$FIX" -M "$tmp/preset" x
check "#22.17 ESC in a preset line: not echoed raw" no_esc err

# ---- #22.19: messages in the user's terms ----
ln -s loop-b "$tmp/loop-a"
ln -s loop-a "$tmp/loop-b"
run dump -m "$tmp/loop-a" x
check "#22.19 a symlink loop as -m is called one" has err 'link loop'
model loopv
rm "$tmp/loopv/vocab.txt"
ln -s vocab.txt "$tmp/loopv/vocab.txt"
run dump -m "$tmp/loopv" x
check "#22.19 a symlink loop as vocab.txt is called one" has err 'vocab.txt: too many symbolic links'
model mt
sed 's/"model_type": "bert"/"model_type": 7/' "$FIX/config.json" >"$tmp/mt/config.json"
run dump -m "$tmp/mt" x
check "#22.19 a numeric model_type says so" has err 'model_type is a number'
sed 's/"model_type": "bert"/"model_type": "gpt2"/' "$FIX/config.json" >"$tmp/mt/config.json"
run dump -m "$tmp/mt" x
check "#22.19 an unknown model_type is named" has err 'model_type "gpt2" is not supported'

$MKMODEL "$FIX" "$tmp/i32" --dtype-i32 || exit 1
run dump -m "$tmp/i32" x
check "#22.19 an I32 weight tensor is called one" has err 'word_embeddings.weight has dtype I32'
# a tensor whose offsets are reversed, one whose dtype is a number
python3 - "$FIX/model.safetensors" "$tmp" <<'PY' || exit 1
import json, os, shutil, struct, sys
src, tmp = sys.argv[1], sys.argv[2]
b = open(src, "rb").read()
n = struct.unpack("<Q", b[:8])[0]
for name, key, fix in (("rev", "data_offsets", lambda v: v[::-1]), ("numdt", "dtype", lambda v: 7)):
    h = json.loads(b[8:8 + n])
    t = h["bert.embeddings.LayerNorm.bias"]
    t[key] = fix(t[key])
    hb = json.dumps(h).encode()
    hb += b" " * (-len(hb) % 8)
    d = os.path.join(tmp, name)
    shutil.copytree(os.path.dirname(src), d)
    open(os.path.join(d, "model.safetensors"), "wb").write(struct.pack("<Q", len(hb)) + hb + b[8 + n:])
PY
run dump -m "$tmp/rev" x
check "#22.19 reversed offsets are called that" has err 'end before they begin'
run dump -m "$tmp/numdt" x
check "#22.19 a numeric dtype is called that" has err '"dtype" is a number'

# ---- #22.18: a vocabulary without [CLS]/[SEP] fails before any output ----
model nocls
grep -v '^\[CLS\]$' "$FIX/vocab.txt" >"$tmp/nocls/vocab.txt"
echo "[unused-cls]" >>"$tmp/nocls/vocab.txt"
run dump -m "$tmp/nocls" x
check "#22.18 a vocabulary without [CLS] exits 2" test "$rc" -eq 2
check "#22.18 a vocabulary without [CLS] fails before any output" test ! -s "$tmp/out"
check "#22.18 a vocabulary without [CLS] is named" has err 'vocab.txt: vocabulary has no \[CLS\]'

finish
