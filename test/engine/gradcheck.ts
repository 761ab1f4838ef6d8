/**
 * Finite-difference checking of gradient rules: builds a tiny graph around one op, reduces its output to a scalar
 * with fixed random weights (L = sum(y * R)), and compares the engine's gradients with central differences of L, both
 * evaluated by ONNX Runtime. float64 graphs make the check tight (eps 1e-6, tolerance ~1e-7 relative).
 */

import { GraphSession } from '../../src/engine/graph-session.js';
import { Tensor } from '../../src/engine/tensor.js';
import { Graph, type Value } from '../../src/engine/graph.js';
import { gradients } from '../../src/engine/autodiff.js';
import { mul } from '../../src/engine/ops/elementwise.js';
import { meanAll, reduceSum } from '../../src/engine/ops/reduce.js';
import { Rng } from '../../src/random/rng.js';

export interface CheckInput {
  shape: number[];
  /** Fixed data (else standard normal). */
  data?: number[];
  /** Integer input (labels, indices), never differentiated; values in [0, intRange). */
  intRange?: number;
  /** Use this input without differentiating it. */
  constant?: boolean;
}

export interface CheckResult {
  maxAbsErr: number;
  maxRelErr: number;
  checked: number;
}

type FloatDType = 'float32' | 'float64';

export async function gradCheck(
  inputs: CheckInput[],
  build: (xs: Value[]) => Value,
  opts: { dtype?: FloatDType; eps?: number; seed?: number; reduce?: 'weighted' | 'mean' } = {},
): Promise<CheckResult> {
  const dtype = opts.dtype ?? 'float64';
  const eps = opts.eps ?? (dtype === 'float64' ? 1e-6 : 1e-2);
  const rng = new Rng(opts.seed ?? 1);
  const g = new Graph('gradcheck');
  const xs = inputs.map((inp, i) => g.input(`x${i}`, inp.intRange ? 'int64' : dtype, inp.shape));
  const y = build(xs);
  let loss: Value;
  if (opts.reduce === 'mean' || y.rank === 0) {
    loss = y.rank === 0 ? y : meanAll(y);
  } else {
    const n = y.shape.reduce<number>((a, d) => a * (d as number), 1);
    const w = Float64Array.from({ length: n }, () => rng.normal());
    const wv = g.constant(dtype, y.shape as number[], dtype === 'float64' ? w : Float32Array.from(w));
    loss = reduceSum(
      mul(y, wv),
      y.shape.map((_, i) => i),
      false,
    );
  }
  const diffIdx = inputs.map((inp, i) => (inp.intRange || inp.constant ? -1 : i)).filter((i) => i >= 0);
  const grads = gradients(
    loss,
    diffIdx.map((i) => xs[i] as Value),
  );
  g.output('loss', loss);
  diffIdx.forEach((i) => g.output(`grad${i}`, grads.get(xs[i] as Value) as Value));
  const session = await GraphSession.create(g.encode(), { optimization: 'disabled', threads: 1 });

  const data = inputs.map((inp) => {
    const n = inp.shape.reduce((a, b) => a * b, 1);
    if (inp.intRange) return BigInt64Array.from({ length: n }, (_, k) => BigInt(inp.data?.[k] ?? rng.int(inp.intRange as number)));
    const values = Array.from({ length: n }, (_, k) => inp.data?.[k] ?? rng.normal());
    return dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values);
  });
  const feeds = (): Record<string, Tensor> =>
    Object.fromEntries(inputs.map((inp, i) => [`x${i}`, new Tensor(inp.intRange ? 'int64' : dtype, data[i] as Float64Array, inp.shape)]));
  const base = await session.run(feeds());
  const lossAt = async (): Promise<number> => Number((await session.run(feeds(), ['loss'])).loss?.data[0]);

  let maxAbsErr = 0;
  let maxRelErr = 0;
  let checked = 0;
  for (const i of diffIdx) {
    const x = data[i] as Float64Array;
    const analytic = base[`grad${i}`]?.data as Float64Array;
    for (let k = 0; k < x.length; k++) {
      const orig = x[k] as number;
      x[k] = orig + eps;
      const up = await lossAt();
      x[k] = orig - eps;
      const down = await lossAt();
      x[k] = orig;
      const numeric = (up - down) / (2 * eps);
      const a = analytic[k] as number;
      const abs = Math.abs(a - numeric);
      maxAbsErr = Math.max(maxAbsErr, abs);
      maxRelErr = Math.max(maxRelErr, abs / Math.max(1, Math.abs(numeric)));
      checked++;
    }
  }
  await session.dispose();
  return { maxAbsErr, maxRelErr, checked };
}
