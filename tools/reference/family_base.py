#!/usr/bin/python3
"""What the ModernBERT and DeBERTa references share with reference.Model:
run() (tokenise, forward, masked-LM top-k), on a checkpoint whose tensors are
kept under their file names (self.t) and whose sizes use BERT's keys."""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bert_tokenizer import Tokenizer  # noqa: E402
from reference import Model, read_safetensors  # noqa: E402


class Family(Model):
    def __init__(self, model_dir, max_pos_default):  # pylint: disable=super-init-not-called
        with open(os.path.join(model_dir, "config.json"), encoding="utf-8") as f:
            c = self.cfg = json.load(f)
        self.t = read_safetensors(os.path.join(model_dir, "model.safetensors"))
        self.hidden = c["hidden_size"]
        self.layers = c["num_hidden_layers"]
        self.heads = c["num_attention_heads"]
        self.max_pos = c.get("max_position_embeddings", max_pos_default)
        self.max_tokens = self.max_pos
        self.lowercase = c.get("do_lower_case", True)
        # a folder with a tokenizer.json or spm.model gets its ids from that
        # tokenizer instead (run_encoded)
        vocab = os.path.join(model_dir, "vocab.txt")
        self.tok = Tokenizer(vocab, lowercase=self.lowercase) if os.path.exists(vocab) else None
        self.vocab_inv = self.tok.inv if self.tok else {}

    def has_rtd(self):
        return False
