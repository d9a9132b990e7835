#!/bin/sh
# tui_stats.sh — the statistics view (5) on heed-mini: every row it shows
# holds the numbers `heed stats SENTENCE` prints for that head, each
# column's key sorts by it (again: the other way), the kinds are the
# grid's badges and the head view's title, and the marks are explained in
# the grid's legend and in the help.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/tui_common.sh"

command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3"; exit 77; }
MINI="$HEED_SRCDIR/assets/models/heed-mini"
S='the president of the united [MASK] .'
"$HEED_BIN" stats -m "$MINI" -f tsv -- "$S" >"$E2E_TMP/stats.tsv" ||
	{ echo "not ok - heed stats exited $?"; exit 1; }

# compare ORDER: the view's rows (as many as the screen shows) against the
# tsv sorted by ORDER (layer, or [-]column); every figure to the digits shown
compare() {
	e2e_screen >"$E2E_TMP/screen"
	python3 - "$E2E_TMP/stats.tsv" "$E2E_TMP/screen" "$1" <<'PY'
import re, sys
rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[1])]
head, rows = rows[0], rows[1:]
order = sys.argv[3]
cols = head[3:]
if order != 'layer':
    name = order.lstrip('-')
    k = head.index(name)
    key = (lambda r: r[2]) if name == 'kind' else (lambda r: float(r[k]) if r[k] != '-' else 0.0)
    if name == 'kind':
        kinds = ['previous-token', 'next-token', 'self', 'sink', 'broad', 'mixed']
        key = lambda r: kinds.index(r[2])
    # stable: ties stay in layer order, both ways
    rows = sorted(rows, key=key, reverse=False)
    if order.startswith('-'):
        rows = sorted(rows, key=key, reverse=True)
shown = []
for line in open(sys.argv[2]):
    m = re.match(r'^ L(\d+)H(\d+) +(\S+) +(.*)$', line.rstrip())
    if m:
        shown.append(m)
if len(shown) < 10:
    sys.exit('only %d rows on screen' % len(shown))
# the view scrolls to keep the selection in sight: its rows are a run of
# the whole order, from wherever it starts
ids = [(r[0], r[1]) for r in rows]
first = ids.index((shown[0].group(1), shown[0].group(2)))
for i, m in enumerate(shown):
    r = rows[first + i]
    if (m.group(1), m.group(2)) != (r[0], r[1]):
        sys.exit('row %d: L%sH%s on screen, L%sH%s in heed stats' % (i, m.group(1), m.group(2), r[0], r[1]))
    if m.group(3) != r[2]:
        sys.exit('L%sH%s: kind %s on screen, %s in heed stats' % (r[0], r[1], m.group(3), r[2]))
    vals = m.group(4).split()
    for c, v, t in zip(cols, r[3:], vals):
        want = '%.3f' % float(v) if c == 'dep' else '%.2f' % float(v)
        if t != want:
            sys.exit('L%sH%s %s: %s on screen, %s from heed stats' % (r[0], r[1], c, t, want))
PY
}

e2e_start 100 30 "$HEED_BIN" -m "$MINI" "$S"
e2e_wait_for 'L1H1 input' 15
# the grid: the kind under each mode badge, and the marks explained
e2e_expect 'marks: I A D R U mode .* p previous .* k sink b broad m mixed' "the grid's legend explains the marks"
e2e_screen >"$E2E_TMP/grid"
want=$(awk -F'\t' 'NR > 1 && $1 == 2 { printf "%s", substr($3 == "sink" ? "k" : $3, 1, 1) }' "$E2E_TMP/stats.tsv")
got=$(grep -A1 '^ *L2 ' "$E2E_TMP/grid" | tail -1 | tr -cd 'a-z')
e2e_check "layer 2's badges are its kinds ($got = $want)" test "$got" = "$want"
e2e_keys 5
e2e_wait_for 'Heads on this sentence, by layer ↑' 5
e2e_check "layer order: the figures of heed stats" compare layer
e2e_keys '<'
e2e_wait_for 'by prev ↓' 5
e2e_check "< sorts by the previous-token share, largest first" compare -prev
e2e_keys '<'
e2e_wait_for 'by prev ↑' 5
e2e_check "< again: smallest first" compare prev
e2e_keys d
e2e_wait_for 'by dep ↓' 5
e2e_check "d: by input dependence" compare -dep
e2e_keys c
e2e_wait_for 'by kind ↑' 5
e2e_check "c: by kind" compare kind
e2e_keys '$'
e2e_wait_for 'by sep ↓' 5
e2e_check '$: by the [SEP] share' compare -sep
# the selection follows the order: the top row, zoomed, names its kind
e2e_keys Home Enter
top=$(awk -F'\t' 'NR > 1 { print $1 "\t" $2 "\t" $3 "\t" $9 }' "$E2E_TMP/stats.tsv" |
	sort -t '	' -k4,4gr -s | head -1)
L=$(echo "$top" | cut -f1); H=$(echo "$top" | cut -f2); K=$(echo "$top" | cut -f3)
e2e_wait_for "^ L$L H$H input $K │" 5
e2e_keys '?'
e2e_wait_for 'heed keys' 5
e2e_keys End
e2e_wait_for 'grid marks +I A D R U the head.s mode; p n s k b m its kind' 5
e2e_keys q
tui_quit
e2e_finish
