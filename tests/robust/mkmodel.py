#!/usr/bin/env python3
"""mkmodel.py — tiny hostile variants of the bert-f32 fixture, for the
robustness tests (pure Python: CI has no numpy or torch).

    mkmodel.py SRC DST [--max-pos N] [--poison nan|inf|huge] [--dtype-i32]

SRC is a model folder (config.json, vocab.txt, model.safetensors); DST gets
the same checkpoint with the changes asked for:
  --max-pos N     max_position_embeddings N, the position table repeated to N rows
  --poison nan    one NaN in layer 0's query weight
  --poison inf    one +Inf there
  --poison huge   finite weights so large (3e38) that the forward overflows
  --dtype-i32     the word embeddings stored as I32 (a dtype heed cannot use)
"""
import json
import os
import shutil
import struct
import sys


def read_st(path):
    with open(path, "rb") as f:
        b = f.read()
    n = struct.unpack("<Q", b[:8])[0]
    hdr = json.loads(b[8:8 + n])
    meta = hdr.pop("__metadata__", None)
    data = b[8 + n:]
    tensors = {}
    for name, t in hdr.items():
        lo, hi = t["data_offsets"]
        tensors[name] = [t["dtype"], t["shape"], bytearray(data[lo:hi])]
    return meta, tensors


def write_st(path, meta, tensors):
    hdr, blobs, off = {}, [], 0
    if meta is not None:
        hdr["__metadata__"] = meta
    for name in sorted(tensors):
        dtype, shape, raw = tensors[name]
        hdr[name] = {"dtype": dtype, "shape": shape, "data_offsets": [off, off + len(raw)]}
        blobs.append(bytes(raw))
        off += len(raw)
    h = json.dumps(hdr, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def main(argv):
    src, dst, rest = argv[1], argv[2], argv[3:]
    os.makedirs(dst, exist_ok=True)
    for name in ("vocab.txt",):
        shutil.copy(os.path.join(src, name), os.path.join(dst, name))
    with open(os.path.join(src, "config.json")) as f:
        cfg = json.load(f)
    meta, t = read_st(os.path.join(src, "model.safetensors"))
    pre = "bert." if any(k.startswith("bert.") for k in t) else ""
    while rest:
        opt = rest.pop(0)
        if opt == "--max-pos":
            n = int(rest.pop(0))
            name = pre + "embeddings.position_embeddings.weight"
            dtype, shape, raw = t[name]
            row = len(raw) // shape[0]
            out = bytearray()
            for i in range(n):
                k = i % shape[0]
                out += raw[k * row:(k + 1) * row]
            t[name] = [dtype, [n, shape[1]], out]
            cfg["max_position_embeddings"] = n
        elif opt == "--poison":
            kind = rest.pop(0)
            name = pre + "encoder.layer.0.attention.self.query.weight"
            raw = t[name][2]
            if kind == "nan":
                raw[0:4] = struct.pack("<f", float("nan"))
            elif kind == "inf":
                raw[0:4] = struct.pack("<f", float("inf"))
            elif kind == "huge":
                # every LayerNorm gain 3e38: finite, but the next matmul overflows
                for k in t:
                    if k.endswith("LayerNorm.weight"):
                        r = t[k][2]
                        for i in range(0, len(r), 4):
                            r[i:i + 4] = struct.pack("<f", 3e38)
            else:
                raise SystemExit("unknown poison " + kind)
        elif opt == "--dtype-i32":
            name = pre + "embeddings.word_embeddings.weight"
            t[name][0] = "I32"
        else:
            raise SystemExit("unknown option " + opt)
    with open(os.path.join(dst, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    write_st(os.path.join(dst, "model.safetensors"), meta, t)


if __name__ == "__main__":
    main(sys.argv)
