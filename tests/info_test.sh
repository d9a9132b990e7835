#!/bin/sh
# info_test.sh — `heed info` on fixtures of each weights layout and family:
# what it prints about shape, files, format, dtype, heads and calibration,
# and the documented exit codes for a folder it cannot read and bad usage.
set -eu

: "${HEED_BIN:=./heed}"
: "${HEED_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
FIX="$HEED_SRCDIR/tests/fixtures"
TMP="${TMPDIR:-/tmp}/heed-info-test.$$"
mkdir -p "$TMP"
trap 'rm -rf "$TMP"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }

# has FILE LINE: the output holds LINE exactly (label and value)
has() { grep -qxF -- "$2" "$1" || { cat "$1" >&2; fail "no line: $2"; }; }

"$HEED_BIN" info -m "$FIX/bin/zip-sharded" >"$TMP/zip" || fail "info zip-sharded exited $?"
has "$TMP/zip" "family       BERT"
has "$TMP/zip" "shape        2 layers x 2 heads, hidden 16 (head size 8), FFN 32"
has "$TMP/zip" "vocabulary   104"
has "$TMP/zip" "weights      F32 PyTorch zip, $FIX/bin/zip-sharded/pytorch_model.bin.index.json (2 shards)"
has "$TMP/zip" "MLM head     yes, decoder tied to the word embeddings"
has "$TMP/zip" "calibration  none ($FIX/bin/zip-sharded/heed.calib; heed calibrate makes it)"
grep -q "^tokenizer    WordPiece, .*vocab.txt (104 ids, mask \[MASK\])$" "$TMP/zip" || fail "tokenizer line"

"$HEED_BIN" info -m "$FIX/bin/legacy-bf16" >"$TMP/legacy" || fail "info legacy exited $?"
has "$TMP/legacy" "weights      BF16 PyTorch legacy, $FIX/bin/legacy-bf16/pytorch_model.bin"

"$HEED_BIN" info -m "$FIX/enc/bert-nohead-f32" >"$TMP/nohead" || fail "info nohead exited $?"
has "$TMP/nohead" "MLM head     no (attention only; no predictions)"
"$HEED_BIN" info -m "$FIX/enc/albert-f32" >"$TMP/albert" || fail "info albert exited $?"
has "$TMP/albert" "family       ALBERT"
grep -q "^embeddings   [0-9]*, projected to [0-9]*$" "$TMP/albert" || fail "albert embeddings"

# the bundled model and its calibration
"$HEED_BIN" info >"$TMP/mini" || fail "info heed-mini exited $?"
grep -q "^calibration  .*heed.calib: belongs to this model ([0-9]* sentences" "$TMP/mini" ||
	{ cat "$TMP/mini" >&2; fail "heed-mini calibration"; }

# a calibration of another model beside these weights
mkdir "$TMP/mis"
cp "$FIX/bin/st/"* "$TMP/mis/"
cp "$HEED_SRCDIR/assets/models/heed-mini/heed.calib" "$TMP/mis/"
"$HEED_BIN" info -m "$TMP/mis" >"$TMP/mis.out" || fail "info with a foreign calib exited $?"
grep -q "^calibration  present but not usable: .*heed.calib" "$TMP/mis.out" ||
	{ cat "$TMP/mis.out" >&2; fail "mismatched calibration"; }

# weights heed does not read: exit 2, one line saying what it reads instead
mkdir "$TMP/tf"
cp "$FIX/bin/st/config.json" "$FIX/bin/st/vocab.txt" "$TMP/tf/"
: >"$TMP/tf/tf_model.h5"
rc=0
"$HEED_BIN" info -m "$TMP/tf" >"$TMP/out" 2>"$TMP/err" || rc=$?
[ "$rc" -eq 2 ] || fail "tf-only folder: exit $rc, want 2"
[ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "tf-only folder: $(cat "$TMP/err")"
grep -q "tf_model.h5: TensorFlow weights; heed reads model.safetensors or pytorch_model.bin" \
	"$TMP/err" || fail "tf-only message: $(cat "$TMP/err")"

rc=0
"$HEED_BIN" info extra >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "unexpected argument: exit $rc, want 1"
"$HEED_BIN" info --help | grep -q "^Usage: heed info" || fail "--help"
exit 0
