#!/usr/bin/python3
"""Train heed-mini: a small BERT masked-language model, from scratch, on the
public-domain corpus in assets/corpus.

    /usr/bin/python3 tools/train/train.py --run tools/train/run --max-seconds 7200
    /usr/bin/python3 tools/train/train.py --run tools/train/run --resume   # continue
    /usr/bin/python3 tools/train/export.py --run tools/train/run --out assets/models/heed-mini

Recipe: standard MLM (15% of tokens; 80% [MASK], 10% random, 10% kept),
whole sentences packed up to 128 tokens (a fifth of the sequences shorter, so
that short inputs such as a typed sentence are in-distribution), AdamW with
linear warm-up and linear decay, fixed seeds.  The schedule's progress is
max(step / max_steps, elapsed / max_seconds), so a run on a slower or busier
machine still ends its decay on time; the log records the step count for an
exact replay with --max-steps.
"""
import argparse
import json
import math
import os
import random
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import data  # noqa: E402
from model import BertForMaskedLM, param_count  # noqa: E402

CLS, SEP, MASK, PAD = 101, 102, 103, 0
FIRST_REAL = 999  # ids below are [unused*] and specials: never random replacements

CONFIG = {
    "architectures": ["BertForMaskedLM"],
    "model_type": "bert",
    "vocab_size": 30522,
    "hidden_size": 256,
    "num_hidden_layers": 4,
    "num_attention_heads": 8,
    "intermediate_size": 1024,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1,
    "attention_probs_dropout_prob": 0.0,
    "max_position_embeddings": 128,
    "type_vocab_size": 2,
    "initializer_range": 0.02,
    "layer_norm_eps": 1e-12,
    "pad_token_id": 0,
    "position_embedding_type": "absolute",
    "torch_dtype": "float16",
}


def pack_epoch(docs, rng, max_len=128, short_frac=0.2):
    """Pack consecutive whole sentences into [CLS] … [SEP] sequences."""
    seqs = []
    for doc in docs:
        i = rng.randrange(len(doc)) if doc else 0
        order = doc[i:] + doc[:i]
        cur = []
        target = max_len - 2
        for s in order:
            if cur and len(cur) + len(s) > target:
                seqs.append([CLS] + cur + [SEP])
                cur = []
                target = rng.randint(6, 62) if rng.random() < short_frac else max_len - 2
            cur = cur + s[:max_len - 2]
            if len(cur) >= target:
                seqs.append([CLS] + cur[:max_len - 2] + [SEP])
                cur = []
                target = rng.randint(6, 62) if rng.random() < short_frac else max_len - 2
        if cur:
            seqs.append([CLS] + cur + [SEP])
    rng.shuffle(seqs)
    return seqs


def batches(seqs, tokens_per_batch, rng):
    """Group sequences of similar length (less padding), shuffle the groups."""
    out = []
    chunk = 2000
    for c in range(0, len(seqs), chunk):
        part = sorted(seqs[c:c + chunk], key=len)
        b = []
        for s in part:
            if b and (len(b) + 1) * len(s) > tokens_per_batch:
                out.append(b)
                b = []
            b.append(s)
        if b:
            out.append(b)
    rng.shuffle(out)
    return out


def collate(batch):
    n = max(len(s) for s in batch)
    ids = torch.full((len(batch), n), PAD, dtype=torch.long)
    for i, s in enumerate(batch):
        ids[i, :len(s)] = torch.tensor(s)
    return ids, ids != PAD


