/** Gradient rules of Sin (d = g cos x) and Cos (d = -g sin x). */

import { mul, neg } from '../ops/elementwise.js';
import { cos, sin } from '../ops/trig.js';
import { dy0, input, type GradRule } from './types.js';

export const trigRules: Readonly<Record<string, GradRule>> = {
  Sin: (ctx) => [ctx.needs[0] ? mul(dy0(ctx), cos(input(ctx, 0))) : null],
  Cos: (ctx) => [ctx.needs[0] ? neg(mul(dy0(ctx), sin(input(ctx, 0)))) : null],
};
