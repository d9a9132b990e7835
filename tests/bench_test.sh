#!/bin/sh
# bench_test.sh — `heed bench` on the tiny BERT fixture: the TSV holds every
# metric for every length with sane values, GFLOP/s follows the documented
# FLOP count, --samples gives one row per timed run, the text report prints,
# and bad arguments give the documented exit codes.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

MODEL="$FIXTURES/enc/bert-f32"   # 3 layers, 32 hidden, ffn 64, 128 positions

"$HEED_BIN" bench -m "$MODEL" --lengths 5,40 --runs 4 --warmup 1 --threads 1 \
    --format tsv --samples >"$tmp/b.tsv"
check_last "bench exits 0"

head -n 1 "$tmp/b.tsv" | grep -qx "$(printf 'metric\tmodel\tlength\tstat\tvalue')"
check_last "tsv header"
awk -F'\t' '
	NR == 1 { next }
	NF != 5 { print "bad row: " $0; bad = 1 }
	$5 + 0 <= 0 && $1 != "tokenize" { print "not positive: " $0; bad = 1 }
	{ v[$1 "/" $3 "/" $4] = $5 + 0; if ($4 == "sample_ms") n[$3]++ }
	END {
		split("load/-/ms startup/-/ms vocab/-/ms peak_rss/-/mb threads/-/count", once, " ")
		for (k in once) if (!(once[k] in v)) { print "missing " once[k]; bad = 1 }
		if (v["threads/-/count"] != 1) { print "threads"; bad = 1 }
		split("5 40", lens, " ")
		for (i in lens) {
			L = lens[i]
			split("forward tokenize keystroke toggle_first toggle_middle toggle_last", m, " ")
			for (j in m) {
				if (!((m[j] "/" L "/median_ms") in v) || !((m[j] "/" L "/p95_ms") in v)) {
					print "missing " m[j] " " L; bad = 1
				} else if (v[m[j] "/" L "/median_ms"] > v[m[j] "/" L "/p95_ms"]) {
					print "median over p95: " m[j] " " L; bad = 1
				}
			}
			med = v["forward/" L "/median_ms"]
			# 2n(4h^2 + 2h ffn)L + 4n^2 h L with h 32, ffn 64, 3 layers
			fl = 2 * L * (4 * 32 * 32 + 2 * 32 * 64) * 3 + 4 * L * L * 32 * 3
			g = fl / med / 1e6
			if (v["forward/" L "/gflops"] < 0.999 * g || v["forward/" L "/gflops"] > 1.001 * g) {
				print "gflops " L ": " v["forward/" L "/gflops"] " want " g; bad = 1
			}
			tps = L * 1000 / med
			if (v["forward/" L "/tokens_per_s"] < 0.999 * tps || v["forward/" L "/tokens_per_s"] > 1.001 * tps) {
				print "tokens/s " L; bad = 1
			}
			if (n[L] != 4) { print "samples " L ": " n[L]; bad = 1 }
		}
		exit bad
	}' "$tmp/b.tsv"
check_last "tsv content"

"$HEED_BIN" bench -m "$MODEL" --lengths 8 --runs 2 --warmup 0 >"$tmp/b.txt"
check_last "text exits 0"
grep -q 'tokens/s' "$tmp/b.txt" && grep -q 'peak RSS' "$tmp/b.txt" &&
	grep -q '3 layers, 32 hidden, 4 heads' "$tmp/b.txt"
check_last "text report"

"$HEED_BIN" bench -m "$MODEL" --lengths 8 --runs 2 --format tsv --forward-only >"$tmp/f.tsv"
check_last "forward-only exits 0"
grep -q '^forward' "$tmp/f.tsv" && ! grep -q '^toggle' "$tmp/f.tsv"
check_last "forward-only rows"

# OpenBLAS's kernels: a core the user names is kept and reported.
core_line() {
	"$HEED_BIN" bench -m "$MODEL" --lengths 8 --runs 1 --warmup 0 --forward-only | head -n 1
}
OPENBLAS_CORETYPE=Haswell core_line | grep -q 'OpenBLAS Haswell,'
check_last "OPENBLAS_CORETYPE=Haswell is kept"

# The linear layers' kernel (src/linear/): the one this CPU runs is named,
# and HEED_LINEAR_KERNEL=portable forces the C one, which keeps F32 weights.
core_line | grep -Eq "weights in heed's (avx512|avx2|portable) kernel"
check_last "bench names the linear kernel"
HEED_LINEAR_KERNEL=portable core_line | grep -q "F32 weights in heed's portable kernel"
check_last "HEED_LINEAR_KERNEL=portable is obeyed"
HEED_LINEAR_KERNEL=avx2 core_line | grep -Eq "weights in heed's (avx2|portable) kernel"
check_last "HEED_LINEAR_KERNEL=avx2 is obeyed"

expect_exit() {
	want=$1; shift
	run bench "$@"
	check "bench $* exits $want" test "$rc" -eq "$want"
}
expect_exit 1 -m "$MODEL" --lengths 2
expect_exit 1 -m "$MODEL" --lengths 8,x
expect_exit 1 -m "$MODEL" --format xml
expect_exit 1 -m "$MODEL" --runs 0
expect_exit 1 -m "$MODEL" --lengths 200        # over the fixture's 128 positions
expect_exit 1 -m "$MODEL" extra-argument
expect_exit 2 -m "$tmp/no-such-model"
finish
