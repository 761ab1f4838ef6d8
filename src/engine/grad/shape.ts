/**
 * Gradient rules of the layout ops: Reshape, Transpose, Squeeze/Unsqueeze, Expand, Concat (a Split of the gradient),
 * Split (a Concat, zeros for outputs without gradient), Slice (zero padding back to the input's extent; static sizes
 * on the sliced axes), Gather along axis 0 (a ScatterND with reduction 'add' into zeros; float16 gradients are summed
 * in float32 - neither the CPU nor the WebGPU provider has a float16 ScatterND 'add', WGSL having no float16 atomics).
 */

import { cast, shapeOf } from '../ops/cast.js';
import { concat, expand, split, squeeze, unsqueeze } from '../ops/shape.js';
import { constInts, dy0, input, intAttr, type GradRule } from './types.js';
import { unbroadcast, zerosLike } from './unbroadcast.js';

const reshapeRule: GradRule = (ctx) => {
  if (!ctx.needs[0]) return [null, null];
  const x = input(ctx, 0);
  const g = dy0(ctx);
  const staticShape = x.shape.every((d) => typeof d === 'number');
  const target = staticShape ? x.graph.ints(x.shape as number[]) : shapeOf(x);
  return [x.graph.op('Reshape', [g, target], { dtype: g.dtype, shape: x.shape }), null];
};

const transposeRule: GradRule = (ctx) => {
  if (!ctx.needs[0]) return [null];
  const a = ctx.node.attrs.perm;
  const x = input(ctx, 0);
  const perm = a && a.kind === 'ints' ? a.value : x.shape.map((_, i) => x.rank - 1 - i);
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  const g = dy0(ctx);
  return [g.graph.op('Transpose', [g], { dtype: g.dtype, shape: x.shape }, { perm: { kind: 'ints', value: inv } })];
};

const squeezeRule: GradRule = (ctx) => [ctx.needs[0] ? unsqueeze(dy0(ctx), constInts(ctx, 1)) : null, null];
const unsqueezeRule: GradRule = (ctx) => [ctx.needs[0] ? squeeze(dy0(ctx), constInts(ctx, 1)) : null, null];
const expandRule: GradRule = (ctx) => [ctx.needs[0] ? unbroadcast(dy0(ctx), input(ctx, 0).shape) : null, null];

const concatRule: GradRule = (ctx) => {
  const axis = intAttr(ctx, 'axis', 0);
  const sizes = ctx.node.inputs.map((x) => {
    const d = x?.shape[axis < 0 ? axis + x.rank : axis];
    if (typeof d !== 'number') throw new Error('Concat gradient: the concatenated axis must have static sizes');
    return d;
  });
  const parts = split(dy0(ctx), axis, sizes);
  return parts.map((p, i) => (ctx.needs[i] ? p : null));
};

const splitRule: GradRule = (ctx) => {
  if (!ctx.needs[0]) return ctx.node.inputs.map(() => null);
  const axis = intAttr(ctx, 'axis', 0);
  const parts = ctx.node.outputs.map((o, i) => ctx.dy[i] ?? zerosLike(o));
  return [concat(parts, axis), null];
};

const sliceRule: GradRule = (ctx) => {
  const none = ctx.node.inputs.map(() => null);
  if (!ctx.needs[0]) return none;
  const x = input(ctx, 0);
  const starts = constInts(ctx, 1);
  const ends = constInts(ctx, 2);
  const axes = ctx.node.inputs[3] ? constInts(ctx, 3) : starts.map((_, i) => i);
  if (ctx.node.inputs[4] && constInts(ctx, 4).some((s) => s !== 1)) throw new Error('Slice gradient: only step 1 is supported');
  const pads = new Array<number>(2 * x.rank).fill(0);
  axes.forEach((ax, i) => {
    const a = ax < 0 ? ax + x.rank : ax;
    const d = x.shape[a];
    if (typeof d !== 'number') throw new Error('Slice gradient: sliced axes must have static sizes');
    const s = Math.min(d, Math.max(0, (starts[i] as number) < 0 ? (starts[i] as number) + d : (starts[i] as number)));
    const e = Math.min(d, Math.max(s, (ends[i] as number) < 0 ? (ends[i] as number) + d : (ends[i] as number)));
    pads[a] = s;
    pads[a + x.rank] = d - e;
  });
  const g = dy0(ctx);
  const dx = g.graph.op('Pad', [g, g.graph.ints(pads)], { dtype: g.dtype, shape: x.shape });
  return [dx, ...none.slice(1)];
};

const gatherRule: GradRule = (ctx) => {
  if (!ctx.needs[0]) return [null, null];
  if (intAttr(ctx, 'axis', 0) !== 0) throw new Error('Gather gradient: only axis 0 is supported');
  const data = input(ctx, 0); // (V, ..)
  const indices = input(ctx, 1); // (..)
  const half = data.dtype === 'float16';
  const g = half ? cast(dy0(ctx), 'float32') : dy0(ctx); // (.., ..)
  const idx = cast(unsqueeze(indices, [-1]), 'int64'); // (.., 1) int64, as ScatterND requires (Gather takes int32 too)
  const zeros = half ? expand(data.graph.scalar(0, 'float32'), shapeOf(data), data.shape) : zerosLike(data);
  const dx = data.graph.op(
    'ScatterND',
    [zeros, idx, g],
    { dtype: g.dtype, shape: data.shape },
    {
      reduction: { kind: 'string', value: 'add' },
    },
  );
  return [half ? cast(dx, 'float16') : dx, null];
};

export const shapeRules: Readonly<Record<string, GradRule>> = {
  Reshape: reshapeRule,
  Transpose: transposeRule,
  Squeeze: squeezeRule,
  Unsqueeze: unsqueezeRule,
  Expand: expandRule,
  Concat: concatRule,
  Split: splitRule,
  Slice: sliceRule,
  Gather: gatherRule,
};
