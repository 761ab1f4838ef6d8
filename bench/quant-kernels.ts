/**
 * The quantized matrix-product kernels of ONNX Runtime's CPU provider against float32, on PaliGemma's shapes: where
 * does each one stand at prefill size (M = 271 tokens x Gemma's MLP, K 2048 -> N 16384), SigLIP's (M = 256 patches,
 * 1152 -> 4304) and decode (M = 1)? Weights are constant initializers (so every kernel pre-packs them):
 *   f32            MatMul, float32 weight [K, N]
 *   nbits-int4/8   MatMulNBits, block 32, accuracy level 4 (int8 activations per block) - what `--quantize int4` uses
 *   dynamic-int8   DynamicQuantizeMatMul: per-column int8 weights, activations quantized per tensor (uint8)
 *   per-row-int8   per-column int8 weights, activations quantized symmetrically per row (uint8 with zero point 128),
 *                  MatMulInteger, then row and column scales - what `--quantize int8` uses (ops/quantized-matmul.ts)
 * Median of 7 runs after 2 warm-ups. `npm run bench -- quant-kernels [--threads 2] [--shapes M,K,N;...]`
 * One JSON line per kernel and shape on stdout: {"name":"quant-kernel","kernel":...,"m":...,"k":...,"n":...,"ms":...,
 * "gops":...,"speedup_vs_f32":...}.
 */

import { performance } from 'node:perf_hooks';
import { QUANT_SCHEMES, quantizeMatrix } from '../src/engine/block-quantize.js';
import { Graph, type Value } from '../src/engine/graph.js';
import { GraphSession } from '../src/engine/graph-session.js';
import { matmul, matMulNBits } from '../src/engine/ops/index.js';
import { MICROSOFT_DOMAIN } from '../src/engine/ops/quantized-matmul.js';
import { Tensor } from '../src/engine/tensor.js';
import { round } from './_common.js';

type Shape = [number, number, number];
const DEFAULT_SHAPES: Shape[] = [
  [271, 2048, 16384],
  [256, 1152, 4304],
  [1, 2048, 16384],
];

function parseArgs(args: string[]): { threads: number; shapes: Shape[] } {
  const o = { threads: 2, shapes: DEFAULT_SHAPES };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = (): string => args[++i] ?? '';
    if (a === '--threads') o.threads = Number(next());
    else if (a === '--shapes')
      o.shapes = next()
        .split(';')
        .map((s) => s.split(',').map(Number) as Shape);
    else throw new Error(`quant-kernels bench: unknown argument ${a}`);
  }
  return o;
}

/** Per-column symmetric int8 of W [N, K], transposed to [K, N], and the column scales. */
function perColumnInt8(w: Float32Array, n: number, k: number): { b: Int8Array; scales: Float32Array } {
  const scales = new Float32Array(n);
  const b = new Int8Array(k * n);
  for (let j = 0; j < n; j++) {
    let max = 0;
    for (let i = 0; i < k; i++) max = Math.max(max, Math.abs(w[j * k + i]!));
    const s = max / 127 || 1;
    scales[j] = s;
    for (let i = 0; i < k; i++) b[i * n + j] = Math.round(w[j * k + i]! / s);
  }
  return { b, scales };
}

const INT = (value: number) => ({ kind: 'int' as const, value });

