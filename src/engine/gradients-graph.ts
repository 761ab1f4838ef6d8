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
  if ((o.dtype ?? 'float32') === 'float16') return buildMixedGradients(g, model, loss, batchInputs, o);
  const ctx = new GraphContext(g, batchInputs, model.params, frozen, o.dropout ?? true);
  const { total, terms } = loss.build(ctx, model.forward(ctx));
  const inputs = model.params.map((spec) => ctx.weightBlocks(spec.name)[0] as Value);
  const grads = gradients(total, inputs);
  g.output(loss.totalName, total);
  for (const [name, v] of Object.entries(terms)) g.output(name, v);
  model.params.forEach((spec, i) => g.output(gradName(spec.name), grads.get(inputs[i] as Value) as Value));
  return {
    bytes: g.encode(),
    modelName: model.name,
    batchInputs,
    dropoutSites: ctx.dropoutSites,
    params: model.params,
    frozen,
    lossNames: [loss.totalName, ...Object.keys(terms)],
  };
}

/** The float16 gradients graph: seed `loss_scale`, gradients unscaled in float32, `grads_finite` beside them. */
function buildMixedGradients(g: Graph, model: ModelDef, loss: LossDef, batchInputs: readonly InputSpec[], o: GradientsOptions): GradientsGraph {
  const ctx = new MixedContext(g, batchInputs, model.params, model.frozen ?? [], o.dropout ?? true);
  const { total, terms } = ctx.buildLoss(loss, model.forward(ctx));
  const inputs = model.params.map((spec) => ctx.masterBlocks(spec.name)[0] as Value);
  const scaled = gradients(total, inputs, ctx.lossScale);
  const { grads, finite } = ctx.unscale(inputs.map((v) => scaled.get(v) as Value));
  g.output(loss.totalName, total);
  for (const [name, v] of Object.entries(terms)) g.output(name, v);
  model.params.forEach((spec, i) => g.output(gradName(spec.name), grads[i] as Value));
  g.output(GRADS_FINITE, finiteFlag(finite));
  return {
    bytes: g.encode(),
    modelName: model.name,
    batchInputs,
    dropoutSites: ctx.dropoutSites,
    params: model.params,
    frozen: halfFrozen(model.frozen ?? []),
    lossNames: [loss.totalName, ...Object.keys(terms)],
    dtype: 'float16',
  };
}
