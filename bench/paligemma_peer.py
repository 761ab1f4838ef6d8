"""PyTorch peer for `bench/paligemma.ts`: PaliGemma of the given config as a plain PyTorch module, random weights.

Same computation as ours: SigLIP tower (patch conv, learned positions, pre-LN layers, tanh-GELU MLP, post-LN), projector
/ sqrt(hidden), merge into the token embeddings, Gemma decoder (RMSNorm (1 + w), multi-query attention with RoPE, gated
tanh-GELU MLP, tied head), float32. Attention is torch's scaled_dot_product_attention with an additive mask.
Measures, at batch 1 with the same prompt length and thread count:
  vision_s (features of one image), prefill_s / prefill tokens/s (decoder over the whole prompt, KV cache out),
  decode tokens/s (greedy steps on the cache), lora_step_s (LoRA r on q/k/v/o/gate/up/down incl. SigLIP q/k/v,
  forward + backward to the adapters + AdamW, loss on the answer rows only - as ours), peak RSS.
Prints one JSON line. Usage: paligemma_peer.py --config CONFIG.json --prompt T --answer A --new N --threads K --r R
"""
import argparse
import json
import math
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class LoraLinear(nn.Module):
    def __init__(self, d_in, d_out, bias, r, scaling):
        super().__init__()
        self.base = nn.Linear(d_in, d_out, bias=bias)
        self.base.requires_grad_(False)
        self.r = r
        if r > 0:
            self.lora_A = nn.Parameter(torch.empty(r, d_in).uniform_(-1 / math.sqrt(d_in), 1 / math.sqrt(d_in)))
            self.lora_B = nn.Parameter(torch.randn(d_out, r) * 0.01)
            self.scaling = scaling

    def forward(self, x):
        y = self.base(x)
        if self.r > 0:
            y = y + F.linear(F.linear(x, self.lora_A), self.lora_B) * self.scaling
        return y


