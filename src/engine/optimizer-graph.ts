/**
 * The optimizer update alone as a graph: given parameters, their (accumulated, clipped) gradients, optimizer state,
 * `lr` and the 1-based `step`, one run returns the new parameters and state. It is the same update as the fused
 * training steps (optim.ts: torch's order of operations, float64 scalars), so a loop whose gradients are combined on
 * the host still updates exactly as a fused step does.
 *   inputs  <param>, grad.<param>, <slot>.<param>, lr (float64), step (float64)
 *   outputs new.<param>, new.<slot>.<param>
 */

import { Graph, type Value } from './graph.js';
import type { ParamSpec } from './model.js';
import { gradName, newName, slotName } from './names.js';
import type { Optimizer } from './optim.js';

export interface OptimizerGraph {
  readonly bytes: Uint8Array;
  readonly params: readonly ParamSpec[];
  readonly optimizer: Optimizer;
}

export function buildOptimizerUpdate(params: readonly ParamSpec[], optimizer: Optimizer): OptimizerGraph {
  const g = new Graph(`${optimizer.name}_update`);
  const scalars = optimizer.prepare(g, g.input('lr', 'float64', []), g.input('step', 'float64', []));
  for (const spec of params) {
    const p = g.input(spec.name, 'float32', spec.shape);
    const grad = g.input(gradName(spec.name), 'float32', spec.shape);
    const state = optimizer.slots.map((s) => g.input(slotName(s, spec.name), 'float32', spec.shape));
    const upd = optimizer.update(p, grad, state, scalars);
    g.output(newName(spec.name), upd.param);
    optimizer.slots.forEach((s, k) => g.output(newName(slotName(s, spec.name)), upd.state[k] as Value));
  }
  return { bytes: g.encode(), params, optimizer };
}
