#!/usr/bin/python3
"""Export bench/bert_torch.py's BERT from a model folder to ONNX.

Input: input_ids int64 [n] (dynamic n).  Outputs: last_hidden_state [n, h]
and attn_0 .. attn_{L-1} [heads, n, n], every layer's attention
probabilities, so ONNX Runtime computes what heed computes.

    bench/export_onnx.py MODEL_DIR OUT.onnx
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bert_torch import bench_ids, encoder_for  # noqa: E402


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: export_onnx.py MODEL_DIR OUT.onnx")
    folder, out = sys.argv[1:]
    model = encoder_for(folder).eval()
    ids = bench_ids(os.path.join(folder, "vocab.txt"), 16)
    names = ["attn_%d" % i for i in range(model.layers)]
    axes = {"input_ids": {0: "n"}, "last_hidden_state": {0: "n"}}
    axes.update({a: {1: "n", 2: "n"} for a in names})
    tmp = out + ".tmp"
    with torch.no_grad():
        torch.onnx.export(model, (ids,), tmp, input_names=["input_ids"],
                          output_names=["last_hidden_state"] + names,
                          dynamic_axes=axes, opset_version=14, do_constant_folding=True)
    os.replace(tmp, out)
    print("wrote", out)


if __name__ == "__main__":
    main()
