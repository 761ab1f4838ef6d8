/**
 * The machine's float32 GEMM peak as ONNX Runtime reaches it: GFLOP/s of one 4096 x 1536 x 1024 MatMul, best of 8 runs
 * after the first. Benchmarks measure it right before and after their own timing and report the fraction of it they
 * reach, a figure that a shared machine's load skews less than seconds (heads, extract-resnet50).
 */

import { performance } from 'node:perf_hooks';
import { Graph } from '../src/engine/graph.js';
import { GraphSession } from '../src/engine/graph-session.js';
import { matmul } from '../src/engine/ops/matmul.js';
import { Tensor } from '../src/engine/tensor.js';
import { Rng } from '../src/random/rng.js';

export async function gemmPeak(threads: number): Promise<number> {
  const [m, k, n] = [4096, 1536, 1024];
  const g = new Graph('gemm_peak');
  g.output('y', matmul(g.input('a', 'float32', [m, k]), g.input('b', 'float32', [k, n])));
  const session = await GraphSession.create(g.encode(), { threads });
  const rng = new Rng(5);
  const a = Tensor.f32(
    Float32Array.from({ length: m * k }, () => rng.normal()),
    [m, k],
  );
  const b = Tensor.f32(
    Float32Array.from({ length: k * n }, () => rng.normal()),
    [k, n],
  );
  let best = Infinity;
  for (let i = 0; i < 8; i++) {
    const t0 = performance.now();
    await session.run({ a, b });
    best = Math.min(best, performance.now() - t0);
  }
  await session.dispose();
  return (2 * m * k * n) / (best / 1000) / 1e9;
}
