/**
 * The training-step graph of a model: inputs = batch, dropout masks, parameters, frozen weights, optimizer state, `lr`
 * and `step` (float64 scalars); outputs = the losses, `new.<param>` and `new.<slot>.<param>`, and optionally
 * `grad.<param>` and forward outputs. One session.run = forward + backward + optimizer update. Large parameters enter
 * as row blocks (shards.ts): their inputs and outputs are named per block (`<param>@k`, `m.<param>@k`, ...), listed in
 * `blocks`. The other graph kinds live beside it: inference.ts, gradients-graph.ts, optimizer-graph.ts, train-loop.ts.
 */

import { gradients } from './autodiff.js';
import { GraphContext } from './context.js';
import { finiteFlag, GRADS_FINITE, halfFrozen, keepUnlessFinite, MixedContext, type TrainDType } from './mixed-precision.js';
import { cast } from './ops/cast.js';
import { Graph, type Value } from './graph.js';
import type { BuildContext, DropoutSite, InputSpec, LossDef, ModelDef, ParamSpec, WeightSpec } from './model.js';
import { gradName, newName, slotName } from './names.js';
import type { Optimizer } from './optim.js';
import { joinShards, SHARD_ELEMENTS, shardsOf, type Shard } from './shards.js';

export interface TrainStepOptions {
  /** Dropout masks as inputs (default true); false trains with dropout off (eval-mode forward, still differentiated). */
  dropout?: boolean;
  /** Also output `grad.<param>` for every parameter (tests, debugging). */
  exposeGradients?: boolean;
  /** Forward outputs to expose as graph outputs (by the names the model returns). */
  exposeOutputs?: readonly string[];
  /** Feed large parameters as row blocks (default true; a number = the largest block, in elements; see shards.ts). */
  shard?: boolean | number;
  /**
   * The compute dtype (default float32). 'float16' = mixed precision (mixed-precision.ts): frozen weights and
   * activations in float16, parameters, optimizer state and loss in float32, a `loss_scale` input and a
   * `grads_finite` output; a step whose gradients are not all finite leaves parameters and state unchanged.
   */
  dtype?: TrainDType;
}

/** One graph input of a parameter: the whole parameter or one of its row blocks. */
export interface ParamBlock extends Shard {
  readonly param: string;
}

/** The graph inputs of every parameter, in parameter order. */
export function paramBlocks(params: readonly ParamSpec[], shard: boolean | number): ParamBlock[] {
  return params.flatMap((p) => shardsOf(p, shardLimit(shard)).map((s) => ({ ...s, param: p.name })));
}

/** Largest block in elements for a `shard` option (Infinity = never split). */
function shardLimit(shard: boolean | number): number {
  return shard === true ? SHARD_ELEMENTS : shard === false ? Infinity : shard;
}

export interface TrainStepGraph {
  /** 'step': one step per run; 'loop': S steps per run, batch inputs stacked on a leading S axis (train-loop.ts). */
  readonly kind: 'step' | 'loop';
  readonly bytes: Uint8Array;
  readonly modelName: string;
  readonly batchInputs: readonly InputSpec[];
  readonly dropoutSites: readonly DropoutSite[];
  readonly params: readonly ParamSpec[];
  /** Frozen weights (graph inputs, or initializers once bound by the session). */
  readonly frozen: readonly WeightSpec[];
  /** The graph inputs holding the parameters (row blocks of large ones); state inputs are `<slot>.<block name>`. */
  readonly blocks: readonly ParamBlock[];
  readonly optimizer: Optimizer;
  /** Loss output names, the total first. */
  readonly lossNames: readonly string[];
  readonly exposedOutputs: readonly string[];
  readonly exposesGradients: boolean;
  /** 'float16': a mixed-precision graph (feed `loss_scale`, read `grads_finite`); absent for float32. */
  readonly dtype?: 'float16';
}

/** The values one training step produces, in any graph (a single-step graph or a Loop body). */
export interface StepValues {
  /** Loss values by output name, the total first. */
  losses: [string, Value][];
  /** Per parameter block (see `paramBlocks`). */
  newParams: Value[];
  /** Per parameter block, per optimizer slot. */
  newState: Value[][];
  /** Per parameter (blocks joined): d loss / d parameter. */
  grads: Value[];
  exposed: [string, Value][];
  /** Mixed precision: whether every gradient is finite (bool scalar); the update was kept only then. */
  finite?: Value;
}

