/**
 * Our side of `bench gpu` (bench/gpu.ts), one function per part, each run in its own process on one device:
 *   probe             a MatMul on the device against the CPU: does the device work at all, and how fast
 *   paligemma-train   LoraTrainer: one LoRA step of PaliGemma at batch 8 (random weights of the configured size)
 *   paligemma-decode  PaliGemmaGenerator: image features + prefill, then greedy decode steps at batch 1
 *   clip              createClipEncoder: CLIP vision tower (+ projection) images/s on preprocessed pixels
 * Measurements go out as protocol lines (_gpu-protocol.ts) as soon as they exist. Only library entry points are used
 * (the library decides placement - e.g. frozen weights as initializers on a GPU).
 */

import { performance } from 'node:perf_hooks';
import type { Device } from '../src/engine/device.js';
import type { ComputeDType } from '../src/engine/inference.js';
import type { ModelDef, ParamSpec } from '../src/engine/model.js';
import * as op from '../src/engine/ops/index.js';
import { Rng } from '../src/random/rng.js';
import { Tensor } from '../src/engine/tensor.js';
import { InferenceRunner } from '../src/engine/inference-runner.js';
import { buildInference } from '../src/engine/inference.js';
import { parseClipConfig } from '../src/models/clip/config.js';
import { createClipEncoder } from '../src/models/clip/encoder.js';
import { clipVisionModel } from '../src/models/clip/model.js';
import { greedyDecode } from '../src/models/gemma/generate.js';
import { loraConfig } from '../src/models/lora/config.js';
import { initAdapters, paligemmaLoraSet } from '../src/models/lora/paligemma-lora.js';
import { LoraTrainer } from '../src/models/lora/trainer.js';
import { paligemmaConfigFromHf, type PaliGemmaConfig } from '../src/models/paligemma/config.js';
import type { PaliGemmaBatch } from '../src/models/paligemma/feeds.js';
import { PaliGemmaGenerator } from '../src/models/paligemma/generate.js';
import { LEGACY_PREFIXES } from '../src/models/paligemma/names.js';
import { randomPaligemmaWeights } from '../src/models/paligemma/random.js';
import { emit, exampleIds, log, metric, readModelConfig, sig, timed, type Shapes } from './_gpu-protocol.js';

export interface PartContext {
  device: Device;
  /** Our compute dtype (float16: mixed-precision training, float16 inference). */
  dtype: ComputeDType;
  shapes: Shapes;
  tiny: boolean;
  /** performance.now() by which the part should have stopped starting new work. */
  endsAt: number;
}

const secondsLeft = (ctx: PartContext): number => (ctx.endsAt - performance.now()) / 1000;

/**
 * Seeded random parameters at memcpy speed: a pool of 2^19 draws per init scheme and scale, copied in at random offsets
 * (as randomPaligemmaWeights does) - a real-size model's weights in seconds, not through a per-element loop.
 */
export function fastRandomParams(specs: readonly ParamSpec[], seed: number): Map<string, Float32Array> {
  const size = 1 << 18;
  const rng = new Rng(seed);
  const pools = new Map<string, Float32Array>(); // one pool per scheme and scale, drawn once
  const poolFor = (kind: 'normal' | 'uniform', scale: number): Float32Array => {
    const key = `${kind}:${scale}`;
    let pool = pools.get(key);
    if (!pool) {
      pool = Float32Array.from({ length: 2 * size }, () => (kind === 'normal' ? rng.normal() * scale : rng.uniform(-scale, scale)));
      pools.set(key, pool);
    }
    return pool;
  };
  const out = new Map<string, Float32Array>();
  for (const spec of specs) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const a = new Float32Array(n);
    const init = spec.init;
    if (init.kind === 'constant') a.fill(init.value);
    else {
      const pool = init.kind === 'normal' ? poolFor('normal', init.std) : poolFor('uniform', init.bound);
      for (let i = 0; i < n; i += size) {
        const start = Math.floor(rng.uniform(0, size));
        a.set(pool.subarray(start, start + Math.min(size, n - i)), i);
      }
    }
    out.set(spec.name, a);
  }
  return out;
}

