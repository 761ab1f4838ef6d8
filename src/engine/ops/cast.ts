/** Cast between element types, and run-time shape queries (Shape, one dim as a scalar). */

import { ONNX_DTYPE, type DType } from '../dtype.js';
import type { Value } from '../graph.js';
import { normalizeAxis } from '../shape.js';

export function cast(x: Value, to: DType): Value {
  if (x.dtype === to) return x;
  return x.graph.op('Cast', [x], { dtype: to, shape: x.shape }, { to: { kind: 'int', value: ONNX_DTYPE[to] } });
}

/** The run-time shape of `x` as a 1-D int64 tensor. */
export function shapeOf(x: Value): Value {
  return x.graph.op('Shape', [x], { dtype: 'int64', shape: [x.rank] });
}

/** Size of dimension `axis` of `x` as a scalar of `dtype`: a constant when static, else read from Shape at run time. */
export function dimSize(x: Value, axis: number, dtype: DType): Value {
  const a = normalizeAxis(axis, x.rank);
  const d = x.shape[a];
  if (typeof d === 'number') return x.graph.scalar(d, dtype);
  const g = x.graph;
  const dim = g.op('Gather', [shapeOf(x), g.scalar(a, 'int64')], { dtype: 'int64', shape: [] }, { axis: { kind: 'int', value: 0 } });
  return cast(dim, dtype);
}
