/**
 * Training readiness: finite-difference checks in float64 of the rules the decoder added (Sin, Cos, GatherElements)
 * and of Gemma's pieces (RMSNorm, RoPE, the masked shifted loss), then d loss / d (one q_proj weight) through the whole
 * decoder: the float64 graph's gradient against central differences, and buildTrainStep's float32 gradient - only that
 * weight trainable, every other weight a constant input - against the float64 gradient.
 */

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphSession } from '../../../src/engine/graph-session.js';
import { Tensor } from '../../../src/engine/tensor.js';
import { gradients } from '../../../src/engine/autodiff.js';
import { Graph, type Value } from '../../../src/engine/graph.js';
import type { BuildContext, InputSpec, WeightSpec } from '../../../src/engine/model.js';
import * as op from '../../../src/engine/ops/index.js';
import { adam } from '../../../src/engine/optim.js';
import { TrainSession } from '../../../src/engine/train-session.js';
import { buildTrainStep } from '../../../src/engine/train-step.js';
import { gradName } from '../../../src/engine/names.js';
import type { GemmaConfig } from '../../../src/models/gemma/config.js';
import { causalLmLoss, shiftedCrossEntropy } from '../../../src/models/gemma/loss.js';
import { gemmaModel } from '../../../src/models/gemma/model.js';
import { gemmaParamSpecs } from '../../../src/models/gemma/names.js';
import { gemmaRmsNorm } from '../../../src/models/gemma/rms-norm.js';
import { applyRope, ropeTables } from '../../../src/models/gemma/rope.js';
import { loadGemmaCheckpoint } from '../../../src/models/gemma/weights.js';
import { gradCheck } from '../../engine/gradcheck.js';
import { absMax, forwardFeeds, goldenPath, readTensors, tensor, type Tensors } from './helpers.js';

const TOL = 1e-6;

test('Sin and Cos', async () => {
  const r = await gradCheck([{ shape: [3, 4] }], ([x]) => op.mul(op.sin(x!), op.cos(op.mul(x!, 1.7))));
  assert.ok(r.maxRelErr < TOL, JSON.stringify(r));
});

test('GatherElements along the last axis, repeated indices included', async () => {
  const r = await gradCheck([{ shape: [3, 5] }, { shape: [3, 2], intRange: 5, data: [1, 1, 4, 0, 2, 2] }], ([x, i]) => op.gatherElements(x!, i!, 1));
  assert.ok(r.maxRelErr < TOL, JSON.stringify(r));
});

test('Gemma RMSNorm, with respect to x and the (1 + w) weight', async () => {
  const r = await gradCheck([{ shape: [4, 6] }, { shape: [6] }], ([x, w]) => gemmaRmsNorm(x!, w!, 1e-6));
  assert.ok(r.maxRelErr < TOL, JSON.stringify(r));
});

test('RoPE applied to (B, h, T, hd) with tables from integer positions', async () => {
  const r = await gradCheck([{ shape: [2, 3, 4, 6] }, { shape: [2, 4], intRange: 50 }], ([x, pos]) => applyRope(x!, ropeTables(pos!, 6, 10000, 'float64')));
  assert.ok(r.maxRelErr < TOL, JSON.stringify(r));
});

test('shifted cross-entropy with ignored (-100) labels', async () => {
  const labels = [3, 1, -100, 4, 0, -100, -100, 2, 2, 1];
  const r = await gradCheck([{ shape: [2, 5, 6] }, { shape: [2, 5], intRange: 6, data: labels }], ([logits, l]) => shiftedCrossEntropy(logits!, l!));
  assert.ok(r.maxRelErr < TOL, JSON.stringify(r));
});

/** A BuildContext that declares every float input and parameter as float64 (finite differences need the precision). */
class Float64Context implements BuildContext {
  readonly dropoutActive = false;
  private readonly values = new Map<string, Value>();

  constructor(
    readonly graph: Graph,
    inputs: readonly InputSpec[],
    weights: readonly WeightSpec[],
  ) {
    for (const i of inputs) this.values.set(i.name, graph.input(i.name, i.dtype === 'float32' ? 'float64' : i.dtype, i.shape));
    for (const w of weights) this.values.set(w.name, graph.input(w.name, 'float64', w.shape));
  }

  input(name: string): Value {
    const v = this.values.get(name);
    if (!v) throw new Error(`no input ${name}`);
    return v;
  }

  weight(name: string): Value {
    return this.input(name);
  }

  weightBlocks(name: string): Value[] {
    return [this.input(name)];
  }

  dropout(x: Value): Value {
    return x;
  }
}

let config: GemmaConfig;
let weights: Map<string, Float32Array>;
let prefix: string;
let inputs: Tensors;

