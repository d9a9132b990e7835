#!/bin/sh
# fault_test.sh — every heed command run out of memory, two ways, must end
# cleanly: its normal result, or exit 3 with "heed: out of memory" on
# stderr; never a signal, a hang (each run has a time limit), another exit
# status, or a temporary file left behind.
#
#  1. under `ulimit -v` at a sweep of limits, from the least the dynamic
#     loader needs to more than the command uses;
#  2. under tests/robust/failmalloc.c (LD_PRELOAD): malloc, calloc and
#     realloc fail from the Nth call made in main on, for N swept from 0
#     to past the number of calls the command makes.
#
# A command added to `heed --help` without a line below fails the test.
#
# Both are skipped under the sanitizers (ASan reserves terabytes of address
# space and brings its own malloc).
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
MODEL=$FIXTURES/enc/bert-f32
CORPUS=$FIXTURES/calib/corpus.txt

if ! (ulimit -v 2000000 && "$HEED_BIN" --version) >/dev/null 2>&1; then
	echo "SKIP: ulimit -v unusable (sanitizer build?)"
	exit 77
fi
CC=${CC:-cc}
if ! $CC -shared -fPIC -O2 -o "$tmp/failmalloc.so" "$HEED_SRCDIR/tests/robust/failmalloc.c" \
    -ldl 2>"$tmp/cc.err"; then
	echo "SKIP: cannot build the failing-malloc shim: $(head -1 "$tmp/cc.err")"
	exit 77
fi

# What each command reads and writes.
printf '2 1002 2797 4 3\t3:2003\n' >"$tmp/ex.txt"
OPENBLAS_NUM_THREADS=1 "$HEED_BIN" calibrate -m "$MODEL" -r 2 -e 1 -o "$tmp/base.calib" \
    "$CORPUS" >/dev/null 2>&1 || { echo "Bail out! setup calibrate failed"; exit 1; }

# name|normal exit status|arguments (split on spaces)
cat >"$tmp/commands" <<EOF
dump-json|0|dump -m $MODEL The cat sat on the [MASK] .
dump-tsv|0|dump -m $MODEL -f tsv -M L1=uniform The cat sat .
eval|0|eval -m $MODEL $tmp/ex.txt
stats|0|stats -m $MODEL -c $tmp/base.calib -s -jsd
calibrate|0|calibrate -m $MODEL -r 2 -e 1 -o $tmp/out/new.calib $CORPUS
merge|0|calibrate --merge $tmp/base.calib $tmp/base.calib -o $tmp/out/merged.calib
bench|0|bench -m $MODEL --lengths 8 --runs 2 --warmup 1
info|0|info -m $MODEL
lesson|0|lesson -m $MODEL --print $HEED_SRCDIR/tests/fixtures/lesson/tiny.lesson
stats-sentence|0|stats -m $MODEL -M L1=uniform -s -prev The cat sat on the [MASK] .
tokenize|0|tokenize -m $MODEL $CORPUS
scan|0|scan -m $MODEL -c $tmp/base.calib -r average -n 2 -q -o $tmp/out/scan.json $CORPUS
export-svg|0|export -m $MODEL --view head:1,2 -o $tmp/out/fig.svg The cat sat .
export-ansi|0|export -m $MODEL --view grid -f ansi -o $tmp/out/fig.ans The cat [MASK] .
explorer|1|-m $MODEL The cat sat .
EOF

# verdict NAME NORMAL HOW: judge the last run ($rc, $tmp/err, $tmp/out/)
verdict() {
	why=
	if [ "$rc" -eq "$2" ]; then
		:
	elif [ "$rc" -eq 3 ]; then
		grep -q '^heed: .*out of memory' "$tmp/err" || why="exit 3 without 'out of memory'"
	else
		why="exit $rc"
	fi
	if ls "$tmp/out" | grep -q '\.tmp\.'; then
		why="${why:+$why, }temporary file left"
	fi
	if [ -z "$why" ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "not ok $((passed + failed)) - $1 $3: $why"
		head -3 "$tmp/err" | sed 's/^/# /'
	fi
}

# fault_run ENV... -- ARGS: one run of heed, stdin not a terminal
fault_run() {
	rm -rf "$tmp/out"
	mkdir "$tmp/out"
	# shellcheck disable=SC2086
	env OPENBLAS_NUM_THREADS=1 "$@" </dev/null >/dev/null 2>"$tmp/err"
	rc=$?
}

for c in $("$HEED_BIN" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p'); do
	[ "$c" = tui ] && c=explorer
	grep -q "^$c|" "$tmp/commands" ||
	    grep -q "^$c-" "$tmp/commands" || { echo "Bail out! no fault run for heed $c"; exit 1; }
done

while IFS='|' read -r name normal args; do
	# 1. address-space limits (KiB); below ~50 MB the loader itself fails
	for limit in 60000 80000 100000 120000 140000 160000 180000 200000 250000 300000 \
	    400000 600000; do
		rm -rf "$tmp/out"
		mkdir "$tmp/out"
		# shellcheck disable=SC2086
		(ulimit -v $limit; exec timeout 60 "$HEED_BIN" $args) </dev/null >/dev/null 2>"$tmp/err"
		rc=$?
		verdict "$name" "$normal" "ulimit -v $limit"
	done
	# 2. malloc failing from call N on: count the calls, then sweep
	# shellcheck disable=SC2086
	fault_run FAILMALLOC_COUNT=1 LD_PRELOAD="$tmp/failmalloc.so" timeout 60 "$HEED_BIN" $args
	total=$(tail -1 "$tmp/err")
	case $total in
	''|*[!0-9]*) echo "Bail out! $name: no call count ($total)"; exit 1 ;;
	esac
	n=0
	while [ "$n" -le "$total" ]; do
		# shellcheck disable=SC2086
		fault_run FAILMALLOC_AFTER=$n LD_PRELOAD="$tmp/failmalloc.so" timeout 60 "$HEED_BIN" $args
		verdict "$name" "$normal" "malloc failing from call $n of $total"
		# every call near the start, then ever wider steps, and the last
		if [ "$n" -lt 16 ]; then n=$((n + 1)); else n=$((n + n / 4)); fi
		[ "$n" -gt "$total" ] && [ "$n" -lt $((total + total / 4 + 1)) ] && n=$total
		[ "$n" -eq "$total" ] && [ "${last:-}" = "$name" ] && break
		[ "$n" -eq "$total" ] && last=$name
	done
	echo "# $name: $total allocations in main"
done <"$tmp/commands"

finish
