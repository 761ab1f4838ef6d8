/**
 * Elementwise ops with numpy broadcasting: Add, Sub, Mul, Div, Pow, Neg, Sqrt, Exp, Log, Abs, Sign, Where, sums of
 * many and comparisons. A plain number operand becomes a cached scalar constant of the other operand's dtype.
 */

import type { Value } from '../graph.js';
import { broadcastShapes } from '../shape.js';

export type Operand = Value | number;

function pair(a: Operand, b: Operand): [Value, Value] {
  if (typeof a === 'number' && typeof b === 'number') throw new Error('at least one operand must be a graph value');
  const av = typeof a === 'number' ? (b as Value).graph.scalar(a, (b as Value).dtype) : a;
  const bv = typeof b === 'number' ? av.graph.scalar(b, av.dtype) : b;
  if (av.dtype !== bv.dtype) throw new Error(`dtype mismatch: ${av.toString()} vs ${bv.toString()}; Cast first`);
  return [av, bv];
}

function binary(opType: string, a: Operand, b: Operand): Value {
  const [av, bv] = pair(a, b);
  return av.graph.op(opType, [av, bv], { dtype: av.dtype, shape: broadcastShapes(av.shape, bv.shape) });
}

function unary(opType: string, x: Value): Value {
  return x.graph.op(opType, [x], { dtype: x.dtype, shape: x.shape });
}

export const add = (a: Operand, b: Operand): Value => binary('Add', a, b);
export const sub = (a: Operand, b: Operand): Value => binary('Sub', a, b);
export const mul = (a: Operand, b: Operand): Value => binary('Mul', a, b);
export const div = (a: Operand, b: Operand): Value => binary('Div', a, b);
export const pow = (a: Operand, b: Operand): Value => binary('Pow', a, b);

export const neg = (x: Value): Value => unary('Neg', x);
export const sqrt = (x: Value): Value => unary('Sqrt', x);
export const exp = (x: Value): Value => unary('Exp', x);
export const log = (x: Value): Value => unary('Log', x);
export const abs = (x: Value): Value => unary('Abs', x);
export const sign = (x: Value): Value => unary('Sign', x);
export const reciprocal = (x: Value): Value => unary('Reciprocal', x);
export const identity = (x: Value): Value => unary('Identity', x);

/**
 * Elementwise sum of any number of broadcastable tensors, as Adds in ONNX Sum's order ((x0 + x1) + x2 ..): the WebGPU
 * provider has no Sum kernel, and this is the one place that sums many (autodiff's gradient accumulation).
 */
export function sum(xs: readonly Value[]): Value {
  const first = xs[0];
  if (!first) throw new Error('sum of no tensors');
  return xs.slice(1).reduce((acc, x) => add(acc, x), first);
}

function compare(opType: string, a: Operand, b: Operand): Value {
  const [av, bv] = pair(a, b);
  return av.graph.op(opType, [av, bv], { dtype: 'bool', shape: broadcastShapes(av.shape, bv.shape) });
}

export const greater = (a: Operand, b: Operand): Value => compare('Greater', a, b);
export const less = (a: Operand, b: Operand): Value => compare('Less', a, b);
export const equal = (a: Operand, b: Operand): Value => compare('Equal', a, b);

/** cond ? a : b, broadcasting all three. */
export function where(cond: Value, a: Operand, b: Operand): Value {
  const [av, bv] = pair(a, b);
  return cond.graph.op('Where', [cond, av, bv], { dtype: av.dtype, shape: broadcastShapes(cond.shape, av.shape, bv.shape) });
}
