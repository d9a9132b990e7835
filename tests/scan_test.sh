#!/bin/sh
# scan_test.sh — `heed scan`: per-head importance against the float64
# reference (tools/reference/make_scan_fixtures.py), the head that is
# uniform already scoring zero under uniform replacement, reproducibility
# from the seed, shards merged into exactly the single run (two rounds,
# the second with --ranking), --max-loss's preset, modes skipped without a
# calibration, and bad input.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

MODEL="$FIXTURES/imp/bert-uhead"
REF="$FIXTURES/scan/uhead.json"
CORPUS="$FIXTURES/calib/corpus.txt"
MORE="$FIXTURES/calib/more.txt"

# ---- against the reference: one sentence, every head, every mode ----------
python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["text"])' "$REF" >"$tmp/one.txt"
run scan -q -m "$MODEL" -t 1 -s 7 "$tmp/one.txt"
check "scan of one sentence exits 0" test "$rc" -eq 0
cp "$tmp/out" "$tmp/one.json"
run scan -q -m "$MODEL" -t 1 -s 7 --partial -o "$tmp/one.part" "$tmp/one.txt"
check "--partial exits 0" test "$rc" -eq 0
python3 - "$REF" "$tmp/one.json" "$tmp/one.part" <<'PY'
import json, sys
ref, got, part = (json.load(open(p)) for p in sys.argv[1:4])
s = part["sentences"][0]
assert s["masks"] == ref["masks"] and s["targets"] == ref["targets"], (s["masks"], ref["masks"])
assert [m["mode"] for m in got["modes"]] == ref["modes"]
worst = 0.0
for m in got["modes"]:
    for lh, h in enumerate(m["heads"]):
        for key in ("kl", "drop"):
            d = abs(h[key] - ref[key][m["mode"]][lh])
            worst = max(worst, d)
            assert d <= 1e-4, (m["mode"], lh, key, h[key], ref[key][m["mode"]][lh])
        assert h["kl_ci"] is None, "one sentence has no interval"
print("# worst difference from the reference: %.2e" % worst)
PY
check_last "kl and log-likelihood drop of every head and mode within 1e-4 of the reference"

# ---- a corpus: the uniform head, intervals, reproducibility ----------------
run scan -q -m "$MODEL" -t 1 "$CORPUS" "$MORE"
check "scan of a corpus exits 0" test "$rc" -eq 0
cp "$tmp/out" "$tmp/a.json"
python3 - "$tmp/a.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["sentences"] >= 10 and d["masks"] >= d["sentences"], d
uni = [m for m in d["modes"] if m["mode"] == "uniform"][0]
# layer 2, head 3 (1-based) has zero queries: uniform whatever the input
h = [x for x in uni["heads"] if (x["layer"], x["head"]) == (2, 3)][0]
assert abs(h["kl"]) <= 1e-9 and abs(h["drop"]) <= 1e-7, h
assert abs(h["kl_ci"]) <= 1e-9, h
others = [x["kl"] for x in uni["heads"] if x is not h]
assert min(others) > 1e-4, others
for m in d["modes"]:
    for x in m["heads"]:
        assert x["kl"] >= 0 and x["kl_ci"] >= 0 and x["drop_ci"] >= 0, x
    orders = [c["order"] for c in m["curves"]]
    assert orders == ["importance", "papa"], orders
    for c in m["curves"]:
        assert len(c["heads"]) == 12 and len(set(c["heads"])) == 12
        assert len(c["accuracy"]) == 13 and all(0 <= a <= 1 for a in c["accuracy"])
    imp = m["curves"][0]["heads"]
    kl = {"L%dH%d" % (x["layer"], x["head"]): x["kl"] for x in m["heads"]}
    assert all(kl[imp[i]] <= kl[imp[i + 1]] for i in range(11)), "importance order"
    # every curve starts from the same unreplaced model
    assert m["curves"][0]["accuracy"][0] == d["modes"][0]["curves"][0]["accuracy"][0]
if m["mode"] == "uniform":
    assert m["curves"][0]["heads"][0] == "L2H3"
