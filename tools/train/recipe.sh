#!/bin/sh
# Train heed-mini from a clean clone: tools/train/train.py, export to F16,
# calibration with `heed calibrate`, and every model-card number from
# evaluate.sh.
#
#   tools/train/recipe.sh [OUT_DIR]
#
# OUT_DIR defaults to assets/models/heed-mini (the bundled model is then
# replaced, and the golden fixtures test_enc checks are regenerated from
# tools/reference).  Work files (checkpoints, logs) go to $WORK, default
# tools/train/work/ (git-ignored).  Interrupted?  Run the same command again:
# training resumes from its last checkpoint, and a finished run is skipped.
#
# Two stages, fixed in steps, not seconds, so the learning-rate schedule is
# the same on any machine.  Stage 1 trains from scratch: 12,800 steps of
# 2,048 tokens (25 M tokens), peak lr 4e-4 after 300 warm-up steps, linear
# decay, no dropout.  The model sits on the unigram plateau (predicting
# frequent words, ~8% top-1) for its first 4 M tokens and leaves it slowly; a
# higher peak (1e-3) kept it there for 10 M tokens and more.  Stage 2 starts
# from stage 1's exported F16 weights with a fresh optimizer and a fresh
# warm-up (100 steps to 4e-4, then linear decay over 10,000 steps, new data
# seed): stage 1 was still improving when its lr reached zero, and the
# restart takes it further (tools/train/README.md tells how this was found).
#
# THREADS (default: all cores) sets PyTorch's threads; DEVICE=cuda trains on a
# GPU.  Time on 2 cores of an AMD EPYC: about 4 h.
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

# Each stage trains (resuming) and exports, unless an earlier run of this
# script did.  Stage 2 starts from stage 1's exported (F16) weights, so a
# rerun from stage1-model/ replays exactly what the bundled model came from.
stage() {
	name=$1 dest=$2
	shift 2
	if [ -f "$work/$name.done" ]; then
		say "$name: done before, skipped"
		return
	fi
	say "$name (log: $work/$name/log.jsonl)"
	# shellcheck disable=SC2086
	"$py" "$here/train.py" --run "$work/$name" --resume --threads "$threads" $device \
	    --max-seconds 1e12 --tokens-per-batch 2048 --dropout 0 "$@"
	"$py" "$here/export.py" --run "$work/$name" --out "$dest"
	: > "$work/$name.done"
}
stage stage1 "$work/stage1-model" --max-steps 12800 --lr 4e-4 --warmup 300
stage stage2 "$out" --init "$work/stage1-model" --seed 1 --max-steps 10000 --lr 4e-4 --warmup 100
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
