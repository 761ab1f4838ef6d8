/**
 * torch Linear over 2-D rows: x (N, in) @ W.T with W stored [out, in], as one Gemm (transB, the bias as C), by weight
 * or module name, passed through the Weights' Linear hook (LoRA) when it has one. Gemma and SigLIP keep activations
 * as rows so every projection is one Gemm with no Transpose node, forward or backward. A weight the graph reads
 * block-quantized is multiplied with MatMulNBits instead (quantized-linear.ts); the hook still applies on top.
 */

import type { Value } from '../../engine/graph.js';
import { gemm } from '../../engine/ops/index.js';
import { quantizedLinear } from './quantized-linear.js';
import { moduleOf, type Weights } from './weights.js';

/** rows x (N, in) @ W.T (+ bias) with W = `weightName`, quantized when the graph reads it so. */
function linearRows(w: Weights, x: Value, weightName: string, bias: Value | null): Value {
  const q = w.quantized?.(weightName);
  return q ? quantizedLinear(x, q, bias) : gemm(x, w(weightName), bias, { transB: true }); // (N, out)
}

/** The bias-free Linear `weightName` applied to rows x (N, in) -> (N, out), adapted by `w.adapt` when set. */
export function projectRows(w: Weights, weightName: string, x: Value): Value {
  const y = linearRows(w, x, weightName, null); // (N, out)
  return w.adapt ? w.adapt(moduleOf(weightName), x, y) : y;
}

/** The Linear `module` with bias (`<module>.weight`, `<module>.bias`) over rows x (N, in) -> (N, out). */
export function projectRowsBias(w: Weights, module: string, x: Value): Value {
  const y = linearRows(w, x, `${module}.weight`, w(`${module}.bias`)); // (N, out)
  return w.adapt ? w.adapt(module, x, y) : y;
}