PY
check_last "the uniform head scores zero under uniform replacement, the rest do not; curves well formed"
run scan -q -m "$MODEL" -t 1 "$CORPUS" "$MORE"
check "the same seed gives the same output" cmp -s "$tmp/out" "$tmp/a.json"
run scan -q -m "$MODEL" -t 1 --partial -o "$tmp/s1.part" "$CORPUS"
run scan -q -m "$MODEL" -t 1 -s 12345 --partial -o "$tmp/s2.part" "$CORPUS"
python3 - "$tmp/s1.part" "$tmp/s2.part" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
ma = [s["masks"] for s in a["sentences"]]
mb = [s["masks"] for s in b["sentences"]]
assert len(ma) == len(mb) and ma != mb, (ma, mb)
# 15% of the tokens that are not special, at least one
for s in a["sentences"]:
    assert len(s["masks"]) == max(1, int((s["n"] - 2) * 0.15 + 0.5)), s
    assert 0 not in s["masks"] and s["n"] - 1 not in s["masks"]
PY
check_last "another seed draws other masks; 15% of the non-special tokens"

# ---- shards: two rounds, merged, equal the single run byte for byte ------
run scan -q -m "$MODEL" -t 1 --shard 1/2 -o "$tmp/r1.part" "$CORPUS" "$MORE"
check "round 1, shard 1/2" test "$rc" -eq 0
run scan -q -m "$MODEL" -t 1 --shard 2/2 -o "$tmp/r2.part" "$CORPUS" "$MORE"
check "round 1, shard 2/2" test "$rc" -eq 0
run scan --merge "$tmp/r1.part" "$tmp/r2.part"
check "merging the first round exits 0" test "$rc" -eq 0
cp "$tmp/out" "$tmp/round1.json"
check "the first round says it has no curves" has out '"curves_note"'
run scan --merge --partial -o "$tmp/rank.part" "$tmp/r1.part" "$tmp/r2.part"
check "merging into a partial file exits 0" test "$rc" -eq 0
for k in 1 2; do
	run scan -q -m "$MODEL" -t 1 --shard $k/2 --ranking "$tmp/rank.part" -o "$tmp/q$k.part" \
		"$CORPUS" "$MORE"
	check "round 2, shard $k/2 with --ranking" test "$rc" -eq 0
done
run scan --merge "$tmp/q2.part" "$tmp/q1.part"
check "merging the second round exits 0" test "$rc" -eq 0
check "shard 1/2 + 2/2 merged equals the single run exactly" cmp -s "$tmp/out" "$tmp/a.json"
run scan -q -m "$MODEL" -t 1 -f tsv "$CORPUS" "$MORE"
cp "$tmp/out" "$tmp/a.tsv"
run scan --merge -f tsv "$tmp/q1.part" "$tmp/q2.part"
check "... and in TSV" cmp -s "$tmp/out" "$tmp/a.tsv"
check "TSV has a line per head and mode" test "$(grep -c '^head	' "$tmp/a.tsv")" -eq 48
run scan --merge "$tmp/q1.part" "$tmp/q1.part"
check "a shard merged twice: exit 1" test "$rc" -eq 1
check "... saying which sentence is there twice" has err "is in the scan twice"
run scan --merge "$tmp/q1.part"
check "one shard alone: exit 1" test "$rc" -eq 1
run scan --merge "$tmp/q1.part" "$tmp/r2.part"
check "shards of different rounds: exit 2" test "$rc" -eq 2
check "... naming the file and the reason" has err "r2.part: replacement curves in another order"

# ---- shards that do not belong together: refused, naming the setting ----------
# each refused shard is the second half of a pair whose first half is r1.part
mismatch() {   # NAME EXPECTED-MESSAGE SCAN-OPTIONS...
	name=$1 want=$2
	shift 2
	run scan -q -t 1 --shard 2/2 -o "$tmp/x.part" "$@"
	check "$name: the shard is written" test "$rc" -eq 0
	run scan --merge "$tmp/r1.part" "$tmp/x.part"
	check "$name: merge refused, exit 2" test "$rc" -eq 2
	check "... one clear line" one_line
	check "... naming the file and the setting" has err "^heed: .*x.part: $want"
}
mismatch "another seed" "masks of seed 0x8, not 0x7363616e" -m "$MODEL" -s 8 "$CORPUS" "$MORE"
mismatch "another --length" "sentences cut at 6 tokens, not 128 (--length)" \
	-m "$MODEL" -L 6 "$CORPUS" "$MORE"
