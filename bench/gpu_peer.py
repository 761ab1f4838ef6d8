"""PyTorch peer of `bench gpu` (bench/gpu.ts): Hugging Face transformers' own models with random weights, float32 with
TF32 off (plain float32 arithmetic, as ours), eager PyTorch (no torch.compile), on CUDA - or on the CPU when there is no
GPU (the bench's --tiny check of the code paths).

  --part paligemma  PaliGemmaForConditionalGeneration of --config (transformers' default attention):
                    1. PEFT LoRA (r = alpha = --r, dropout 0, q/k/v/o/gate/up/down: SigLIP's q/k/v are hit too, as
                       ours) and AdamW (lr 2e-5, weight decay 1e-6) steps at batch --batch: prompt rows of image tokens,
                       bos, --text ids, "\\n", then --answer ids scored (token_type_ids 1 and labels there) - ours' rows;
                    2. with the adapters disabled, greedy generate() at batch 1 on the prompt: prefill_s = the time of
                       one new token, decode_s_per_token = (t(N) - t(1)) / (N - 1) for N = --new.
  --part clip       CLIPVisionModelWithProjection (image_embeds, L2-normalised) over --images random images in batches
                    of --batch, with eager and with sdpa attention; the faster is reported.
Prints JSON lines on stdout as each number is measured - {"metric": NAME, "value": seconds, ...details} - and
{"error": ...} (exit 1) when a part fails. --budget SECONDS bounds the optional repeats.
Usage: gpu_peer.py --part paligemma|clip --config FILE [shape options] [--budget S]
"""
import argparse
import contextlib
import json
import math
import sys
import time
import traceback

START = time.perf_counter()

# PretrainedConfig's generic fields as a config.json / to_dict() lists them: not architecture, and some are gone from
# newer transformers, so they are dropped before a config is built.
GENERIC = {
    "return_dict", "output_hidden_states", "output_attentions", "torchscript", "torch_dtype", "dtype", "use_bfloat16",
    "tf_legacy_loss", "pruned_heads", "chunk_size_feed_forward", "is_encoder_decoder", "is_decoder",
    "cross_attention_hidden_size", "add_cross_attention", "tie_encoder_decoder", "max_length", "min_length",
    "do_sample", "early_stopping", "num_beams", "num_beam_groups", "diversity_penalty", "temperature", "top_k", "top_p",
    "typical_p", "repetition_penalty", "length_penalty", "no_repeat_ngram_size", "encoder_no_repeat_ngram_size",
    "bad_words_ids", "num_return_sequences", "output_scores", "return_dict_in_generate", "forced_bos_token_id",
    "forced_eos_token_id", "remove_invalid_values", "exponential_decay_length_penalty", "suppress_tokens",
    "begin_suppress_tokens", "architectures", "finetuning_task", "id2label", "label2id", "tokenizer_class", "prefix",
    "task_specific_params", "problem_type", "_name_or_path", "transformers_version", "sep_token_id",
    "decoder_start_token_id", "_attn_implementation_autoset",
}


def emit(line):
    print(json.dumps(line), flush=True)


def log(s):
    print(s, file=sys.stderr, flush=True)


def clean(d):
    """The config dict without GENERIC fields, recursively into the sub-configs."""
    out = {k: v for k, v in d.items() if k not in GENERIC}
    for k in ("vision_config", "text_config"):
        if isinstance(out.get(k), dict):
            out[k] = clean(out[k])
    return out


def read_config(path):
    with open(path) as f:
        d = json.load(f)
    return d["config"] if "parameters" in d and "config" in d else d


def example_ids(image_id, num_image, text, answer, vocab):
    """The rows of bench/_gpu-protocol.ts exampleIds: image tokens, bos, text, "\\n", answer ending in eos."""
    cap = max(8, min(1000, vocab)) - 4

    def tok(k):
        x = 3 + (k % cap)
        return x + 1 if x == image_id else x

    body = [tok(i * 7919) for i in range(text)]
    ans = [tok(200 + i) for i in range(answer - 1)] + [1] if answer > 0 else []
    return [image_id] * num_image + [2] + body + [108] + ans


class Clock:
    def __init__(self, torch, device, budget):
        self.torch, self.device = torch, device
        self.ends = START + 0.9 * budget

    def sync(self):
        if self.device.type == "cuda":
            self.torch.cuda.synchronize()

    def time(self, f):
        self.sync()
        t = time.perf_counter()
        r = f()
        self.sync()
        return r, time.perf_counter() - t

    def left(self):
        return self.ends - time.perf_counter()


