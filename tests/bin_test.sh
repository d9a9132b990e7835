#!/bin/sh
# bin_test.sh — one tiny checkpoint saved in every layout heed reads
# (tools/fixtures/make_bin_fixtures.py: safetensors, torch.save's zip and
# legacy formats, both sharded) gives byte-identical `heed dump` output;
# each hostile pytorch_model.bin is refused with exit 2, one line naming
# the file, and nothing left behind.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

FIX="$FIXTURES/bin"

# The folder name is the model's display name: copy each to the same name.
dump() {
	rm -rf "$tmp/model"
	mkdir "$tmp/model"
	cp "$FIX/$1"/* "$tmp/model/"
	printf 'the cat sat on the [MASK] .\nparis is the capital of france .\n' |
		"$HEED_BIN" dump -m "$tmp/model" --format json --top-k 3 >"$tmp/$1.json"
	check_last "dump of $1 exits 0"
}

for group in "st zip legacy st-sharded zip-sharded" "st-f16 zip-f16" "st-bf16 legacy-bf16"; do
	ref=
	for d in $group; do
		dump "$d"
		if [ -z "$ref" ]; then
			ref=$d
		else
			check "dump of $d equals $ref" cmp -s "$tmp/$ref.json" "$tmp/$d.json"
		fi
	done
done
# and the dumps are not trivially equal: the F16 copy rounds differently
! cmp -s "$tmp/st.json" "$tmp/st-f16.json"
check_last "F32 and F16 dumps differ"

for f in "$FIX"/hostile/*.bin; do
	name=$(basename "$f")
	rm -rf "$tmp/h"
	mkdir "$tmp/h"
	cp "$FIX/st/config.json" "$FIX/st/vocab.txt" "$tmp/h/"
	cp "$f" "$tmp/h/pytorch_model.bin"
	before=$(ls -a "$tmp/h" | tr '\n' ' ')
	rc=0
	(cd "$tmp/h" && "$HEED_BIN" dump -m . "a b" >"$tmp/out" 2>"$tmp/err") || rc=$?
	check "$name: exits 2" test "$rc" -eq 2
	check "$name: nothing on stdout" empty out
	check "$name: one line on stderr" test "$(wc -l <"$tmp/err")" -eq 1
	check "$name: the line names the file" has err '^heed: \./pytorch_model.bin: '
	check "$name: no files left behind" test "$(ls -a "$tmp/h" | tr '\n' ' ')" = "$before"
done
finish
