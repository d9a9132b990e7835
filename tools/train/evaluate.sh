#!/bin/sh
# Reproduce every number in assets/models/heed-mini/MODEL_CARD.md.
#
#   tools/train/evaluate.sh [MODEL_DIR] [HEED_BINARY]
#
# 1. held-out masked-LM loss / top-1 / top-5 and sample predictions
#    (tools/train/evaluate.py, PyTorch, independent of heed's engine);
# 2. the PAPA table: the same masked examples scored by `heed eval` with all
#    heads input, half average (papa-half), all average, all dense
#    synthetic, all random synthetic and all uniform;
# 3. the heads with named patterns, from `heed stats`.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
model=${1:-$root/assets/models/heed-mini}
heed=${2:-$root/build/heed}
[ -x "$heed" ] || heed=$root/heed
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

echo "== held-out evaluation (tools/train/evaluate.py)"
"$py" "$here/evaluate.py" --model "$model" --masked-out "$tmp/masked.tsv" --json "$tmp/eval.json"

echo
echo "== PAPA table: held-out masked-LM under head modes (heed eval)"
printf '%-12s %8s %8s %8s\n' modes loss top-1 top-5
for spec in input papa-half all=average all=dense all=random all=uniform; do
	"$heed" eval -m "$model" --modes "$spec" --format tsv "$tmp/masked.tsv" |
		awk -F'\t' -v s="$spec" 'NR == 2 { printf "%-12s %8.3f %7.1f%% %7.1f%%\n", s, $3, 100 * $4, 100 * $5 }'
done

echo
echo "== heads with named patterns (heed stats; shares of attention, mean over the calibration corpus)"
"$heed" stats -m "$model" --format tsv > "$tmp/stats.tsv"
awk -F'\t' '
NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
{
	id = "L" $col["layer"] "H" $col["head"]
	if ($col["prev"] > bp) { bp = $col["prev"]; hp = id }
	if ($col["next"] > bn) { bn = $col["next"]; hn = id }
	if ($col["cls"] > bc) { bc = $col["cls"]; hc = id }
	if ($col["sep"] > bs) { bs = $col["sep"]; hs = id }
	if ($col["self"] > bf) { bf = $col["self"]; hf = id }
	if ($col["entropy"] > be) { be = $col["entropy"]; hb = id }
	if ($col["prev"] > 0.5) np++
	if ($col["next"] > 0.5) nn++
}
END {
	printf "previous token: %s (%.1f%%); heads over 50%%: %d\n", hp, 100 * bp, np
	printf "next token:     %s (%.1f%%); heads over 50%%: %d\n", hn, 100 * bn, nn
	printf "[CLS] sink:     %s (%.1f%%)\n", hc, 100 * bc
	printf "[SEP] sink:     %s (%.1f%%)\n", hs, 100 * bs
	printf "self:           %s (%.1f%%)\n", hf, 100 * bf
	printf "broadest:       %s (entropy %.2f nats)\n", hb, be
}' "$tmp/stats.tsv"
