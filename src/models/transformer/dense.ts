/**
 * torch.nn.Linear and LayerNorm applied to (.., in) activations by module name. A Linear over a rank-3 input is a
 * MatMul against the transposed weight plus the bias: ONNX Runtime's graph optimiser fuses the Transpose into the MatMul
 * (FusedMatMul, transB) so the weight is never copied, even though weights enter the graph as inputs. A weight the
 * graph reads block-quantized is multiplied with MatMulNBits instead (quantized-linear.ts). The Weights' Linear hook
 * (LoRA) sees every dense layer, quantized or not, and its branch stays float.
 */

import type { Value } from '../../engine/graph.js';
import { layerNorm, linear } from '../../engine/ops/index.js';
import { quantizedLinear } from './quantized-linear.js';
import type { Weights } from './weights.js';

/** x (.., in) @ W.T + b, W = `<name>.weight` [out, in], b = `<name>.bias` when `bias`; then the Linear hook. */
export function dense(w: Weights, name: string, x: Value, bias = true): Value {
  const b = bias ? w(`${name}.bias`) : null;
  const q = w.quantized?.(`${name}.weight`);
  const y = q ? quantizedLinear(x, q, b) : linear(x, w(`${name}.weight`), b); // (.., out)
  return w.adapt ? w.adapt(name, x, y) : y;
}

export function applyLayerNorm(w: Weights, name: string, x: Value, eps: number): Value {
  return layerNorm(x, w(`${name}.weight`), w(`${name}.bias`), eps); // (.., D)
}
