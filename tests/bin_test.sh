#!/bin/sh
# bin_test.sh — one tiny checkpoint saved in every layout heed reads
# (tools/fixtures/make_bin_fixtures.py: safetensors, torch.save's zip and
# legacy formats, both sharded) gives byte-identical `heed dump` output;
# each hostile pytorch_model.bin is refused with exit 2, one line naming
# the file, and nothing left behind.
set -eu

: "${HEED_BIN:=./heed}"
: "${HEED_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
FIX="$HEED_SRCDIR/tests/fixtures/bin"
TMP="${TMPDIR:-/tmp}/heed-bin-test.$$"
mkdir -p "$TMP"
trap 'rm -rf "$TMP"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }

# The folder name is the model's display name: copy each to the same name.
dump() {
	rm -rf "$TMP/model"
	mkdir "$TMP/model"
	cp "$FIX/$1"/* "$TMP/model/"
	printf 'the cat sat on the [MASK] .\nparis is the capital of france .\n' |
		"$HEED_BIN" dump -m "$TMP/model" --format json --top-k 3 >"$TMP/$1.json" ||
		fail "dump of $1 exited $?"
}

for group in "st zip legacy st-sharded zip-sharded" "st-f16 zip-f16" "st-bf16 legacy-bf16"; do
	ref=
	for d in $group; do
		dump "$d"
		if [ -z "$ref" ]; then
			ref=$d
		elif ! cmp -s "$TMP/$ref.json" "$TMP/$d.json"; then
			fail "dump of $d differs from $ref"
		fi
	done
done
# and the dumps are not trivially equal: the F16 copy rounds differently
cmp -s "$TMP/st.json" "$TMP/st-f16.json" && fail "F32 and F16 dumps are identical"

for f in "$FIX"/hostile/*.bin; do
	name=$(basename "$f")
	rm -rf "$TMP/h"
	mkdir "$TMP/h"
	cp "$FIX/st/config.json" "$FIX/st/vocab.txt" "$TMP/h/"
	cp "$f" "$TMP/h/pytorch_model.bin"
	before=$(ls -a "$TMP/h" | tr '\n' ' ')
	rc=0
	(cd "$TMP/h" && "$HEED_BIN" dump -m . "a b" >"$TMP/out" 2>"$TMP/err") || rc=$?
	[ "$rc" -eq 2 ] || fail "$name: exit $rc, want 2"
	[ -s "$TMP/out" ] && fail "$name: wrote to stdout"
	[ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "$name: stderr is not one line: $(cat "$TMP/err")"
	grep -q '^heed: \./pytorch_model.bin: ' "$TMP/err" || fail "$name: $(cat "$TMP/err")"
	[ "$(ls -a "$TMP/h" | tr '\n' ' ')" = "$before" ] || fail "$name: left files behind"
done
exit 0
