"""PyTorch peer for `bench/extract-clip.ts`: CLIP ViT-L/14@336 (vision tower + visual projection) and its text tower
(+ text projection) as plain PyTorch modules of the same shapes, float32, CPU, inference mode.

The modules mirror transformers' CLIP, state-dict names included (pre-LN encoder layers, quick_gelu MLP, q scaled after
q_proj, class token, pre/post LayerNorm, causal + padding mask, legacy eos pooling at argmax(input_ids)). Attention is
eager (bmm + softmax, as transformers' "eager" CLIP) or torch's fused scaled_dot_product_attention ("sdpa"); each
listed variant is timed on random inputs (a warm-up batch, then the timed batches; images are not decoded here).
With --check DIR the towers load our weights and inputs from DIR (weights.f32 + names.json, pixels.f32, ids.i64,
mask.i64) and the largest differences from our L2-normalised embeddings (ours_image.f32, ours_text.f32) are reported.
Prints one JSON line: {"torch", "threads", "images", "batch", "img_s": {variant: x}, "vision_img_s", "text_s",
"peak_rss_mb", ["max_abs_diff_image", "max_abs_diff_text"]}. Usage:
  extract_clip_peer.py --images N --batch B --threads K [--text-len T] [--layers L] [--attn eager,sdpa] [--check DIR]
"""
import argparse
import json
import os
import resource
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Attention(nn.Module):
    def __init__(self, d, heads, sdpa):
        super().__init__()
        self.heads, self.hd, self.sdpa = heads, d // heads, sdpa
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(d, d) for _ in range(4))

    def forward(self, x, mask=None):
        b, t, d = x.shape
        split = lambda y: y.view(b, t, self.heads, self.hd).transpose(1, 2)  # (B, H, T, hd)
        if self.sdpa:
            a = F.scaled_dot_product_attention(split(self.q_proj(x)), split(self.k_proj(x)), split(self.v_proj(x)), attn_mask=mask)
        else:
            s = split(self.q_proj(x) * self.hd ** -0.5) @ split(self.k_proj(x)).transpose(-1, -2)  # (B, H, T, T)
            a = torch.softmax(s if mask is None else s + mask, dim=-1) @ split(self.v_proj(x))
        return self.out_proj(a.transpose(1, 2).reshape(b, t, d))


class Mlp(nn.Module):
    def __init__(self, d, width):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(d, width), nn.Linear(width, d)

    def forward(self, x):
        h = self.fc1(x)
        return self.fc2(h * torch.sigmoid(1.702 * h))  # quick_gelu


class Layer(nn.Module):
    def __init__(self, d, heads, width, sdpa):
        super().__init__()
        self.self_attn, self.layer_norm1 = Attention(d, heads, sdpa), nn.LayerNorm(d)
        self.mlp, self.layer_norm2 = Mlp(d, width), nn.LayerNorm(d)

    def forward(self, x, mask=None):
        x = x + self.self_attn(self.layer_norm1(x), mask)
        return x + self.mlp(self.layer_norm2(x))


class Encoder(nn.Module):
    def __init__(self, layers, d, heads, width, sdpa):
        super().__init__()
        self.layers = nn.ModuleList(Layer(d, heads, width, sdpa) for _ in range(layers))

    def forward(self, x, mask=None):
        for layer in self.layers:
            x = layer(x, mask)
        return x


