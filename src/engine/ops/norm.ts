/**
 * LayerNormalization (opset 17) over the last axis. The op also returns the saved Mean and InvStdDev (.., 1), which the
 * gradient rule reuses so the backward pass never recomputes statistics.
 */

import type { Value } from '../graph.js';

export interface LayerNormResult {
  y: Value; // (.., D)
  mean: Value; // (.., 1), float32
  invStd: Value; // (.., 1)
}

export function layerNormFull(x: Value, weight: Value, bias: Value, eps = 1e-5): LayerNormResult {
  const stat = x.shape.map((d, i) => (i === x.rank - 1 ? 1 : d));
  // Statistics are stashed in float32 (stash_type default), the only stash type ORT implements, for every input type.
  const [y, mean, invStd] = x.graph.addNode(
    'LayerNormalization',
    [x, weight, bias],
    [
      { dtype: x.dtype, shape: x.shape },
      { dtype: 'float32', shape: stat },
      { dtype: 'float32', shape: stat },
    ],
    { axis: { kind: 'int', value: -1 }, epsilon: { kind: 'float', value: eps } },
  );
  return { y: y as Value, mean: mean as Value, invStd: invStd as Value };
}

/** torch.nn.LayerNorm over the last axis with elementwise affine. */
export function layerNorm(x: Value, weight: Value, bias: Value, eps = 1e-5): Value {
  return layerNormFull(x, weight, bias, eps).y;
}
