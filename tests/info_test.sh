#!/bin/sh
# info_test.sh — `heed info` on fixtures of each weights layout and family:
# what it prints about shape, files, format, dtype, heads and calibration,
# and the documented exit codes for a folder it cannot read and bad usage.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

FIX="$FIXTURES"

# has_line FILE LINE: the output holds LINE exactly (label and value)
has_line() { check "$(basename "$1"): $2" grep -qxF -- "$2" "$1"; }

"$HEED_BIN" info -m "$FIX/bin/zip-sharded" >"$tmp/zip"
check_last "info zip-sharded exits 0"
has_line "$tmp/zip" "family       BERT"
has_line "$tmp/zip" "shape        2 layers x 2 heads, hidden 16 (head size 8), FFN 32"
has_line "$tmp/zip" "vocabulary   104"
has_line "$tmp/zip" "weights      F32 PyTorch zip, $FIX/bin/zip-sharded/pytorch_model.bin.index.json (2 shards)"
has_line "$tmp/zip" "MLM head     yes, decoder tied to the word embeddings"
has_line "$tmp/zip" "calibration  none ($FIX/bin/zip-sharded/heed.calib; heed calibrate makes it)"
grep -q "^tokenizer    WordPiece, .*vocab.txt (104 ids, mask \[MASK\])$" "$tmp/zip"
check_last "zip: the tokenizer line"

"$HEED_BIN" info -m "$FIX/bin/legacy-bf16" >"$tmp/legacy"
check_last "info legacy exits 0"
has_line "$tmp/legacy" "weights      BF16 PyTorch legacy, $FIX/bin/legacy-bf16/pytorch_model.bin"

"$HEED_BIN" info -m "$FIX/enc/bert-nohead-f32" >"$tmp/nohead"
check_last "info nohead exits 0"
has_line "$tmp/nohead" "MLM head     no (attention only; no predictions)"
"$HEED_BIN" info -m "$FIX/enc/albert-f32" >"$tmp/albert"
check_last "info albert exits 0"
has_line "$tmp/albert" "family       ALBERT"
grep -q "^embeddings   [0-9]*, projected to [0-9]*$" "$tmp/albert"
check_last "albert: embeddings projected"

# the bundled model and its calibration
"$HEED_BIN" info >"$tmp/mini"
check_last "info heed-mini exits 0"
grep -q "^calibration  .*heed.calib: belongs to this model ([0-9]* sentences" "$tmp/mini"
check_last "heed-mini: its calibration belongs to it"

# a calibration of another model beside these weights
mkdir "$tmp/mis"
cp "$FIX/bin/st/"* "$tmp/mis/"
cp "$HEED_SRCDIR/assets/models/heed-mini/heed.calib" "$tmp/mis/"
"$HEED_BIN" info -m "$tmp/mis" >"$tmp/mis.out"
check_last "info with a foreign calib exits 0"
grep -q "^calibration  present but not usable: .*heed.calib" "$tmp/mis.out"
check_last "another model's calibration: present but not usable"

# weights heed does not read: exit 2, one line saying what it reads instead
mkdir "$tmp/tf"
cp "$FIX/bin/st/config.json" "$FIX/bin/st/vocab.txt" "$tmp/tf/"
: >"$tmp/tf/tf_model.h5"
run info -m "$tmp/tf"
check "tf-only folder exits 2" test "$rc" -eq 2
check "tf-only folder: one line" test "$(wc -l <"$tmp/err")" -eq 1
check "tf-only folder: says what heed reads instead" has err \
	"tf_model.h5: TensorFlow weights; heed reads model.safetensors or pytorch_model.bin"

run info extra
check "an unexpected argument exits 1" test "$rc" -eq 1
"$HEED_BIN" info --help | grep -q "^Usage: heed info"
check_last "info --help prints the usage"
finish
