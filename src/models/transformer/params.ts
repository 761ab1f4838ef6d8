/**
 * ParamSpecs of transformer building blocks under Hugging Face names (`<name>.weight` [out, in], `<name>.bias`).
 * Initialisers follow the usual transformer recipe (weights N(0, 0.02), biases 0, LayerNorm 1 / 0); they only matter
 * for random-weight tests and benchmarks, real runs load checkpoints.
 */

import type { ParamSpec } from '../../engine/model.js';

export const INIT_STD = 0.02;

export function denseParams(name: string, inDim: number, outDim: number, bias = true): ParamSpec[] {
  const w: ParamSpec = { name: `${name}.weight`, shape: [outDim, inDim], init: { kind: 'normal', std: INIT_STD } };
  return bias ? [w, { name: `${name}.bias`, shape: [outDim], init: { kind: 'constant', value: 0 } }] : [w];
}

export function layerNormParams(name: string, dim: number): ParamSpec[] {
  return [
    { name: `${name}.weight`, shape: [dim], init: { kind: 'constant', value: 1 } },
    { name: `${name}.bias`, shape: [dim], init: { kind: 'constant', value: 0 } },
  ];
}