def setup():
    import torch

    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    import transformers

    info = {"torch": torch.__version__, "transformers": transformers.__version__, "tf32": False, "device": str(device)}
    if device.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(0)
    return torch, device, info


def build(cls, config, device, attn=None):
    """The model on `device` with random weights (made there: seconds, not minutes, at 3B), in eval mode."""
    with device:
        if attn is None:
            model = cls(config)
        else:
            try:
                model = cls._from_config(config, attn_implementation=attn)
            except (TypeError, ValueError):
                config._attn_implementation = attn
                model = cls(config)
    return model.eval()


def paligemma_lora(a, torch, device, info, clock, model, shape):
    """PEFT LoRA steps at batch B; returns the PeftModel (adapters on)."""
    import peft

    info["peft"] = peft.__version__
    image_id, n_image, vocab, size = shape
    peft_model = peft.get_peft_model(model, peft.LoraConfig(r=a.r, lora_alpha=a.r, lora_dropout=0.0, bias="none",
                                                            target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]))
    trainable = [p for p in peft_model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(trainable, lr=2e-5, weight_decay=1e-6)
    row = example_ids(image_id, n_image, a.text, a.answer, vocab)
    prefix = len(row) - a.answer
    ids = torch.tensor([row] * a.batch, device=device)
    token_type = torch.zeros_like(ids)
    token_type[:, prefix:] = 1
    labels = ids.clone()
    labels[:, :prefix] = -100
    gen = torch.Generator(device="cpu").manual_seed(0)
    pixels = (torch.rand(a.batch, 3, size, size, generator=gen) * 2 - 1).to(device)
    batch = dict(input_ids=ids, attention_mask=torch.ones_like(ids), pixel_values=pixels, token_type_ids=token_type, labels=labels)
    peft_model.train()

    def step():
        loss = peft_model(**batch).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return float(loss.detach())

    details = dict(info, batch=a.batch, tokens_per_row=len(row), r=a.r, lora_params=sum(p.numel() for p in trainable))
    loss, first = clock.time(step)
    log(f"peer: first LoRA step {first:.3f} s (loss {loss:.4f})")
    emit(dict(details, metric="lora_step_s", value=first, steps_timed=0, first_step_s=first, loss=loss))
    best = math.inf
    for k in range(3):
        if clock.left() < 2.5 * min(best, first) + 20:  # leave time for the decode measurements
            break
        loss, s = clock.time(step)
        best = min(best, s)
        log(f"peer: LoRA step {s:.3f} s (loss {loss:.4f})")
        emit(dict(details, metric="lora_step_s", value=best, steps_timed=k + 1, first_step_s=first, loss=loss))
    peft_model.eval()
    return peft_model


def paligemma_decode(a, torch, device, info, clock, model, shape):
    """Greedy generate() at batch 1 on the base model (adapters disabled when `model` is a PeftModel)."""
    image_id, n_image, vocab, size = shape
    prompt = example_ids(image_id, n_image, a.text, 0, vocab)
    gen = torch.Generator(device="cpu").manual_seed(1)
    inputs = dict(input_ids=torch.tensor([prompt], device=device), attention_mask=torch.ones(1, len(prompt), dtype=torch.long, device=device),
                  pixel_values=(torch.rand(1, 3, size, size, generator=gen) * 2 - 1).to(device))
    base_only = model.disable_adapter if hasattr(model, "disable_adapter") else contextlib.nullcontext

    def generate(n):
        with torch.inference_mode(), base_only():
            return model.generate(**inputs, max_new_tokens=n, min_new_tokens=n, do_sample=False, pad_token_id=0)

    clock.time(lambda: generate(2))  # warm-up
    t1 = min(clock.time(lambda: generate(1))[1] for _ in range(2))
    emit(dict(info, metric="prefill_s", value=t1, prompt_tokens=len(prompt)))
    out, tn = clock.time(lambda: generate(a.new))
    steps = out.shape[1] - len(prompt) - 1
    per_token = (tn - t1) / max(steps, 1)
    log(f"peer: prefill {t1:.3f} s, {steps} decode steps: {1 / per_token:.2f} tokens/s")
    emit(dict(info, metric="decode_s_per_token", value=per_token, tokens_per_s=1 / per_token, decode_steps=steps, prompt_tokens=len(prompt)))


def paligemma(a):
    torch, device, info = setup()
    from transformers import PaliGemmaConfig, PaliGemmaForConditionalGeneration

    clock = Clock(torch, device, a.budget)
    cfg = PaliGemmaConfig.from_dict(clean(read_config(a.config)))
    (model, build_s) = clock.time(lambda: build(PaliGemmaForConditionalGeneration, cfg, device, a.attn))
    info.update(params=sum(p.numel() for p in model.parameters()), build_s=round(build_s, 3), attention=getattr(model.config, "_attn_implementation", None))
    log(f"peer: PaliGemma with {info['params']:.3e} random parameters on {device} in {build_s:.1f} s ({info['attention']} attention)")
    vc = cfg.vision_config
    image_id = getattr(cfg, "image_token_index", None)
    shape = (cfg.image_token_id if image_id is None else image_id, (vc.image_size // vc.patch_size) ** 2, cfg.text_config.vocab_size, vc.image_size)
    errors = []
    try:
        model = paligemma_lora(a, torch, device, info, clock, model, shape)
    except Exception as e:  # the decode numbers do not depend on the LoRA part
        traceback.print_exc()
        errors.append(f"LoRA step: {type(e).__name__}: {e}")
    if device.type == "cuda":
        torch.cuda.empty_cache()
    try:
        paligemma_decode(a, torch, device, info, clock, model, shape)
    except Exception as e:
        traceback.print_exc()
        errors.append(f"generate: {type(e).__name__}: {e}")
    if errors:
        raise RuntimeError("; ".join(errors))


def clip(a):
    torch, device, info = setup()
    import torch.nn.functional as F
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    clock = Clock(torch, device, a.budget)
    d = read_config(a.config)
    vc = dict(d.get("vision_config", d))
    vc["projection_dim"] = d.get("projection_dim", vc.get("projection_dim", 512))
    gen = torch.Generator(device="cpu").manual_seed(0)
    n = max(1, a.images // a.batch)
    size = vc.get("image_size", 224)
    pixels = [(torch.rand(a.batch, 3, size, size, generator=gen) * 2 - 1).to(device) for _ in range(n)]
    per_variant = {}
    for attn in ("eager", "sdpa"):
        if per_variant and clock.left() < 15:
            break
        try:
            model = build(CLIPVisionModelWithProjection, CLIPVisionConfig.from_dict(clean(vc)), device, attn)

            def encode(px):
                with torch.inference_mode():
                    return F.normalize(model(pixel_values=px).image_embeds, dim=-1)

            _, warm = clock.time(lambda: encode(pixels[0]))
            _, s = clock.time(lambda: [encode(px) for px in pixels])
            per_variant[attn] = s / (n * a.batch)
            log(f"peer: CLIP ({attn} attention) first batch {warm:.3f} s, {n * a.batch / s:.2f} images/s")
            del model
        except Exception as e:  # one attention variant may be unavailable; the other still counts
            log(f"peer: CLIP with {attn} attention failed: {type(e).__name__}: {e}")
    if not per_variant:
        raise RuntimeError("no CLIP attention variant ran")
    best = min(per_variant, key=per_variant.get)
    emit(dict(info, metric="s_per_image", value=per_variant[best], images_per_s=1 / per_variant[best], attention=best,
              images_per_s_by_attention={k: 1 / v for k, v in per_variant.items()}, images=n * a.batch, batch=a.batch, image_size=size))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--part", choices=["paligemma", "clip"], required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--text", type=int, default=12)
    ap.add_argument("--answer", type=int, default=2)
    ap.add_argument("--r", type=int, default=8)
    ap.add_argument("--new", type=int, default=16)
    ap.add_argument("--images", type=int, default=64)
    ap.add_argument("--attn", default=None, help="PaliGemma attention implementation (default: transformers' own)")
    ap.add_argument("--budget", type=float, default=120)
    a = ap.parse_args()
    try:
        (paligemma if a.part == "paligemma" else clip)(a)
    except Exception as e:  # the bench goes on with the other parts; the reason travels in the line
        traceback.print_exc()
        emit({"error": (str(e) if isinstance(e, RuntimeError) else f"{type(e).__name__}: {e}")[:600]})
        sys.exit(1)


if __name__ == "__main__":
    main()
