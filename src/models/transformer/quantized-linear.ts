/**
 * A Linear layer over a block-quantized weight: x (.., in) @ W.T (+ b) with MatMulNBits, the bias added after. Used by
 * `dense` and `projectRows` when an inference graph reads the weight quantized.
 */

import type { Value } from '../../engine/graph.js';
import { add, matMulNBits, type QuantizedWeightValues } from '../../engine/ops/index.js';

export function quantizedLinear(x: Value, q: QuantizedWeightValues, bias: Value | null): Value {
  const y = matMulNBits(x, q); // (.., out)
  return bias ? add(y, bias) : y;
}
