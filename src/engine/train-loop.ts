/**
 * The multi-step training graph: one session.run performs S training steps (an ONNX Loop whose body is the same
 * forward + backward + update as buildTrainStep). Batch inputs and dropout masks are stacked on a leading S axis,
 * `lr` is a float64 vector (S) so schedules stay outside the graph, `step` is the number of steps already taken.
 * Parameters and optimizer state are loop-carried inside onnxruntime, so they cross the JS boundary once per run
 * instead of once per step: onnxruntime-node copies every fetched output into a fresh JS buffer, ~10 ms per step for
 * the VizWiz-size head's 55 MB of parameters and Adam state, which a Loop of S steps divides by S.
 */

import { Graph, type Value } from './graph.js';
import { BlockParamsContext, frozenInputs } from './context.js';
import type { InputSpec, LossDef, ModelDef } from './model.js';
import { add } from './ops/elementwise.js';
import { cast, shapeOf } from './ops/cast.js';
import { gather } from './ops/shape.js';
import type { Optimizer } from './optim.js';
import { gradName, newName, slotName } from './names.js';
import { emitStep, paramBlocks, stepGraphDescriptor, type TrainStepGraph, type TrainStepOptions } from './train-step.js';

/** Builds the body of the Loop: batch rows and masks are the iteration's slices of the stacked outer inputs. */
class LoopBodyContext extends BlockParamsContext {
  private readonly slices = new Map<string, Value>();

  constructor(
    private readonly outer: Graph,
    graph: Graph,
    private readonly iter: Value,
    private readonly stacked: ReadonlyMap<string, Value>,
    blocks: ReadonlyMap<string, Value[]>,
    dropoutActive: boolean,
  ) {
    super(graph, blocks, dropoutActive);
  }

  input(name: string): Value {
    const cached = this.slices.get(name);
    if (cached) return cached;
    const all = this.stacked.get(name);
    if (!all) throw new Error(`no batch input '${name}'`);
    const v = gather(all, this.iter, 0); // (B, ..)
    this.slices.set(name, v);
    return v;
  }

  protected dropoutMask(name: string, x: Value): Value {
    const masks = this.outer.input(name, x.dtype, ['S', ...x.shape]); // (S, ..x), 0 or 1/(1-p)
    return gather(masks, this.iter, 0);
  }
}

export function buildTrainLoop(model: ModelDef, loss: LossDef, optimizer: Optimizer, o: TrainStepOptions = {}): TrainStepGraph {
  if ((o.dtype ?? 'float32') !== 'float32') {
    throw new Error(`model ${model.name}: mixed precision (dtype ${o.dtype}) is built for single-step graphs (buildTrainStep) only, not the Loop`);
  }
  const g = new Graph(`${model.name}_train_loop`);
  const batchInputs: InputSpec[] = [...model.inputs, ...loss.inputs];
  const stacked = new Map(batchInputs.map((spec) => [spec.name, g.input(spec.name, spec.dtype, ['S', ...spec.shape])]));
  const blocks = paramBlocks(model.params, o.shard ?? true);
  const params = blocks.map((b) => g.input(b.name, 'float32', b.shape));
  const state = blocks.flatMap((b) => optimizer.slots.map((slot) => g.input(slotName(slot, b.name), 'float32', b.shape)));
  const lrs = g.input('lr', 'float64', ['S']);
  const stepsDone = g.input('step', 'float64', []);
  const first = stacked.get(batchInputs[0]?.name ?? '');
  if (!first) throw new Error(`model ${model.name} has no batch inputs`);
  const trips = gather(shapeOf(first), g.scalar(0, 'int64'), 0); // () int64 = S

  const body = g.subgraph(`${model.name}_step`);
  const iter = body.input('loop.iter', 'int64', []);
  const condIn = body.input('loop.cond', 'bool', []);
  const carriedParams = blocks.map((b) => body.input(`loop.${b.name}`, 'float32', b.shape));
  const carriedState = blocks.map((b) => optimizer.slots.map((slot) => body.input(`loop.${slotName(slot, b.name)}`, 'float32', b.shape)));
  const byParam = new Map<string, Value[]>(model.params.map((p) => [p.name, []]));
  blocks.forEach((b, i) => byParam.get(b.param)?.push(carriedParams[i] as Value));
  // Frozen weights are outer-graph inputs, read by the body through ONNX's outer scope.
  for (const [name, values] of frozenInputs(g, model.frozen ?? [])) byParam.set(name, values);
  const ctx = new LoopBodyContext(g, body, iter, stacked, byParam, o.dropout ?? true);
  const lr = gather(lrs, iter, 0); // () float64
  const step = add(add(stepsDone, cast(iter, 'float64')), 1); // () float64, 1-based
  const r = emitStep(ctx, model, loss, optimizer, lr, step, carriedState, o.exposeOutputs);

  body.output(`loop.cond_out`, condIn);
  r.newParams.forEach((v, i) => body.output(`loop.out.${blocks[i]?.name}`, v));
  r.newState.forEach((vs, i) => vs.forEach((v, k) => body.output(`loop.out.${slotName(optimizer.slots[k] ?? '', blocks[i]?.name ?? '')}`, v)));
  const scans: [string, Value][] = [...r.losses, ...r.exposed];
  if (o.exposeGradients) r.grads.forEach((v, i) => scans.push([gradName(model.params[i]?.name ?? ''), v]));
  for (const [name, v] of scans) body.output(`loop.scan.${name}`, v);

  const carriedOut = [...params, ...state].map((v) => ({ dtype: v.dtype, shape: v.shape }));
  const scanOut = scans.map(([, v]) => ({ dtype: v.dtype, shape: ['S', ...v.shape] }));
  const outs = g.addNode('Loop', [trips, null, ...params, ...state], [...carriedOut, ...scanOut], { body: { kind: 'subgraph', value: body } });
  const names = [
    ...blocks.map((b) => newName(b.name)),
    ...blocks.flatMap((b) => optimizer.slots.map((slot) => newName(slotName(slot, b.name)))),
    ...scans.map(([name]) => name),
  ];
  outs.forEach((v, i) => g.output(names[i] as string, v));

  return stepGraphDescriptor('loop', g, model, batchInputs, ctx, blocks, optimizer, r, o);
}