def rand_(module, std=0.02):
    """Matrices N(0, std^2), 1-D tensors 0 (Gemma's RMSNorm offsets, biases), LayerNorms 1 / 0; LoRA tensors kept."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.endswith("lora_A") or name.endswith("lora_B"):
                continue
            if p.dim() >= 2:
                p.normal_(0, std)
            else:
                p.zero_()
        for m in module.modules():
            if isinstance(m, nn.LayerNorm):
                m.weight.fill_(1)


class SiglipLayer(nn.Module):
    def __init__(self, d, inter, heads, r, s):
        super().__init__()
        self.h = heads
        self.ln1 = nn.LayerNorm(d, eps=1e-6)
        self.q = LoraLinear(d, d, True, r, s)
        self.k = LoraLinear(d, d, True, r, s)
        self.v = LoraLinear(d, d, True, r, s)
        self.o = LoraLinear(d, d, True, 0, s)
        self.ln2 = nn.LayerNorm(d, eps=1e-6)
        self.fc1 = nn.Linear(d, inter)
        self.fc2 = nn.Linear(inter, d)

    def forward(self, x):
        b, t, d = x.shape
        h = self.ln1(x)
        q, k, v = [m(h).view(b, t, self.h, d // self.h).transpose(1, 2) for m in (self.q, self.k, self.v)]
        a = F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(b, t, d)
        x = x + self.o(a)
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x)), approximate="tanh"))


class Siglip(nn.Module):
    def __init__(self, vc, r, s):
        super().__init__()
        d = vc["hidden_size"]
        self.p = vc["patch_size"]
        n = (vc["image_size"] // self.p) ** 2
        self.patch = nn.Conv2d(3, d, self.p, self.p)
        self.pos = nn.Parameter(torch.zeros(n, d))
        self.layers = nn.ModuleList([SiglipLayer(d, vc["intermediate_size"], vc["num_attention_heads"], r, s) for _ in range(vc["num_hidden_layers"])])
        self.post = nn.LayerNorm(d, eps=1e-6)

    def forward(self, pixels):
        x = self.patch(pixels).flatten(2).transpose(1, 2) + self.pos
        for layer in self.layers:
            x = layer(x)
        return self.post(x)


def rms(x, w, eps=1e-6):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * (1 + w)


def rope(x, pos, theta=10000.0):
    hd = x.shape[-1]
    inv = 1.0 / (theta ** (torch.arange(0, hd, 2, dtype=torch.float32) / hd))
    f = pos[:, None, :, None].float() * inv  # (B, 1, T, hd/2)
    emb = torch.cat([f, f], -1)
    x1, x2 = x[..., : hd // 2], x[..., hd // 2 :]
    return x * emb.cos() + torch.cat([-x2, x1], -1) * emb.sin()


class GemmaLayer(nn.Module):
    def __init__(self, tc, r, s):
        super().__init__()
        d, self.h, self.kv, self.hd = tc["hidden_size"], tc["num_attention_heads"], tc["num_key_value_heads"], tc["head_dim"]
        i = tc["intermediate_size"]
        self.n1 = nn.Parameter(torch.zeros(d))
        self.n2 = nn.Parameter(torch.zeros(d))
        self.q = LoraLinear(d, self.h * self.hd, False, r, s)
        self.k = LoraLinear(d, self.kv * self.hd, False, r, s)
        self.v = LoraLinear(d, self.kv * self.hd, False, r, s)
        self.o = LoraLinear(self.h * self.hd, d, False, r, s)
        self.gate = LoraLinear(d, i, False, r, s)
        self.up = LoraLinear(d, i, False, r, s)
        self.down = LoraLinear(i, d, False, r, s)

    def forward(self, x, pos, mask, past):
        b, t, _ = x.shape
        h = rms(x, self.n1)
        q = rope(self.q(h).view(b, t, self.h, self.hd).transpose(1, 2), pos)
        k = rope(self.k(h).view(b, t, self.kv, self.hd).transpose(1, 2), pos)
        v = self.v(h).view(b, t, self.kv, self.hd).transpose(1, 2)
        if past is not None:
            k, v = torch.cat([past[0], k], 2), torch.cat([past[1], v], 2)
        g = self.h // self.kv
        a = F.scaled_dot_product_attention(q, k.repeat_interleave(g, 1), v.repeat_interleave(g, 1), attn_mask=mask)
        x = x + self.o(a.transpose(1, 2).reshape(b, t, -1))
        h = rms(x, self.n2)
        return x + self.down(F.gelu(self.gate(h), approximate="tanh") * self.up(h)), (k, v)


class Gemma(nn.Module):
    def __init__(self, tc, r, s):
        super().__init__()
        self.embed = nn.Embedding(tc["vocab_size"], tc["hidden_size"])
        self.layers = nn.ModuleList([GemmaLayer(tc, r, s) for _ in range(tc["num_hidden_layers"])])
        self.norm = nn.Parameter(torch.zeros(tc["hidden_size"]))
        self.d = tc["hidden_size"]

    def forward(self, embeds, pos, mask, past=None):
        x = embeds * torch.tensor(self.d**0.5, dtype=embeds.dtype)
        present = []
        for i, layer in enumerate(self.layers):
            x, kv = layer(x, pos, mask, None if past is None else past[i])
            present.append(kv)
        return rms(x, self.norm), present


class PaliGemma(nn.Module):
    def __init__(self, cfg, r, alpha):
        super().__init__()
        s = alpha / r if r > 0 else 0
        self.vision = Siglip(cfg["vision_config"], r, s)
        self.proj = nn.Linear(cfg["vision_config"]["hidden_size"], cfg["text_config"]["hidden_size"])
        self.lm = Gemma(cfg["text_config"], r, s)
        self.hidden = cfg.get("hidden_size", 2048)
        self.image_id = cfg["image_token_index"]

    def embeds(self, ids, pixels):
        img = self.proj(self.vision(pixels)) / self.hidden**0.5  # (B, Np, D)
        e = self.lm.embed(ids)
        m = (ids == self.image_id).unsqueeze(-1)
        return e.masked_scatter(m, img)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--prompt", type=int, required=True)
    ap.add_argument("--answer", type=int, default=2)
    ap.add_argument("--new", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--r", type=int, default=8)
    ap.add_argument("--alpha", type=float, default=8)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    cfg = json.load(open(a.config))
    cfg = cfg.get("config", cfg)
    t0 = time.perf_counter()
    model = PaliGemma(cfg, a.r, a.alpha)
    rand_(model)
    model.lm.embed.weight.requires_grad_(False)
    for n, p in model.named_parameters():
        if "lora_" not in n:
            p.requires_grad_(False)
    load_s = time.perf_counter() - t0
    vc, tc = cfg["vision_config"], cfg["text_config"]
    npatch = (vc["image_size"] // vc["patch_size"]) ** 2
    pixels = torch.randn(1, 3, vc["image_size"], vc["image_size"])
    text = torch.randint(3, 1000, (a.prompt - npatch,))
    text[0], text[-1] = 2, 108
    ids = torch.cat([torch.full((npatch,), cfg["image_token_index"]), text]).unsqueeze(0)
    T = ids.shape[1]
    out = {"torch": torch.__version__, "threads": a.threads, "prompt_tokens": T, "load_s": load_s}
    with torch.no_grad():
        pos = torch.arange(1, T + 1).unsqueeze(0)
        mask = torch.zeros(1, 1, T, T)
        for rep in range(2):
            t0 = time.perf_counter()
            e = model.embeds(ids, pixels)
            t1 = time.perf_counter()
            final, cache = model.lm(e, pos, mask)
            logits = final[:, -1] @ model.lm.embed.weight.T
            t2 = time.perf_counter()
            out["vision_s"], out["prefill_s"] = t1 - t0, t2 - t1
        out["prefill_tok_s"] = T / out["prefill_s"]
        tok = logits.argmax(-1)
        times = []
        for k in range(a.new):
            t0 = time.perf_counter()
            x = model.lm.embed(tok.view(1, 1))
            final, cache = model.lm(x, torch.tensor([[T + 1 + k]]), None, cache)
            tok = (final[:, -1] @ model.lm.embed.weight.T).argmax(-1)
            times.append(time.perf_counter() - t0)
        steady = sorted(times[1:] or times)
        out["decode_tok_s"] = 1 / steady[len(steady) // 2]
    # LoRA step: prefix + answer, prefix-LM mask, loss on answer rows, AdamW on adapters.
    L = T + a.answer
    ids2 = torch.cat([ids[0], torch.randint(3, 1000, (a.answer,))]).unsqueeze(0)
    tt = torch.zeros(L, dtype=torch.bool)
    tt[T:] = True
    allowed = (torch.arange(L)[None, :] <= torch.arange(L)[:, None]) | (~tt)[None, :]
    mask2 = torch.where(allowed, 0.0, torch.finfo(torch.float32).min)[None, None]
    pos2 = torch.arange(1, L + 1).unsqueeze(0)
    rows = torch.arange(T - 1, L - 1)
    targets = ids2[0, T:]
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=2e-5, weight_decay=1e-6)
    steps = []
    for rep in range(2):
        t0 = time.perf_counter()
        e = model.embeds(ids2, pixels)
        final, _ = model.lm(e, pos2, mask2)
        logits = final[0, rows] @ model.lm.embed.weight.T
        loss = F.cross_entropy(logits, targets)
        opt.zero_grad()
        loss.backward()
        opt.step()
        steps.append(time.perf_counter() - t0)
    out["lora_step_s"] = min(steps)
    out["lora_params"] = sum(p.numel() for p in params)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


if __name__ == "__main__":
    main()
