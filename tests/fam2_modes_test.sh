#!/bin/sh
# fam2_modes_test.sh — calibration and every head mode on the ModernBERT and
# DeBERTa fixtures, through the commands: `heed calibrate` writes a file
# for each, `heed stats` reads it, and `heed dump` under average, dense,
# random and uniform gives rows that sum to 1; in ModernBERT's local layers
# (2 and 3, ±4 tokens) every mode is exactly 0 outside the window and
# uniform is 1 over the window's keys; a preset file round-trips; a
# calibration is the same file whatever its batches.  DeBERTa-v3's
# predictions are transformers' by default and its enhanced mask decoder's
# with --mlm-head emd, each the reference's top-5 (dump, eval, export); a
# checkpoint without that decoder or an unknown head name is refused.
# An input whose n x n matrices would not fit in memory (ModernBERT allows
# 8192 tokens) is refused before any allocation, naming the memory and
# --max-tokens, which cuts it.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

FIX="$FIXTURES/enc"
CORPUS="$FIXTURES/calib/corpus.txt"


SENT="one two three four five six seven eight nine ten eleven twelve [MASK] ."
for m in modernbert-f32 deberta3-bf16 deberta2-f16; do
	"$HEED_BIN" calibrate -m "$FIX/$m" -o "$tmp/$m.calib" "$CORPUS" >"$tmp/$m.log" 2>&1
	check_last "$m: calibrate exits 0"
	# their sentences share batches: one a batch on 3 threads, same file
	"$HEED_BIN" calibrate -q -m "$FIX/$m" -o "$tmp/$m.1.calib" --batch-tokens 1 --threads 3 \
	    "$CORPUS" >/dev/null 2>&1
	cmp -s "$tmp/$m.calib" "$tmp/$m.1.calib"
	check_last "$m: calibration does not depend on the batch size"
	"$HEED_BIN" stats -m "$FIX/$m" -c "$tmp/$m.calib" >"$tmp/$m.stats"
	check_last "$m: stats exits 0"
	for spec in all=average all=dense all=random all=uniform "L1=average,L2H1=dense,L3=uniform"; do
		"$HEED_BIN" dump -m "$FIX/$m" -c "$tmp/$m.calib" -M "$spec" --format json "$SENT" \
		    >"$tmp/$m.json"
		check_last "$m $spec: dump exits 0"
		python3 - "$tmp/$m.json" "$m" "$spec" <<'PY'
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
		check_last "$m $spec: rows, windows and modes"
	done
done

# a preset saved from a spec reads back the same modes
printf 'input\nL2=uniform\nL1H3=random\n' >"$tmp/preset"
"$HEED_BIN" dump -m "$FIX/modernbert-f32" -M "$tmp/preset" --format json "$SENT" >"$tmp/p.json"
check_last "preset: dump exits 0"
python3 - "$tmp/p.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["sentences"][0]
m = {(a["layer"], a["head"]): a["mode"] for a in s["attention"]}
assert all(m[(2, h)] == "uniform" for h in range(1, 5)), m
assert m[(1, 3)] == "random" and m[(1, 1)] == "input", m
PY
check_last "preset modes read back"

# the masked-LM head: transformers' by default, the enhanced mask decoder
# one option away; both against the reference (tools/reference/deberta_v2.py)
for dt in f32 bf16; do
	dir="$FIX/deberta3-$dt"
	S=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sentences"][1]["text"])' \
		"$FIX/deberta3-$dt.json")
	for head in default transformers emd; do
		if [ $head = default ]; then set --; else set -- --mlm-head $head; fi
		"$HEED_BIN" dump -m "$dir" "$@" "$S" >"$tmp/h.json" 2>"$tmp/err"
		check_last "deberta3-$dt --mlm-head $head: dump exits 0"
		python3 - "$tmp/h.json" "$FIX/deberta3-$dt.json" $head <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["sentences"][0]
