/**
 * Finite-difference checks of activation, normalisation and loss gradients. Gelu/Erf/Softplus run in float32 (ORT has
 * no float64 kernels for them), with a correspondingly wider tolerance; LayerNorm stashes its statistics in float32.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as op from '../../src/engine/ops/index.js';
import { gradCheck } from './gradcheck.js';

const TOL = 1e-6;
const F32 = { dtype: 'float32' as const, eps: 1e-2 };
const F32_TOL = 3e-3;

test('Sigmoid', async () => {
  const r = await gradCheck([{ shape: [3, 4] }], ([a]) => op.sigmoid(a!));
  assert.ok(r.maxRelErr < TOL, JSON.stringify(r));
});

test('Tanh', async () => {
  const r = await gradCheck([{ shape: [3, 4] }], ([a]) => op.tanh(a!));
  assert.ok(r.maxRelErr < TOL, JSON.stringify(r));
});

test('Relu (inputs away from the kink)', async () => {
  const data = [-1.5, -0.4, 0.3, 2, 0.7, -2.2, 1.1, -0.9];
  const r = await gradCheck([{ shape: [2, 4], data }], ([a]) => op.relu(a!));
  assert.ok(r.maxRelErr < TOL, JSON.stringify(r));
});

test('Softmax along the last and the first axis', async () => {
  const r1 = await gradCheck([{ shape: [3, 4] }], ([a]) => op.softmax(a!, -1));
  const r0 = await gradCheck([{ shape: [3, 4] }], ([a]) => op.softmax(a!, 0));
  assert.ok(r1.maxRelErr < TOL && r0.maxRelErr < TOL, JSON.stringify([r1, r0]));
});

test('LogSoftmax', async () => {
  const r = await gradCheck([{ shape: [3, 5] }], ([a]) => op.logSoftmax(a!));
  assert.ok(r.maxRelErr < TOL, JSON.stringify(r));
});

test('Gelu exact (float32)', async () => {
  const r = await gradCheck([{ shape: [3, 4] }], ([a]) => op.gelu(a!), F32);
  assert.ok(r.maxRelErr < F32_TOL, JSON.stringify(r));
});

test('Gelu tanh approximation (float32)', async () => {
  const r = await gradCheck([{ shape: [3, 4] }], ([a]) => op.gelu(a!, 'tanh'), F32);
  assert.ok(r.maxRelErr < F32_TOL, JSON.stringify(r));
});

test('Softplus and Erf (float32)', async () => {
  const r = await gradCheck([{ shape: [2, 4] }], ([a]) => op.erf(op.softplus(a!)), F32);
  assert.ok(r.maxRelErr < F32_TOL, JSON.stringify(r));
});

test('LayerNormalization: input, weight and bias', async () => {
  const r = await gradCheck([{ shape: [3, 6] }, { shape: [6] }, { shape: [6] }], ([x, w, b]) => op.layerNorm(x!, w!, b!));
  // float32 statistics bound the agreement at ~1e-7.
  assert.ok(r.maxRelErr < 1e-5, JSON.stringify(r));
});

test('softmax cross-entropy with integer labels (mean)', async () => {
  const r = await gradCheck([{ shape: [4, 5] }, { shape: [4], intRange: 5 }], ([x, y]) => op.softmaxCrossEntropy(x!, y!));
  assert.ok(r.maxRelErr < TOL, JSON.stringify(r));
});

test('BCE with logits (mean), including large |logits|', async () => {
  const r = await gradCheck(
    [
      { shape: [6], data: [-30, -2, -0.3, 0.4, 3, 25] },
      { shape: [6], data: [0, 1, 1, 0, 1, 0], constant: true },
    ],
    ([x, y]) => op.bceWithLogits(x!, y!),
  );
  assert.ok(r.maxRelErr < TOL, JSON.stringify(r));
});
