/**
 * LoRA adapters as graph code. For each targeted Linear (W [out, in], optional bias):
 *   y = W x + b + scaling * B(A(dropout(x)))        A [r, in], B [out, r], no biases (PEFT's lora.Linear)
 * `loraParamSpecs` gives the trainable tensors (PEFT's default init: A kaiming-uniform, bound 1/sqrt(in); B zeros),
 * `loraHook` the Linear hook (gemma/weights-source.ts LinearAdapter) that adds the branch to the base output rows.
 * The branch is two thin Gemms, scaling folded into the second's alpha.
 */

import type { Value } from '../../engine/graph.js';
import type { BuildContext, ParamSpec } from '../../engine/model.js';
import { add, gemm } from '../../engine/ops/index.js';
import type { LinearAdapter } from '../transformer/weights.js';
import { loraScaling, type LoraConfig } from './config.js';
import { loraAName, loraBName } from './names.js';
import type { LinearModule } from './targets.js';

/** The adapted modules and the config that chose them. */
export interface LoraSet {
  readonly config: LoraConfig;
  readonly modules: readonly LinearModule[];
}

export function loraParamSpecs(s: LoraSet): ParamSpec[] {
  return s.modules.flatMap((m): ParamSpec[] => [
    { name: loraAName(m.module), shape: [s.config.r, m.inFeatures], init: { kind: 'uniform', bound: 1 / Math.sqrt(m.inFeatures) } },
    { name: loraBName(m.module), shape: [m.outFeatures, s.config.r], init: { kind: 'constant', value: 0 } },
  ]);
}

export function loraHook(s: LoraSet): (ctx: BuildContext) => LinearAdapter {
  const adapted = new Set(s.modules.map((m) => m.module));
  const scaling = loraScaling(s.config);
  return (ctx) =>
    (module: string, x: Value, y: Value): Value => {
      if (!adapted.has(module)) return y;
      const h = gemm(ctx.dropout(x, s.config.dropout), ctx.weight(loraAName(module)), null, { transB: true }); // (N, r)
      return add(y, gemm(h, ctx.weight(loraBName(module)), null, { transB: true, alpha: scaling })); // (N, out)
    };
}
