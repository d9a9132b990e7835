"""Corpus → sentences → WordPiece ids, with a fixed 2% held-out split.

Shared by train.py and evaluate.py so both see exactly the same split.
"""
import hashlib
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools", "reference"))
from bert_tokenizer import Tokenizer  # noqa: E402

CORPUS = [os.path.join(ROOT, "assets", "corpus", f) for f in ("sotu.txt", "moby-dick.txt")]
VOCAB = os.path.join(ROOT, "assets", "models", "heed-mini", "vocab.txt")

_SENT_END = re.compile(r'(?<=[.!?])["\')\]]*\s+(?=["\'(\[]?[A-Z0-9])')


def paragraphs(path):
    """Running text: blank lines separate paragraphs, single newlines are wraps."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for block in re.split(r"\n\s*\n", text):
        block = " ".join(block.split())
        if block:
            yield block


def sentences(path):
    for para in paragraphs(path):
        for s in _SENT_END.split(para):
            s = s.strip()
            if len(s) >= 2:
                yield s


def is_heldout(sentence):
    """2% of sentences, chosen by a hash of their text: stable across runs,
    machines and corpus order, and never trained on."""
    h = hashlib.sha1(sentence.encode("utf-8")).digest()
    return h[0] * 256 + h[1] < int(0.02 * 65536)


def load(cache=None, max_tokens=126):
    """Return (train_docs, heldout_sentences): train_docs is a list of
    documents, each a list of sentences as id lists; held-out sentences keep
    their text too.  Tokenizing takes a minute, so a cache file is used."""
    import pickle
    if cache and os.path.exists(cache):
        with open(cache, "rb") as f:
            return pickle.load(f)
    tok = Tokenizer(VOCAB)
    train_docs, heldout = [], []
    for path in CORPUS:
        doc = []
        for s in sentences(path):
            ids = [tok.vocab[t] for t, _, _ in tok.tokenize(s)][:max_tokens]
            if not ids:
                continue
            if is_heldout(s):
                heldout.append((s, ids))
            else:
                doc.append(ids)
        train_docs.append(doc)
    out = (train_docs, heldout)
    if cache:
        tmp = cache + ".tmp"
        with open(tmp, "wb") as f:
            pickle.dump(out, f)
        os.replace(tmp, cache)
    return out


def sample_train_text(n, seed=0):
    """n training (never held-out) sentences as text, sampled uniformly with
    a fixed seed: the calibration corpus of the bundled model."""
    import random
    pool = [s for path in CORPUS for s in sentences(path) if not is_heldout(s)]
    return random.Random(seed).sample(pool, min(n, len(pool)))


if __name__ == "__main__":
    import argparse
    ap = argparse.ArgumentParser(description="corpus statistics, or a calibration sample")
    ap.add_argument("--calib-out", help="write N sampled training sentences here, one a line")
    ap.add_argument("-n", type=int, default=3000)
    args = ap.parse_args()
    if args.calib_out:
        with open(args.calib_out, "w", encoding="utf-8") as f:
            for s in sample_train_text(args.n):
                f.write(s + "\n")
    else:
        docs, held = load()
        n = sum(len(s) for d in docs for s in d)
        print(f"train: {sum(len(d) for d in docs)} sentences, {n} tokens; heldout: {len(held)} sentences")
