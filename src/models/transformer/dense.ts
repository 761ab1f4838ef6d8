/**
 * torch.nn.Linear and LayerNorm applied to (.., in) activations by parameter name. A Linear over a rank-3 input is a
 * MatMul against the transposed weight plus the bias: ONNX Runtime's graph optimiser fuses the Transpose into the MatMul
 * (FusedMatMul, transB) so the weight is never copied, even though weights enter the graph as inputs.
 */

import type { Value } from '../../engine/graph.js';
import type { BuildContext } from '../../engine/model.js';
import { layerNorm, linear } from '../../engine/ops/index.js';

/** x (.., in) @ W.T + b, W = `<name>.weight` [out, in], b = `<name>.bias` when `bias`. */
export function dense(ctx: BuildContext, name: string, x: Value, bias = true): Value {
  return linear(x, ctx.param(`${name}.weight`), bias ? ctx.param(`${name}.bias`) : null); // (.., out)
}

export function applyLayerNorm(ctx: BuildContext, name: string, x: Value, eps: number): Value {
  return layerNorm(x, ctx.param(`${name}.weight`), ctx.param(`${name}.bias`), eps); // (.., D)
}
