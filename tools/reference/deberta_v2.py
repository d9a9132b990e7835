#!/usr/bin/python3
"""Independent float64 reference forward pass for DeBERTa-v2 and -v3.

Written from the DeBERTa papers (He et al. 2021, "DeBERTa: Decoding-enhanced
BERT with Disentangled Attention"; He et al. 2023, "DeBERTaV3") and the
published configuration semantics of Hugging Face's DebertaV2Config,
without `transformers`.  A BERT post-norm layer whose attention scores are

  A[i][j] = ( Q_i·K_j  +  Q_i·Pk[δ(i,j)]  +  K_j·Pq[δ(i,j)] ) / √(d·(1 + |pos_att_type|))
             content→content   content→position  position→content

with δ(i,j) = clamp(bucket(i − j) + span, 0, 2·span − 1), span =
position_buckets (or max_relative_positions when there are no buckets),
and bucket() the log bucketing of make_log_bucket_position:
  mid = position_buckets // 2;  |r| < mid → r itself;
  else sign(r) · (ceil(log(|r| / mid) / log((max_relative_positions − 1) / mid) · (mid − 1)) + mid)
computed in float32 as the published code does.  The relative embeddings
R = rel_embeddings[0 : 2·span] go through encoder.LayerNorm when
norm_rel_ebd contains "layer_norm"; Pk = R Wkᵀ + bk and Pq = R Wqᵀ + bq with
the layer's own key/query projections when share_att_key, else with
pos_key_proj / pos_query_proj.  A term absent from pos_att_type is absent
from both the sum and the scale.  The embeddings add absolute positions only
when position_biased_input (v3: false).  The attention returned is the
softmax that multiplies the values.

Masked LM, as transformers' DebertaV2ForMaskedLM computes it, on the last
layer's output.  config.json's "legacy" (true when absent) picks the head it
builds: the legacy cls.predictions.* (LegacyDebertaV2LMPredictionHead:
transform dense to embedding_size, hidden_act, LayerNorm, decoder tied to the
word embeddings, cls.predictions.bias) or lm_predictions.lm_head.*
(DebertaV2LMPredictionHead: dense, hidden_act, LayerNorm, then
matmul with the word embeddings plus lm_predictions.lm_head.bias).  A file
holding only the other head would get the named one initialised at random
(DeBERTa-v3's own checkpoints: no "legacy", lm_predictions weights), which
nothing can reproduce, so the head the file has is read, and "legacy"
decides only between two present heads (heed's model.c does the same).

With emd=True (mlm_probs_at), the lm_predictions head reads DeBERTa's
enhanced mask decoder instead, as microsoft/DeBERTa does, where the
checkpoint has one (has_emd: that head, no position_biased_input, absolute
position embeddings in the file).
"""
import math
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from family_base import Family  # noqa: E402
from reference import activation, layer_norm  # noqa: E402


def log_bucket(rel, bucket_size, max_position):
    """make_log_bucket_position, in float32 like the published code."""
    rel = torch.as_tensor(rel, dtype=torch.int64)
    sign = torch.sign(rel)
    mid = bucket_size // 2
    abs_pos = torch.where((rel < mid) & (rel > -mid), torch.tensor(mid - 1), rel.abs())
    ratio = abs_pos.to(torch.float32) / mid
    log_pos = torch.ceil(torch.log(ratio) / torch.log(torch.tensor((max_position - 1) / mid, dtype=torch.float32))
                         * (mid - 1)) + mid
    return torch.where(abs_pos <= mid, rel.to(torch.float32), log_pos * sign).to(torch.int64)