g = next(x for x in json.load(open(sys.argv[2]))["sentences"] if x["text"] == s["text"])
want = g["mlm_emd" if sys.argv[3] == "emd" else "mlm"][0]
other = g["mlm" if sys.argv[3] == "emd" else "mlm_emd"][0]
(p,) = s["predictions"]
got = [t["id"] for t in p["top"]]
assert p["pos"] == want["pos"] and got[:len(want["ids"])] == want["ids"], (got, want)
assert all(abs(t["prob"] - w) < 1e-4 for t, w in zip(p["top"], want["probs"])), (p, want)
assert got[:len(other["ids"])] != other["ids"], "the two heads must differ here"
PY
		check_last "deberta3-$dt --mlm-head $head: top-5 and probabilities are the reference's"
	done
done
# eval and export take the option too; eval's loss differs between heads
ids=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["sentences"][1]; p=s["mlm"][0]["pos"]; print(" ".join(map(str, s["ids"])) + "\t%d:%d" % (p, s["mlm"][0]["ids"][0]))' \
	"$FIX/deberta3-f32.json")
printf '%s\n' "$ids" >"$tmp/ex.txt"
"$HEED_BIN" eval -m "$FIX/deberta3-f32" --format tsv "$tmp/ex.txt" >"$tmp/e1" 2>"$tmp/err"
check_last "eval: default head exits 0"
"$HEED_BIN" eval -m "$FIX/deberta3-f32" --format tsv --mlm-head emd "$tmp/ex.txt" >"$tmp/e2" 2>"$tmp/err"
check_last "eval --mlm-head emd exits 0"
check "eval: the two heads give different losses" sh -c '! cmp -s "$1" "$2"' _ "$tmp/e1" "$tmp/e2"
"$HEED_BIN" export -m "$FIX/deberta3-f32" --mlm-head emd --view output -f txt "$S" >"$tmp/x.txt" 2>"$tmp/err"
check_last "export --mlm-head emd exits 0"
run dump -m "$FIX/deberta2-f32" --mlm-head emd "the cat"
check "--mlm-head emd without a decoder exits 1" test "$rc" -eq 1
check "--mlm-head emd without a decoder: one line" test "$(wc -l <"$tmp/err")" -eq 1
check "--mlm-head emd without a decoder: says so" has err "deberta2-f32 has no enhanced mask decoder"
run dump -m "$FIX/deberta3-f32" --mlm-head bert "the cat"
check "an unknown head exits 1" test "$rc" -eq 1
check "an unknown head is named" has err "'bert' is neither transformers nor emd"

# an input too long for the memory: refused up front, exit 3, one line
# naming the memory needed and --max-tokens; with the cap it runs
if (ulimit -v 2000000 && "$HEED_BIN" --version) >/dev/null 2>&1; then
	mkdir -p "$tmp/mb8k"
	cp "$FIX/modernbert-f32/"* "$tmp/mb8k/"
	python3 - "$tmp/mb8k/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["max_position_embeddings"] = 8192
json.dump(c, open(sys.argv[1], "w"))
PY
	python3 -c "print(' '.join(['word'] * 6000))" >"$tmp/long.txt"
	rc=0
	(ulimit -v 1500000; timeout 60 "$HEED_BIN" dump -m "$tmp/mb8k" -l 1 -H 1 -f tsv \
	    <"$tmp/long.txt" >"$tmp/out" 2>"$tmp/err") || rc=$?
	check "6000 tokens in 1.5 GB: exit 3" test "$rc" -eq 3
	check "6000 tokens in 1.5 GB: one line" test "$(wc -l <"$tmp/err")" -eq 1
	check "6000 tokens in 1.5 GB: the memory it needs" has err "out of memory: 6003 tokens need 2.3 GB"
	check "6000 tokens in 1.5 GB: the cap option" has err "at most [0-9]* tokens fit: cut the input (heed dump --max-tokens N)"
	rc=0
	(ulimit -v 1500000; timeout 60 "$HEED_BIN" dump -m "$tmp/mb8k" -l 1 -H 1 -f tsv \
	    --max-tokens 500 <"$tmp/long.txt" >"$tmp/out" 2>"$tmp/err") || rc=$?
	check "--max-tokens 500: exit 0" test "$rc" -eq 0
	check "--max-tokens 500: 500 tokens" has out "^sentence	1	500	6003	"
	check "--max-tokens 500: says it cut" has err "6003 tokens, cut to the first 500"
else
	echo "# ulimit -v unusable here (sanitizer build?): the memory refusal is not tested"
fi
finish
