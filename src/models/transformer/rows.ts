/**
 * torch Linear over 2-D rows: x (N, in) @ W.T with W stored [out, in], as one Gemm (transB, the bias as C), by weight
 * or module name, passed through the Weights' Linear hook (LoRA) when it has one. Gemma and SigLIP keep activations
 * as rows so every projection is one Gemm with no Transpose node, forward or backward.
 */

import type { Value } from '../../engine/graph.js';
import { gemm } from '../../engine/ops/index.js';
import { moduleOf, type Weights } from './weights.js';

function linearRows(x: Value, weight: Value): Value {
  return gemm(x, weight, null, { transB: true }); // (N, out)
}

/** The bias-free Linear `weightName` applied to rows x (N, in) -> (N, out), adapted by `w.adapt` when set. */
export function projectRows(w: Weights, weightName: string, x: Value): Value {
  const y = linearRows(x, w(weightName)); // (N, out)
  return w.adapt ? w.adapt(moduleOf(weightName), x, y) : y;
}

/** The Linear `module` with bias (`<module>.weight`, `<module>.bias`) over rows x (N, in) -> (N, out). */
export function projectRowsBias(w: Weights, module: string, x: Value): Value {
  const y = gemm(x, w(`${module}.weight`), w(`${module}.bias`), { transB: true }); // (N, out)
  return w.adapt ? w.adapt(module, x, y) : y;
}