def mask_tokens(ids, gen, rate=0.15, all_mask=False):
    """BERT masking on real (non-special) tokens.  Returns (inputs, positions, labels)."""
    special = (ids == CLS) | (ids == SEP) | (ids == PAD)
    pick = (torch.rand(ids.shape, generator=gen) < rate) & ~special
    # make sure every sequence predicts at least one token
    none = ~pick.any(dim=1)
    if none.any():
        for b in torch.nonzero(none).flatten().tolist():
            cand = torch.nonzero(~special[b]).flatten()
            if len(cand):
                pick[b, cand[torch.randint(len(cand), (1,), generator=gen)]] = True
    inputs = ids.clone()
    labels = ids[pick]
    if all_mask:
        inputs[pick] = MASK
    else:
        r = torch.rand(ids.shape, generator=gen)
        inputs[pick & (r < 0.8)] = MASK
        rnd = pick & (r >= 0.8) & (r < 0.9)
        inputs[rnd] = torch.randint(FIRST_REAL, CONFIG["vocab_size"], (int(rnd.sum()),), generator=gen)
    return inputs, torch.nonzero(pick, as_tuple=True), labels


@torch.no_grad()
def evaluate(model, heldout, limit=None, seed=1234, batch=64):
    """Held-out MLM: 15% of each sentence's tokens replaced by [MASK]."""
    model.eval()
    gen = torch.Generator().manual_seed(seed)
    sents = [[CLS] + ids + [SEP] for _, ids in heldout[:limit]]
    tot_loss, n, top1, top5 = 0.0, 0, 0, 0
    for i in range(0, len(sents), batch):
        ids, pad = collate(sents[i:i + batch])
        inp, pos, lab = mask_tokens(ids, gen, all_mask=True)
        logits = model(inp, pad, pos)
        tot_loss += F.cross_entropy(logits, lab, reduction="sum").item()
        top = logits.topk(5, dim=-1).indices
        top1 += (top[:, 0] == lab).sum().item()
        top5 += (top == lab[:, None]).any(dim=1).sum().item()
        n += len(lab)
    model.train()
    return {"loss": tot_loss / n, "top1": top1 / n, "top5": top5 / n, "n": n}


def lr_at(progress, step, args):
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    return args.lr * max(0.0, 1.0 - progress) + 1e-6


def load_safetensors(path):
    """A model.safetensors (as export.py writes it) → {name: float32 tensor}."""
    import numpy as np
    np_dtypes = {"F16": np.float16, "F32": np.float32}
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
        raw = f.read()
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        a, b = t["data_offsets"]
        arr = np.frombuffer(raw[a:b], dtype=np_dtypes[t["dtype"]]).reshape(t["shape"])
        out[name] = torch.from_numpy(arr.astype(np.float32))
    return out


def save_ckpt(path, state):
    tmp = path + ".tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)


