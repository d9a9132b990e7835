#!/usr/bin/python3
"""Independent float64 reference forward pass for ModernBERT.

Written from the ModernBERT paper (Warner et al. 2024, "Smarter, Better,
Faster, Longer") and the published configuration semantics of Hugging
Face's ModernBertConfig, without `transformers`:

  x0 = LayerNorm_emb(tok_embeddings[id])            (no position embedding)
  per layer l:
      a  = x                 if l == 0 (attn_norm is the identity there)
           LayerNorm(x)      otherwise                 (pre-norm)
      [q k v] = a Wqkvᵀ      (no bias unless attention_bias)
      q, k rotated by RoPE with rope_theta of the layer's kind:
          global layers (l % global_attn_every_n_layers == 0, or
          layer_types[l] == "full_attention"): global_rope_theta
          local layers: local_rope_theta, and key j is visible from query i
          only when |i - j| <= local_attention // 2
      x  = x + softmax(q kᵀ / √d + mask) v Woᵀ
      x  = x + Wo(act(in) * gate),  [in gate] = LayerNorm(x) Wiᵀ  (GeGLU)
  last = LayerNorm_final(x)
  MLM: softmax(E · LayerNorm_head(act(last Wdenseᵀ)) + decoder_bias)

Every LayerNorm has a bias only when norm_bias is true.  RoPE rotates the
two halves of each head (GPT-NeoX style): for k < d/2,
  q'[k] = q[k] cos(p ω_k) − q[k + d/2] sin(p ω_k)
  q'[k + d/2] = q[k + d/2] cos(p ω_k) + q[k] sin(p ω_k),  ω_k = θ^(−2k/d).

hidden[0] is the embedding output, hidden[l+1] the residual stream after
layer l, except hidden[L], which is the final-normed last_hidden_state the
head reads.  Attention outside a local window is exactly 0.
"""
import math
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from family_base import Family  # noqa: E402
from reference import activation  # noqa: E402


def norm(x, g, b, eps):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    y = (x - mu) / torch.sqrt(var + eps) * g
    return y + b if b is not None else y


def rope(x, theta):
    """x [h][n][d] rotated by position (row index)."""
    n, d = x.shape[1], x.shape[2]
    inv = 1.0 / theta ** (torch.arange(0, d, 2, dtype=torch.float64) / d)
    ang = torch.arange(n, dtype=torch.float64)[:, None] * inv[None, :]
    cos, sin = torch.cos(ang), torch.sin(ang)
    x1, x2 = x[..., : d // 2], x[..., d // 2:]
    return torch.cat((x1 * cos - x2 * sin, x2 * cos + x1 * sin), dim=-1)


class ModernBert(Family):
    def __init__(self, model_dir):
        super().__init__(model_dir, 8192)
        c = self.cfg
        self.eps = c.get("norm_eps", 1e-5)
        self.act = activation(c.get("hidden_activation", "gelu"))
        self.head_act = activation(c.get("classifier_activation", "gelu"))
        every = c.get("global_attn_every_n_layers", 3)
        types = c.get("layer_types") or [
            "sliding_attention" if i % every else "full_attention" for i in range(self.layers)]
        rp = c.get("rope_parameters") or {}
        self.theta = {
            "full_attention": (rp.get("full_attention") or {}).get(
                "rope_theta", c.get("global_rope_theta", 160000.0)),
            "sliding_attention": (rp.get("sliding_attention") or {}).get(
                "rope_theta", c.get("local_rope_theta", 10000.0)),
        }
        self.types = types
        self.half_window = c.get("local_attention", 128) // 2

    def g(self, name):
        return self.t[name] if name in self.t else None

    def ln(self, stem, x):
        return norm(x, self.t[stem + ".weight"], self.g(stem + ".bias"), self.eps)

    def lin(self, stem, x):
        y = x @ self.t[stem + ".weight"].T
        b = self.g(stem + ".bias")
        return y + b if b is not None else y

    def window_mask(self, n, layer):
        """True where query i may attend key j."""
        if self.types[layer] == "full_attention":
            return torch.ones(n, n, dtype=torch.bool)
        r = torch.arange(n)
        return (r[:, None] - r[None, :]).abs() <= self.half_window

    def forward(self, ids):
        n, h, d = len(ids), self.heads, self.hidden // self.heads
        x = self.ln("model.embeddings.norm", self.t["model.embeddings.tok_embeddings.weight"][ids])
        hidden, attn = [x], []
        for i in range(self.layers):
            p = f"model.layers.{i}."
            a = x if i == 0 else self.ln(p + "attn_norm", x)
            qkv = self.lin(p + "attn.Wqkv", a).view(n, 3, h, d)
            q, k, v = (qkv[:, j].transpose(0, 1) for j in range(3))
            theta = self.theta[self.types[i]]
            q, k = rope(q, theta), rope(k, theta)
            s = q @ k.transpose(1, 2) / math.sqrt(d)
            s = s.masked_fill(~self.window_mask(n, i), float("-inf"))
            w = torch.softmax(s, dim=-1)
            ctx = (w @ v).transpose(0, 1).reshape(n, self.hidden)
            x = x + self.lin(p + "attn.Wo", ctx)
            inp, gate = self.lin(p + "mlp.Wi", self.ln(p + "mlp_norm", x)).chunk(2, dim=-1)
            x = x + self.lin(p + "mlp.Wo", self.act(inp) * gate)
            attn.append(w)
            hidden.append(x)
        hidden[-1] = self.ln("model.final_norm", x)
        return torch.stack(attn), torch.stack(hidden)

    def has_mlm(self):
        return "head.dense.weight" in self.t

    def mlm_probs(self, x):
        t = self.ln("head.norm", self.head_act(self.lin("head.dense", x)))
        dec = self.t.get("decoder.weight", self.t["model.embeddings.tok_embeddings.weight"])
        logits = dec @ t
        if "decoder.bias" in self.t:
            logits = logits + self.t["decoder.bias"]
        return torch.softmax(logits, dim=-1)
