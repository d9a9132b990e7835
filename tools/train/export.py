#!/usr/bin/python3
"""Export a training checkpoint to a Hugging Face model folder:
config.json, vocab.txt and model.safetensors (F16 by default).

    /usr/bin/python3 tools/train/export.py --run tools/train/run --out assets/models/heed-mini

The folder loads in heed and in `transformers` (BertForMaskedLM); the MLM
decoder weight is tied to the word embeddings, so it is not stored.
Written to a temporary name and renamed, like every file heed writes.
"""
import argparse
import json
import os
import shutil
import struct

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))

DTYPES = {"F16": torch.float16, "F32": torch.float32, "BF16": torch.bfloat16}


def write_safetensors(path, tensors, dtype, metadata=None):
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().to("cpu", DTYPES[dtype]).contiguous()
        raw = t.view(torch.int16 if dtype != "F32" else torch.int32).numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)  # keep the data 8-byte aligned
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", default=os.path.join(HERE, "run"))
    ap.add_argument("--out", default=os.path.join(ROOT, "assets", "models", "heed-mini"))
    ap.add_argument("--dtype", default="F16", choices=sorted(DTYPES))
    args = ap.parse_args()

    st = torch.load(os.path.join(args.run, "ckpt.pt"), map_location="cpu")
    cfg = dict(st["config"])
    cfg["torch_dtype"] = {"F16": "float16", "F32": "float32", "BF16": "bfloat16"}[args.dtype]
    os.makedirs(args.out, exist_ok=True)
    meta = {"format": "pt", "heed_train_step": str(st["step"]), "heed_train_tokens": str(st["tokens"])}
    write_safetensors(os.path.join(args.out, "model.safetensors"), st["model"], args.dtype, meta)
    tmp = os.path.join(args.out, "config.json.tmp")
    with open(tmp, "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    os.replace(tmp, os.path.join(args.out, "config.json"))
    vocab = os.path.join(args.out, "vocab.txt")
    if not os.path.exists(vocab):
        shutil.copy(os.path.join(ROOT, "assets", "models", "heed-mini", "vocab.txt"), vocab)
    print(f"exported step {st['step']} ({st['tokens']} tokens) to {args.out} as {args.dtype}")


if __name__ == "__main__":
    main()
