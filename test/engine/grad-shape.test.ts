/** Finite-difference checks of the layout-op gradients: Reshape, Transpose, Concat, Slice, Split, (Un)Squeeze, Expand, Gather, reductions. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as op from '../../src/engine/ops/index.js';
import { Graph } from '../../src/engine/graph.js';
import { gradCheck } from './gradcheck.js';

const TOL = 1e-6;

test('Reshape and Transpose', async () => {
  const r = await gradCheck([{ shape: [2, 3, 4] }], ([a]) => op.transpose(op.reshape(a!, [6, 4]), [1, 0]));
  assert.ok(r.maxRelErr < TOL, JSON.stringify(r));
});

test('Concat along the feature axis', async () => {
  const r = await gradCheck([{ shape: [3, 2] }, { shape: [3, 4] }], ([a, b]) => op.concat([a!, b!], 1));
  assert.ok(r.maxRelErr < TOL, JSON.stringify(r));
});

test('Slice pads the gradient back (negative start)', async () => {
  const r = await gradCheck([{ shape: [3, 6] }], ([a]) => op.slice(a!, 1, -4, 5));
  assert.ok(r.maxRelErr < TOL, JSON.stringify(r));
});

test('Split with one unused piece', async () => {
  const r = await gradCheck([{ shape: [3, 6] }], ([a]) => {
    const [p, , q] = op.split(a!, 1, [1, 2, 3]);
    return op.mul(op.sum([p!, p!, p!]), q!);
  });
  assert.ok(r.maxRelErr < TOL, JSON.stringify(r));
});

test('Unsqueeze, Squeeze and Expand', async () => {
  const r = await gradCheck([{ shape: [4] }], ([a]) => {
    const u = op.unsqueeze(a!, [0]); // (1, 4)
    const e = op.expand(u, u.graph.ints([3, 4]), [3, 4]); // (3, 4)
    return op.mul(e, op.squeeze(u, [0]));
  });
  assert.ok(r.maxRelErr < TOL, JSON.stringify(r));
});

test('Gather rows with repeated indices (embedding lookup)', async () => {
  const r = await gradCheck([{ shape: [5, 3] }, { shape: [2, 3], intRange: 5, data: [1, 4, 1, 0, 1, 3] }], ([e, i]) => op.gather(e!, i!));
  assert.ok(r.maxRelErr < TOL, JSON.stringify(r));
});

test('ReduceSum and ReduceMean, keepdims on and off', async () => {
  const r = await gradCheck([{ shape: [3, 4, 2] }], ([a]) => op.mul(op.reduceMean(a!, [1], true), op.unsqueeze(op.reduceSum(a!, [0, 2], false), [0, 2])));
  assert.ok(r.maxRelErr < TOL, JSON.stringify(r));
});

test('gradients of a value with no path to the loss are zeros of its shape', async () => {
  const { gradients } = await import('../../src/engine/autodiff.js');
  const g = new Graph();
  const a = g.input('a', 'float32', [2]);
  const b = g.input('b', 'float32', [3]);
  const loss = op.meanAll(op.mul(a, a));
  assert.throws(() => gradients(op.meanAll(b), [a]), /does not depend/);
  const grads = gradients(loss, [a, b]);
  g.output('db', grads.get(b)!);
  const { GraphSession } = await import('../../src/engine/graph-session.js');
  const { Tensor } = await import('../../src/engine/tensor.js');
  const s = await GraphSession.create(g.encode(), { threads: 1 });
  const out = await s.run({ a: Tensor.f32(Float32Array.of(1, 2), [2]), b: Tensor.f32(Float32Array.of(3, 4, 5), [3]) });
  await s.dispose();
  assert.deepEqual(out.db?.dims, [3]);
  assert.deepEqual(Array.from(out.db!.floats()), [0, 0, 0]);
});
