/**
 * Transformer blocks against plain-JS references on tiny random tensors: multi-head self-attention with and without an
 * additive mask, the MLP activations (quick_gelu, gelu tanh, exact gelu), a pre-LN encoder layer, and the two patch
 * embedding forms (with a bias, as SigLIP has) against a direct convolution.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../../src/engine/tensor.js';
import type { Value } from '../../../src/engine/graph.js';
import type { BuildContext, ModelDef, ParamSpec } from '../../../src/engine/model.js';
import { initParams } from '../../../src/engine/init.js';
import { Rng } from '../../../src/random/rng.js';
import { InferenceRunner } from '../../../src/engine/inference-runner.js';
import { buildInference } from '../../../src/engine/inference.js';
import { weightsOf } from '../../../src/models/transformer/weights.js';
import { attentionParams, selfAttention, MASKED } from '../../../src/models/transformer/attention.js';
import type { MlpActivation, TransformerConfig } from '../../../src/models/transformer/config.js';
import { encoderLayer, encoderParams } from '../../../src/models/transformer/encoder.js';
import { activate } from '../../../src/models/transformer/mlp.js';
import { patchEmbed, patchEmbedParams, type PatchEmbedMethod } from '../../../src/models/transformer/patch-embed.js';

type Inputs = Record<string, { shape: number[]; data: Float32Array }>;

/** Runs `build` as a one-output model over float inputs and (perturbed) random parameters. */
async function runBlock(
  params: ParamSpec[],
  inputs: Inputs,
  build: (ctx: BuildContext) => Value,
): Promise<{ out: Float32Array; w: Map<string, Float32Array> }> {
  const model: ModelDef = {
    name: 'block',
    params,
    inputs: Object.entries(inputs).map(([name, t]) => ({ name, dtype: 'float32' as const, shape: t.shape })),
    forward: (ctx) => ({ y: build(ctx) }),
  };
  const w = initParams(params, 5);
  for (const [name, a] of w) for (let i = 0; i < a.length; i++) a[i] = (a[i] as number) * 10 + 0.05 * Math.cos(3 * i + name.length); // O(0.1) weights, non-trivial norms
  const runner = await InferenceRunner.create(buildInference(model), w, { threads: 1 });
  const feeds = Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, Tensor.f32(t.data, t.shape)]));
  const out = (await runner.run(feeds)).y!.floats();
  await runner.dispose();
  return { out, w };
}

function random(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
}

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs((a[i] as number) - (b[i] as number)) <= tol, `index ${i}: ${a[i]} vs ${b[i]}`);
}

/** y (T, out) = x (T, in) @ W.T + b for one batch row. */
function linearRef(x: Float32Array, t: number, w: Float32Array, b: Float32Array | undefined, inDim: number, outDim: number): Float64Array {
  const y = new Float64Array(t * outDim);
  for (let i = 0; i < t; i++)
    for (let o = 0; o < outDim; o++) {
      let s = b ? (b[o] as number) : 0;
      for (let k = 0; k < inDim; k++) s += (x[i * inDim + k] as number) * (w[o * inDim + k] as number);
      y[i * outDim + o] = s;
    }
  return y;
}

function attentionRef(
  x: Float32Array,
  bsz: number,
  t: number,
  d: number,
  heads: number,
  w: Map<string, Float32Array>,
  mask: Float32Array | null,
): Float64Array {
  const hd = d / heads;
  const out = new Float64Array(bsz * t * d);
  const p = (n: string): Float32Array => w.get(`attn.${n}`)!;
  for (let b = 0; b < bsz; b++) {
    const xb = x.subarray(b * t * d, (b + 1) * t * d);
    const [q, k, v] = ['q_proj', 'k_proj', 'v_proj'].map((n) => linearRef(xb, t, p(`${n}.weight`), p(`${n}.bias`), d, d)) as [
      Float64Array,
      Float64Array,
      Float64Array,
    ];
    const merged = new Float32Array(t * d);
    for (let h = 0; h < heads; h++)
      for (let i = 0; i < t; i++) {
        const s = Array.from({ length: t }, (_, j) => {
          let dot = 0;
          for (let c = 0; c < hd; c++) dot += (q[i * d + h * hd + c] as number) * hd ** -0.5 * (k[j * d + h * hd + c] as number);
          return dot + (mask ? (mask[(b * t + i) * t + j] as number) : 0);
        });
        const m = Math.max(...s);
        const e = s.map((z) => Math.exp(z - m));
        const sum = e.reduce((a, c) => a + c, 0);
        for (let c = 0; c < hd; c++) merged[i * d + h * hd + c] = e.reduce((a, ej, j) => a + (ej / sum) * (v[j * d + h * hd + c] as number), 0);
      }
    out.set(linearRef(merged, t, p('out_proj.weight'), p('out_proj.bias'), d, d), b * t * d);
  }
  return out;
}

const CFG: TransformerConfig = { hidden: 8, layers: 1, heads: 2, intermediate: 12, eps: 1e-5, activation: 'quick_gelu' };

