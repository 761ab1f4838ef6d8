/**
 * stopGradient (torch's detach): the value itself, through an Identity node that autodiff treats as a constant. For
 * terms whose gradient cancels exactly, such as the max subtracted for stability in logSoftmax: differentiating
 * through it would only add work and rounding.
 */

import type { Value } from '../graph.js';

export function stopGradient(x: Value): Value {
  const y = x.graph.op('Identity', [x], { dtype: x.dtype, shape: x.shape });
  y.graph.stopGradientAt(y);
  return y;
}