class VisionEmbeddings(nn.Module):
    def __init__(self, d, patch, image):
        super().__init__()
        self.class_embedding = nn.Parameter(torch.randn(d) * 0.02)
        self.patch_embedding = nn.Conv2d(3, d, patch, patch, bias=False)
        self.position_embedding = nn.Embedding((image // patch) ** 2 + 1, d)

    def forward(self, pixels):  # (B, 3, S, S)
        x = self.patch_embedding(pixels).flatten(2).transpose(1, 2)  # (B, N, D)
        return torch.cat([self.class_embedding.expand(x.shape[0], 1, -1), x], 1) + self.position_embedding.weight


class VisionTransformer(nn.Module):
    def __init__(self, d, layers, heads, width, patch, image, sdpa):
        super().__init__()
        self.embeddings = VisionEmbeddings(d, patch, image)
        self.pre_layrnorm, self.post_layernorm = nn.LayerNorm(d), nn.LayerNorm(d)
        self.encoder = Encoder(layers, d, heads, width, sdpa)

    def forward(self, pixels):
        return self.post_layernorm(self.encoder(self.pre_layrnorm(self.embeddings(pixels)))[:, 0])  # (B, D)


class VisionWithProjection(nn.Module):
    def __init__(self, d=1024, layers=24, heads=16, width=4096, patch=14, image=336, proj=768, sdpa=False):
        super().__init__()
        self.vision_model = VisionTransformer(d, layers, heads, width, patch, image, sdpa)
        self.visual_projection = nn.Linear(d, proj, bias=False)

    def forward(self, pixels):
        return self.visual_projection(self.vision_model(pixels))  # (B, P)


class TextEmbeddings(nn.Module):
    def __init__(self, vocab, d, positions):
        super().__init__()
        self.token_embedding, self.position_embedding = nn.Embedding(vocab, d), nn.Embedding(positions, d)


class TextTransformer(nn.Module):
    def __init__(self, vocab, d, layers, heads, width, positions, sdpa):
        super().__init__()
        self.embeddings = TextEmbeddings(vocab, d, positions)
        self.encoder = Encoder(layers, d, heads, width, sdpa)
        self.final_layer_norm = nn.LayerNorm(d)

    def forward(self, ids, attention_mask):  # (B, T) int64 each
        b, t = ids.shape
        x = self.embeddings.token_embedding(ids) + self.embeddings.position_embedding.weight[:t]
        neg = torch.finfo(x.dtype).min
        causal = torch.full((t, t), neg).triu(1)
        mask = causal + (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * neg  # (B, 1, T, T)
        x = self.final_layer_norm(self.encoder(x, mask))
        return x[torch.arange(b), ids.argmax(-1)]  # (B, D): legacy eos pooling (eos is the largest id)


class TextWithProjection(nn.Module):
    def __init__(self, vocab=49408, d=768, layers=12, heads=12, width=3072, positions=77, proj=768, sdpa=False):
        super().__init__()
        self.text_model = TextTransformer(vocab, d, layers, heads, width, positions, sdpa)
        self.text_projection = nn.Linear(d, proj, bias=False)

    def forward(self, ids, mask):
        return self.text_projection(self.text_model(ids, mask))


def timed(fn, items):
    fn(items[0])  # warm-up
    t = time.perf_counter()
    for x in items:
        fn(x)
    return time.perf_counter() - t


def load_ours(modules, folder):
    names = json.load(open(os.path.join(folder, "names.json")))
    flat = np.fromfile(os.path.join(folder, "weights.f32"), dtype=np.float32)
    off = 0
    state = {}
    for name, shape in names:
        n = int(np.prod(shape)) if shape else 1
        state[name] = torch.from_numpy(flat[off:off + n].reshape(shape).copy())
        off += n
    for m in modules:
        own = {k: v for k, v in state.items() if k in m.state_dict()}
        m.load_state_dict(own, strict=True)


def check(a, vision, text):
    d = a.check
    read = lambda f, dt: np.fromfile(os.path.join(d, f), dtype=dt)
    load_ours([vision, text], d)
    meta = json.load(open(os.path.join(d, "inputs.json")))
    pixels = torch.from_numpy(read("pixels.f32", np.float32).reshape(meta["images"], 3, 336, 336))
    ids = torch.from_numpy(read("ids.i64", np.int64).reshape(meta["texts"], -1))
    mask = torch.from_numpy(read("mask.i64", np.int64).reshape(ids.shape))
    with torch.inference_mode():
        img = F.normalize(vision(pixels), dim=-1).numpy().reshape(-1)  # ours are L2-normalised (the encoder's default)
        txt = F.normalize(text(ids, mask), dim=-1).numpy().reshape(-1)
    return float(np.abs(img - read("ours_image.f32", np.float32)).max()), float(np.abs(txt - read("ours_text.f32", np.float32)).max())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=4)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--text-len", type=int, default=16)
    ap.add_argument("--layers", type=int, default=24)
    ap.add_argument("--attn", default="eager,sdpa")
    ap.add_argument("--check", default=None)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    n_batches = max(1, a.images // a.batch)
    images = n_batches * a.batch
    pixels = [torch.randn(a.batch, 3, 336, 336) for _ in range(n_batches)]
    ids = [torch.randint(1, 49000, (a.batch, a.text_len)) for _ in range(n_batches)]
    for t in ids:
        t[:, -1] = 49407
    masks = [torch.ones_like(t) for t in ids]
    out = {"torch": torch.__version__.split("+")[0], "threads": torch.get_num_threads(), "images": images, "batch": a.batch,
           "img_s": {}, "vision_img_s": {}, "text_s": {}}
    for attn in a.attn.split(","):
        sdpa = attn == "sdpa"
        vision, text = VisionWithProjection(layers=a.layers, sdpa=sdpa).eval(), TextWithProjection(sdpa=sdpa).eval()
        if a.check and attn == a.attn.split(",")[0]:
            out["max_abs_diff_image"], out["max_abs_diff_text"] = check(a, vision, text)
        with torch.inference_mode():
            tv = timed(vision, pixels)
            tt = timed(lambda i: text(ids[i], masks[i]), list(range(n_batches)))
        out["img_s"][attn] = images / (tv + tt)
        out["vision_img_s"][attn] = images / tv
        out["text_s"][attn] = images / tt
        del vision, text
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