function kernels(w: Float32Array, [m, k, n]: Shape): Record<string, (g: Graph, x: Value) => Value> {
  const op = (g: Graph, type: string, inputs: Value[], dtype: 'float32' | 'int32' | 'uint8', shape: number[], attrs = {}, domain?: string): Value =>
    g.addNode(type, inputs, [{ dtype, shape }], attrs, domain)[0]!;
  return {
    f32: (g, x) => {
      const t = new Float32Array(k * n);
      for (let j = 0; j < n; j++) for (let i = 0; i < k; i++) t[i * n + j] = w[j * k + i]!;
      return matmul(x, g.constant('float32', [k, n], t));
    },
    ...Object.fromEntries(
      (['int4', 'int8'] as const).map((s) => [
        `nbits-${s}`,
        (g: Graph, x: Value) => {
          const q = quantizeMatrix(w, n, k, QUANT_SCHEMES[s]);
          const blocks = Math.ceil(k / q.scheme.blockSize);
          const packed = g.constant('uint8', [n, blocks, q.packed.length / (n * blocks)], q.packed);
          const zeroPoints = q.zeroPoints ? g.constant('uint8', [q.zeroPoints.length], q.zeroPoints) : null;
          return matMulNBits(x, { scheme: q.scheme, n, k, packed, scales: g.constant('float32', [n * blocks], q.scales), zeroPoints });
        },
      ]),
    ),
    'dynamic-int8': (g, x) => {
      const { b, scales } = perColumnInt8(w, n, k);
      return op(g, 'DynamicQuantizeMatMul', [x, g.constant('int8', [k, n], b), g.constant('float32', [n], scales)], 'float32', [m, n], {}, MICROSOFT_DOMAIN);
    },
    'per-row-int8': (g, x) => {
      const { b, scales } = perColumnInt8(w, n, k);
      const absMax = op(g, 'ReduceMax', [op(g, 'Abs', [x], 'float32', [m, k]), g.ints([1])], 'float32', [m, 1], { keepdims: INT(1) });
      const rowScale = op(g, 'Max', [op(g, 'Div', [absMax, g.scalar(127, 'float32')], 'float32', [m, 1]), g.scalar(1e-30, 'float32')], 'float32', [m, 1]);
      const shifted = op(g, 'Add', [op(g, 'Round', [op(g, 'Div', [x, rowScale], 'float32', [m, k])], 'float32', [m, k]), g.scalar(128, 'float32')], 'float32', [
        m,
        k,
      ]);
      const codes = op(g, 'Cast', [shifted], 'uint8', [m, k], { to: INT(2) });
      const acc = op(g, 'MatMulInteger', [codes, g.constant('int8', [k, n], b), g.constant('uint8', [], Uint8Array.from([128]))], 'int32', [m, n]);
      const float = op(g, 'Cast', [acc], 'float32', [m, n], { to: INT(1) });
      return op(g, 'Mul', [op(g, 'Mul', [float, rowScale], 'float32', [m, n]), g.constant('float32', [n], scales)], 'float32', [m, n]);
    },
  };
}

async function timeKernel(build: (g: Graph, x: Value) => Value, [m, k]: Shape, x: Tensor, threads: number): Promise<number> {
  const g = new Graph('kernel');
  g.output('y', build(g, g.input('x', 'float32', [m, k])));
  const s = await GraphSession.create(g.encode(), { threads });
  try {
    for (let i = 0; i < 2; i++) await s.run({ x });
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      await s.run({ x });
      times.push(performance.now() - t0);
    }
    return times.sort((a, b) => a - b)[3]!;
  } finally {
    await s.dispose();
  }
}

export async function run(args: string[]): Promise<void> {
  const o = parseArgs(args);
  for (const shape of o.shapes) {
    const [m, k, n] = shape;
    const w = Float32Array.from({ length: n * k }, (_, i) => Math.sin(i * 0.37) * 0.05);
    const x = Tensor.f32(
      Float32Array.from({ length: m * k }, (_, i) => Math.cos(i * 0.11)),
      [m, k],
    );
    let f32 = NaN;
    for (const [kernel, build] of Object.entries(kernels(w, shape))) {
      const ms = await timeKernel(build, shape, x, o.threads);
      if (kernel === 'f32') f32 = ms;
      const line = {
        name: 'quant-kernel',
        kernel,
        m,
        k,
        n,
        threads: o.threads,
        ms: round(ms, 2),
        gops: round((2 * m * k * n) / ms / 1e6, 1),
        speedup_vs_f32: round(f32 / ms, 2),
      };
      process.stderr.write(`${`M ${m} K ${k} N ${n}`.padEnd(22)} ${kernel.padEnd(14)} ${ms.toFixed(1).padStart(7)} ms  x${line.speedup_vs_f32} of f32\n`);
      process.stdout.write(`${JSON.stringify(line)}\n`);
    }
  }
}
