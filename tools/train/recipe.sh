#!/bin/sh
# Train heed-mini from a clean clone, the way the bundled model was made:
# two stages of tools/train/train.py, export to F16, calibration with
# `heed calibrate`, and every model-card number from evaluate.sh.
#
#   tools/train/recipe.sh [OUT_DIR]
#
# OUT_DIR defaults to assets/models/heed-mini (the bundled model is then
# replaced, and the golden fixtures test_enc checks are regenerated from
# tools/reference).  Work files (checkpoints, logs) go to $WORK, default
# tools/train/work/ (git-ignored).  Interrupted?  Run the same command again:
# each stage resumes from its last checkpoint, and finished stages are skipped.
#
# Both stages are fixed in steps, not seconds, so the learning-rate schedule
# is the same on any machine.  The first stage (dropout 0.1, peak lr 1e-3)
# sits on the unigram plateau; the second starts from its weights with a
# fresh warm-up, dropout off and a lower peak, and leaves the plateau within
# its first 2 M tokens (tools/train/README.md tells how this came about).
#
# THREADS (default: all cores) sets PyTorch's threads; DEVICE=cuda trains on a
# GPU.  Time on 2 cores of an AMD EPYC: about 3.5 hours.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/assets/models/heed-mini}
work=${WORK:-$here/work}
threads=${THREADS:-$(nproc)}
heed=${HEED:-$root/build/heed}
py=/usr/bin/python3
device=${DEVICE:+--device $DEVICE}

say() { printf 'recipe: [%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

"$py" -c 'import torch, numpy' 2>/dev/null ||
	{ say "needs Debian's python3-torch and python3-numpy (apt-get install python3-torch python3-numpy)"; exit 1; }
if [ ! -x "$heed" ]; then
	say "building heed"
	"$root/quickstart.sh" build
	heed=$root/build/heed
fi
mkdir -p "$work"

# OpenMP's threads spin while they wait for each other; on a shared machine
# a descheduled one stalls the rest, and throughput collapsed to a sixth.
OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
export OMP_WAIT_POLICY

# stage NAME EXPORT_DIR TRAIN ARGS...: train (resuming) and export, unless
# an earlier run of this script already exported it.
stage() {
	name=$1 dest=$2
	shift 2
	if [ -f "$work/$name.done" ]; then
		say "$name: done before, skipped"
		return 0
	fi
	say "$name: training (log: $work/$name/log.jsonl)"
	# shellcheck disable=SC2086
	"$py" "$here/train.py" --run "$work/$name" --resume --threads "$threads" \
	    --max-seconds 1e12 --tokens-per-batch 2048 $device "$@"
	"$py" "$here/export.py" --run "$work/$name" --out "$dest"
	: > "$work/$name.done"
}

stage stage1 "$work/stage1-model" --max-steps 5078 --lr 1e-3 --warmup 200 --dropout 0.1
stage stage2 "$out" --init "$work/stage1-model" --max-steps 7750 --lr 6e-4 --warmup 100 --dropout 0
cp "$root/assets/models/heed-mini/VOCAB-LICENSE" "$out/" 2>/dev/null || true

say "calibrating (PAPA averages, statistics, Dense Synthesizers) on 3000 training sentences"
"$py" "$here/data.py" --calib-out "$work/calib.txt" -n 3000
"$heed" calibrate -m "$out" "$work/calib.txt"

if [ "$out" = "$root/assets/models/heed-mini" ]; then
	say "golden fixtures for test_enc (tools/reference, float64)"
	"$py" "$root/tools/reference/make_enc_fixtures.py"
fi

say "evaluating"
"$here/evaluate.sh" "$out" "$heed" | tee "$work/evaluate.txt"
say "done: $out (numbers in $work/evaluate.txt)"
