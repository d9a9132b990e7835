# abuse_common.sh — shared by the abuse tests: the explorer run from a shell
# in the pane (so its exit status and the terminal's settings can be read
# afterwards), its pid, and a model big enough that a forward pass lasts
# long enough to be interrupted.
. "${HEED_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/tui_common.sh"

# abuse_shell: a shell in an 80x24 pane, its terminal settings recorded.
abuse_shell() {
	e2e_start 80 24 sh
	sleep 0.5
	e2e_stty_before
}

# abuse_run ARG...: heed ARG... from the pane's shell, then status=N.
abuse_run() {
	_cmd="'$HEED_BIN'"
	for _a in "$@"; do
		_cmd="$_cmd '$_a'"
	done
	e2e_tmux send-keys -t e2e 'clear' Enter
	e2e_type "$_cmd; echo status=\$?; sed -n 's/^flags:[[:space:]]*/ttyflags=/p' /proc/self/fdinfo/0"
	e2e_keys Enter
}

# abuse_pid: the explorer's pid (pane wrapper -> shell -> heed).
abuse_children() { ps -o pid= --ppid "$1" | tr -d ' '; }
abuse_pid() {
	abuse_children "$(abuse_children "$(e2e_tmux display -p -t e2e '#{pane_pid}')")"
}

# O_NONBLOCK is a flag of the open file the shell shares with heed, not a
# terminal setting (stty -g misses it), so abuse_run prints the flags of
# that file as the next program sees them (ttyflags=, octal, from
# /proc/self/fdinfo/0).  Left non-blocking, the next program's read fails.
abuse_tty_blocking() {
	_flags=$(e2e_screen | sed -n 's/^ttyflags=\([0-7]*\).*/\1/p' | tail -1)
	[ -n "$_flags" ] || return 0   # no /proc: nothing to check
	[ $((0$_flags & 04000)) -eq 0 ]
}

# abuse_status_ok TIMEOUT WHAT: heed exited by itself within TIMEOUT seconds
# with status 0 (not killed by a signal, no hang), and the terminal is as it
# was.
abuse_status_ok() {
	e2e_wait_for 'status=0' "$1" && e2e_report 1 "$2"
	e2e_refute 'status=(1[2-9][0-9]|[3-9][0-9]|[2-9])' "no crash or error status after: $2"
	e2e_check "the shell's tty is blocking again after: $2" abuse_tty_blocking
	e2e_stty_after
}

# abuse_big_model DIR: a BERT of bert-base's shape (12 layers of width 768,
# FFN 3072: 85M weights) and the test vocabulary.  The weights are a sparse
# file of zeros, so making it costs nothing, yet each forward pass does the
# full arithmetic: with --threads 1, a pass over 128 tokens lasts a few
# hundred milliseconds, long enough to be caught "computing".
abuse_big_model() {
	mkdir -p "$1"
	cp "$TUI_MODEL/vocab.txt" "$1/vocab.txt"
	"${PYTHON3:-python3}" - "$1" <<'PY'
import json, os, struct, sys
d = sys.argv[1]
V, H, L, F, P = sum(1 for _ in open(os.path.join(d, "vocab.txt"), "rb")), 768, 12, 3072, 512
cfg = {"model_type": "bert", "architectures": ["BertForMaskedLM"], "vocab_size": V,
       "hidden_size": H, "num_hidden_layers": L, "num_attention_heads": 8,
       "intermediate_size": F, "hidden_act": "gelu", "max_position_embeddings": P,
       "type_vocab_size": 2, "layer_norm_eps": 1e-12}
json.dump(cfg, open(os.path.join(d, "config.json"), "w"))
shapes = [("embeddings.word_embeddings.weight", [V, H]),
          ("embeddings.position_embeddings.weight", [P, H]),
          ("embeddings.token_type_embeddings.weight", [2, H]),
          ("embeddings.LayerNorm.weight", [H]), ("embeddings.LayerNorm.bias", [H])]
for i in range(L):
    p = "encoder.layer.%d." % i
    for n in ("attention.self.query", "attention.self.key", "attention.self.value",
              "attention.output.dense"):
        shapes += [(p + n + ".weight", [H, H]), (p + n + ".bias", [H])]
    shapes += [(p + "attention.output.LayerNorm.weight", [H]),
               (p + "attention.output.LayerNorm.bias", [H]),
               (p + "intermediate.dense.weight", [F, H]), (p + "intermediate.dense.bias", [F]),
               (p + "output.dense.weight", [H, F]), (p + "output.dense.bias", [H]),
               (p + "output.LayerNorm.weight", [H]), (p + "output.LayerNorm.bias", [H])]
header, off = {}, 0
for name, shape in shapes:
    n = 4
    for s in shape:
        n *= s
    header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [off, off + n]}
    off += n
h = json.dumps(header).encode()
with open(os.path.join(d, "model.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h)
    f.truncate(8 + len(h) + off)
PY
}
