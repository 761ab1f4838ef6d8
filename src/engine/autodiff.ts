/**
 * Reverse-mode automatic differentiation over a Graph: walks the nodes from the loss back to the requested values,
 * applies one gradient rule per node (grad/registry.ts), and sums the gradients of values with several consumers.
 * Only nodes that lie between the requested values and the loss are differentiated, so inputs such as features and
 * labels never get gradient work; nor do gradient stops (ops/stop-gradient.ts), whose outputs count as constants.
 */

import type { Value } from './graph.js';
import { sum } from './ops/elementwise.js';
import { gradRules, nonDifferentiable } from './grad/registry.js';
import { zerosLike } from './grad/unbroadcast.js';
import { showShape } from './shape.js';

/**
 * d loss / d v for each v in `wrt`, as new values in the loss's graph. `loss` must be a scalar unless `seed`
 * (d final / d loss, shaped like loss) is given.
 */
export function gradients(loss: Value, wrt: readonly Value[], seed?: Value): Map<Value, Value> {
  const graph = loss.graph;
  const nodes = graph.nodes.slice(); // rules append nodes; walk only the forward part
  const dependsOnWrt = new Set<Value>(wrt);
  for (const n of nodes) {
    if (nonDifferentiable.has(n.opType) || graph.isGradientStop(n)) continue;
    if (n.inputs.some((i) => i !== null && dependsOnWrt.has(i))) for (const o of n.outputs) dependsOnWrt.add(o);
  }
  if (!dependsOnWrt.has(loss)) throw new Error(`the loss ${loss.toString()} does not depend on any of the requested values`);
  if (!seed && loss.rank !== 0) throw new Error(`the loss must be a scalar, got ${showShape(loss.shape)}; pass a seed gradient`);

  const parts = new Map<Value, Value[]>();
  const push = (v: Value, g: Value): void => {
    const list = parts.get(v);
    if (list) list.push(g);
    else parts.set(v, [g]);
  };
  const total = (v: Value): Value | null => {
    const list = parts.get(v);
    if (!list || list.length === 0) return null;
    const g = sum(list);
    parts.set(v, [g]);
    return g;
  };
  push(loss, seed ?? graph.scalar(1, loss.dtype));

  for (let k = nodes.length - 1; k >= 0; k--) {
    const node = nodes[k];
    if (!node || nonDifferentiable.has(node.opType) || graph.isGradientStop(node)) continue;
    const needs = node.inputs.map((i) => i !== null && dependsOnWrt.has(i));
    if (!needs.some(Boolean)) continue;
    const dy = node.outputs.map((o) => total(o));
    if (dy.every((g) => g === null)) continue;
    const rule = gradRules.get(node.opType);
    if (!rule) throw new Error(`no gradient rule for ONNX op ${node.opType}`);
    const dx = rule({ node, dy, needs });
    node.inputs.forEach((inp, i) => {
      const g = dx[i];
      if (!inp || !needs[i] || !g) return;
      checkShape(node.opType, inp, g);
      push(inp, g);
    });
  }
  return new Map(wrt.map((w) => [w, total(w) ?? zerosLike(w)]));
}

function checkShape(opType: string, x: Value, g: Value): void {
  const bad = x.rank !== g.rank || x.shape.some((d, i) => typeof d === 'number' && typeof g.shape[i] === 'number' && d !== g.shape[i]);
  if (bad) throw new Error(`${opType} gradient rule returned ${showShape(g.shape)} for input ${x.toString()}`);
}
