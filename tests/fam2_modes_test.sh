#!/bin/sh
# fam2_modes_test.sh — calibration and every head mode on the ModernBERT and
# DeBERTa fixtures, through the commands: `heed calibrate` writes a file
# for each, `heed stats` reads it, and `heed dump` under average, dense,
# random and uniform gives rows that sum to 1; in ModernBERT's local layers
# (2 and 3, ±4 tokens) every mode is exactly 0 outside the window and
# uniform is 1 over the window's keys; a preset file round-trips.
set -eu

: "${HEED_BIN:=./heed}"
: "${HEED_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
FIX="$HEED_SRCDIR/tests/fixtures/enc"
CORPUS="$HEED_SRCDIR/tests/fixtures/calib/corpus.txt"
TMP="${TMPDIR:-/tmp}/heed-fam2-test.$$"
mkdir -p "$TMP"
trap 'rm -rf "$TMP"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }

SENT="one two three four five six seven eight nine ten eleven twelve [MASK] ."
for m in modernbert-f32 deberta3-bf16 deberta2-f16; do
	"$HEED_BIN" calibrate -m "$FIX/$m" -o "$TMP/$m.calib" "$CORPUS" >"$TMP/$m.log" 2>&1 ||
		fail "$m: calibrate exited $?: $(cat "$TMP/$m.log")"
	"$HEED_BIN" stats -m "$FIX/$m" -c "$TMP/$m.calib" >"$TMP/$m.stats" ||
		fail "$m: stats exited $?"
	for spec in all=average all=dense all=random all=uniform "L1=average,L2H1=dense,L3=uniform"; do
		"$HEED_BIN" dump -m "$FIX/$m" -c "$TMP/$m.calib" -M "$spec" --format json "$SENT" \
		    >"$TMP/$m.json" || fail "$m $spec: dump exited $?"
		python3 - "$TMP/$m.json" "$m" "$spec" <<'PY' || fail "$m $spec: attention"
import json, sys
d = json.load(open(sys.argv[1]))
name, spec = sys.argv[2], sys.argv[3]
s = d["sentences"][0]
n = len(s["tokens"])
for a in s["attention"]:
    w = a["weights"]
    local = name.startswith("modernbert") and a["layer"] in (2, 3)
    for i, row in enumerate(w):
        assert abs(sum(row) - 1) < 1e-4, (a["layer"], a["head"], i, sum(row))
        for j, v in enumerate(row):
            if local and abs(i - j) > 4:
                assert v == 0, (a["layer"], a["head"], i, j, v)
        if a["mode"] == "uniform":
            k = sum(1 for j in range(n) if not local or abs(i - j) <= 4)
            assert all(abs(v - 1 / k) < 1e-6 for j, v in enumerate(row)
                       if not local or abs(i - j) <= 4), (i, row)
modes = {a["mode"] for a in s["attention"]}
want = {"all=average": {"average"}, "all=dense": {"dense"}, "all=random": {"random"},
        "all=uniform": {"uniform"}}.get(spec, {"average", "dense", "uniform", "input"})
assert modes == want, (modes, want)
assert s["predictions"] and len(s["predictions"][0]["top"]) == 5
PY
	done
done

# a preset saved from a spec reads back the same modes
printf 'input\nL2=uniform\nL1H3=random\n' >"$TMP/preset"
"$HEED_BIN" dump -m "$FIX/modernbert-f32" -M "$TMP/preset" --format json "$SENT" >"$TMP/p.json" ||
	fail "preset: dump exited $?"
python3 - "$TMP/p.json" <<'PY' || fail "preset modes"
import json, sys
s = json.load(open(sys.argv[1]))["sentences"][0]
m = {(a["layer"], a["head"]): a["mode"] for a in s["attention"]}
assert all(m[(2, h)] == "uniform" for h in range(1, 5)), m
assert m[(1, 3)] == "random" and m[(1, 1)] == "input", m
PY
echo "fam2 modes: ok"
