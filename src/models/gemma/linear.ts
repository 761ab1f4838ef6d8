/** A bias-free torch Linear over 2-D rows: x (N, in) @ W.T with W stored [out, in], as one Gemm (transB). */

import type { Value } from '../../engine/graph.js';
import { gemm } from '../../engine/ops/index.js';

export function linearRows(x: Value, weight: Value): Value {
  return gemm(x, weight, null, { transB: true }); // (N, out)
}