/** Emits forward, backward and optimizer update into `ctx.graph`; `state` is per parameter block, per slot. */
export function emitStep(
  ctx: BuildContext,
  model: ModelDef,
  loss: LossDef,
  optimizer: Optimizer,
  lr: Value,
  step: Value,
  state: readonly (readonly Value[])[],
  exposeOutputs: readonly string[] = [],
): StepValues {
  const outputs = model.forward(ctx);
  const mixed = ctx instanceof MixedContext ? ctx : null;
  const { total, terms } = mixed ? mixed.buildLoss(loss, outputs) : loss.build(ctx, outputs);
  const perParam = model.params.map((p) => (mixed ? mixed.masterBlocks(p.name) : ctx.weightBlocks(p.name)));
  const blocks = perParam.flat();
  let grads = gradients(total, blocks, mixed?.lossScale);
  let finite: Value | undefined;
  if (mixed) {
    const u = mixed.unscale(blocks.map((b) => grads.get(b) as Value));
    grads = new Map(blocks.map((b, i) => [b, u.grads[i] as Value]));
    finite = u.finite;
  }
  const scalars = optimizer.prepare(ctx.graph, lr, step);
  const newParams: Value[] = [];
  const newState: Value[][] = [];
  blocks.forEach((p, i) => {
    const old = state[i] ?? [];
    const upd = optimizer.update(p, grads.get(p) as Value, old, scalars);
    const keep = (next: Value, prev: Value): Value => (finite ? keepUnlessFinite(finite, next, prev) : next);
    newParams.push(keep(upd.param, p));
    newState.push(upd.state.map((v, k) => keep(v, old[k] as Value)));
  });
  const gradList = perParam.map((bs) => joinShards(bs.map((b) => grads.get(b) as Value)));
  const exposed = exposeOutputs.map((name): [string, Value] => {
    const v = outputs[name];
    if (!v) throw new Error(`model ${model.name} has no output '${name}'`);
    return [name, v.dtype === 'float16' ? cast(v, 'float32') : v];
  });
  return { losses: [[loss.totalName, total], ...Object.entries(terms)], newParams, newState, grads: gradList, exposed, ...(finite ? { finite } : {}) };
}

export function buildTrainStep(model: ModelDef, loss: LossDef, optimizer: Optimizer, o: TrainStepOptions = {}): TrainStepGraph {
  const g = new Graph(`${model.name}_train_step`);
  const batchInputs = [...model.inputs, ...loss.inputs];
  const shard = o.shard ?? true;
  const half = (o.dtype ?? 'float32') === 'float16';
  const Context = half ? MixedContext : GraphContext;
  const ctx = new Context(g, batchInputs, model.params, model.frozen ?? [], o.dropout ?? true, shardLimit(shard));
  const blocks = paramBlocks(model.params, shard);
  const lr = g.input('lr', 'float64', []);
  const step = g.input('step', 'float64', []);
  const state = blocks.map((b) => optimizer.slots.map((slot) => g.input(slotName(slot, b.name), 'float32', b.shape)));
  const r = emitStep(ctx, model, loss, optimizer, lr, step, state, o.exposeOutputs);

  for (const [name, v] of r.losses) g.output(name, v);
  for (const [name, v] of r.exposed) g.output(name, v);
  blocks.forEach((b, i) => {
    g.output(newName(b.name), r.newParams[i] as Value);
    optimizer.slots.forEach((slot, k) => g.output(newName(slotName(slot, b.name)), r.newState[i]?.[k] as Value));
  });
  if (o.exposeGradients) model.params.forEach((spec, i) => g.output(gradName(spec.name), r.grads[i] as Value));
  if (r.finite) g.output(GRADS_FINITE, finiteFlag(r.finite));

  const d = stepGraphDescriptor('step', g, model, batchInputs, ctx, blocks, optimizer, r, o);
  return half ? { ...d, frozen: halfFrozen(d.frozen), dtype: 'float16' } : d;
}

/** The description of a built training graph that TrainSession needs to feed and fetch it. */
export function stepGraphDescriptor(
  kind: TrainStepGraph['kind'],
  g: Graph,
  model: ModelDef,
  batchInputs: readonly InputSpec[],
  ctx: { readonly dropoutSites: readonly DropoutSite[] },
  blocks: TrainStepGraph['blocks'],
  optimizer: Optimizer,
  r: StepValues,
  o: TrainStepOptions,
): TrainStepGraph {
  return {
    kind,
    bytes: g.encode(),
    modelName: model.name,
    batchInputs,
    dropoutSites: ctx.dropoutSites,
    params: model.params,
    frozen: model.frozen ?? [],
    blocks,
    optimizer,
    lossNames: r.losses.map(([name]) => name),
    exposedOutputs: o.exposeOutputs ?? [],
    exposesGradients: o.exposeGradients ?? false,
  };
}
