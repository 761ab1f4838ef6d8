/**
 * torch.nn.Linear and LayerNorm applied to (.., in) activations by module name. A Linear over a rank-3 input is a
 * MatMul against the transposed weight plus the bias: ONNX Runtime's graph optimiser fuses the Transpose into the MatMul
 * (FusedMatMul, transB) so the weight is never copied, even though weights enter the graph as inputs. The Weights'
 * Linear hook (LoRA) sees every dense layer.
 */

import type { Value } from '../../engine/graph.js';
import { layerNorm, linear } from '../../engine/ops/index.js';
import type { Weights } from './weights.js';

/** x (.., in) @ W.T + b, W = `<name>.weight` [out, in], b = `<name>.bias` when `bias`; then the Linear hook. */
export function dense(w: Weights, name: string, x: Value, bias = true): Value {
  const y = linear(x, w(`${name}.weight`), bias ? w(`${name}.bias`) : null); // (.., out)
  return w.adapt ? w.adapt(name, x, y) : y;
}

export function applyLayerNorm(w: Weights, name: string, x: Value, eps: number): Value {
  return layerNorm(x, w(`${name}.weight`), w(`${name}.bias`), eps); // (.., D)
}
