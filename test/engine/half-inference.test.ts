/**
 * buildInference with `dtype: 'float16'` (docs/decisions/011-half-precision.md): float32 weights enter as float16
 * (converted once by the runner, or given as float16 bits), float32 batch inputs are Cast at the start and float
 * outputs come back as float32, so callers feed and read float32; scalars and tables the model builds follow the compute
 * dtype. Runs on the test device: on the CPU, onnxruntime computes the ops it has no float16 kernel for in float32
 * (inserted Casts), so only the plumbing is checked there; the WebGPU run computes in float16.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildInference } from '../../src/engine/inference.js';
import { InferenceRunner } from '../../src/engine/inference-runner.js';
import { toFloat16 } from '../../src/engine/half.js';
import type { ModelDef } from '../../src/engine/model.js';
import { add, gelu, layerNorm, linear, mul, softmax } from '../../src/engine/ops/index.js';
import { Tensor } from '../../src/engine/tensor.js';
import { QUANT_SCHEMES } from '../../src/engine/block-quantize.js';
import { onTestDevice } from '../helpers/device.js';
import { maxAbsDiff } from '../helpers/tolerance.js';

const D = 16;
const OUT = 8;

/** LayerNorm -> Linear -> Gelu -> * 0.5 + 1 -> softmax: scalars, a norm, a product and an activation. */
const model: ModelDef = {
  name: 'tiny-mlp',
  params: [
    { name: 'ln.weight', shape: [D], init: { kind: 'constant', value: 1 } },
    { name: 'ln.bias', shape: [D], init: { kind: 'constant', value: 0 } },
    { name: 'fc.weight', shape: [OUT, D], init: { kind: 'uniform', bound: 0.25 } },
    { name: 'fc.bias', shape: [OUT], init: { kind: 'uniform', bound: 0.25 } },
  ],
  inputs: [{ name: 'x', dtype: 'float32', shape: ['B', D] }],
  forward(ctx) {
    const h = gelu(linear(layerNorm(ctx.input('x'), ctx.weight('ln.weight'), ctx.weight('ln.bias')), ctx.weight('fc.weight'), ctx.weight('fc.bias')));
    const y = add(mul(h, 0.5), 1);
    return { y, p: softmax(y, -1) };
  },
};

function weights(): Map<string, Float32Array> {
  const w = (n: number, f: (i: number) => number): Float32Array => Float32Array.from({ length: n }, (_, i) => f(i));
  return new Map([
    ['ln.weight', w(D, (i) => 1 + 0.1 * Math.sin(i))],
    ['ln.bias', w(D, (i) => 0.05 * Math.cos(i))],
    ['fc.weight', w(OUT * D, (i) => 0.3 * Math.sin(3 * i + 1))],
    ['fc.bias', w(OUT, (i) => 0.1 * i - 0.3)],
  ]);
}

const x = Tensor.f32(
  Float32Array.from({ length: 3 * D }, (_, i) => 2 * Math.sin(i * 0.7)),
  [3, D],
);

test('a float16 graph declares float16 weights, takes and returns float32', () => {
  const g = buildInference(model, { dtype: 'float16' });
  assert.equal(g.dtype, 'float16');
  assert.deepEqual(
    g.weights.map((w) => w.dtype),
    ['float16', 'float16', 'float16', 'float16'],
  );
  assert.deepEqual(g.inputs, model.inputs);
  assert.equal(buildInference(model).dtype, 'float32');
});

test('float16 outputs are float32 tensors within float16 rounding of the float32 graph', async () => {
  const f32 = await InferenceRunner.create(buildInference(model), weights(), onTestDevice({ threads: 1 }));
  const f16 = await InferenceRunner.create(buildInference(model, { dtype: 'float16' }), weights(), onTestDevice({ threads: 1 }));
  try {
    const want = await f32.run({ x });
    const got = await f16.run({ x });
    for (const name of ['y', 'p']) {
      assert.equal(got[name]!.dtype, 'float32');
      assert.deepEqual(got[name]!.dims, [3, OUT]);
      // Values are O(1): float16 keeps 11 significant bits (2^-11 = 4.9e-4 relative per rounding); a few roundings.
      const err = maxAbsDiff(got[name]!.floats(), want[name]!.floats());
      assert.ok(err < 1e-2, `${name}: ${err}`);
      assert.ok(err > 0, `${name}: bit-equal to float32, so the graph did not compute in float16`);
    }
  } finally {
    await f32.dispose();
    await f16.dispose();
  }
});

test('float16 weights may be given as float16 bits (Uint16Array) and give the same outputs', async () => {
  const graph = buildInference(model, { dtype: 'float16' });
  const a = await InferenceRunner.create(graph, weights(), onTestDevice({ threads: 1 }));
  const b = await InferenceRunner.create(graph, new Map([...weights()].map(([k, v]) => [k, toFloat16(v)])), onTestDevice({ threads: 1 }));
  try {
    assert.deepEqual((await a.run({ x })).y!.floats(), (await b.run({ x })).y!.floats());
  } finally {
    await a.dispose();
    await b.dispose();
  }
});

test('float16 and block-quantized weights do not combine', () => {
  const quantized = { names: new Set(['fc.weight']), scheme: QUANT_SCHEMES.int8 };
  assert.throws(() => buildInference(model, { dtype: 'float16', quantized }), /float16 compute and block-quantized weights do not combine/);
});