function randomFloats(n: number, seed: number, scale = 1): Float32Array {
  const rng = new Rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(-scale, scale);
  return a;
}

/** y = x W on the device and on the CPU: max |difference|, and the device's median time over a few runs. */
export async function probe(ctx: PartContext): Promise<void> {
  const n = ctx.tiny ? 64 : 2048;
  const model: ModelDef = {
    name: 'probe',
    params: [{ name: 'w', shape: [n, n], init: { kind: 'normal', std: 0.02 } }],
    inputs: [{ name: 'x', dtype: 'float32', shape: ['B', n] }],
    forward: (c) => ({ y: op.matmul(c.input('x'), c.weight('w')) }), // (B, n)
  };
  const graph = buildInference(model);
  const params = new Map([['w', randomFloats(n * n, 1, 0.05)]]);
  const x = Tensor.f32(randomFloats(n * n, 2), [n, n]);
  const cpu = await InferenceRunner.create(graph, params, { device: 'cpu' });
  const [ref, cpuS] = await timed(() => cpu.run({ x }));
  await cpu.dispose();
  const [dev, createS] = await timed(() => InferenceRunner.create(graph, params, { device: ctx.device }));
  const times: number[] = [];
  let y: Float32Array | null = null;
  for (let k = 0; k < 5; k++) {
    const [out, s] = await timed(() => dev.run({ x }));
    y = out.y?.data as Float32Array;
    times.push(s);
  }
  await dev.dispose();
  const want = ref.y?.data as Float32Array;
  let err = 0;
  for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs((want[i] as number) - (y?.[i] ?? NaN)));
  if (Number.isNaN(err)) err = Infinity;
  const later = times.slice(1).sort((a, b) => a - b);
  const median = later[Math.floor(later.length / 2)] as number;
  emit({
    name: 'gpu-probe',
    device: ctx.device,
    matmul: `${n}x${n}x${n}`,
    ok: err <= 1e-3,
    max_abs_err_vs_cpu: sig(err, 3),
    session_s: sig(createS),
    first_run_s: sig(times[0]),
    run_s: sig(median),
    gflop_s: sig((2 * n ** 3) / median / 1e9),
    cpu_run_s: sig(cpuS),
  });
}

/**
 * Fails fast when the device cannot run a session (no adapter, no driver): before the seconds and gigabytes that a
 * real-size model's random weights cost.
 */
async function ensureDevice(ctx: PartContext): Promise<void> {
  const model: ModelDef = {
    name: 'device_check',
    params: [{ name: 'w', shape: [4, 4], init: { kind: 'constant', value: 1 } }],
    inputs: [{ name: 'x', dtype: 'float32', shape: ['B', 4] }],
    forward: (c) => ({ y: op.matmul(c.input('x'), c.weight('w')) }),
  };
  const runner = await InferenceRunner.create(buildInference(model), new Map([['w', new Float32Array(16).fill(1)]]), { device: ctx.device });
  await runner.run({ x: Tensor.f32(new Float32Array(16).fill(1), [4, 4]) });
  await runner.dispose();
}

function paligemmaConfig(ctx: PartContext): PaliGemmaConfig {
  return paligemmaConfigFromHf(readModelConfig(ctx.shapes.paligemmaConfig));
}

