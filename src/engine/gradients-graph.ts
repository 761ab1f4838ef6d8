/**
 * The gradients-only graph of a model: forward + backward to the parameters, no optimizer update. One run gives the
 * loss terms and `grad.<param>` for every parameter; training loops that accumulate gradients over micro-batches or
 * clip them by their global norm before updating (src/finetune/) pair it with the optimizer-update graph
 * (optimizer-graph.ts). Parameters are fed with every run; frozen weights are placed by the session.
 */

import { gradients } from './autodiff.js';
import { GraphContext } from './context.js';
import { Graph, type Value } from './graph.js';
import type { DropoutSite, InputSpec, LossDef, ModelDef, ParamSpec, WeightSpec } from './model.js';
import { finiteFlag, GRADS_FINITE, halfFrozen, MixedContext, type TrainDType } from './mixed-precision.js';
import { gradName } from './names.js';

export interface GradientsGraph {
  readonly bytes: Uint8Array;
  readonly modelName: string;
  readonly batchInputs: readonly InputSpec[];
  readonly dropoutSites: readonly DropoutSite[];
  readonly params: readonly ParamSpec[];
  readonly frozen: readonly WeightSpec[];
  /** Loss output names, the total first. */
  readonly lossNames: readonly string[];
  /** 'float16': mixed precision - feed `loss_scale`; gradients come out unscaled, with `grads_finite`. */
  readonly dtype?: 'float16';
}

export interface GradientsOptions {
  /** Dropout masks as inputs (default true). */
  dropout?: boolean;
  /** Compute dtype (default float32); 'float16' = mixed precision as in buildTrainStep (mixed-precision.ts). */
  dtype?: TrainDType;
}

export function buildGradients(model: ModelDef, loss: LossDef, o: GradientsOptions = {}): GradientsGraph {
  const g = new Graph(`${model.name}_gradients`);
  const batchInputs = [...model.inputs, ...loss.inputs];
  const frozen = model.frozen ?? [];
  const half = (o.dtype ?? 'float32') === 'float16';
  // Float16: seed `loss_scale`, gradients unscaled in float32, `grads_finite` beside them (mixed-precision.ts).
  const mixed = half ? new MixedContext(g, batchInputs, model.params, frozen, o.dropout ?? true) : null;
  const ctx = mixed ?? new GraphContext(g, batchInputs, model.params, frozen, o.dropout ?? true);
  const { total, terms } = mixed ? mixed.buildLoss(loss, model.forward(ctx)) : loss.build(ctx, model.forward(ctx));
  const inputs = model.params.map((spec) => (mixed ? mixed.masterBlocks(spec.name) : ctx.weightBlocks(spec.name))[0] as Value);
  const taken = gradients(total, inputs, mixed?.lossScale);
  const raw = inputs.map((v) => taken.get(v) as Value);
  const unscaled = mixed?.unscale(raw);
  const grads = unscaled?.grads ?? raw;
  g.output(loss.totalName, total);
  for (const [name, v] of Object.entries(terms)) g.output(name, v);
  model.params.forEach((spec, i) => g.output(gradName(spec.name), grads[i] as Value));
  if (unscaled) g.output(GRADS_FINITE, finiteFlag(unscaled.finite));
  return {
    bytes: g.encode(),
    modelName: model.name,
    batchInputs,
    dropoutSites: ctx.dropoutSites,
    params: model.params,
    frozen: half ? halfFrozen(frozen) : frozen,
    lossNames: [loss.totalName, ...Object.keys(terms)],
    ...(half ? { dtype: 'float16' as const } : {}),
  };
}
