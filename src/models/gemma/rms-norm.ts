/**
 * Gemma's RMSNorm: x / sqrt(mean(x^2) + eps) * (1 + w), over the last axis. The weight is stored as an offset from 1
 * (zeros = identity). Written as Pow -> ReduceMean -> Add -> Sqrt -> Div, the pattern ONNX Runtime fuses into one
 * SimplifiedLayerNormalization kernel in inference graphs; every node has a gradient rule for training graphs.
 * A float16 input is normed in float32 and the result Cast back, as HF's GemmaRMSNorm does: x^2 passes float16's
 * 65504 once |x| > 256, which Gemma's residual stream reaches at real size (docs/decisions/011-half-precision.md).
 */

import type { Value } from '../../engine/graph.js';
import { add, cast, div, mul, pow, reduceMean, sqrt } from '../../engine/ops/index.js';

export function gemmaRmsNorm(x: Value, weight: Value, eps: number): Value {
  if (x.dtype === 'float16') return cast(gemmaRmsNorm(cast(x, 'float32'), cast(weight, 'float32'), eps), 'float16');
  const meanSquare = reduceMean(pow(x, 2), [-1], true); // (N, 1)
  const normed = div(x, sqrt(add(meanSquare, eps))); // (N, D)
  return mul(normed, add(weight, 1)); // (N, D)
}
