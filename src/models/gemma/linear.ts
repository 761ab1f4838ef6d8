/**
 * A bias-free torch Linear over 2-D rows: x (N, in) @ W.T with W stored [out, in], as one Gemm (transB); `projectRows`
 * resolves the weight by name and passes the result through the Weights' Linear hook (LoRA), if any.
 */

import type { Value } from '../../engine/graph.js';
import { gemm } from '../../engine/ops/index.js';
import { moduleOf, type Weights } from './weights-source.js';

export function linearRows(x: Value, weight: Value): Value {
  return gemm(x, weight, null, { transB: true }); // (N, out)
}

/** The Linear `weightName` applied to rows x (N, in) -> (N, out), adapted by `w.adapt` when set. */
export function projectRows(w: Weights, weightName: string, x: Value): Value {
  const y = linearRows(x, w(weightName)); // (N, out)
  return w.adapt ? w.adapt(moduleOf(weightName), x, y) : y;
}
