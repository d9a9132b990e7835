#!/bin/sh
# stats_test.sh — `heed stats SENTENCE`: every head's figures recomputed
# here from `heed dump`'s attention (entropy, shares, largest weight, kind
# by the thresholds of heed(1) STATISTICS); input dependence zero for heads
# that use their own average and unknown without a calibration; sorting;
# and usage errors.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3"; exit 77; }
MINI="$HEED_SRCDIR/assets/models/heed-mini"
TINY="$FIXTURES/enc/bert-f32"

# recompute MODEL SENTENCE: stats tsv against the dump's attention
recompute() {
	"$HEED_BIN" dump -m "$1" -- "$2" >"$tmp/dump.json" &&
	"$HEED_BIN" stats -m "$1" -f tsv -- "$2" >"$tmp/stats.tsv" &&
	python3 - "$tmp/dump.json" "$tmp/stats.tsv" <<'PY'
import json, math, sys, unicodedata
d = json.load(open(sys.argv[1]))
s = d['sentences'][0]
toks = [t['piece'] for t in s['tokens']]
n = len(toks)
def punct(p):
    for m in ('##', '\u0120', '\u2581'):
        if p.startswith(m):
            p = p[len(m):]
            break
    return p != '' and all(unicodedata.category(c).startswith('P') for c in p)
cls = [p == '[CLS]' for p in toks]
sep = [p == '[SEP]' for p in toks]
pun = [not c and not e and punct(p) for p, c, e in zip(toks, cls, sep)]
rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[2])]
head, rows = rows[0], {(int(r[0]), int(r[1])): r for r in rows[1:]}
assert head == ['layer', 'head', 'kind', 'entropy', 'prev', 'next', 'self', 'cls', 'sep',
                'punct', 'dep', 'max'], head
assert len(rows) == d['layers'] * d['heads']
for a in s['attention']:
    w = a['weights']
    r = rows[(a['layer'], a['head'])]
    f = {
        'entropy': sum(-x * math.log(x) for row in w for x in row if x > 0) / n,
        'prev': sum(w[i][i - 1] for i in range(1, n)) / (n - 1),
        'next': sum(w[i][i + 1] for i in range(n - 1)) / (n - 1),
        'self': sum(w[i][i] for i in range(n)) / n,
        'cls': sum(w[i][j] for i in range(n) for j in range(n) if cls[j]) / n,
        'sep': sum(w[i][j] for i in range(n) for j in range(n) if sep[j]) / n,
        'punct': sum(w[i][j] for i in range(n) for j in range(n) if pun[j]) / n,
        'max': max(max(row) for row in w),
    }
    for k, v in f.items():
        got = float(r[head.index(k)])
        if abs(got - v) > 2e-5:
            sys.exit('L%dH%d %s: heed %s, recomputed %.6f' % (a['layer'], a['head'], k, got, v))
    share = [f['prev'], f['next'], f['self'], f['cls'] + f['sep'] + f['punct']]
    names = ['previous-token', 'next-token', 'self', 'sink']
    b = max(range(4), key=lambda k: (share[k], -k))
    # a figure within rounding of a threshold could go either way
    if abs(share[b] - 0.5) < 1e-5 or abs(f['entropy'] - 0.75 * math.log(n)) < 1e-5:
        continue
    kind = names[b] if share[b] >= 0.5 else 'broad' if f['entropy'] >= 0.75 * math.log(n) else 'mixed'
    if r[2] != kind:
        sys.exit('L%dH%d: kind %s, recomputed %s %s' % (a['layer'], a['head'], r[2], kind, share))
print('# %d heads recomputed' % len(rows))
PY
}

check "heed-mini: figures and kinds recomputed from dump" \
	recompute "$MINI" 'the president of the united [MASK] , and congress .'
check "tiny BERT: figures and kinds recomputed from dump" recompute "$TINY" 'a b , c . d'
run stats -m "$TINY" -f tsv -- 'a b c'
check "no calibration: still every head" test "$(wc -l <"$tmp/out")" -eq 13
awk -F'\t' 'NR > 1 && $11 != "-"' "$tmp/out" >"$tmp/known"
check "no calibration: input dependence unknown (-)" empty known
# a head in average mode attends exactly as its average: dependence 0
run stats -m "$MINI" -f tsv --modes L3=average -- 'call me [MASK] .'
check "stats --modes exits 0" test "$rc" -eq 0
python3 - "$tmp/out" <<'PY'
import sys
rows = [l.split('\t') for l in open(sys.argv[1])][1:]
for r in rows:
    dep = float(r[10])
    if r[0] == '3':
        assert dep < 1e-6, r
    else:
        assert 0 <= dep <= 0.6932, r
assert any(float(r[10]) > 0.01 for r in rows if r[0] != '3')
PY
check_last "dependence: 0 for heads in average mode, in [0, ln 2] for the rest"
run stats -m "$MINI" -f tsv -s -prev -- 'the cat sat on the mat .'
python3 - "$tmp/out" <<'PY'
import sys
v = [float(l.split('\t')[4]) for l in list(open(sys.argv[1]))[1:]]
assert v == sorted(v, reverse=True) and len(v) == 32, v
PY
check_last "--sort -prev: largest previous-token share first"
run stats -m "$MINI" -s kind -- 'the cat sat on the mat .'
check "text output names the tokens" has out '^# heed-mini, 9 tokens: \[CLS\] the cat sat on the mat \. \[SEP\]$'
run stats -m "$MINI" --modes papa-half
check "--modes without a sentence: usage error" test "$rc" -eq 1
check "... in one line" one_line
run stats -m "$MINI" -s bogus -- 'a b'
check "unknown --sort column: usage error" test "$rc" -eq 1
check "... naming it" has err "unknown column 'bogus'"
run stats -m "$MINI" --modes L9=uniform -- 'a b'
check "a mode spec past the model: usage error" test "$rc" -eq 1
finish