class DebertaV2(Family):
    def __init__(self, model_dir):
        super().__init__(model_dir, 512)
        c = self.cfg
        self.eps = c.get("layer_norm_eps", 1e-7)
        self.act = activation(c.get("hidden_act", "gelu"))
        pat = c.get("pos_att_type") or []
        if isinstance(pat, str):
            pat = [x.strip() for x in pat.lower().split("|")]
        self.c2p, self.p2c = "c2p" in pat, "p2c" in pat
        self.relative = c.get("relative_attention", False)
        self.buckets = c.get("position_buckets", -1)
        self.max_rel = c.get("max_relative_positions", -1)
        if self.max_rel < 1:
            self.max_rel = self.max_pos
        self.span = self.buckets if self.buckets > 0 else self.max_rel
        self.share = c.get("share_att_key", False)
        self.pos_input = c.get("position_biased_input", True)
        self.type_vocab = c.get("type_vocab_size", 0)
        self.norm_rel = "layer_norm" in [x.strip() for x in c.get("norm_rel_ebd", "none").lower().split("|")]

    def lin(self, stem, x):
        return x @ self.t[stem + ".weight"].T + self.t[stem + ".bias"]

    def ln(self, stem, x):
        return layer_norm(x, self.t[stem + ".weight"], self.t[stem + ".bias"], self.eps)

    def embed(self, ids):
        p = "deberta.embeddings."
        x = self.t[p + "word_embeddings.weight"][ids]
        if self.pos_input:
            x = x + self.t[p + "position_embeddings.weight"][: len(ids)]
        if self.type_vocab > 0:
            x = x + self.t[p + "token_type_embeddings.weight"][0]
        return self.ln(p + "LayerNorm", x)

    def rel_index(self, n):
        r = torch.arange(n)[:, None] - torch.arange(n)[None, :]
        if self.buckets > 0 and self.max_rel > 0:
            r = log_bucket(r, self.buckets, self.max_rel)
        return torch.clamp(r + self.span, 0, 2 * self.span - 1)

    def layer(self, i, x, q_in):
        """Layer i with keys and values from x and queries from q_in (x
        itself in the encoder; the enhanced mask decoder's query states
        otherwise): (output rows for q_in, attention)."""
        n, h, d = x.shape[0], self.heads, self.hidden // self.heads
        rel = self.t["deberta.encoder.rel_embeddings.weight"][: 2 * self.span] if self.relative else None
        if rel is not None and self.norm_rel:
            rel = self.ln("deberta.encoder.LayerNorm", rel)
        idx = self.rel_index(n) if self.relative else None
        scale = math.sqrt(d * (1 + self.c2p + self.p2c))

        def heads(y):
            return y.view(-1, h, d).transpose(0, 1)  # [h][rows][d]

        p = f"deberta.encoder.layer.{i}.attention."
        q = heads(self.lin(p + "self.query_proj", q_in))
        k, v = (heads(self.lin(p + f"self.{m}_proj", x)) for m in ("key", "value"))
        s = q @ k.transpose(1, 2)
        if self.relative and self.c2p:
            pk = heads(self.lin(p + ("self.key_proj" if self.share else "self.pos_key_proj"), rel))
            c2p = q @ pk.transpose(1, 2)                       # [h][n][2span]
            s = s + torch.gather(c2p, 2, idx.expand(h, n, n))
        if self.relative and self.p2c:
            pq = heads(self.lin(p + ("self.query_proj" if self.share else "self.pos_query_proj"), rel))
            p2c = k @ pq.transpose(1, 2)                       # [h][n(key)][2span]
            # p2c[i][j] = K_j · Pq[δ(i,j)]
            s = s + torch.gather(p2c, 2, idx.T.expand(h, n, n)).transpose(1, 2)
        w = torch.softmax(s / scale, dim=-1)
        ctx = (w @ v).transpose(0, 1).reshape(n, self.hidden)
        y = self.ln(p + "output.LayerNorm", q_in + self.lin(p + "output.dense", ctx))
        lp = f"deberta.encoder.layer.{i}."
        f = self.lin(lp + "output.dense", self.act(self.lin(lp + "intermediate.dense", y)))
        return self.ln(lp + "output.LayerNorm", y + f), w

    def forward(self, ids):
        x = self.embed(torch.tensor(ids))
        hidden, attn = [x], []
        for i in range(self.layers):
            x, w = self.layer(i, x, x)
            attn.append(w)
            hidden.append(x)
        return torch.stack(attn), torch.stack(hidden)

    def has_emd(self):
        """DeBERTa's enhanced mask decoder (He et al. 2021, section 3.2, and
        microsoft/DeBERTa's EnhancedMaskDecoder.emd_context_layer) can run
        when the checkpoint's head is lm_predictions and it has absolute
        position embeddings the encoder does not add (position_biased_input
        false)."""
        return (self.head_prefix() == "lm_predictions.lm_head." and not self.pos_input
                and "deberta.embeddings.position_embeddings.weight" in self.t)

    def mlm_probs_at(self, res, pos, emd=False):
        """The masked-LM distribution at pos: transformers' (the head on the
        last layer's output), or with emd the enhanced mask decoder's: the
        last layer run twice more, keys and values from its input
        hidden[L-1], queries first hidden[L-1] + the absolute position
        embeddings, then its own output; the head reads the second output."""
        hidden = res["hidden"]
        if not emd:
            return self.mlm_probs(hidden[-1][pos])
        assert self.has_emd()
        kv = hidden[-2]
        q = kv + self.t["deberta.embeddings.position_embeddings.weight"][: kv.shape[0]]
        for _ in range(2):
            q, _ = self.layer(self.layers - 1, kv, q)
        return self.mlm_probs(q[pos])

    def head_prefix(self):
        cls = "cls.predictions.transform.dense.weight" in self.t
        lm = "lm_predictions.lm_head.dense.weight" in self.t
        if lm and (not cls or not self.cfg.get("legacy", True)):
            return "lm_predictions.lm_head."
        return "cls.predictions.transform." if cls else None

    def has_mlm(self):
        return self.head_prefix() is not None

    def mlm_probs(self, x):
        p = self.head_prefix()
        t = self.ln(p + "LayerNorm", self.act(self.lin(p + "dense", x)))
        emb = self.t["deberta.embeddings.word_embeddings.weight"]
        if p.startswith("cls."):
            dec = self.t.get("cls.predictions.decoder.weight", emb)
            bias = self.t["cls.predictions.bias"] if "cls.predictions.bias" in self.t \
                else self.t["cls.predictions.decoder.bias"]
        else:
            dec, bias = emb, self.t["lm_predictions.lm_head.bias"]
        return torch.softmax(dec @ t + bias, dim=-1)
