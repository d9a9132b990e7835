#!/bin/sh
# lesson_test.sh — the lessons shipped in assets/lessons, on heed-mini:
# each loads, its claims hold, and every live figure its captions show
# equals the number `heed stats SENTENCE` (head figures) or `heed dump`
# (predictions) gives for that step's sentence and modes; the claims are
# then evaluated again here from those numbers, not from heed lesson's.
# Also: a claim that does not hold fails --check with exit 2, and a
# lesson that does not fit the model is refused with its line.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3"; exit 77; }
MINI="$HEED_SRCDIR/assets/models/heed-mini"
TINY="$FIXTURES/enc/bert-f32"

# verify LESSON: --print, then every step recomputed by stats and dump
verify() {
	"$HEED_BIN" lesson -m "$MINI" --check "$1" >"$tmp/print" 2>"$tmp/err" || return 1
	python3 - "$tmp/print" "$HEED_BIN" "$MINI" <<'PY'
import math, re, subprocess, sys
out, heed, model = sys.argv[1:4]
steps, cur = [], None
for line in open(out):
    line = line.rstrip('\n')
    m = re.match(r'^step (\d+)/(\d+): (.*)$', line)
    if m:
        cur = {'figs': [], 'claims': []}
        steps.append(cur)
        continue
    m = re.match(r'^  (sentence|modes|caption): (.*)$', line)
    if m:
        cur[m.group(1)] = m.group(2)
        continue
    m = re.match(r'^  \{(.*)\} = (.*)$', line)
    if m:
        cur['figs'].append((m.group(1), m.group(2)))
        continue
    m = re.match(r'^  claim (holds|FAILS): (.*?): ', line)
    if m:
        cur['claims'].append(m.group(2))
assert steps, 'no steps printed'

def run(*args):
    return subprocess.run([heed] + list(args), check=True, capture_output=True,
                          text=True).stdout

KINDS = ['previous-token', 'next-token', 'self', 'sink', 'broad', 'mixed']
for k, st in enumerate(steps):
    s, modes = st['sentence'], st['modes']
    rows = [l.split('\t') for l in run('stats', '-m', model, '-f', 'tsv', '--modes', modes,
                                       '--', s).splitlines()]
    head, rows = rows[0], rows[1:]
    heads = ['L%sH%s' % (r[0], r[1]) for r in rows]
    def col(name):
        name = name[:-6] if name.endswith('_share') else name
        if name == 'sink':
            return [sum(float(r[head.index(c)]) for c in ('cls', 'sep', 'punct')) for r in rows]
        return [float(r[head.index(name)]) if r[head.index(name)] != '-' else math.nan
                for r in rows]
    def preds(m):
        d = run('dump', '-m', model, '-f', 'tsv', '-k', '100', '--modes', m, '--', s)
        p = [l.split('\t') for l in d.splitlines() if l.startswith('pred\t')]
        if not p:
            return None, {}
        first = p[0][2]
        p = [x for x in p if x[2] == first]
        return p[0][4], {x[4]: float(x[6]) for x in p}
    top, prob = preds(modes)
    basetop, base = preds('input')
    ntok = len([l for l in run('dump', '-m', model, '-f', 'tsv', '--', s).splitlines()
                if l.startswith('token\t')])
    def value(expr):
        w = expr.split()
        name, arg = w[0], (w[1] if len(w) > 1 else None)
        if name in ('prob', 'base'):
            return (prob if name == 'prob' else base).get(arg, math.nan)
        if name == 'top': return top
        if name == 'basetop': return basetop
        if name == 'tokens': return float(ntok)
        if name in ('best', 'least', 'highest', 'lowest'):
            v = col(arg)
            x = (max if name in ('best', 'highest') else min)(y for y in v if not math.isnan(y))
            return heads[v.index(x)] if name in ('best', 'least') else x
        if name in ('count', 'heads'):
            kind = {'prev': 'previous-token', 'next': 'next-token'}.get(arg, arg)
            hs = [h for h, r in zip(heads, rows) if r[2] == kind]
            return float(len(hs)) if name == 'count' else (', '.join(hs) or 'none')
        m = re.match(r'^[Ll](\d+)[Hh](\d+)$|^(\d+),(\d+)$', arg)
        h = 'L%sH%s' % (m.group(1) or m.group(3), m.group(2) or m.group(4))
        if name == 'kind':
            return rows[heads.index(h)][2]
        return col(name)[heads.index(h)]
    for expr, printed in st['figs']:
        want = value(expr)
        if isinstance(want, float):
            if math.isnan(want) or abs(float(printed) - want) > 2e-6:
                sys.exit('step %d {%s}: heed lesson %s, stats/dump %s' % (k + 1, expr, printed, want))
        elif printed != want:
            sys.exit('step %d {%s}: heed lesson %s, stats/dump %s' % (k + 1, expr, printed, want))
    for c in st['claims']:
        m = re.match(r'^(.*?) (<=|>=|!=|<|>|=|~) (\{[^}]*\}|\S+)(?: (\S+))?$', c)
        lhs = value(m.group(1))
        r = m.group(3)
        if r.startswith('{'):
            rhs = value(r[1:-1])
        else:
            try:
                rhs = float(r[:-1]) / 100 if r.endswith('%') else float(r)
            except ValueError:
                rhs = r
        op = m.group(2)
        if op == '~':
            t = m.group(4)
            tol = float(t[:-1]) / 100 if t.endswith('%') else float(t)
            ok = abs(lhs - rhs) <= tol
        else:
            ok = {'<': lambda a, b: a < b, '<=': lambda a, b: a <= b, '>': lambda a, b: a > b,
                  '>=': lambda a, b: a >= b, '=': lambda a, b: a == b,
                  '!=': lambda a, b: a != b}[op](lhs, rhs)
        if not ok:
            sys.exit('step %d: claim "%s" does not hold: %r %s %r' % (k + 1, c, lhs, op, rhs))
    if '{' in st['caption'] or 'n/a' in st['caption']:
        sys.exit('step %d: a figure left unfilled: %s' % (k + 1, st['caption']))
print('# %d steps, %d figures, %d claims recomputed' % (len(steps),
      sum(len(s['figs']) for s in steps), sum(len(s['claims']) for s in steps)))
PY
}

