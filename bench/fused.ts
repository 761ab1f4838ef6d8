/**
 * Plain vs fused inference graphs (buildInference `fused`, docs/decisions/012-fused-ops.md) on one device, in the same
 * process: a CLIP vision tower (ViT-B/16 width: hidden 768, 12 heads, MLP 3072, 197 tokens; `--layers` of them) on one
 * image, and one Gemma KV-cache decode step (hidden 1024, 8 query heads, 1 KV head of 128, MLP 4096; `--layers`) after a
 * cached prefix of `--past` tokens, plus a prefill of that prefix. Random weights (timing only). Rounds alternate plain and
 * fused; the median of `--runs` after 2 warm-ups each. On Mesa's lavapipe (a CPU Vulkan driver) the numbers say little
 * about a GPU: indicative only. `npm run bench -- fused [--device webgpu] [--layers 4] [--runs 7] [--past 64]`
 * One JSON line per graph on stdout: {"name":"fused","graph":...,"device":...,"plain_ms":...,"fused_ms":...,"speedup":...}.
 */

import { performance } from 'node:perf_hooks';
import { parseDevice, type Device } from '../src/engine/device.js';
import { initParams } from '../src/engine/init.js';
import { buildInference } from '../src/engine/inference.js';
import { InferenceRunner } from '../src/engine/inference-runner.js';
import type { ModelDef } from '../src/engine/model.js';
import { Tensor } from '../src/engine/tensor.js';
import { clipVisionModel } from '../src/models/clip/model.js';
import { gemmaConfigFromHf, type GemmaConfig } from '../src/models/gemma/config.js';
import { SCORE_TOKEN } from '../src/models/gemma/decode-head.js';
import { gemmaCachedModel } from '../src/models/gemma/cache-graphs.js';
import { gemmaParamSpecs } from '../src/models/gemma/names.js';
import { round } from './_common.js';

interface Options {
  device: Device;
  layers: number;
  runs: number;
  past: number;
}

function parseArgs(args: string[]): Options {
  const o: Options = { device: 'webgpu', layers: 4, runs: 7, past: 64 };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = (): string => args[++i] ?? '';
    if (a === '--device') o.device = parseDevice(next());
    else if (a === '--layers') o.layers = Number(next());
    else if (a === '--runs') o.runs = Number(next());
    else if (a === '--past') o.past = Number(next());
    else throw new Error(`fused bench: unknown argument ${a}`);
  }
  return o;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Median milliseconds per run of the plain and the fused graph of `model`, rounds alternating. */
async function timePair(model: ModelDef, weights: Map<string, Float32Array>, feeds: Record<string, Tensor>, o: Options): Promise<[number, number]> {
  const runners = await Promise.all(
    [false, true].map(async (fused) => InferenceRunner.create(buildInference(model, { fused }), weights, { device: o.device })),
  );
  try {
    const times: number[][] = [[], []];
    for (let round = -2; round < o.runs; round++) {
      for (const [i, r] of runners.entries()) {
        const t0 = performance.now();
        await r.run(feeds);
        if (round >= 0) times[i]?.push(performance.now() - t0);
      }
    }
    return [median(times[0] as number[]), median(times[1] as number[])];
  } finally {
    for (const r of runners) await r.dispose();
  }
}

function random(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2147483648), s / 2147483648 - 0.5));
}

function report(graph: string, o: Options, [plain, fused]: [number, number]): void {
  process.stderr.write(`${graph} on ${o.device}: plain ${plain.toFixed(1)} ms, fused ${fused.toFixed(1)} ms (x${(plain / fused).toFixed(2)})\n`);
  process.stdout.write(
    `${JSON.stringify({ name: 'fused', graph, device: o.device, layers: o.layers, plain_ms: round(plain), fused_ms: round(fused), speedup: round(plain / fused, 3) })}\n`,
  );
}

export async function run(args: string[]): Promise<void> {
  const o = parseArgs(args);
  const vision = {
    hidden: 768,
    layers: o.layers,
    heads: 12,
    intermediate: 3072,
    eps: 1e-5,
    activation: 'quick_gelu' as const,
    imageSize: 224,
    patchSize: 16,
    channels: 3,
    projectionDim: 512,
  };
  const clip = clipVisionModel(vision);
  const pixels = Tensor.f32(random(3 * 224 * 224, 3), [1, 3, 224, 224]);
  report('clip-vision-b16', o, await timePair(clip, initParams(clip.params, 1), { pixel_values: pixels }, o));

  // Gemma-2B's layout at a smaller width (the rest from transformers' defaults, gemmaConfigFromHf).
  const c: GemmaConfig = gemmaConfigFromHf({
    vocab_size: 1024,
    hidden_size: 1024,
    num_hidden_layers: o.layers,
    num_attention_heads: 8,
    num_key_value_heads: 1,
    head_dim: 128,
    intermediate_size: 4096,
  });
  const gemma = gemmaCachedModel(c);
  const weights = initParams(gemmaParamSpecs({ ...c }), 2);
  const step = (b: number, t: number, p: number): Record<string, Tensor> => {
    const feeds: Record<string, Tensor> = {
      input_ids: Tensor.i64(
        Array.from({ length: b * t }, (_, i) => 3 + (i % 500)),
        [b, t],
      ),
      position_ids: Tensor.i64(
        Array.from({ length: b * t }, (_, i) => p + (i % t)),
        [b, t],
      ),
      attention_bias: Tensor.f32(new Float32Array(b * t * (p + t)), [b, t, p + t]),
      last_row: Tensor.i64(
        Array.from({ length: b }, (_, i) => i * t + t - 1),
        [b],
      ),
      [SCORE_TOKEN]: Tensor.i64(new Array<number>(b).fill(0), [b, 1]), // any token: nothing reads the score here
    };
    for (let i = 0; i < c.layers; i++) {
      feeds[`past_key.${i}`] = Tensor.f32(random(b * c.kvHeads * p * c.headDim, 10 + i), [b, c.kvHeads, p, c.headDim]);
      feeds[`past_value.${i}`] = Tensor.f32(random(b * c.kvHeads * p * c.headDim, 50 + i), [b, c.kvHeads, p, c.headDim]);
    }
    return feeds;
  };
  report('gemma-prefill', o, await timePair(gemma, weights, step(1, o.past, 0), o));
  report('gemma-decode-step', o, await timePair(gemma, weights, step(1, 1, o.past), o));
}
