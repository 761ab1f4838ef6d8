/** Gradient rules of the activations (Sigmoid, Tanh, Relu, Softplus, Erf, Gelu exact/tanh) and of Softmax/LogSoftmax. */

import type { Value } from '../graph.js';
import { add, exp, greater, mul, sub, where } from '../ops/elementwise.js';
import { erf, sigmoid, tanh } from '../ops/activation.js';
import { reduceSum } from '../ops/reduce.js';
import { dy0, input, intAttr, output, type GradContext, type GradRule } from './types.js';

function unaryRule(f: (g: Value, x: Value, y: Value, ctx: GradContext) => Value): GradRule {
  return (ctx) => [ctx.needs[0] ? f(dy0(ctx), input(ctx, 0), output(ctx, 0), ctx) : null];
}

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const TANH_K = Math.sqrt(2 / Math.PI);
const TANH_C = 0.044715;

/** d gelu(x)/dx = Phi(x) + x * phi(x) */
function geluExactGrad(g: Value, x: Value): Value {
  const cdf = mul(add(erf(mul(x, SQRT1_2)), 1), 0.5);
  const pdf = mul(exp(mul(mul(x, x), -0.5)), INV_SQRT_2PI);
  return mul(g, add(cdf, mul(x, pdf)));
}

/** tanh form: y = 0.5 x (1 + t), t = tanh(k (x + c x^3)) */
function geluTanhGrad(g: Value, x: Value): Value {
  const x2 = mul(x, x);
  const t = tanh(mul(mul(x, add(mul(x2, TANH_C), 1)), TANH_K));
  const du = mul(add(mul(x2, 3 * TANH_C), 1), TANH_K);
  const d = add(mul(add(t, 1), 0.5), mul(mul(mul(x, 0.5), sub(1, mul(t, t))), du));
  return mul(g, d);
}

export const activationRules: Readonly<Record<string, GradRule>> = {
  Sigmoid: unaryRule((g, _x, y) => mul(g, mul(y, sub(1, y)))),
  Tanh: unaryRule((g, _x, y) => mul(g, sub(1, mul(y, y)))),
  Relu: unaryRule((g, _x, y) => where(greater(y, 0), g, 0)),
  Softplus: unaryRule((g, x) => mul(g, sigmoid(x))),
  Erf: unaryRule((g, x) => mul(g, mul(exp(mul(mul(x, x), -1)), 2 / Math.sqrt(Math.PI)))),
  Gelu: unaryRule((g, x, _y, ctx) => {
    const a = ctx.node.attrs.approximate;
    return a && a.kind === 'string' && a.value === 'tanh' ? geluTanhGrad(g, x) : geluExactGrad(g, x);
  }),
  Softmax: unaryRule((g, _x, y, ctx) => {
    const axis = intAttr(ctx, 'axis', -1);
    return mul(y, sub(g, reduceSum(mul(g, y), [axis], true))); // y * (g - sum(g y))
  }),
  LogSoftmax: unaryRule((g, _x, y, ctx) => {
    const axis = intAttr(ctx, 'axis', -1);
    return sub(g, mul(exp(y), reduceSum(g, [axis], true))); // g - softmax * sum(g)
  }),
};
