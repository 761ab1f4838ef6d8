/** The transformer MLP (`<prefix>.fc1`, `<prefix>.fc2`, both with bias): fc2(act(fc1(x))), (B, T, D) -> (B, T, D). */

import type { Value } from '../../engine/graph.js';
import type { ParamSpec } from '../../engine/model.js';
import type { Weights } from './weights.js';
import { gelu, mul, sigmoid } from '../../engine/ops/index.js';
import type { MlpActivation, TransformerConfig } from './config.js';
import { dense } from './dense.js';
import { denseParams } from './params.js';

export function mlpParams(prefix: string, c: TransformerConfig): ParamSpec[] {
  return [...denseParams(`${prefix}.fc1`, c.hidden, c.intermediate), ...denseParams(`${prefix}.fc2`, c.intermediate, c.hidden)];
}

export function activate(x: Value, a: MlpActivation): Value {
  switch (a) {
    case 'quick_gelu':
      return mul(x, sigmoid(mul(x, 1.702)));
    case 'gelu_tanh':
      return gelu(x, 'tanh');
    case 'gelu':
      return gelu(x);
  }
}

export function mlp(w: Weights, prefix: string, x: Value, c: TransformerConfig): Value {
  const h = activate(dense(w, `${prefix}.fc1`, x), c.activation); // (B, T, I)
  return dense(w, `${prefix}.fc2`, h); // (B, T, D)
}
