/** Gradient rules of the elementwise ops; binary ops unbroadcast each operand's gradient back to its shape. */

import type { Value } from '../graph.js';
import { div, greater, less, log, mul, neg, pow, sub, where } from '../ops/elementwise.js';
import { cast } from '../ops/cast.js';
import { isFloat } from '../dtype.js';
import { dy0, input, output, type GradRule } from './types.js';
import { unbroadcast } from './unbroadcast.js';

const addRule: GradRule = (ctx) => {
  const g = dy0(ctx);
  return [ctx.needs[0] ? unbroadcast(g, input(ctx, 0).shape) : null, ctx.needs[1] ? unbroadcast(g, input(ctx, 1).shape) : null];
};

const subRule: GradRule = (ctx) => {
  const g = dy0(ctx);
  return [ctx.needs[0] ? unbroadcast(g, input(ctx, 0).shape) : null, ctx.needs[1] ? unbroadcast(neg(g), input(ctx, 1).shape) : null];
};

const mulRule: GradRule = (ctx) => {
  const g = dy0(ctx);
  const a = input(ctx, 0);
  const b = input(ctx, 1);
  return [ctx.needs[0] ? unbroadcast(mul(g, b), a.shape) : null, ctx.needs[1] ? unbroadcast(mul(g, a), b.shape) : null];
};

const divRule: GradRule = (ctx) => {
  const g = dy0(ctx);
  const a = input(ctx, 0);
  const b = input(ctx, 1);
  const y = output(ctx, 0);
  // d(a/b)/db = -a/b^2 = -y/b
  return [ctx.needs[0] ? unbroadcast(div(g, b), a.shape) : null, ctx.needs[1] ? unbroadcast(neg(div(mul(g, y), b)), b.shape) : null];
};

const powRule: GradRule = (ctx) => {
  const g = dy0(ctx);
  const a = input(ctx, 0);
  const b = input(ctx, 1);
  const y = output(ctx, 0);
  return [ctx.needs[0] ? unbroadcast(mul(g, mul(b, pow(a, sub(b, 1)))), a.shape) : null, ctx.needs[1] ? unbroadcast(mul(g, mul(y, log(a))), b.shape) : null];
};

const sumRule: GradRule = (ctx) => ctx.node.inputs.map((x, i) => (x && ctx.needs[i] ? unbroadcast(dy0(ctx), x.shape) : null));

const whereRule: GradRule = (ctx) => {
  const g = dy0(ctx);
  const cond = input(ctx, 0);
  return [
    null,
    ctx.needs[1] ? unbroadcast(where(cond, g, 0), input(ctx, 1).shape) : null,
    ctx.needs[2] ? unbroadcast(where(cond, 0, g), input(ctx, 2).shape) : null,
  ];
};

/** Rules for single-input ops: dx from (dy, x, y). */
function unaryRule(f: (g: Value, x: Value, y: Value) => Value): GradRule {
  return (ctx) => [ctx.needs[0] ? f(dy0(ctx), input(ctx, 0), output(ctx, 0)) : null];
}

export const elementwiseRules: Readonly<Record<string, GradRule>> = {
  Add: addRule,
  Sub: subRule,
  Mul: mulRule,
  Div: divRule,
  Pow: powRule,
  Sum: sumRule,
  Where: whereRule,
  Neg: unaryRule((g) => neg(g)),
  Identity: unaryRule((g) => g),
  Sqrt: unaryRule((g, _x, y) => div(g, mul(y, 2))),
  Exp: unaryRule((g, _x, y) => mul(g, y)),
  Log: unaryRule((g, x) => div(g, x)),
  // sign(x) as (x > 0) - (x < 0): the WebGPU provider has no Sign kernel.
  Abs: unaryRule((g, x) => mul(g, sub(cast(greater(x, 0), x.dtype), cast(less(x, 0), x.dtype)))),
  Reciprocal: unaryRule((g, _x, y) => neg(mul(g, mul(y, y)))),
  // Integer casts are not differentiable; float casts send the gradient back in the input's precision.
  Cast: (ctx) => [ctx.needs[0] && isFloat(input(ctx, 0).dtype) ? cast(dy0(ctx), input(ctx, 0).dtype) : null],
};