for (const masked of [false, true]) {
  test(`self-attention ${masked ? 'with an additive mask' : 'without a mask'} equals the reference`, async () => {
    const [b, t, d] = [2, 5, CFG.hidden];
    const x = random(b * t * d, 1);
    // Row b masks keys j > i + b (a causal mask, shifted per row), broadcast over heads as (B, 1, T, T).
    const mask = new Float32Array(b * t * t).map((_, n) => (n % t > (Math.floor(n / t) % t) + Math.floor(n / (t * t)) ? MASKED : 0));
    const inputs: Inputs = { x: { shape: [b, t, d], data: x }, ...(masked ? { mask: { shape: [b, 1, t, t], data: mask } } : {}) };
    const { out, w } = await runBlock(attentionParams('attn', d), inputs, (ctx) =>
      selfAttention(weightsOf(ctx), 'attn', ctx.input('x'), CFG, masked ? ctx.input('mask') : null),
    );
    close(out, attentionRef(x, b, t, d, CFG.heads, w, masked ? mask : null));
  });
}

test('MLP activations: quick_gelu, gelu tanh, exact gelu', async () => {
  const x = Float32Array.from({ length: 41 }, (_, i) => -5 + i * 0.25);
  const erf = (z: number): number => {
    // Abramowitz-Stegun 7.1.26 is too coarse; integrate the series instead (|z| <= 4 here).
    let sum = 0;
    let term = z;
    for (let n = 0; n < 80; n++) {
      sum += term / (2 * n + 1);
      term *= (-z * z) / (n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  };
  const refs: Record<MlpActivation, (v: number) => number> = {
    quick_gelu: (v) => v / (1 + Math.exp(-1.702 * v)),
    gelu_tanh: (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))),
    gelu: (v) => 0.5 * v * (1 + erf(v / Math.SQRT2)),
  };
  for (const [a, f] of Object.entries(refs) as [MlpActivation, (v: number) => number][]) {
    const { out } = await runBlock([], { x: { shape: [1, 41], data: x } }, (ctx) => activate(ctx.input('x'), a));
    close(out, Array.from(x, f), 2e-6);
  }
});

test('a pre-LN encoder layer is x + attn(ln1(x)), then + mlp(ln2(.))', async () => {
  const [b, t, d] = [1, 3, CFG.hidden];
  const x = random(b * t * d, 2);
  const { out, w } = await runBlock(encoderParams('enc', CFG), { x: { shape: [b, t, d], data: x } }, (ctx) =>
    encoderLayer(weightsOf(ctx), 'enc.layers.0', ctx.input('x'), CFG, null),
  );
  const p = (n: string): Float32Array => w.get(`enc.layers.0.${n}`)!;
  const ln = (v: ArrayLike<number>, name: string): Float32Array => {
    const y = new Float32Array(t * d);
    for (let i = 0; i < t; i++) {
      const row = Array.from({ length: d }, (_, c) => v[i * d + c] as number);
      const mean = row.reduce((a, c) => a + c, 0) / d;
      const varc = row.reduce((a, c) => a + (c - mean) ** 2, 0) / d;
      row.forEach((c, k) => (y[i * d + k] = ((c - mean) / Math.sqrt(varc + CFG.eps)) * (p(`${name}.weight`)[k] as number) + (p(`${name}.bias`)[k] as number)));
    }
    return y;
  };
  const attnW = new Map([...w].filter(([k]) => k.includes('self_attn')).map(([k, v]) => [k.replace('enc.layers.0.self_attn', 'attn'), v]));
  const a = attentionRef(ln(x, 'layer_norm1'), b, t, d, CFG.heads, attnW, null);
  const h = Float32Array.from(x, (v, i) => v + (a[i] as number));
  const f1 = Float32Array.from(
    linearRef(ln(h, 'layer_norm2'), t, p('mlp.fc1.weight'), p('mlp.fc1.bias'), d, CFG.intermediate),
    (v) => v / (1 + Math.exp(-1.702 * v)),
  );
  const f2 = linearRef(f1, t, p('mlp.fc2.weight'), p('mlp.fc2.bias'), CFG.intermediate, d);
  close(
    out,
    Array.from(h, (v, i) => v + (f2[i] as number)),
  );
});

for (const method of ['matmul', 'conv'] as PatchEmbedMethod[]) {
  test(`patch embedding (${method}, with bias) equals a direct stride-p convolution`, async () => {
    const s = { channels: 3, imageSize: 8, patchSize: 4, hidden: 5 };
    const px = random(2 * 3 * 8 * 8, 3);
    const { out, w } = await runBlock(patchEmbedParams('pe', s, true), { px: { shape: [2, 3, 8, 8], data: px } }, (ctx) =>
      patchEmbed(weightsOf(ctx), 'pe', ctx.input('px'), s, true, method),
    );
    const [wt, bias] = [w.get('pe.weight')!, w.get('pe.bias')!];
    const ref: number[] = [];
    for (let b = 0; b < 2; b++)
      for (let gy = 0; gy < 2; gy++)
        for (let gx = 0; gx < 2; gx++)
          for (let o = 0; o < 5; o++) {
            let acc = bias[o] as number;
            for (let c = 0; c < 3; c++)
              for (let y = 0; y < 4; y++)
                for (let x = 0; x < 4; x++) {
                  acc += (px[((b * 3 + c) * 8 + gy * 4 + y) * 8 + gx * 4 + x] as number) * (wt[((o * 3 + c) * 4 + y) * 4 + x] as number);
                }
            ref.push(acc);
          }
    close(out, ref); // token order: row-major patches, (B, N, D)
  });
}
