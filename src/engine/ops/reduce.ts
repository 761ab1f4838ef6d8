/**
 * Reductions over static axes (ReduceSum, ReduceMean, ReduceMax), with ONNX's keepdims switch. Axes are an int64 input
 * (opset 18+). ReduceMax has no gradient rule: it serves as the detached shift of logSoftmax (activation.ts).
 */

import type { Value } from '../graph.js';
import { normalizeAxis } from '../shape.js';

function reduce(opType: string, x: Value, axes: readonly number[], keepdims: boolean): Value {
  const norm = axes.map((a) => normalizeAxis(a, x.rank));
  const shape = keepdims ? x.shape.map((d, i) => (norm.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !norm.includes(i));
  return x.graph.op(opType, [x, x.graph.ints(norm)], { dtype: x.dtype, shape }, { keepdims: { kind: 'int', value: keepdims ? 1 : 0 } });
}

export const reduceSum = (x: Value, axes: readonly number[], keepdims = false): Value => reduce('ReduceSum', x, axes, keepdims);
export const reduceMean = (x: Value, axes: readonly number[], keepdims = false): Value => reduce('ReduceMean', x, axes, keepdims);
export const reduceMax = (x: Value, axes: readonly number[], keepdims = false): Value => reduce('ReduceMax', x, axes, keepdims);

/** Mean of every element, as a scalar. */
export function meanAll(x: Value): Value {
  return reduceMean(
    x,
    x.shape.map((_, i) => i),
    false,
  );
}
