/**
 * Block quantization and MatMulNBits: the quantizer reconstructs every value within half a block's scale (4 and 8
 * bits, symmetric and asymmetric, K not a multiple of the block); ONNX Runtime's MatMulNBits over the packed weight
 * equals a float matmul against the dequantized weight (accuracy level 0: 1e-5; level 4, int8 activations: within
 * the activation rounding: measured 5.5e-3 of the largest output, asserted 2e-2); the op is inference-only (a clear error from autodiff).
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dequantizeRows, quantizeMatrix, type QuantScheme } from '../../src/engine/block-quantize.js';
import { buildInference } from '../../src/engine/inference.js';
import { InferenceRunner } from '../../src/engine/inference-runner.js';
import type { ModelDef } from '../../src/engine/model.js';
import { matMulNBits, quantizedMatMul } from '../../src/engine/ops/quantized-matmul.js';
import { quantizedArrays } from '../../src/engine/quantized-weights.js';
import { Tensor } from '../../src/engine/tensor.js';
import { Graph } from '../../src/engine/graph.js';
import { gradients } from '../../src/engine/autodiff.js';
import { meanAll } from '../../src/engine/ops/reduce.js';
import { Rng } from '../../src/random/rng.js';

const N = 24;
const K = 80; // 2.5 blocks of 32: the last block is padded
const M = 5;

const schemes: QuantScheme[] = [4, 8].flatMap((bits) => [true, false].map((symmetric) => ({ bits: bits as 4 | 8, blockSize: 32, symmetric })));
const label = (s: QuantScheme): string => `${s.bits}-bit ${s.symmetric ? 'symmetric' : 'asymmetric'}`;

function randomWeight(seed: number): Float32Array {
  const rng = new Rng(seed);
  // A per-row offset makes asymmetric blocks matter.
  return Float32Array.from({ length: N * K }, (_, i) => 0.05 * rng.normal() + 0.02 * (Math.floor(i / K) % 3));
}

for (const s of schemes) {
  test(`${label(s)}: every value is reconstructed within half its block's scale`, () => {
    const w = randomWeight(1);
    const q = quantizeMatrix(w, N, K, s);
    const back = dequantizeRows(q);
    const blocks = Math.ceil(K / s.blockSize);
    let worst = 0;
    for (let i = 0; i < w.length; i++) {
      const scale = q.scales[Math.floor(i / K) * blocks + Math.floor((i % K) / s.blockSize)]!;
      worst = Math.max(worst, Math.abs(back[i]! - w[i]!) / scale);
    }
    assert.ok(worst <= 0.5 + 1e-4, `worst error ${worst} scales`);
    assert.equal(q.zeroPoints === null, s.symmetric);
  });
}

function linearModel(s: QuantScheme, accuracyLevel: number): ModelDef {
  return {
    name: 'quantized_linear',
    params: [],
    frozen: [{ name: 'w', shape: [N, K] }],
    inputs: [{ name: 'x', dtype: 'float32', shape: ['B', M, K] }],
    forward: (ctx) => ({ y: matMulNBits(ctx.input('x'), ctx.quantized!('w')!, accuracyLevel) }),
  };
}

/** x (B, M, K) @ W.T on the host, in float64. */
function reference(x: Float32Array, w: Float32Array, rows: number): Float64Array {
  const y = new Float64Array(rows * N);
  for (let r = 0; r < rows; r++) {
    for (let n = 0; n < N; n++) {
      let acc = 0;
      for (let k = 0; k < K; k++) acc += x[r * K + k]! * w[n * K + k]!;
      y[r * N + n] = acc;
    }
  }
  return y;
}

async function runQuantized(s: QuantScheme, accuracyLevel: number, x: Float32Array, b: number): Promise<{ y: Float32Array; dequantized: Float32Array }> {
  const q = quantizeMatrix(randomWeight(2), N, K, s);
  const graph = buildInference(linearModel(s, accuracyLevel), { quantized: { scheme: s, names: new Set(['w']) } });
  const runner = await InferenceRunner.create(graph, new Map(quantizedArrays('w', q)));
  try {
    const out = await runner.run({ x: Tensor.f32(x, [b, M, K]) });
    return { y: out.y!.floats(), dequantized: dequantizeRows(q) };
  } finally {
    await runner.dispose();
  }
}

