/**
 * A Linear layer over a quantized weight: x (.., in) @ W.T (+ b) with the scheme's kernel (MatMulNBits for blocks,
 * the per-row integer GEMM for per-channel int8), the bias added after. Used by `dense` and `projectRows` when an
 * inference graph reads the weight quantized.
 */

import type { Value } from '../../engine/graph.js';
import { add, quantizedMatMul, type QuantizedWeightValues } from '../../engine/ops/index.js';

export function quantizedLinear(x: Value, q: QuantizedWeightValues, bias: Value | null): Value {
  const y = quantizedMatMul(x, q); // (.., out)
  return bias ? add(y, bias) : y;
}
