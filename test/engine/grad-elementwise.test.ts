/** Finite-difference checks of the elementwise gradient rules (float64 graphs), including broadcasting. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as op from '../../src/engine/ops/index.js';
import { gradCheck } from './gradcheck.js';

const TOL = 1e-6;
const pos = (n: number): number[] => Array.from({ length: n }, (_, i) => 0.5 + ((i * 7) % 11) / 5);

test('Add unbroadcasts a row vector and a leading axis', async () => {
  const r = await gradCheck([{ shape: [2, 3, 4] }, { shape: [4] }], ([a, b]) => op.add(a!, b!));
  assert.ok(r.maxRelErr < TOL, JSON.stringify(r));
});

test('Sub unbroadcasts a column and negates', async () => {
  const r = await gradCheck([{ shape: [3, 4] }, { shape: [3, 1] }], ([a, b]) => op.sub(a!, b!));
  assert.ok(r.maxRelErr < TOL, JSON.stringify(r));
});

test('Mul with a scalar operand', async () => {
  const r = await gradCheck([{ shape: [3, 4] }, { shape: [] }], ([a, b]) => op.mul(a!, b!));
  assert.ok(r.maxRelErr < TOL, JSON.stringify(r));
});

test('Div with broadcasting, both operands', async () => {
  const r = await gradCheck([{ shape: [3, 4] }, { shape: [1, 4], data: pos(4) }], ([a, b]) => op.div(a!, b!));
  assert.ok(r.maxRelErr < TOL, JSON.stringify(r));
});

test('Pow: base and exponent', async () => {
  const r = await gradCheck([{ shape: [2, 3], data: pos(6) }, { shape: [3] }], ([a, b]) => op.pow(a!, b!));
  assert.ok(r.maxRelErr < TOL, JSON.stringify(r));
});

test('Neg, Sqrt, Exp, Log, Abs, Reciprocal chained', async () => {
  const r = await gradCheck([{ shape: [2, 5], data: pos(10) }], ([a]) => op.reciprocal(op.add(op.abs(op.neg(op.log(op.exp(op.sqrt(a!))))), 1)));
  assert.ok(r.maxRelErr < TOL, JSON.stringify(r));
});

test('Sum of three broadcast operands, one used twice', async () => {
  const r = await gradCheck([{ shape: [3, 4] }, { shape: [4] }, { shape: [3, 1] }], ([a, b, c]) => op.mul(op.sum([a!, b!, c!]), a!));
  assert.ok(r.maxRelErr < TOL, JSON.stringify(r));
});

test('Where routes the gradient to the chosen branch', async () => {
  const r = await gradCheck([{ shape: [3, 4] }, { shape: [4] }], ([a, b]) => op.where(op.greater(a!, 0), a!, b!));
  assert.ok(r.maxRelErr < TOL, JSON.stringify(r));
});

test('Cast float64 -> float32 -> float64 passes the gradient back', async () => {
  const r = await gradCheck([{ shape: [3] }], ([a]) => op.cast(op.mul(op.cast(a!, 'float32'), 2), 'float64'), { eps: 1e-3 });
  assert.ok(r.maxRelErr < 1e-4, JSON.stringify(r));
});
