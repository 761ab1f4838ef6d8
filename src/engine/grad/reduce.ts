/** Gradient rules of ReduceSum and ReduceMean: broadcast the gradient back over the reduced axes (divided by the count for the mean). */

import type { Value } from '../graph.js';
import { div, mul } from '../ops/elementwise.js';
import { dimSize, shapeOf } from '../ops/cast.js';
import { expand, unsqueeze } from '../ops/shape.js';
import { sameShape } from '../shape.js';
import { constInts, dy0, input, intAttr, type GradContext, type GradRule } from './types.js';

function spread(ctx: GradContext): { g: Value; x: Value; axes: number[] } {
  const x = input(ctx, 0);
  const axes = ctx.node.inputs.length > 1 && ctx.node.inputs[1] ? constInts(ctx, 1) : x.shape.map((_, i) => i);
  const keep = intAttr(ctx, 'keepdims', 1) === 1;
  let g = dy0(ctx);
  if (!keep && axes.length > 0) g = unsqueeze(g, axes); // (.., 1, ..)
  if (!sameShape(g.shape, x.shape)) g = expand(g, shapeOf(x), x.shape); // (x)
  return { g, x, axes };
}

const reduceSumRule: GradRule = (ctx) => (ctx.needs[0] ? [spread(ctx).g, null] : [null, null]);

const reduceMeanRule: GradRule = (ctx) => {
  if (!ctx.needs[0]) return [null, null];
  const { g, x, axes } = spread(ctx);
  let count: Value | null = null;
  for (const a of axes) count = count ? mul(count, dimSize(x, a, x.dtype)) : dimSize(x, a, x.dtype);
  return [count ? div(g, count) : g, null];
};

export const reduceRules: Readonly<Record<string, GradRule>> = { ReduceSum: reduceSumRule, ReduceMean: reduceMeanRule };
