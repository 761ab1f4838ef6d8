/**
 * Rotary position embeddings as Hugging Face Gemma computes them, from explicit position ids:
 *   inv_freq[i] = 1 / theta^(2i / hd)                      i < hd/2, rounded to float32 as torch does
 *   freqs = position * inv_freq                            (B, T, hd/2)
 *   cos, sin = cos/sin(concat(freqs, freqs))               (B, 1, T, hd)
 *   rope(x) = x * cos + rotate_half(x) * sin,  rotate_half(x) = concat(-x[.., hd/2:], x[.., :hd/2])
 * The tables are computed in-graph once per graph and shared by every layer's queries and keys. In a float16 graph
 * the angles, cos and sin are computed in float32 and the tables Cast to float16, as HF's rotary embedding does
 * (position x inv_freq in float16 would be off by up to 0.125 rad past position 256: its spacing there is 0.25).
 */

import type { DType } from '../../engine/dtype.js';
import type { Value } from '../../engine/graph.js';
import { add, cast, concat, cos, mul, neg, sin, split, unsqueeze } from '../../engine/ops/index.js';

export interface RopeTables {
  cos: Value; // (B, 1, T, hd)
  sin: Value; // (B, 1, T, hd)
}

/** torch: 1.0 / (theta ** (arange(0, hd, 2).float() / hd)), every step in float32 (or float64 for float64 graphs). */
export function inverseFrequencies(headDim: number, theta: number, dtype: DType): Float32Array | Float64Array {
  const half = headDim / 2;
  if (dtype === 'float64') return Float64Array.from({ length: half }, (_, i) => 1 / theta ** ((2 * i) / headDim));
  const f = Math.fround;
  return Float32Array.from({ length: half }, (_, i) => f(1 / f(f(theta) ** f((2 * i) / headDim))));
}

/** The tables in `dtype`, the compute dtype of the graph (float16: computed in float32, then Cast). */
export function ropeTables(positions: Value, headDim: number, theta: number, dtype: DType): RopeTables {
  const g = positions.graph;
  const at = dtype === 'float16' ? 'float32' : dtype; // the dtype the angles are computed in
  const inv = g.constant(at, [headDim / 2], inverseFrequencies(headDim, theta, at), 'rope_inv_freq'); // (hd/2)
  const freqs = mul(unsqueeze(cast(positions, at), [-1]), inv); // (B, T, hd/2)
  const angles = unsqueeze(concat([freqs, freqs], -1), [1]); // (B, 1, T, hd)
  const table = (v: Value): Value => (at === dtype ? v : cast(v, dtype));
  return { cos: table(cos(angles)), sin: table(sin(angles)) };
}

/** Rotates x (B, h, T, hd) by its positions. */
export function applyRope(x: Value, t: RopeTables): Value {
  const hd = x.shape[x.rank - 1] as number;
  const [x1, x2] = split(x, -1, [hd / 2, hd / 2]) as [Value, Value]; // (B, h, T, hd/2) each
  const rotated = concat([neg(x2), x1], -1); // (B, h, T, hd)
  return add(mul(x, t.cos), mul(rotated, t.sin)); // (B, h, T, hd)
}