def truncate_log(path, step):
    """Drop log records written after the checkpoint: they are replayed, and a
    log with two histories for the same steps would misreport the curve."""
    if not os.path.exists(path):
        return
    keep = []  # (step, line)
    with open(path) as f:
        for line in f:
            rec = json.loads(line)
            if rec.get("final") or rec["step"] > step:
                continue
            # An earlier resume may have left a stretch that was replayed
            # after it; the replay is the history the weights come from.
            while keep and keep[-1][0] >= rec["step"]:
                keep.pop()
            keep.append((rec["step"], line))
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.writelines(line for _, line in keep)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", default=os.path.join(HERE, "run"), help="folder for checkpoint and log")
    ap.add_argument("--max-seconds", type=float, default=7200)
    ap.add_argument("--max-steps", type=int, default=10**9)
    ap.add_argument("--tokens-per-batch", type=int, default=4096)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--eval-every", type=int, default=250)
    ap.add_argument("--ckpt-every", type=float, default=600, help="seconds")
    ap.add_argument("--layers", type=int, default=CONFIG["num_hidden_layers"])
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--init", metavar="DIR",
                    help="start from the weights of an exported model folder (a second stage: "
                         "fresh optimizer and schedule, the step count starts again)")
    ap.add_argument("--dropout", type=float, default=CONFIG["hidden_dropout_prob"],
                    help="hidden dropout; 0 suits a short, underfitting run")
    args = ap.parse_args()

    os.makedirs(args.run, exist_ok=True)
    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    cfg = dict(CONFIG, num_hidden_layers=args.layers, hidden_dropout_prob=args.dropout)
    ckpt_path = os.path.join(args.run, "ckpt.pt")
    log_path = os.path.join(args.run, "log.jsonl")

    docs, heldout = data.load(cache=os.path.join(args.run, "data.pkl"))
    model = BertForMaskedLM(cfg).to(args.device)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.98), eps=1e-6)
    step, tokens, elapsed0, epoch = 0, 0, 0.0, 0
    rng = random.Random(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    if args.init and not (args.resume and os.path.exists(ckpt_path)):
        model.load_state_dict(load_safetensors(os.path.join(args.init, "model.safetensors")))
        print(f"initialised from {args.init}", flush=True)
    if args.resume and os.path.exists(ckpt_path):
        st = torch.load(ckpt_path, map_location=args.device)
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        step, tokens, elapsed0, epoch = st["step"], st["tokens"], st["elapsed"], st["epoch"]
        if not any(a.startswith("--max-seconds") for a in sys.argv[1:]):
            args.max_seconds = st["args"]["max_seconds"]
        rng.setstate(st["rng"])
        gen.set_state(st["gen"])
        print(f"resumed at step {step}, {tokens} tokens, {elapsed0:.0f}s", flush=True)
        truncate_log(log_path, step)
    with open(os.path.join(args.run, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)

    print(f"params {param_count(model)/1e6:.2f}M, train sentences "
          f"{sum(len(d) for d in docs)}, heldout {len(heldout)}, threads {args.threads}, "
          f"device {args.device}", flush=True)
    t0 = time.time() - elapsed0
    last_ckpt = time.time()
    logf = open(log_path, "a")
    model.train()
    done = False
    while not done:
        for b in batches(pack_epoch(docs, rng), args.tokens_per_batch, rng):
            elapsed = time.time() - t0
            progress = max(step / args.max_steps, elapsed / args.max_seconds)
            if progress >= 1.0:
                done = True
                break
            lr = lr_at(progress, step, args)
            for g in opt.param_groups:
                g["lr"] = lr
            ids, pad = collate(b)
            inp, pos, lab = mask_tokens(ids, gen)
            inp, pad, lab = inp.to(args.device), pad.to(args.device), lab.to(args.device)
            pos = tuple(p.to(args.device) for p in pos)
            loss = F.cross_entropy(model(inp, pad, pos), lab)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            step += 1
            tokens += int(pad.sum())
            rec = {"step": step, "tokens": tokens, "elapsed": round(elapsed, 1),
                   "lr": lr, "loss": round(loss.item(), 4), "epoch": epoch}
            if step % args.eval_every == 0:
                rec["heldout"] = evaluate(model, heldout, limit=500)
                print(json.dumps(rec), flush=True)
            elif step % 50 == 0:
                print(json.dumps(rec), flush=True)
            logf.write(json.dumps(rec) + "\n")
            if time.time() - last_ckpt > args.ckpt_every:
                logf.flush()
                save_ckpt(ckpt_path, {"model": model.state_dict(), "opt": opt.state_dict(),
                                      "step": step, "tokens": tokens, "elapsed": time.time() - t0,
                                      "epoch": epoch, "rng": rng.getstate(), "gen": gen.get_state(),
                                      "args": vars(args), "config": cfg})
                last_ckpt = time.time()
        epoch += 1
    final = {"final": True, "step": step, "tokens": tokens, "elapsed": round(time.time() - t0, 1),
             "heldout": evaluate(model, heldout)}
    print(json.dumps(final), flush=True)
    logf.write(json.dumps(final) + "\n")
    logf.close()
    save_ckpt(ckpt_path, {"model": model.state_dict(), "opt": opt.state_dict(), "step": step,
                          "tokens": tokens, "elapsed": time.time() - t0, "epoch": epoch,
                          "rng": rng.getstate(), "gen": gen.get_state(), "args": vars(args),
                          "config": cfg})


if __name__ == "__main__":
    main()
