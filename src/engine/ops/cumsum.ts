/**
 * CumSum along one axis (inclusive, forward), as torch.cumsum. Used on integer masks (e.g. the running count of image
 * tokens that places PaliGemma's image features); it has no gradient rule, so graphs never differentiate through it.
 */

import type { Value } from '../graph.js';
import { normalizeAxis } from '../shape.js';

export function cumsum(x: Value, axis: number): Value {
  const a = normalizeAxis(axis, x.rank);
  return x.graph.op('CumSum', [x, x.graph.scalar(a, 'int64')], { dtype: x.dtype, shape: x.shape });
}