for (const s of schemes) {
  test(`${label(s)}: MatMulNBits equals the float product with the dequantized weight`, async () => {
    const rng = new Rng(3);
    const x = Float32Array.from({ length: 2 * M * K }, () => rng.normal());
    const exact = await runQuantized(s, 0, x, 2);
    const ref = reference(x, exact.dequantized, 2 * M);
    const maxRef = Math.max(...ref.map(Math.abs));
    exact.y.forEach((v, i) => assert.ok(Math.abs(v - ref[i]!) <= 1e-5 * Math.max(1, maxRef), `level 0, ${i}: ${v} vs ${ref[i]}`));
    // Level 4 rounds the activations to int8 per block (measured: 5.5e-3 of the largest output).
    const fast = await runQuantized(s, 4, x, 2);
    fast.y.forEach((v, i) => assert.ok(Math.abs(v - ref[i]!) <= 2e-2 * maxRef, `level 4, ${i}: ${v} vs ${ref[i]}`));
  });
}

test('quantized weights missing from the model are named', () => {
  assert.throws(
    () => buildInference(linearModel(schemes[0]!, 4), { quantized: { scheme: schemes[0]!, names: new Set(['w', 'v']) } }),
    /quantized weights not in the model: v/,
  );
});

test('differentiating through MatMulNBits is a clear error', () => {
  const g = new Graph('g');
  const x = g.input('x', 'float32', [M, K]);
  const s = schemes[1]!;
  const packed = g.input('p', 'uint8', [N, 3, 16]);
  const scales = g.input('s', 'float32', [N * 3]);
  const y = matMulNBits(x, { scheme: s, n: N, k: K, packed, scales, zeroPoints: null });
  assert.throws(() => gradients(meanAll(y), [x]), /MatMulNBits .* is inference-only and has no gradient/);
});

test('per-channel int8: codes within half a channel scale, and the per-row integer product within the activation rounding', async (t) => {
  const s = { bits: 8, blockSize: 32, symmetric: true, channels: true } as const;
  const w = randomWeight(4);
  const q = quantizeMatrix(w, N, K, s);
  assert.equal(q.scales.length, N);
  assert.equal(q.packed.length, K * N);
  const back = dequantizeRows(q);
  let worst = 0;
  for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(back[i]! - w[i]!) / q.scales[Math.floor(i / K)]!);
  assert.ok(worst <= 0.5 + 1e-4, `worst error ${worst} scales`);
  const rng = new Rng(5);
  const x = Float32Array.from({ length: 2 * M * K }, () => rng.normal());
  const graph = buildInference(
    {
      name: 'int8_rows',
      params: [],
      frozen: [{ name: 'w', shape: [N, K] }],
      inputs: [{ name: 'x', dtype: 'float32', shape: ['B', M, K] }],
      forward: (ctx) => ({ y: quantizedMatMul(ctx.input('x'), ctx.quantized!('w')!) }),
    },
    { quantized: { scheme: s, names: new Set(['w']) } },
  );
  const runner = await InferenceRunner.create(graph, new Map(quantizedArrays('w', q)));
  try {
    const y = (await runner.run({ x: Tensor.f32(x, [2, M, K]) })).y!.floats();
    const ref = reference(x, back, 2 * M);
    const maxRef = Math.max(...ref.map(Math.abs));
    // Each row's activations are rounded to within absmax / 127 / 2 (measured: 5.5e-3 of the largest output, as level 4 blocks).
    const worstRow = Math.max(...Array.from(y, (v, i) => Math.abs(v - ref[i]!))) / maxRef;
    t.diagnostic(`per-row int8 product vs the dequantized weight: ${worstRow.toExponential(2)} of the largest output`);
    assert.ok(worstRow <= 2e-2, `${worstRow}`);
  } finally {
    await runner.dispose();
  }
});
