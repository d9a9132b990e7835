"""A plain PyTorch ModernBERT encoder that computes what heed computes, for
the benchmark's PyTorch side and its ONNX export (bench/bert_torch.py is the
BERT one; encoder_for there picks by model_type).

Float32, one sequence, no padding.  Local layers are computed as transformers'
eager and SDPA paths do: the full n x n scores plus a mask of -inf outside
|i - j| <= local_attention / 2 (heed computes only the window).  Returns the
final-normed last hidden state and every layer's attention probabilities.
"""
import math

import torch
import torch.nn.functional as F

from bert_torch import Encoder


def rope_table(theta, d, n):
    inv = 1.0 / theta ** (torch.arange(0, d, 2, dtype=torch.float64) / d)
    ang = torch.arange(n, dtype=torch.float64)[:, None] * inv[None, :]
    return torch.cos(ang).float(), torch.sin(ang).float()


class ModernBert(Encoder):
    def __init__(self, folder):
        super().__init__(folder, "model.", ("embeddings.", "layers.", "final_norm."))
        c = self.config
        self.eps = c.get("norm_eps", 1e-5)
        self.every = c.get("global_attn_every_n_layers", 3)
        self.half = c.get("local_attention", 128) // 2
        d, n = self.hidden // self.heads, c.get("max_position_embeddings", 8192)
        for kind, theta in (("global", c.get("global_rope_theta", 160000.0)),
                            ("local", c.get("local_rope_theta", 10000.0))):
            cos, sin = rope_table(theta, d, n)
            self.register_buffer(kind + "_cos", cos)
            self.register_buffer(kind + "_sin", sin)

    def _ln(self, x, prefix):
        return F.layer_norm(x, (self.hidden,), self._w(prefix + ".weight"), None, self.eps)

    def _rope(self, x, kind, n):
        half = x.shape[-1] // 2
        cos, sin = getattr(self, kind + "_cos")[:n], getattr(self, kind + "_sin")[:n]
        x1, x2 = x[..., :half], x[..., half:]
        return torch.cat((x1 * cos - x2 * sin, x2 * cos + x1 * sin), dim=-1)

    def _layer(self, x, i, mask):
        p = "layers.%d." % i
        n, h, d = x.shape[0], self.hidden, self.hidden // self.heads
        a = x if i == 0 else self._ln(x, p + "attn_norm")
        qkv = F.linear(a, self._w(p + "attn.Wqkv.weight")).view(-1, 3, self.heads, d)
        q, k, v = (qkv[:, j].transpose(0, 1) for j in range(3))
        local = i % self.every != 0
        kind = "local" if local else "global"
        q, k = self._rope(q, kind, n), self._rope(k, kind, n)
        s = q @ k.transpose(1, 2) / math.sqrt(d)
        if local:
            s = s + mask
        att = torch.softmax(s, dim=-1)
        ctx = (att @ v).transpose(0, 1).reshape(-1, h)
        x = x + F.linear(ctx, self._w(p + "attn.Wo.weight"))
        inp, gate = F.linear(self._ln(x, p + "mlp_norm"), self._w(p + "mlp.Wi.weight")).chunk(2, dim=-1)
        return x + F.linear(F.gelu(inp) * gate, self._w(p + "mlp.Wo.weight")), att

    def _embed(self, ids):
        """The embeddings, and the local layers' mask: -inf outside the window."""
        n = ids.shape[0]
        r = torch.arange(n)
        dist = (r[:, None] - r[None, :]).abs()
        mask = torch.zeros(n, n).masked_fill(dist > self.half, float("-inf"))
        x = self._ln(F.embedding(ids, self._w("embeddings.tok_embeddings.weight")), "embeddings.norm")
        return x, mask

    def _final(self, x):
        return self._ln(x, "final_norm")
