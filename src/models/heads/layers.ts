/**
 * Building blocks shared by the classifier heads: torch-named Linear and LayerNorm parameters (`<name>.weight`,
 * `<name>.bias`) with torch's default initialisation, their graph application, and the optional activation.
 */

import type { BuildContext, ParamSpec } from '../../engine/model.js';
import type { Value } from '../../engine/graph.js';
import { add, concat, gelu, gemm, layerNorm, linear, relu } from '../../engine/ops/index.js';

export type Activation = 'none' | 'relu' | 'gelu';

/** torch.nn.Linear(inDim, outDim): weight [out, in] and bias [out], both U(-1/sqrt(in), 1/sqrt(in)). */
export function linearParams(name: string, inDim: number, outDim: number): ParamSpec[] {
  const bound = 1 / Math.sqrt(inDim);
  return [
    { name: `${name}.weight`, shape: [outDim, inDim], init: { kind: 'uniform', bound } },
    { name: `${name}.bias`, shape: [outDim], init: { kind: 'uniform', bound } },
  ];
}

/** torch.nn.LayerNorm(dim): weight ones, bias zeros. */
export function layerNormParams(name: string, dim: number): ParamSpec[] {
  return [
    { name: `${name}.weight`, shape: [dim], init: { kind: 'constant', value: 1 } },
    { name: `${name}.bias`, shape: [dim], init: { kind: 'constant', value: 0 } },
  ];
}

/** Linear layer; a weight fed as row blocks becomes one Gemm per block (output columns), never a joined weight. */
export function applyLinear(ctx: BuildContext, name: string, x: Value): Value {
  const blocks = ctx.weightBlocks(`${name}.weight`);
  const bias = ctx.weight(`${name}.bias`);
  if (blocks.length === 1 || x.rank !== 2) return linear(x, ctx.weight(`${name}.weight`), bias);
  return add(
    concat(
      blocks.map((w) => gemm(x, w, null, { transB: true })),
      1,
    ),
    bias,
  ); // (B, out)
}

export function applyLayerNorm(ctx: BuildContext, name: string, x: Value, eps = 1e-5): Value {
  return layerNorm(x, ctx.weight(`${name}.weight`), ctx.weight(`${name}.bias`), eps);
}

export function activate(x: Value, a: Activation): Value {
  if (a === 'relu') return relu(x);
  if (a === 'gelu') return gelu(x);
  return x;
}
