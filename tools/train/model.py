"""BertForMaskedLM for training, with Hugging Face parameter names so that
state_dict() exports straight to a folder `transformers` and heed both load.

Post-LayerNorm BERT (Devlin et al. 2019): embeddings → LN → L × [self-attention
→ residual → LN → FFN(GELU) → residual → LN]; MLM head: dense → GELU → LN →
decoder tied to the word embeddings (+ bias).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Embeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], c["hidden_size"])
        self.token_type_embeddings = nn.Embedding(c["type_vocab_size"], c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.dropout = nn.Dropout(c["hidden_dropout_prob"])

    def forward(self, ids):
        pos = torch.arange(ids.shape[1], device=ids.device)
        x = self.word_embeddings(ids) + self.position_embeddings(pos)[None] \
            + self.token_type_embeddings.weight[0]
        return self.dropout(self.LayerNorm(x))


class SelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c["hidden_size"]
        self.nh = c["num_attention_heads"]
        self.query = nn.Linear(h, h)
        self.key = nn.Linear(h, h)
        self.value = nn.Linear(h, h)
        self.p = c["attention_probs_dropout_prob"]

    def forward(self, x, mask):
        b, n, h = x.shape
        d = h // self.nh
        q = self.query(x).view(b, n, self.nh, d).transpose(1, 2)
        k = self.key(x).view(b, n, self.nh, d).transpose(1, 2)
        v = self.value(x).view(b, n, self.nh, d).transpose(1, 2)
        # torch 1.13 (Debian 12) has no fused scaled_dot_product_attention
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d) + mask, dim=-1)
        if self.training and self.p > 0:
            att = F.dropout(att, self.p)
        return (att @ v).transpose(1, 2).reshape(b, n, h)


class DenseLN(nn.Module):
    """BertSelfOutput / BertOutput: dense → dropout → residual → LayerNorm."""

    def __init__(self, c, n_in):
        super().__init__()
        self.dense = nn.Linear(n_in, c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.dropout = nn.Dropout(c["hidden_dropout_prob"])

    def forward(self, x, resid):
        return self.LayerNorm(self.dropout(self.dense(x)) + resid)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self = SelfAttention(c)
        self.output = DenseLN(c, c["hidden_size"])


class Intermediate(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["intermediate_size"])


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = Attention(c)
        self.intermediate = Intermediate(c)
        self.output = DenseLN(c, c["intermediate_size"])

    def forward(self, x, mask):
        a = self.attention.output(self.attention.self(x, mask), x)
        return self.output(F.gelu(self.intermediate.dense(a)), a)


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList([Layer(c) for _ in range(c["num_hidden_layers"])])


class Bert(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = Embeddings(c)
        self.encoder = Encoder(c)

    def forward(self, ids, pad_mask):
        # pad_mask: [b, n] True for real tokens → additive mask [b, 1, 1, n]
        mask = torch.zeros(pad_mask.shape, dtype=torch.float32, device=ids.device)
        mask = mask.masked_fill(~pad_mask, float("-inf"))[:, None, None, :]
        x = self.embeddings(ids)
        for layer in self.encoder.layer:
            x = layer(x, mask)
        return x


class Transform(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])


class Predictions(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.transform = Transform(c)
        self.bias = nn.Parameter(torch.zeros(c["vocab_size"]))


class Cls(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.predictions = Predictions(c)


class BertForMaskedLM(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.bert = Bert(c)
        self.cls = Cls(c)
        self.apply(self._init)

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)
            if isinstance(m, nn.Linear) and m.bias is not None:
                nn.init.zeros_(m.bias)

    def mlm_logits(self, h):
        """h: [m, hidden] rows at the positions to predict → [m, vocab]."""
        t = self.cls.predictions.transform
        h = t.LayerNorm(F.gelu(t.dense(h)))
        return h @ self.bert.embeddings.word_embeddings.weight.T + self.cls.predictions.bias

    def forward(self, ids, pad_mask, positions):
        """positions: (batch_idx, token_idx) of the rows to predict; the
        30522-way decoder runs only there, which is most of the saving."""
        h = self.bert(ids, pad_mask)
        return self.mlm_logits(h[positions])

    def export_state(self):
        """Hugging Face names; the decoder weight is tied, so not stored."""
        return {k: v for k, v in self.state_dict().items()}


def param_count(model):
    return sum(p.numel() for p in model.parameters())


def gelu_check():
    x = torch.linspace(-4, 4, 9)
    ref = 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))
    assert torch.allclose(F.gelu(x), ref)
