/**
 * Golden test of the clip-linear head against the plain-PyTorch reference (golden/head): forward outputs, every loss,
 * every parameter gradient, and the parameters after one Adam step and one AdamW step. The folder is
 * `$VIZWIZ_GOLDEN_DIR/head` (default: the project's copy in test/fixtures/head); every dim is read from the files.
 * Tolerances (docs/decisions/005-golden-tolerances.md): outputs within 1e-5 absolute where values are O(1), else 1e-4; gradients within 1e-4
 * relative to the tensor's largest entry.
 */

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor } from '../../../src/engine/tensor.js';
import { readSafetensors, type TensorData } from '../../../src/engine/safetensors.js';
import { clipLinearHead, clipLinearLoss, type ClipLinearConfig } from '../../../src/models/heads/clip-linear.js';
import { adam, adamw } from '../../../src/engine/optim.js';
import { buildInference } from '../../../src/engine/inference.js';
import { buildTrainStep } from '../../../src/engine/train-step.js';
import { gradName } from '../../../src/engine/names.js';
import { InferenceRunner } from '../../../src/engine/inference-runner.js';
import { TrainSession } from '../../../src/engine/train-session.js';
import { absMax, maxAbsDiff, outputTol, TOL } from '../../helpers/tolerance.js';
import { onTestDevice } from '../../helpers/device.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const goldenDir = path.join(process.env.VIZWIZ_GOLDEN_DIR ?? path.join(here, '..', '..', 'fixtures'), 'head');

type Tensors = Map<string, { shape: readonly number[]; data: TensorData }>;
let inputs: Tensors;
let params: Tensors;
let outputs: Tensors;
let grads: Tensors;
let afterAdam: Tensors;
let afterAdamw: Tensors;
let config: Partial<ClipLinearConfig>;

function get(m: Tensors, name: string): { shape: readonly number[]; data: TensorData } {
  const t = m.get(name);
  if (!t) throw new Error(`golden tensor '${name}' is missing`);
  return t;
}

function dim(m: Tensors, name: string, axis: number): number {
  return get(m, name).shape[axis] as number;
}

function paramMap(m: Tensors): Map<string, Float32Array> {
  return new Map([...m].map(([k, v]) => [k, v.data as Float32Array]));
}

function batchFeeds(): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  for (const [name, t] of inputs) {
    const type = t.data instanceof BigInt64Array ? 'int64' : 'float32';
    feeds[name] = new Tensor(type, t.data as Float32Array, [...t.shape]);
  }
  return feeds;
}

before(async () => {
  const load = (f: string): Promise<Tensors> => readSafetensors(path.join(goldenDir, `${f}.safetensors`));
  inputs = await load('inputs');
  params = await load('params');
  outputs = await load('outputs');
  grads = await load('grads');
  afterAdam = await load('params_after_adam');
  afterAdamw = await load('params_after_adamw');
  config = {
    imageDim: dim(inputs, 'image_feat', 1),
    textDim: dim(inputs, 'text_feat', 1),
    hidden: dim(params, 'answer_fc1.weight', 0),
    numAnswers: dim(params, 'answer_fc2.weight', 0),
    numTypes: dim(params, 'type_fc.weight', 0),
    answerableHidden: dim(params, 'answerable_fc1.weight', 0),
  };
});

/**
 * Parameters after one optimizer step, within 1e-5. A first Adam step moves each element by lr * g / (|g| + eps), so
 * where the golden gradient is itself below the gradients' agreement level (1e-4 of the tensor's largest entry) the
 * step's size and sign are not determined by the golden data; there only the Adam bound |step| <= 2 lr is checked.
 * (optim.test.ts checks the update itself bit-exactly from the golden gradients.)
 */
function compareAfterStep(got: Map<string, Float32Array>, expected: Tensors, lr: number, what: string): { worst: number; illConditioned: number } {
  let worst = 0;
  let illConditioned = 0;
  for (const [name, p] of got) {
    const exp = get(expected, name).data as Float32Array;
    const g = get(grads, name).data as Float32Array;
    const before = get(params, name).data as Float32Array;
    const floor = 1e-4 * absMax(g);
    for (let i = 0; i < p.length; i++) {
      if (Math.abs(g[i] as number) < floor) {
        illConditioned++;
        assert.ok(Math.abs((p[i] as number) - (before[i] as number)) <= 2 * lr + 1e-6, `${name}[${i}] after ${what} moved too far`);
        continue;
      }
      const err = Math.abs((p[i] as number) - (exp[i] as number));
      worst = Math.max(worst, err);
      assert.ok(err <= 1e-5, `${name}[${i}] after ${what}: ${p[i]} vs ${exp[i]}`);
    }
  }
  return { worst, illConditioned };
}