before(async () => {
  ({ config, weights, prefix } = await loadGemmaCheckpoint(goldenPath('gemma')));
  inputs = await readTensors('gemma', 'inputs.safetensors');
});

test('d loss / d q_proj: float64 graph vs finite differences, and the float32 train step vs float64', async () => {
  const q = `${prefix}layers.0.self_attn.q_proj.weight`;
  const model = gemmaModel(config, { prefix, trainable: [q] });
  const loss = causalLmLoss();
  assert.deepEqual(
    model.params.map((p) => p.name),
    [q],
  );

  // float64: loss and its gradient w.r.t. q, the decoder's other weights constant inputs.
  const g = new Graph('gemma_f64');
  const ctx = new Float64Context(g, [...model.inputs, ...loss.inputs], [...model.params, ...(model.frozen ?? [])]);
  const total = loss.build(ctx, model.forward(ctx)).total;
  g.output('loss', total);
  g.output('grad', gradients(total, [ctx.weight(q)]).get(ctx.weight(q)) as Value);
  const session = await GraphSession.create(g.encode(), { optimization: 'disabled', threads: 1 });
  const { feeds } = forwardFeeds(inputs);
  const labels = tensor(inputs, 'labels');
  const f64: Record<string, Tensor> = {
    input_ids: feeds.input_ids as Tensor,
    position_ids: feeds.position_ids as Tensor,
    attention_bias: Tensor.f64(Float64Array.from(feeds.attention_bias!.floats()), [...(feeds.attention_bias as Tensor).dims]),
    labels: Tensor.i64(labels.data as BigInt64Array, [...labels.shape]),
  };
  for (const spec of gemmaParamSpecs(config, prefix)) f64[spec.name] = Tensor.f64(Float64Array.from(weights.get(spec.name) as Float32Array), [...spec.shape]);
  const base = await session.run(f64);
  const grad64 = base.grad!.data as Float64Array;
  const qData = f64[q]?.data as Float64Array;
  const eps = 1e-5;
  let worstFd = 0;
  for (let k = 0; k < 24; k++) {
    const idx = (k * 977 + 13) % qData.length;
    const orig = qData[idx] as number;
    qData[idx] = orig + eps;
    const up = Number((await session.run(f64, ['loss'])).loss?.data[0]);
    qData[idx] = orig - eps;
    const down = Number((await session.run(f64, ['loss'])).loss?.data[0]);
    qData[idx] = orig;
    const numeric = (up - down) / (2 * eps);
    worstFd = Math.max(worstFd, Math.abs(numeric - (grad64[idx] as number)) / Math.max(1e-3, absMax(grad64)));
  }
  assert.ok(worstFd < 1e-6, `float64 gradient vs finite differences: ${worstFd}`);
  await session.dispose();

  // float32 training step: only q trains, the other weights are the model's frozen weights.
  const step = buildTrainStep(model, loss, adam(), { dropout: false, exposeGradients: true });
  const train = await TrainSession.create(step, new Map([[q, weights.get(q) as Float32Array]]), { frozen: weights });
  const batch: Record<string, Tensor> = { ...feeds, labels: Tensor.i64(labels.data as BigInt64Array, [...labels.shape]) };
  const res = await train.step(batch, 0);
  const grad32 = res.extra[gradName(q)]!.floats();
  let worst = 0;
  grad32.forEach((x, i) => (worst = Math.max(worst, Math.abs(x - (grad64[i] as number)))));
  const rel = worst / absMax(grad64);
  assert.ok(rel < 1e-4, `float32 train-step gradient vs float64: ${rel} relative`);
  console.log(
    `d loss/d ${q}: float64 vs FD ${worstFd.toExponential(2)}, float32 train step vs float64 ${rel.toExponential(2)} (relative to max |grad| ${absMax(grad64).toExponential(2)})`,
  );
  await train.dispose();
});

test('every weight trainable: the train step builds (every op has a rule) and each gradient is finite and non-zero', async () => {
  const model = gemmaModel(config, { prefix });
  const step = buildTrainStep(model, causalLmLoss(), adam(), { dropout: false, exposeGradients: true });
  const train = await TrainSession.create(step, weights);
  const { feeds } = forwardFeeds(inputs);
  const labels = tensor(inputs, 'labels');
  const res = await train.step({ ...feeds, labels: Tensor.i64(labels.data as BigInt64Array, [...labels.shape]) }, 0);
  for (const p of model.params) {
    const g = res.extra[gradName(p.name)]!.floats();
    assert.ok(g.every(Number.isFinite) && absMax(g) > 0, `gradient of ${p.name}`);
  }
  await train.dispose();
});
