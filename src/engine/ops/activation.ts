/**
 * Activations and normalisers along an axis: Sigmoid, Tanh, Relu, Gelu (exact or tanh), Softplus, Softmax, and
 * log-softmax - built from primitives, since the WebGPU provider has no LogSoftmax kernel (it would run on the CPU).
 */

import type { Value } from '../graph.js';
import { normalizeAxis } from '../shape.js';
import { exp, log, sub } from './elementwise.js';
import { reduceMax, reduceSum } from './reduce.js';
import { stopGradient } from './stop-gradient.js';

function unary(opType: string, x: Value, attrs = {}): Value {
  return x.graph.op(opType, [x], { dtype: x.dtype, shape: x.shape }, attrs);
}

export const sigmoid = (x: Value): Value => unary('Sigmoid', x);
export const tanh = (x: Value): Value => unary('Tanh', x);
export const relu = (x: Value): Value => unary('Relu', x);
export const softplus = (x: Value): Value => unary('Softplus', x);
export const erf = (x: Value): Value => unary('Erf', x);

/** Gelu (opset 20): 'none' = exact erf form, 'tanh' = the tanh approximation. */
export function gelu(x: Value, approximate: 'none' | 'tanh' = 'none'): Value {
  return unary('Gelu', x, approximate === 'tanh' ? { approximate: { kind: 'string', value: 'tanh' } } : {});
}

export function softmax(x: Value, axis = -1): Value {
  return unary('Softmax', x, { axis: { kind: 'int', value: normalizeAxis(axis, x.rank) } });
}

/**
 * log(softmax(x)) along `axis` as z - log(sum(exp(z))) with z = x - max(x): what onnxruntime's LogSoftmax kernels
 * compute, in ops every provider has. The max is detached (its gradient cancels exactly), so autodiff yields the
 * usual g - softmax(x) * sum(g) through the Sub, Log, ReduceSum and Exp rules.
 */
export function logSoftmax(x: Value, axis = -1): Value {
  const a = normalizeAxis(axis, x.rank);
  const z = sub(x, stopGradient(reduceMax(x, [a], true))); // (x), max 0 along a
  return sub(z, log(reduceSum(exp(z), [a], true))); // (x)
}