const FORWARD = ['answer_logits', 'answer_logits_raw', 'type_logits', 'type_gate', 'hidden', 'answerable_logit'];
const LOSSES = ['loss_total', 'loss_answer', 'loss_type', 'loss_answerable'];

async function trainStep(kind: 'adam' | 'adamw'): Promise<{ session: TrainSession; result: Awaited<ReturnType<TrainSession['step']>> }> {
  const opt = kind === 'adam' ? adam() : adamw({ weightDecay: 0.01 });
  const graph = buildTrainStep(clipLinearHead(config), clipLinearLoss(config), opt, {
    dropout: false, // the golden ran model.eval(): dropout off, gradients still computed
    exposeGradients: true,
    exposeOutputs: FORWARD,
  });
  const session = await TrainSession.create(graph, paramMap(params), onTestDevice({ threads: 1 }));
  const result = await session.step(batchFeeds(), kind === 'adam' ? 0.005 : 1e-3);
  return { session, result };
}

test('golden head: forward outputs, losses, gradients and one Adam step', async (t) => {
  const { session, result } = await trainStep('adam');
  for (const name of FORWARD) {
    const exp = get(outputs, name).data as Float32Array;
    const got = result.extra[name]!.floats();
    assert.deepEqual(result.extra[name]?.dims, [...get(outputs, name).shape], `${name} shape`);
    const err = maxAbsDiff(got, exp);
    t.diagnostic(`${name}: max abs err ${err.toExponential(2)}`);
    assert.ok(err <= outputTol(exp), `${name}: max abs err ${err}`);
  }
  for (const name of LOSSES) {
    const exp = (get(outputs, name).data as Float32Array)[0] as number;
    const err = Math.abs((result.losses[name] as number) - exp);
    t.diagnostic(`${name}: ${result.losses[name]} (err ${err.toExponential(2)})`);
    assert.ok(err <= outputTol([exp]), `${name}: ${result.losses[name]} vs ${exp}`);
  }
  let worstGrad = 0;
  for (const [name, g] of grads) {
    const got = result.extra[gradName(name)]!.floats();
    const rel = maxAbsDiff(got, g.data as Float32Array) / Math.max(absMax(g.data as Float32Array), 1e-12);
    worstGrad = Math.max(worstGrad, rel);
    assert.ok(rel <= TOL.gradient, `grad of ${name}: max relative err ${rel}`);
  }
  t.diagnostic(`gradients: max relative err ${worstGrad.toExponential(2)} over ${grads.size} tensors`);
  const adamErr = compareAfterStep(session.parameters(), afterAdam, 0.005, 'Adam');
  t.diagnostic(`params after Adam: max abs err ${adamErr.worst.toExponential(2)} (${adamErr.illConditioned} ill-conditioned elements bounded by 2 lr)`);
  assert.equal(session.stepsDone, 1);
  await session.dispose();
});

test('golden head: one AdamW step (lr 1e-3, weight decay 0.01 on every parameter)', async (t) => {
  const { session } = await trainStep('adamw');
  const adamwErr = compareAfterStep(session.parameters(), afterAdamw, 1e-3, 'AdamW');
  t.diagnostic(`params after AdamW: max abs err ${adamwErr.worst.toExponential(2)} (${adamwErr.illConditioned} ill-conditioned elements bounded by 2 lr)`);
  // First-step state: m = 0.1 g, v = 0.001 g^2.
  const g = get(grads, 'answer_fc2.weight').data as Float32Array;
  const m = session.optimizerState().get('m.answer_fc2.weight') as Float32Array;
  assert.ok(Math.abs((m[0] as number) - 0.1 * (g[0] as number)) <= 1e-7 * Math.max(1, Math.abs(g[0] as number)));
  await session.dispose();
});

test('golden head: the inference graph (same model code, no backward) gives the same outputs', async () => {
  const model = clipLinearHead(config);
  const runner = await InferenceRunner.create(buildInference(model), paramMap(params), onTestDevice({ threads: 1 }));
  const feeds = batchFeeds();
  const out = await runner.run({ image_feat: feeds.image_feat as Tensor, text_feat: feeds.text_feat as Tensor });
  for (const name of FORWARD) {
    const exp = get(outputs, name).data as Float32Array;
    assert.ok(maxAbsDiff(out[name]!.floats(), exp) <= outputTol(exp), name);
  }
  await runner.dispose();
});
