/**
 * The inference ops of src/engine/ops/conv.ts against direct loops: Conv with strides, asymmetric pads, dilation,
 * groups and bias; eval-mode BatchNormalization; MaxPool with padding; GlobalAveragePool; Flatten; and build-time
 * output shapes, static and symbolic.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../../src/engine/tensor.js';
import { Graph } from '../../../src/engine/graph.js';
import { batchNorm, conv2d, flatten, globalAveragePool, maxPool2d } from '../../../src/engine/ops/index.js';
import { Rng } from '../../../src/random/rng.js';
import { GraphSession } from '../../../src/engine/graph-session.js';

const rng = new Rng(4);
const randn = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal());

/** Reference conv, NCHW, float64 accumulation. */
function refConv(
  x: Float32Array,
  [b, c, h, w]: number[],
  wt: Float32Array,
  [o, cg, kh, kw]: number[],
  bias: Float32Array | null,
  s: [number, number],
  p: [number, number, number, number],
  d: [number, number],
  groups: number,
): { y: Float64Array; dims: number[] } {
  const oh = Math.floor((h! + p[0] + p[2] - d[0] * (kh! - 1) - 1) / s[0]) + 1;
  const ow = Math.floor((w! + p[1] + p[3] - d[1] * (kw! - 1) - 1) / s[1]) + 1;
  const y = new Float64Array(b! * o! * oh * ow);
  const og = o! / groups;
  for (let n = 0; n < b!; n++)
    for (let oc = 0; oc < o!; oc++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++) {
          let acc = bias ? (bias[oc] as number) : 0;
          const g = Math.floor(oc / og);
          for (let ic = 0; ic < cg!; ic++)
            for (let u = 0; u < kh!; u++)
              for (let v = 0; v < kw!; v++) {
                const yy = i * s[0] - p[0] + u * d[0];
                const xx = j * s[1] - p[1] + v * d[1];
                if (yy < 0 || yy >= h! || xx < 0 || xx >= w!) continue;
                acc += (x[((n * c! + g * cg! + ic) * h! + yy) * w! + xx] as number) * (wt[((oc * cg! + ic) * kh! + u) * kw! + v] as number);
              }
          y[((n * o! + oc) * oh + i) * ow + j] = acc;
        }
  return { y, dims: [b!, o!, oh, ow] };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

test('conv2d: stride, asymmetric pads, dilation, groups and bias match a direct loop', async () => {
  const xd = [2, 4, 9, 8];
  const wd = [6, 2, 3, 2];
  const g = new Graph('conv');
  const x = g.input('x', 'float32', ['B', 4, 9, 8]);
  const w = g.input('w', 'float32', wd);
  const bias = g.input('b', 'float32', [6]);
  const y = conv2d(x, w, bias, { stride: [2, 1], pad: [1, 0, 2, 1], dilation: [1, 2], groups: 2 });
  assert.deepEqual(y.shape, ['B', 6, 5, 7]); // (9 + 1 + 2 - 3) // 2 + 1, (8 + 0 + 1 - 2 - 1) + 1
  g.output('y', y);
  const [xs, ws, bs] = [randn(2 * 4 * 9 * 8), randn(6 * 2 * 3 * 2), randn(6)];
  const s = await GraphSession.create(g.encode(), { threads: 1 });
  const out = (await s.run({ x: Tensor.f32(xs, xd), w: Tensor.f32(ws, wd), b: Tensor.f32(bs, [6]) })).y as Tensor;
  const ref = refConv(xs, xd, ws, wd, bs, [2, 1], [1, 0, 2, 1], [1, 2], 2);
  assert.deepEqual(out.dims, ref.dims);
  assert.ok(maxDiff(out.floats(), ref.y) < 1e-5);
  await s.dispose();
});

test('batchNorm (eval), maxPool2d with padding, globalAveragePool and flatten', async () => {
  const g = new Graph('misc');
  const x = g.input('x', 'float32', [1, 2, 5, 5]);
  const gamma = g.constant('float32', [2], Float32Array.of(2, 0.5));
  const beta = g.constant('float32', [2], Float32Array.of(0.1, -1));
  const mean = g.constant('float32', [2], Float32Array.of(1, -2));
  const variance = g.constant('float32', [2], Float32Array.of(4, 0.25));
  const bn = batchNorm(x, gamma, beta, mean, variance, 1e-5);
  const mp = maxPool2d(x, { kernel: 3, stride: 2, pad: 1 });
  const gap = flatten(globalAveragePool(x), 1);
  assert.deepEqual(mp.shape, [1, 2, 3, 3]);
  assert.deepEqual(gap.shape, [1, 2]);
  g.output('bn', bn);
  g.output('mp', mp);
  g.output('gap', gap);
  const xs = randn(50);
  const s = await GraphSession.create(g.encode(), { threads: 1 });
  const out = await s.run({ x: Tensor.f32(xs, [1, 2, 5, 5]) });
  const bnRef = Array.from(xs, (v, i) => {
    const c = Math.floor(i / 25);
    const [ga, be, mu, va] = c === 0 ? [2, 0.1, 1, 4] : [0.5, -1, -2, 0.25];
    return ((v - mu) / Math.sqrt(va + 1e-5)) * ga + be;
  });
  assert.ok(maxDiff((out.bn as Tensor).floats(), bnRef) < 1e-5);
  const mpRef: number[] = [];
  for (let c = 0; c < 2; c++)
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        let m = -Infinity;
        for (let u = -1; u <= 1; u++)
          for (let v = -1; v <= 1; v++) {
            const [yy, xx] = [2 * i + u, 2 * j + v];
            if (yy >= 0 && yy < 5 && xx >= 0 && xx < 5) m = Math.max(m, xs[c * 25 + yy * 5 + xx] as number);
          }
        mpRef.push(m);
      }
  assert.deepEqual([...(out.mp as Tensor).floats()], mpRef.map(Math.fround));
  const gapRef = [0, 1].map((c) => xs.subarray(c * 25, (c + 1) * 25).reduce((a, b) => a + b, 0) / 25);
  assert.ok(maxDiff((out.gap as Tensor).floats(), gapRef) < 1e-6);
  await s.dispose();
});

test('shape inference: symbolic spatial dims stay symbolic; mismatched channels are rejected at build time', () => {
  const g = new Graph('shapes');
  const x = g.input('x', 'float32', ['B', 3, 'H', 'W']);
  const y = conv2d(x, g.constant('float32', [8, 3, 7, 7], new Float32Array(8 * 3 * 49)), null, { stride: 2, pad: 3 });
  assert.equal(y.shape[0], 'B');
  assert.equal(y.shape[1], 8);
  assert.equal(typeof y.shape[2], 'string');
  assert.throws(() => conv2d(x, g.constant('float32', [8, 4, 1, 1], new Float32Array(32)), null), /3 channels/);
  assert.deepEqual(flatten(g.input('z', 'float32', [2, 3, 4, 5]), 2).shape, [6, 20]);
});
