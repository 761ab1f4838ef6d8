/**
 * Matrix products: MatMul (numpy semantics, batched), Gemm (2-D, optional transposes, alpha/beta and a broadcast C),
 * and `linear`, the torch Linear (x @ W.T + b with W stored [out, in]) as one Gemm with transB so no Transpose node
 * is ever materialised, forward or backward.
 */

import type { Dim, Value } from '../graph.js';
import { broadcastShapes, showShape } from '../shape.js';
import { add } from './elementwise.js';
import { transpose } from './shape.js';

function checkInner(a: Dim, b: Dim, what: string): void {
  if (typeof a === 'number' && typeof b === 'number' && a !== b) throw new Error(`${what}: inner dims ${a} and ${b} differ`);
}

export function matmul(a: Value, b: Value): Value {
  if (a.rank < 2 || b.rank < 2) throw new Error(`matmul: rank-1 operands are not supported (${showShape(a.shape)}, ${showShape(b.shape)})`);
  checkInner(a.shape[a.rank - 1] as Dim, b.shape[b.rank - 2] as Dim, 'matmul');
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const shape = [...batch, a.shape[a.rank - 2] as Dim, b.shape[b.rank - 1] as Dim];
  return a.graph.op('MatMul', [a, b], { dtype: a.dtype, shape });
}

export interface GemmOptions {
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
  beta?: number;
}

/** Y = alpha * op(A) @ op(B) + beta * C, A and B 2-D, C broadcastable to (M, N). */
export function gemm(a: Value, b: Value, c: Value | null = null, o: GemmOptions = {}): Value {
  if (a.rank !== 2 || b.rank !== 2) throw new Error(`gemm needs 2-D operands, got ${showShape(a.shape)} and ${showShape(b.shape)}`);
  const [m, ka] = o.transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [kb, n] = o.transB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  checkInner(ka as Dim, kb as Dim, 'gemm');
  const attrs: Record<string, { kind: 'int'; value: number } | { kind: 'float'; value: number }> = {};
  if (o.transA) attrs.transA = { kind: 'int', value: 1 };
  if (o.transB) attrs.transB = { kind: 'int', value: 1 };
  if (o.alpha !== undefined && o.alpha !== 1) attrs.alpha = { kind: 'float', value: o.alpha };
  if (o.beta !== undefined && o.beta !== 1) attrs.beta = { kind: 'float', value: o.beta };
  return a.graph.op('Gemm', c ? [a, b, c] : [a, b], { dtype: a.dtype, shape: [m as Dim, n as Dim] }, attrs);
}

/** torch.nn.Linear: x (.., in) @ weight (out, in).T + bias (out). */
export function linear(x: Value, weight: Value, bias: Value | null): Value {
  if (x.rank === 2) return gemm(x, weight, bias, { transB: true }); // (B, out)
  const y = matmul(x, transpose(weight, [1, 0])); // (.., out)
  return bias ? add(y, bias) : y;
}
