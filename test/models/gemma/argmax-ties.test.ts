/**
 * Greedy decoding takes its tokens from the KV-cache graph's ArgMax (cache-graphs.ts `next_token`) instead of the host's
 * `argmaxRow`: both must pick the same index, ties included - the FIRST maximum, as torch.argmax and numpy.argmax
 * (ONNX ArgMax with select_last_index = 0). Checked on rows with ties at both ends, an all-equal row, and PaliGemma's
 * vocabulary width (257,216), on the test device; in float16 too where the device computes it (not the CPU).
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph } from '../../../src/engine/graph.js';
import { GraphSession } from '../../../src/engine/graph-session.js';
import { toFloat16 } from '../../../src/engine/half.js';
import { argMax } from '../../../src/engine/ops/index.js';
import { Tensor } from '../../../src/engine/tensor.js';
import { argmaxRow } from '../../../src/models/gemma/generate.js';
import { onTestDevice, TEST_DEVICE } from '../../helpers/device.js';

/** Rows of width v: ties at 2 and v-1; all equal; ties at v/2 and v-1 (max 7); a single maximum at v-2. */
function rows(v: number): Float32Array {
  const a = Float32Array.from({ length: 4 * v }, (_, i) => Math.sin(i * 0.37));
  a[2] = 5;
  a[v - 1] = 5;
  a.fill(1, v, 2 * v);
  a[2 * v + Math.floor(v / 2)] = 7;
  a[2 * v + v - 1] = 7;
  a[3 * v + v - 2] = 9;
  return a;
}

async function graphArgmax(dtype: 'float32' | 'float16', a: Float32Array, v: number): Promise<number[]> {
  const g = new Graph('argmax');
  g.output('i', argMax(g.input('x', dtype, ['B', 'V']), 1));
  const s = await GraphSession.create(g.encode(), onTestDevice());
  try {
    const x = dtype === 'float32' ? Tensor.f32(a, [4, v]) : new Tensor('float16', toFloat16(a), [4, v]);
    const out = await s.run({ x });
    return Array.from(out.i!.data as BigInt64Array, Number);
  } finally {
    await s.dispose();
  }
}

for (const v of [7, 300, 257_216]) {
  test(`ArgMax in the graph and argmaxRow on the host pick the first maximum (width ${v})`, async () => {
    const a = rows(v);
    const want = [2, 0, Math.floor(v / 2), v - 2];
    assert.deepEqual(
      [0, 1, 2, 3].map((r) => argmaxRow(a, r, v)),
      want,
      'host',
    );
    assert.deepEqual(await graphArgmax('float32', a, v), want, `graph, float32, ${TEST_DEVICE}`);
  });
}

test(
  'ArgMax over float16 logits picks the first maximum too',
  { skip: TEST_DEVICE === 'cpu' && 'float16 is computed on WebGPU (npm run test:webgpu); the CPU provider casts it to float32' },
  async () => {
    for (const v of [300, 257_216]) assert.deepEqual(await graphArgmax('float16', rows(v), v), [2, 0, Math.floor(v / 2), v - 2], `width ${v}`);
  },
);
