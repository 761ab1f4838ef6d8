"""PyTorch peer for `bench/extract-resnet50.ts`: ResNet-50 feature extraction on a folder of JPEGs.

The network is torchvision's resnet50 topology written as a plain nn.Module (Bottleneck [3, 4, 6, 3], stride on the
3x3 conv, eval-mode BatchNorm, global average pool; no torchvision needed), run eagerly in float32 under
torch.inference_mode() with NCHW tensors, `--threads` intra-op threads. Per batch: decode (Pillow, RGB), torchvision's
eval transform (Resize(256) bilinear on the PIL image, CenterCrop(224), ToTensor, Normalize) and forward to the pooled
2048-d features; one warm-up batch, then all images timed. Pillow is imported from the interpreter's own packages, or
else from the system's dist-packages (Debian's python3-pil) when its ABI matches; without Pillow the decoding and resize
happen before the timing (reported in `decode`).
Prints one JSON line: {"torch", "threads", "img_s", "infer_img_s" (forward passes alone), "decode", "peak_rss_mb"
[, "max_abs_diff", "max_abs_feature"]}.
Usage: extract_resnet50_peer.py --dir D --batch B --threads T [--weights W.f32 --names N.json --compare OURS.f32]
"""
import argparse
import glob
import json
import os
import resource
import sys
import time

import numpy as np
import torch
import torch.nn as nn


def import_pil():
    try:
        from PIL import Image
        return Image
    except ImportError:
        pass
    tag = f"python3.{sys.version_info.minor}"
    for d in ("/usr/lib/python3/dist-packages", f"/usr/lib/{tag}/dist-packages"):
        if os.path.isdir(os.path.join(d, "PIL")):
            sys.path.append(d)  # appended: the interpreter's own numpy/torch keep precedence
            try:
                from PIL import Image
                return Image
            except ImportError:
                sys.path.remove(d)
    return None


class Bottleneck(nn.Module):
    def __init__(self, cin: int, width: int, stride: int):
        super().__init__()
        cout = width * 4
        self.conv1 = nn.Conv2d(cin, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, cout, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        h = self.relu(self.bn1(self.conv1(x)))
        h = self.relu(self.bn2(self.conv2(h)))
        h = self.bn3(self.conv3(h))
        skip = x if self.downsample is None else self.downsample(x)
        return self.relu(h + skip)


class ResNet50(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        cin = 64
        for i, (blocks, width) in enumerate(zip([3, 4, 6, 3], [64, 128, 256, 512])):
            layer = []
            for b in range(blocks):
                layer.append(Bottleneck(cin, width, 2 if b == 0 and i > 0 else 1))
                cin = width * 4
            setattr(self, f"layer{i + 1}", nn.Sequential(*layer))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(2048, 1000)

    def features(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return torch.flatten(self.avgpool(x), 1)


def init_random(model: nn.Module):
    g = torch.Generator().manual_seed(0)
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            fan_in = m.weight[0].numel()
            m.weight.data.normal_(0, (2 / fan_in) ** 0.5, generator=g)
        elif isinstance(m, nn.BatchNorm2d):
            m.weight.data.uniform_(0.5, 1, generator=g)
            m.bias.data.normal_(0, 0.1, generator=g)
            m.running_mean.normal_(0, 0.1, generator=g)
            m.running_var.uniform_(0.5, 1.5, generator=g)


def load_flat(model: nn.Module, weights: str, names: str):
    flat = np.fromfile(weights, dtype=np.float32)
    sd = model.state_dict()
    off = 0
    for name in json.load(open(names)):
        t = sd[name]
        n = t.numel()
        t.copy_(torch.from_numpy(flat[off:off + n]).view(t.shape))
        off += n
    assert off == flat.size, (off, flat.size)


MEAN = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)


def resized_size(w: int, h: int, s: int = 256):
    short, long = (w, h) if w <= h else (h, w)
    new_long = int(s * long / short)
    return (s, new_long) if w <= h else (new_long, s)


def transform_pil(img, Image):
    """torchvision Resize(256) + CenterCrop(224) on a PIL image, then ToTensor + Normalize."""
    w, h = img.size
    nw, nh = resized_size(w, h)
    if (nw, nh) != (w, h):
        img = img.resize((nw, nh), Image.BILINEAR)
    top, left = int(round((nh - 224) / 2.0)), int(round((nw - 224) / 2.0))
    img = img.crop((left, top, left + 224, top + 224))
    t = torch.from_numpy(np.array(img, np.uint8, copy=True)).permute(2, 0, 1).contiguous().float().div(255)  # as ToTensor
    return t.sub_(MEAN).div_(STD)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--weights")
    ap.add_argument("--names")
    ap.add_argument("--compare")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    Image = import_pil()
    files = sorted(glob.glob(os.path.join(a.dir, "*.jpg")))
    model = ResNet50().eval()
    if a.weights:
        load_flat(model, a.weights, a.names)
    else:
        init_random(model)

    if Image is not None:
        decode = f"PIL {Image.__version__ if hasattr(Image, '__version__') else ''}".strip() + " (timed)"
        load = lambda f: transform_pil(Image.open(f).convert("RGB"), Image)
        pre = None
    else:
        # No decoder in this python: ours decodes raw RGB next to the JPEGs (<name>.rgb + <name>.json); resize untimed.
        decode = "outside timing (no Pillow): raw RGB from sharp, torch antialiased bilinear resize, untimed"
        if not all(os.path.exists(f[:-4] + ".rgb") for f in files):
            print("no Pillow: rerun with raw RGB files (<name>.rgb + <name>.json) beside the JPEGs", file=sys.stderr)
            sys.exit(3)
        def prep(f):
            meta = json.load(open(f[:-4] + ".json"))
            raw = np.fromfile(f[:-4] + ".rgb", dtype=np.uint8).reshape(meta["height"], meta["width"], 3)
            x = torch.from_numpy(raw).permute(2, 0, 1)[None].float()
            nw, nh = resized_size(meta["width"], meta["height"])
            x = torch.nn.functional.interpolate(x, size=(nh, nw), mode="bilinear", antialias=True, align_corners=False)
            x = x.round().clamp(0, 255)[0]
            top, left = int(round((nh - 224) / 2.0)), int(round((nw - 224) / 2.0))
            return x[:, top:top + 224, left:left + 224].div(255).sub_(MEAN).div_(STD)
        pre = {f: prep(f) for f in files}
        load = lambda f: pre[f]

    def run(fs):
        out = []
        infer = 0.0
        with torch.inference_mode():
            for i in range(0, len(fs), a.batch):
                x = torch.stack([load(f) for f in fs[i:i + a.batch]])  # (B, 3, 224, 224)
                t = time.perf_counter()
                out.append(model.features(x))
                infer += time.perf_counter() - t
        return torch.cat(out), infer

    run(files[: a.batch])  # warm-up
    t0 = time.perf_counter()
    feats, infer = run(files)
    seconds = time.perf_counter() - t0
    result = {
        "torch": torch.__version__.split("+")[0],
        "threads": torch.get_num_threads(),
        "img_s": len(files) / seconds,
        "infer_img_s": len(files) / infer,
        "decode": decode,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if a.compare:
        ours = torch.from_numpy(np.fromfile(a.compare, dtype=np.float32)).view(len(files), -1)
        result["max_abs_diff"] = float((ours - feats).abs().max())
        result["max_abs_feature"] = float(feats.abs().max())
    print(json.dumps(result))


if __name__ == "__main__":
    main()