for f in positional sinks papa synthesizer importance; do
	check "$f: claims hold and figures equal heed stats and heed dump" \
		verify "$HEED_SRCDIR/assets/lessons/$f.lesson"
done
# importance.lesson's head sets are what heed scan says: the --max-loss
# preset, and the rest
"$HEED_BIN" scan -q -m "$MINI" -n 10 -r average --max-loss 0.02 --preset "$tmp/imp.preset" \
	-o "$tmp/imp.json" "$HEED_SRCDIR/assets/corpus/sotu.txt"
python3 - "$tmp/imp.preset" "$HEED_SRCDIR/assets/lessons/importance.lesson" <<'PY'
import re, sys
preset = {m.group(1) for m in (re.match(r'(L\d+H\d+)=average$', l.strip())
                               for l in open(sys.argv[1])) if m}
modes = [l.split(None, 1)[1].strip() for l in open(sys.argv[2]) if l.startswith('modes ')]
sets = [{x.split('=')[0] for x in m.split(',')} for m in modes]
allh = {'L%dH%d' % (l, h) for l in range(1, 5) for h in range(1, 9)}
assert len(preset) == 21, preset
assert sets[0] == preset, (sets[0] ^ preset)
assert sets[1] == allh - preset, (sets[1] ^ (allh - preset))
PY
check_last "importance: the lesson's heads are heed scan's preset and the rest"

# a lesson whose claim does not hold on the model: printed, exit 2
cat >"$tmp/wrong.lesson" <<'LESSON'
title Wrong on purpose
step One
sentence a b c
claim entropy L1H1 > 100
claim tokens = 5
LESSON
run lesson -m "$TINY" --check "$tmp/wrong.lesson"
check "a claim that fails: exit 2" test "$rc" -eq 2
check "... said in one line" one_line
check "... counted" has err "1 of 2 claims do not hold"
check "... and shown" has out "claim FAILS: entropy L1H1 > 100: "
run lesson -m "$TINY" --print "$tmp/wrong.lesson"
check "--print alone exits 0" test "$rc" -eq 0
# one that does not fit the model, or is not a lesson
printf 'step s\nsentence a b\nhead L9H1\n' >"$tmp/big.lesson"
run lesson -m "$TINY" --print "$tmp/big.lesson"
check "a head past the model: exit 2" test "$rc" -eq 2
check "... naming file and line" has err "big.lesson:1: head L9H1: the model has"
printf 'step s\nsentence a b\ncaption {prov L1H1}\n' >"$tmp/typo.lesson"
run lesson -m "$TINY" --print "$tmp/typo.lesson"
check "an unknown figure: exit 2" test "$rc" -eq 2
check "... naming file and line" has err "typo.lesson:3: unknown figure 'prov'"
run lesson -m "$TINY" --print "$TINY/config.json"
check "not a lesson: exit 2" test "$rc" -eq 2
run lesson -m "$TINY" --print "$tmp/none.lesson"
check "a missing file: exit 2" test "$rc" -eq 2
run lesson --print
check "no FILE: usage error" test "$rc" -eq 1
# a shipped lesson by its name
run lesson -m "$MINI" --print sinks
check "a shipped lesson by name: exit 0" test "$rc" -eq 0
check "... the sinks lesson" has out '^# Attention sinks'
run lesson -m "$MINI" --print no-such-lesson
check "an unknown name: exit 2" test "$rc" -eq 2
check "... naming it" has err no-such-lesson
run lesson -m "$TINY" --print "$tmp/wrong.lesson" "$tmp/big.lesson"
check "two FILEs: usage error" test "$rc" -eq 1
finish
