/**
 * Gradient rule of LayerNormalization over the last axis, from the saved Mean and InvStdDev outputs:
 *   xhat = (x - mean) * rstd,  gw = dy * weight
 *   dx = rstd * (gw - mean(gw) - xhat * mean(gw * xhat)),  dweight = sum_rows(dy * xhat),  dbias = sum_rows(dy)
 */

import { mul, sub } from '../ops/elementwise.js';
import { cast } from '../ops/cast.js';
import { reduceMean } from '../ops/reduce.js';
import { dy0, input, intAttr, output, type GradRule } from './types.js';
import { unbroadcast } from './unbroadcast.js';

const layerNormRule: GradRule = (ctx) => {
  const x = input(ctx, 0); // (.., D)
  const axis = intAttr(ctx, 'axis', -1);
  if (axis !== -1 && axis !== x.rank - 1) throw new Error('LayerNormalization gradient: only the last axis is supported');
  const g = dy0(ctx); // (.., D)
  const w = input(ctx, 1); // (D)
  const mean = cast(output(ctx, 1), x.dtype); // (.., 1)
  const rstd = cast(output(ctx, 2), x.dtype); // (.., 1)
  const xhat = mul(sub(x, mean), rstd); // (.., D)
  let dx = null;
  if (ctx.needs[0]) {
    const gw = mul(g, w); // (.., D)
    const meanG = reduceMean(gw, [-1], true); // (.., 1)
    const meanGx = reduceMean(mul(gw, xhat), [-1], true); // (.., 1)
    dx = mul(sub(sub(gw, meanG), mul(xhat, meanGx)), rstd); // (.., D)
  }
  const dw = ctx.needs[1] ? unbroadcast(mul(g, xhat), w.shape) : null; // (D)
  const bias = ctx.node.inputs[2];
  const db = bias && ctx.needs[2] ? unbroadcast(g, bias.shape) : null; // (D)
  return [dx, dw, db];
};

export const normRules: Readonly<Record<string, GradRule>> = { LayerNormalization: layerNormRule };
