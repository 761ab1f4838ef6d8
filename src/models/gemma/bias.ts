/**
 * The attention bias of a float16 Gemma graph made safe: the host builds biases with float32's lowest value (HF's
 * masking), which a Cast to float16 turns into -inf, and a fully masked row (a padded query) then softmaxes to NaN.
 * Every value below maskedValue('float16') (-3e4) is raised to it (docs/decisions/011-half-precision.md).
 */

import type { Value } from '../../engine/graph.js';
import { less, where } from '../../engine/ops/index.js';
import { maskedValue } from '../transformer/attention.js';

/** A float16 bias with every value below maskedValue (the host's MASKED, -inf once Cast) raised to it; others as they are. */
export function halfSafeBias(bias: Value): Value {
  if (bias.dtype !== 'float16') return bias;
  const floor = maskedValue('float16');
  return where(less(bias, floor), floor, bias);
}
