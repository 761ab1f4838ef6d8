/**
 * Weighted gradient accumulation on the device, as a graph: one run adds a micro-batch's gradients to the running sums,
 *   acc' = acc + weight * grad     (float32, elementwise; `weight` a float32 scalar)
 * so the sums never leave the device between micro-batches (engine/resident-optimizer.ts). The first micro-batch's
 * gradients are the sums as they are (weight 1, no run): see resident-optimizer.ts for the weighting.
 *   inputs  acc.<param>, grad.<param>, weight (float32 scalar)
 *   outputs new.acc.<param>
 */

import { Graph } from './graph.js';
import type { ParamSpec } from './model.js';
import { gradName, newName } from './names.js';
import { add, mul } from './ops/elementwise.js';

/** Graph-input name of a running gradient sum. */
export const accName = (param: string): string => `acc.${param}`;

export const SUM_WEIGHT = 'weight';

export function buildGradientSum(params: readonly ParamSpec[]): Uint8Array {
  const g = new Graph('gradient_sum');
  const weight = g.input(SUM_WEIGHT, 'float32', []);
  for (const spec of params) {
    const acc = g.input(accName(spec.name), 'float32', spec.shape);
    const grad = g.input(gradName(spec.name), 'float32', spec.shape);
    g.output(newName(accName(spec.name)), add(acc, mul(grad, weight)));
  }
  return g.encode();
}
