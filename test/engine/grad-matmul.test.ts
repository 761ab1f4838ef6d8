/** Finite-difference checks of MatMul and Gemm gradients: every transA/transB combination, alpha/beta, broadcast C. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as op from '../../src/engine/ops/index.js';
import { gradCheck } from './gradcheck.js';

const TOL = 1e-6;

test('MatMul 2-D', async () => {
  const r = await gradCheck([{ shape: [3, 4] }, { shape: [4, 5] }], ([a, b]) => op.matmul(a!, b!));
  assert.ok(r.maxRelErr < TOL, JSON.stringify(r));
});

test('MatMul batched with a broadcast right operand', async () => {
  const r = await gradCheck([{ shape: [2, 3, 4] }, { shape: [4, 2] }], ([a, b]) => op.matmul(a!, b!));
  assert.ok(r.maxRelErr < TOL, JSON.stringify(r));
});

for (const transA of [false, true]) {
  for (const transB of [false, true]) {
    test(`Gemm transA=${transA} transB=${transB} alpha=0.7 beta=1.3 with a row-vector C`, async () => {
      const a = transA ? [4, 3] : [3, 4];
      const b = transB ? [5, 4] : [4, 5];
      const r = await gradCheck([{ shape: a }, { shape: b }, { shape: [5] }], ([x, y, c]) => op.gemm(x!, y!, c!, { transA, transB, alpha: 0.7, beta: 1.3 }));
      assert.ok(r.maxRelErr < TOL, JSON.stringify(r));
    });
  }
}

test('linear (Gemm transB) on a 3-D input goes through MatMul + Transpose', async () => {
  const r = await gradCheck([{ shape: [2, 3, 4] }, { shape: [5, 4] }, { shape: [5] }], ([x, w, b]) => op.linear(x!, w!, b!));
  assert.ok(r.maxRelErr < TOL, JSON.stringify(r));
});
