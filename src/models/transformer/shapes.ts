/**
 * Run-time shapes of a token batch. The decoder keeps activations as 2-D rows (N = B*T, .) so every projection is one
 * Gemm with a transposed weight (no Transpose node, forward or backward); attention unflattens rows back to
 * (B, T, ..) with a Reshape whose target shape is read from the position ids at run time (B and T are symbolic).
 */

import type { Dim, Value } from '../../engine/graph.js';
import { concat, shapeOf } from '../../engine/ops/index.js';

export interface SeqShape {
  readonly b: Dim;
  readonly t: Dim;
  /** Rows N = B*T (a number when both are static). */
  readonly n: Dim;
  /** int64 [2]: the run-time (B, T). */
  readonly bt: Value;
}

/** The batch shape of `ids` (B, T) - position ids or token ids. */
export function seqShape(ids: Value): SeqShape {
  if (ids.rank !== 2) throw new Error(`expected (B, T) ids, got rank ${ids.rank}`);
  const [b, t] = [ids.shape[0] as Dim, ids.shape[1] as Dim];
  const n = typeof b === 'number' && typeof t === 'number' ? b * t : `${String(b)}*${String(t)}`;
  return { b, t, n, bt: shapeOf(ids) };
}

/** (N, ..rest) rows -> (B, T, ..rest); `rest` static. */
export function unflatten(x: Value, s: SeqShape, rest: readonly number[]): Value {
  const target = concat([s.bt, x.graph.ints(rest)], 0); // [B, T, ..rest]
  return x.graph.op('Reshape', [x, target], { dtype: x.dtype, shape: [s.b, s.t, ...rest] });
}

/** ONNX Reshape with a constant target (`0` copies the input dim, `-1` is inferred), annotated with `shape`. */
export function reshapeTo(x: Value, target: readonly number[], shape: readonly Dim[]): Value {
  return x.graph.op('Reshape', [x, x.graph.ints(target)], { dtype: x.dtype, shape });
}
