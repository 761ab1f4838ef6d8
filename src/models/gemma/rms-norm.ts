/**
 * Gemma's RMSNorm: x / sqrt(mean(x^2) + eps) * (1 + w), over the last axis. The weight is stored as an offset from 1
 * (zeros = identity). Written as Pow -> ReduceMean -> Add -> Sqrt -> Div, the pattern ONNX Runtime fuses into one
 * SimplifiedLayerNormalization kernel in inference graphs; every node has a gradient rule for training graphs.
 */

import type { Value } from '../../engine/graph.js';
import { add, div, mul, pow, reduceMean, sqrt } from '../../engine/ops/index.js';

export function gemmaRmsNorm(x: Value, weight: Value, eps: number): Value {
  const meanSquare = reduceMean(pow(x, 2), [-1], true); // (N, 1)
  const normed = div(x, sqrt(add(meanSquare, eps))); // (N, D)
  return mul(normed, add(weight, 1)); // (N, D)
}
