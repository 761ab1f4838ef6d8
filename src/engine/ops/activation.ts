/** Activations and normalisers along an axis: Sigmoid, Tanh, Relu, Gelu (exact or tanh), Softplus, Softmax, LogSoftmax. */

import type { Value } from '../graph.js';
import { normalizeAxis } from '../shape.js';

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

export function logSoftmax(x: Value, axis = -1): Value {
  return unary('LogSoftmax', x, { axis: { kind: 'int', value: normalizeAxis(axis, x.rank) } });
}
