/**
 * Undoes numpy broadcasting on a gradient: sums over the axes that broadcasting added or stretched from 1, so the
 * gradient of a broadcast operand has that operand's shape again. Also `zerosLike`, for ops whose rules need zeros.
 */

import type { Shape, Value } from '../graph.js';
import { sameShape } from '../shape.js';
import { reduceSum } from '../ops/reduce.js';
import { expand, squeeze } from '../ops/shape.js';
import { shapeOf } from '../ops/cast.js';

export function unbroadcast(g: Value, target: Shape): Value {
  if (sameShape(g.shape, target)) return g;
  const lead = g.rank - target.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead) axes.push(i);
    else if (target[i - lead] === 1 && g.shape[i] !== 1) axes.push(i);
  }
  let r = axes.length > 0 ? reduceSum(g, axes, true) : g; // (1.., target)
  if (lead > 0)
    r = squeeze(
      r,
      Array.from({ length: lead }, (_, i) => i),
    ); // (target)
  return r;
}

/**
 * Zeros with the run-time shape of `like`: a zero scalar expanded, which runs on the GPU provider (ConstantOfShape
 * would run on the CPU, and the zeros - as large as an embedding - would be copied to the device every run).
 */
export function zerosLike(like: Value): Value {
  return expand(like.graph.scalar(0, like.dtype), shapeOf(like), like.shape);
}