function randomWeights(c: PaliGemmaConfig): Map<string, Float32Array> {
  const t0 = performance.now();
  const w = randomPaligemmaWeights(c, LEGACY_PREFIXES, 0);
  const params = [...w.values()].reduce((a, x) => a + x.length, 0);
  log(`ours: ${params.toExponential(3)} random PaliGemma parameters in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return w;
}

/** B identical training rows (prompt + answer, loss on the answer), pixels in [-1, 1]. */
function trainBatch(c: PaliGemmaConfig, s: Shapes): PaliGemmaBatch {
  const row = exampleIds(c.imageTokenIndex, c.numImageTokens, s.text, s.answer, c.text.vocab);
  const n = row.length;
  const prefix = n - s.answer;
  const b = s.trainBatch;
  const ids = Array.from({ length: b }, () => row).flat();
  const plane = c.vision.channels * c.vision.imageSize * c.vision.imageSize;
  return {
    batch: b,
    length: n,
    inputIds: BigInt64Array.from(ids, BigInt),
    attentionMask: new Uint8Array(b * n).fill(1),
    pixelValues: randomFloats(b * plane, 3),
    tokenTypeIds: Uint8Array.from({ length: b * n }, (_, i) => (i % n >= prefix ? 1 : 0)),
    labels: BigInt64Array.from(ids, (id, i) => BigInt(i % n >= prefix ? id : -100)),
  };
}

/** LoRA steps at batch B: the first (shader compilation, uploads) and the best of the following ones that fit. */
export async function paligemmaTrain(ctx: PartContext): Promise<void> {
  await ensureDevice(ctx);
  const c = paligemmaConfig(ctx);
  const weights = randomWeights(c);
  const p = LEGACY_PREFIXES;
  const set = paligemmaLoraSet(c, p, loraConfig({ r: ctx.shapes.loraR, alpha: ctx.shapes.loraR }));
  const [trainer, buildS] = await timed(() =>
    LoraTrainer.create(c, p, weights, set, initAdapters(set, 0), {
      session: { device: ctx.device },
      residentState: true,
      ...(ctx.dtype === 'float16' ? { dtype: 'float16' as const } : {}),
    }),
  );
  log(`ours: LoRA trainer (graph + session; adapters and AdamW state resident on the device) in ${buildS.toFixed(1)} s`);
  const batch = trainBatch(c, ctx.shapes);
  const details = { batch: batch.batch, tokens_per_row: batch.length, r: ctx.shapes.loraR, build_s: sig(buildS) };
  const [first, firstS] = await timed(() => trainer.step(batch, 2e-5));
  log(`ours: first LoRA step ${firstS.toFixed(2)} s (loss ${first.loss.toFixed(4)})`);
  metric('lora_step_s', firstS, { ...details, steps_timed: 0, first_step_s: sig(firstS), loss: sig(first.loss) });
  let best = Infinity;
  for (let k = 0; k < 3 && secondsLeft(ctx) > 2.5 * Math.min(best, firstS) + 5; k++) {
    trainer.transfers({ reset: true });
    const [res, s] = await timed(() => trainer.step(batch, 2e-5));
    const t = trainer.transfers();
    best = Math.min(best, s);
    log(`ours: LoRA step ${s.toFixed(2)} s (loss ${res.loss.toFixed(4)}; ${t.toDevice} B to the device, ${t.toHost} B back)`);
    metric('lora_step_s', best, {
      ...details,
      steps_timed: k + 1,
      first_step_s: sig(firstS),
      loss: sig(res.loss),
      step_bytes_to_device: t.toDevice,
      step_bytes_to_host: t.toHost,
    });
  }
  await trainer.dispose();
}

/** Image features + prefill at batch 1 (twice; the second is reported), then N greedy tokens on the KV cache. */
export async function paligemmaDecode(ctx: PartContext): Promise<void> {
  await ensureDevice(ctx);
  const c = paligemmaConfig(ctx);
  const weights = randomWeights(c);
  const [gen, buildS] = await timed(() => PaliGemmaGenerator.create(c, LEGACY_PREFIXES, weights, { session: { device: ctx.device }, dtype: ctx.dtype }));
  log(`ours: generator (3 graphs + sessions) in ${buildS.toFixed(1)} s`);
  const ids = exampleIds(c.imageTokenIndex, c.numImageTokens, ctx.shapes.text, 0, c.text.vocab);
  const t = ids.length;
  const plane = c.vision.channels * c.vision.imageSize * c.vision.imageSize;
  const req = { batch: 1, length: t, inputIds: BigInt64Array.from(ids, BigInt), attentionMask: new Uint8Array(t).fill(1), pixelValues: randomFloats(plane, 4) };
  const [first, firstPrefillS] = await timed(() => gen.prefill(req));
  gen.decoder.release(first.cache); // resident on WebGPU
  const [start, prefillS] = await timed(() => gen.prefill(req));
  log(`ours: image features + prefill of ${t} tokens: ${firstPrefillS.toFixed(2)} s first, ${prefillS.toFixed(2)} s second`);
  metric('prefill_s', prefillS, { prompt_tokens: t, first_prefill_s: sig(firstPrefillS), build_s: sig(buildS) });
  const greedy = { eosTokenIds: [] as number[], padTokenId: c.text.padTokenId };
  await greedyDecode(gen.decoder, start, { ...greedy, maxNewTokens: 3 }); // warm-up: the decode graph's first runs
  const n = ctx.shapes.newTokens;
  gen.decoder.transfers({ reset: true });
  const [, decodeS] = await timed(() => greedyDecode(gen.decoder, start, { ...greedy, maxNewTokens: n }));
  const moved = gen.decoder.transfers();
  gen.decoder.release(start.cache);
  const perToken = decodeS / (n - 1);
  log(`ours: ${n - 1} decode steps in ${decodeS.toFixed(2)} s: ${(1 / perToken).toFixed(2)} tokens/s`);
  metric('decode_s_per_token', perToken, { tokens_per_s: sig(1 / perToken), decode_steps: n - 1, prompt_tokens: t });
  // Host<->device copies of a decode step (zero on the CPU): with the KV cache resident, its inputs and greedy choices only.
  const perStep = (moved.toDevice + moved.toHost) / Math.max(1, moved.runs);
  log(`ours: ${perStep.toFixed(0)} bytes copied between host and device per decode step`);
  metric('decode_bytes_per_step', perStep, { to_device: moved.toDevice / Math.max(1, moved.runs), to_host: moved.toHost / Math.max(1, moved.runs) });
  await gen.dispose();
}

/** CLIP vision tower + projection (L2-normalised embeddings) over random preprocessed pixels, in batches. */
export async function clip(ctx: PartContext): Promise<void> {
  await ensureDevice(ctx);
  const config = parseClipConfig(readModelConfig(ctx.shapes.clipConfig));
  const vision = config.vision;
  if (!vision) throw new Error(`${ctx.shapes.clipConfig} has no vision tower`);
  const t0 = performance.now();
  const weights = fastRandomParams(clipVisionModel(vision).params, 0);
  log(`ours: random CLIP vision weights in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const { clipImages: images, clipBatch: batch } = ctx.shapes;
  const [enc, buildS] = await timed(() => createClipEncoder(weights, null, config, { device: ctx.device, imageBatch: batch, id: 'clip', dtype: ctx.dtype }));
  const pixels = randomFloats(images * enc.pixelsPerImage, 5);
  const ppi = enc.pixelsPerImage;
  const [, warmS] = await timed(() => enc.encodeImages(pixels.subarray(0, batch * ppi), batch));
  log(`ours: CLIP encoder in ${buildS.toFixed(1)} s, first batch of ${batch} in ${warmS.toFixed(2)} s`);
  // Batch by batch, the running rate printed after each, so a part stopped at its budget still reports one.
  const t0Run = performance.now();
  for (let done = 0; done < images && (done === 0 || secondsLeft(ctx) > 0); done += batch) {
    const n = Math.min(batch, images - done);
    await enc.encodeImages(pixels.subarray(done * ppi, (done + n) * ppi), n);
    const s = (performance.now() - t0Run) / 1000;
    const count = done + n;
    metric('s_per_image', s / count, {
      images_per_s: sig(count / s),
      images: count,
      batch,
      image_size: vision.imageSize,
      build_s: sig(buildS),
      first_batch_s: sig(warmS),
    });
    if (count === images) log(`ours: ${count} images in ${s.toFixed(2)} s: ${(count / s).toFixed(2)} images/s`);
  }
  await enc.dispose();
}