mismatch "the corpus files in another order" "another corpus" -m "$MODEL" "$MORE" "$CORPUS"
mismatch "fewer sentences" "a corpus of 5 sentences" -m "$MODEL" -n 5 "$CORPUS" "$MORE"
"$HEED_BIN" calibrate -q -m "$MODEL" -t 1 -s 5 -o "$tmp/other.calib" "$CORPUS" >/dev/null 2>&1
check "another calibration is made" test -s "$tmp/other.calib"
mismatch "another calibration" "a scan with another calibration (--calib)" \
	-m "$MODEL" -c "$tmp/other.calib" "$CORPUS" "$MORE"
cp "$MODEL/heed.calib" "$tmp/same.calib"
run scan -q -t 1 --shard 2/2 -c "$tmp/same.calib" -o "$tmp/x.part" -m "$MODEL" "$CORPUS" "$MORE"
run scan --merge "$tmp/r1.part" "$tmp/x.part"
check "a copy of the same calibration merges" test "$rc" -eq 0
check "... byte for byte as the first round did" cmp -s "$tmp/out" "$tmp/round1.json"

# DeBERTa-v3: shards with the transformers head and with the enhanced mask decoder
DEB="$FIXTURES/enc/deberta3-f32"
run scan -q -m "$DEB" -t 1 -r uniform --mlm-head emd -o "$tmp/deb.json" "$MORE"
check "a DeBERTa-v3 scan with --mlm-head emd" test "$rc" -eq 0
for k in 1 2; do
	run scan -q -m "$DEB" -t 1 -r uniform --mlm-head emd --shard $k/2 -o "$tmp/deb$k.part" "$MORE"
	check "DeBERTa-v3 shard $k/2 with --mlm-head emd" test "$rc" -eq 0
done
run scan --merge --partial -o "$tmp/debr.part" "$tmp/deb2.part" "$tmp/deb1.part"
check "its shards merge" test "$rc" -eq 0
for k in 1 2; do
	run scan -q -m "$DEB" -t 1 -r uniform --mlm-head emd --shard $k/2 --ranking "$tmp/debr.part" \
		-o "$tmp/debq$k.part" "$MORE"
	check "DeBERTa-v3 round 2, shard $k/2" test "$rc" -eq 0
done
run scan --merge -o "$tmp/debm.json" "$tmp/debq2.part" "$tmp/debq1.part"
check "... and the second round's" test "$rc" -eq 0
check "... byte for byte as the single run" cmp -s "$tmp/debm.json" "$tmp/deb.json"
run scan -q -m "$DEB" -t 1 -r uniform --shard 2/2 -o "$tmp/debt.part" "$MORE"
run scan --merge "$tmp/deb1.part" "$tmp/debt.part"
check "a shard of the other masked-LM head: exit 2" test "$rc" -eq 2
check "... one clear line" one_line
check "... naming --mlm-head" has err "debt.part: masked-LM head transformers, not emd (--mlm-head)"

# ---- --max-loss: a preset the explorer reads ---------------------------------
run scan -q -m "$MODEL" -t 1 --max-loss 0.05 --preset "$tmp/p.preset" -o "$tmp/p.json" \
	"$CORPUS" "$MORE"
