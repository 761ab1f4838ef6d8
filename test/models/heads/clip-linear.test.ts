/**
 * The clip-linear head beyond the golden: VizWiz-size parameter count, torch-default initialisation, activations,
 * loss weights, and a float32 finite-difference spot check of the full head's gradient with a ReLU/GELU activation
 * (the golden covers activation 'none').
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../../src/engine/tensor.js';
import { initParams } from '../../../src/engine/init.js';
import { adam } from '../../../src/engine/optim.js';
import { Rng } from '../../../src/random/rng.js';
import { GraphSession } from '../../../src/engine/graph-session.js';
import { buildInference } from '../../../src/engine/inference.js';
import { buildTrainStep } from '../../../src/engine/train-step.js';
import { gradName } from '../../../src/engine/names.js';
import { clipLinearHead, clipLinearLoss, clipLinearParams, CLIP_LINEAR_DEFAULTS } from '../../../src/models/heads/clip-linear.js';
import { HEADS } from '../../../src/models/heads/registry.js';

test('VizWiz size: 4,549,689 parameters under the golden names', () => {
  const specs = clipLinearParams(CLIP_LINEAR_DEFAULTS);
  const total = specs.reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
  assert.equal(total, 4_549_689);
  assert.deepEqual(
    [...new Set(specs.map((p) => p.name.split('.')[0]))],
    ['answer_in_norm', 'answer_fc1', 'answer_hidden_norm', 'answer_fc2', 'type_fc', 'type_to_answer', 'answerable_norm', 'answerable_fc1', 'answerable_fc2'],
  );
  assert.equal(HEADS['clip-linear'].model({}).name, 'clip-linear');
});

test('initialisation: Linear U(-1/sqrt(in), 1/sqrt(in)), LayerNorm ones and zeros, reproducible by seed', () => {
  const c = { ...CLIP_LINEAR_DEFAULTS, imageDim: 32, textDim: 32, hidden: 16, numAnswers: 50 };
  const p = initParams(clipLinearParams(c), 7);
  const w = p.get('answer_fc1.weight') as Float32Array;
  const bound = 1 / Math.sqrt(64);
  assert.ok(w.every((x) => Math.abs(x) <= bound));
  assert.ok(Math.max(...w) > 0.9 * bound && Math.min(...w) < -0.9 * bound);
  assert.ok((p.get('answer_in_norm.weight') as Float32Array).every((x) => x === 1));
  assert.ok((p.get('answer_in_norm.bias') as Float32Array).every((x) => x === 0));
  assert.deepEqual(initParams(clipLinearParams(c), 7).get('answer_fc2.weight'), p.get('answer_fc2.weight'));
});

const SMALL = { imageDim: 3, textDim: 3, hidden: 5, numAnswers: 4, numTypes: 2, answerableHidden: 3 };

function feeds(rng: Rng, b: number): Record<string, Tensor> {
  return {
    image_feat: Tensor.f32(
      Float32Array.from({ length: b * 3 }, () => rng.normal()),
      [b, 3],
    ),
    text_feat: Tensor.f32(
      Float32Array.from({ length: b * 3 }, () => rng.normal()),
      [b, 3],
    ),
    answer_label: Tensor.i64(
      BigInt64Array.from({ length: b }, () => BigInt(rng.int(4))),
      [b],
    ),
    type_label: Tensor.i64(
      BigInt64Array.from({ length: b }, () => BigInt(rng.int(2))),
      [b],
    ),
    answerable: Tensor.f32(
      Float32Array.from({ length: b }, () => rng.int(2)),
      [b],
    ),
  };
}

test('loss weights scale the terms of loss_total', async () => {
  const c = { ...SMALL, lossWeights: { answer: 2, type: 0.5, answerable: 0 } };
  const inf = buildInference(clipLinearHead(c), { loss: clipLinearLoss(c), outputs: [] });
  const session = await GraphSession.create(inf.bytes, { threads: 1 });
  const params = initParams(clipLinearHead(c).params, 2);
  const out = await session.run({
    ...feeds(new Rng(1), 5),
    ...Object.fromEntries([...params].map(([k, v]) => [k, Tensor.f32(v, [...(inf.weights.find((p) => p.name === k)?.shape ?? [])])])),
  });
  const [a, t, total] = ['loss_answer', 'loss_type', 'loss_total'].map((k) => out[k]?.data[0] as number) as [number, number, number];
  assert.ok(Math.abs(total - (2 * a + 0.5 * t)) < 1e-6, `${total} vs ${2 * a + 0.5 * t}`);
  await session.dispose();
});

for (const activation of ['relu', 'gelu'] as const) {
  test(`activation ${activation}: gradients agree with float32 central differences of the loss`, async () => {
    const model = clipLinearHead({ ...SMALL, activation });
    const graph = buildTrainStep(model, clipLinearLoss(SMALL), adam(), { dropout: false, exposeGradients: true });
    const session = await GraphSession.create(graph.bytes, { threads: 1 });
    const params = initParams(graph.params, 5);
    const batch = feeds(new Rng(8), 6);
    const run = async (): Promise<Record<string, Tensor>> => {
      const f: Record<string, Tensor> = { ...batch, lr: Tensor.f64([0], []), step: Tensor.f64([1], []) };
      for (const spec of graph.params) {
        f[spec.name] = Tensor.f32(params.get(spec.name) as Float32Array, [...spec.shape]);
        for (const slot of ['m', 'v'])
          f[`${slot}.${spec.name}`] = Tensor.f32(new Float32Array((params.get(spec.name) as Float32Array).length), [...spec.shape]);
      }
      return session.run(f);
    };
    const base = await run();
    let worst = 0;
    for (const name of ['answer_fc1.weight', 'answer_in_norm.weight', 'type_fc.bias']) {
      const p = params.get(name) as Float32Array;
      const g = base[gradName(name)]!.floats();
      for (const i of [0, 1, p.length - 1]) {
        const orig = p[i] as number;
        const eps = 1e-3;
        p[i] = orig + eps;
        const up = (await run()).loss_total?.data[0] as number;
        p[i] = orig - eps;
        const down = (await run()).loss_total?.data[0] as number;
        p[i] = orig;
        worst = Math.max(worst, Math.abs((up - down) / (2 * eps) - (g[i] as number)));
      }
    }
    assert.ok(worst < 2e-3, `max |fd - grad| = ${worst}`);
    await session.dispose();
  });
}
