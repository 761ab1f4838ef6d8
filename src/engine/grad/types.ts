/** The contract of a gradient rule: given a node and the gradients of its outputs, emit the gradients of its inputs. */

import type { Node, Value } from '../graph.js';

export interface GradContext {
  readonly node: Node;
  /** d loss / d output, per output of the node; `null` where no gradient flows into that output. */
  readonly dy: readonly (Value | null)[];
  /** Whether each input needs a gradient; a rule may skip the work for the others (and return null there). */
  readonly needs: readonly boolean[];
}

/** Returns d loss / d input per input (`null` = none), shaped exactly like that input. */
export type GradRule = (ctx: GradContext) => readonly (Value | null)[];

export function input(ctx: GradContext, i: number): Value {
  const v = ctx.node.inputs[i];
  if (!v) throw new Error(`${ctx.node.opType}: input ${i} is missing`);
  return v;
}

export function output(ctx: GradContext, i: number): Value {
  const v = ctx.node.outputs[i];
  if (!v) throw new Error(`${ctx.node.opType}: output ${i} is missing`);
  return v;
}

/** The gradient of the first output, which every differentiable single-output op receives. */
export function dy0(ctx: GradContext): Value {
  const g = ctx.dy[0];
  if (!g) throw new Error(`${ctx.node.opType}: no gradient for its output`);
  return g;
}

export function intAttr(ctx: GradContext, name: string, fallback: number): number {
  const a = ctx.node.attrs[name];
  return a && a.kind === 'int' ? a.value : fallback;
}

export function floatAttr(ctx: GradContext, name: string, fallback: number): number {
  const a = ctx.node.attrs[name];
  return a && a.kind === 'float' ? a.value : fallback;
}

/** Values of a constant int64 input (axes, pads, starts...). */
export function constInts(ctx: GradContext, i: number): number[] {
  const v = input(ctx, i);
  const data = v.graph.constantData(v);
  if (!(data instanceof BigInt64Array)) throw new Error(`${ctx.node.opType}: input ${i} must be an int64 constant to differentiate`);
  return Array.from(data, (x) => Number(x));
}