check "--max-loss exits 0" test "$rc" -eq 0
check "the preset is written" has "$tmp/p.preset" '^# heed head-mode preset'
python3 - "$tmp/p.json" "$tmp/p.preset" <<'PY'
import json, sys, re
d = json.load(open(sys.argv[1]))
p = d["preset"]
m = [x for x in d["modes"] if x["mode"] == p["mode"]][0]
c = [x for x in m["curves"] if x["order"] == p["order"]][0]
acc = c["accuracy"]
assert acc[0] - acc[p["heads"]] <= 0.05 + 1e-9
assert all(acc[0] - a > 0.05 for a in acc[p["heads"] + 1:]), "not the largest set"
lines = [l for l in open(sys.argv[2]) if not l.startswith("#") and l.strip() != "input"]
named = set()
for l in lines:
    mm = re.match(r"L(\d+)(?:H(\d+))?=(\w+)", l.strip())
    assert mm and mm.group(3) == p["mode"], l
    if mm.group(2):
        named.add("L%sH%s" % (mm.group(1), mm.group(2)))
    else:
        named |= {"L%sH%d" % (mm.group(1), h) for h in range(1, 5)}
assert named == set(c["heads"][:p["heads"]]), (named, c["heads"][:p["heads"]])
PY
check_last "the preset holds the largest prefix of a curve within the loss"
run dump -m "$MODEL" --modes "$tmp/p.preset" "the cat sat"
check "the preset loads as --modes" test "$rc" -eq 0
run scan --merge --max-loss 0.05 "$tmp/r1.part" "$tmp/r2.part"
check "--max-loss without curves: exit 1" test "$rc" -eq 1

# ---- without a calibration ---------------------------------------------------
run scan -m "$FIXTURES/enc/bert-f32" -t 1 "$MORE"
check "a model without calibration: exit 0" test "$rc" -eq 0
check "average is skipped with a note" has err "average replacement skipped"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [m["mode"] for m in d["modes"]]==["random","uniform"]; assert all([c["order"] for c in m["curves"]]==["importance"] for m in d["modes"])' "$tmp/out"
check_last "only random and uniform, curves in importance order only"
run scan -m "$FIXTURES/enc/bert-f32" -r average "$MORE"
check "asking for average without calibration: exit 2" test "$rc" -eq 2
check "... saying what it needs" has err "average replacement needs a calibration"

# ---- bad input -----------------------------------------------------------------
printf '\377\376T\000h\000e\000\n\000' >"$tmp/utf16.txt"
run scan -m "$MODEL" "$tmp/utf16.txt"
check "a UTF-16 corpus: exit 2" test "$rc" -eq 2
check "... one clear line" one_line
check "... naming the encoding" has err "UTF-16"
: >"$tmp/empty.txt"
run scan -m "$MODEL" "$tmp/empty.txt"
check "an empty corpus: exit 2" test "$rc" -eq 2
check "... saying it has no sentences" has err "empty.txt: the corpus has no sentences"
for spec in 0/2 3/2 x 1/0 2; do
	run scan -m "$MODEL" --shard "$spec" -o "$tmp/x.part" "$CORPUS"
	check "--shard $spec: exit 1" test "$rc" -eq 1
done
check "... saying what a shard is" has err "is not K/N with 1 <= K <= N"
run scan -m "$MODEL" --shard 1/2 "$CORPUS"
check "a shard without -o: exit 1" test "$rc" -eq 1
printf '{"heed_scan":2,"model":"x"}' >"$tmp/bad.part"
run scan --merge "$tmp/bad.part" "$tmp/q1.part"
check "a damaged partial file: exit 2" test "$rc" -eq 2
check "... named" has err "bad.part: not a heed scan file"
printf '{"heed_scan":1,"model":"x"}' >"$tmp/old.part"
run scan --merge "$tmp/old.part" "$tmp/q1.part"
check "a partial file of the first format: exit 2" test "$rc" -eq 2
check "... saying which version this heed reads" has err "old.part: scan file version 1; this heed reads 2"
run scan -m "$MODEL" -r sideways "$CORPUS"
check "an unknown mode: exit 1" test "$rc" -eq 1
for x in 2 -0.1 nan inf 0x1p-3 "" " 0.1" 0.1x 0,1 1e-400; do
	run scan -m "$MODEL" --max-loss "$x" "$CORPUS"
	check "--max-loss '$x': exit 1" test "$rc" -eq 1
done
check "... with the range it takes" has err "--max-loss: '1e-400' is not a number from 0 to 1"
run scan -m "$MODEL" -t 1 -q -o /dev/full "$MORE"
check "an output that cannot be written: exit 3" test "$rc" -eq 3

finish
