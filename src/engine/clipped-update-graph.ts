/**
 * The optimizer update of an accumulated gradient, with its normalisation and clipping by global norm, as one graph
 * whose tensors never leave the device (engine/resident-optimizer.ts). Per run, in float32:
 *   g = grad * grad_scale                              (the weighted sum -> the token-weighted mean)
 *   n = sqrt(sum over every tensor of sum(g^2))        (the global norm)
 *   c = n > max_norm ? max_norm / n : 1                (max_norm = +inf: no clipping)
 *   then the optimizer's update (optim.ts, as optimizer-graph.ts) with g * c.
 * Only the scalars cross: lr, step, grad_scale, max_norm in; grad_norm and clip_scale out. With grad_scale 1 and no
 * clipping both products are exact, so the update is bit for bit optimizer-graph.ts's on the same gradient.
 *   inputs  <param>, grad.<param>, <slot>.<param>, lr (float64), step (float64), grad_scale, max_norm (float32)
 *   outputs new.<param>, new.<slot>.<param>, grad_norm, clip_scale (float32), clipped.<param> (the gradient applied)
 */

import { Graph, type Value } from './graph.js';
import type { ParamSpec } from './model.js';
import { gradName, newName, slotName } from './names.js';
import { div, greater, mul, sqrt, sum, where } from './ops/elementwise.js';
import { reduceSum } from './ops/reduce.js';
import type { Optimizer } from './optim.js';

export const GRAD_SCALE = 'grad_scale';
export const MAX_NORM = 'max_norm';
export const GRAD_NORM = 'grad_norm';
export const CLIP_SCALE = 'clip_scale';
/** Graph-output name of the gradient the optimizer received (fetched only when wanted). */
export const clippedName = (param: string): string => `clipped.${param}`;

export function buildClippedUpdate(params: readonly ParamSpec[], optimizer: Optimizer): Uint8Array {
  const g = new Graph(`${optimizer.name}_clipped_update`);
  const scalars = optimizer.prepare(g, g.input('lr', 'float64', []), g.input('step', 'float64', []));
  const gradScale = g.input(GRAD_SCALE, 'float32', []);
  const maxNorm = g.input(MAX_NORM, 'float32', []);
  const grads = params.map((spec) => mul(g.input(gradName(spec.name), 'float32', spec.shape), gradScale));
  const squares = grads.map((x) =>
    reduceSum(
      mul(x, x),
      x.shape.map((_, i) => i),
    ),
  );
  const norm = sqrt(sum(squares));
  const clip = where(greater(norm, maxNorm), div(maxNorm, norm), 1);
  g.output(GRAD_NORM, norm);
  g.output(CLIP_SCALE, clip);
  params.forEach((spec, i) => {
    const p = g.input(spec.name, 'float32', spec.shape);
    const clipped = mul(grads[i] as Value, clip);
    const state = optimizer.slots.map((s) => g.input(slotName(s, spec.name), 'float32', spec.shape));
    const upd = optimizer.update(p, clipped, state, scalars);
    g.output(newName(spec.name), upd.param);
    optimizer.slots.forEach((s, k) => g.output(newName(slotName(s, spec.name)), upd.state[k] as Value));
    g.output(clippedName(spec.name), clipped);
  });
  return g.encode();
}
