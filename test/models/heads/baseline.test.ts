/**
 * The baseline head: parameter layout (torch names and shapes) with and without a hidden layer, and a short training
 * run on a synthetic task (the answer depends on the question word and the sign of one image feature) that must reach
 * high accuracy through the inference graph, with answerability learned from an image feature.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../../src/engine/tensor.js';
import { initParams } from '../../../src/engine/init.js';
import { adam } from '../../../src/engine/optim.js';
import { Rng } from '../../../src/random/rng.js';
import { InferenceRunner } from '../../../src/engine/inference-runner.js';
import { TrainSession } from '../../../src/engine/train-session.js';
import { buildInference } from '../../../src/engine/inference.js';
import { buildTrainLoop } from '../../../src/engine/train-loop.js';
import { baselineHead, baselineLoss, baselineParams, BASELINE_DEFAULTS } from '../../../src/models/heads/baseline.js';

test('parameter layout: one Linear by default, two with a hidden layer, plus the answerability Linear', () => {
  const flat = baselineParams({ ...BASELINE_DEFAULTS, imageDim: 2048, questionDim: 100, numAnswers: 30 });
  assert.deepEqual(
    flat.map((p) => [p.name, p.shape]),
    [
      ['answer_fc.weight', [30, 2148]],
      ['answer_fc.bias', [30]],
      ['answerable_fc.weight', [1, 2148]],
      ['answerable_fc.bias', [1]],
    ],
  );
  const deep = baselineParams({ ...BASELINE_DEFAULTS, imageDim: 8, questionDim: 4, numAnswers: 5, hidden: 16 });
  assert.deepEqual(
    deep.map((p) => p.name),
    ['answer_fc1.weight', 'answer_fc1.bias', 'answer_fc2.weight', 'answer_fc2.bias', 'answerable_fc.weight', 'answerable_fc.bias'],
  );
  assert.deepEqual(deep[2]?.shape, [5, 16]);
});

for (const hidden of [0, 32]) {
  test(`learns a synthetic question/image task (hidden ${hidden})`, async () => {
    const c = { imageDim: 16, questionDim: 8, numAnswers: 6, hidden, dropout: 0.1 };
    const n = 256;
    const rng = new Rng(21);
    const image = Float32Array.from({ length: n * c.imageDim }, () => rng.normal());
    const bow = new Float32Array(n * c.questionDim);
    const answer = new BigInt64Array(n);
    const answerable = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const q = rng.int(3);
      bow[i * c.questionDim + q] = 1;
      answer[i] = BigInt(2 * q + ((image[i * c.imageDim] as number) > 0 ? 1 : 0));
      answerable[i] = (image[i * c.imageDim + 1] as number) > 0 ? 1 : 0;
    }
    const model = baselineHead(c);
    const graph = buildTrainLoop(model, baselineLoss(c), adam());
    const session = await TrainSession.create(graph, initParams(graph.params, 3), { threads: 1, seed: 4 });
    const batch = 32;
    const steps = n / batch;
    const t = (data: Float32Array | BigInt64Array, width: number): Tensor =>
      data instanceof BigInt64Array ? Tensor.i64(data, [steps, batch]) : Tensor.f32(data, width === 1 ? [steps, batch] : [steps, batch, width]);
    let first = NaN;
    let last = NaN;
    for (let epoch = 0; epoch < 30; epoch++) {
      const r = await session.steps(
        { image_feat: t(image, c.imageDim), question_bow: t(bow, c.questionDim), answer_label: t(answer, 1), answerable: t(answerable, 1) },
        new Array<number>(steps).fill(0.01),
      );
      const mean = (r.losses.loss_total as Float32Array).reduce((a, b) => a + b, 0) / steps;
      if (epoch === 0) first = mean;
      last = mean;
    }
    assert.ok(last < first / 3, `loss ${first} -> ${last}`);
    const runner = await InferenceRunner.create(buildInference(model), session.parameters(), { threads: 1 });
    const out = await runner.run({ image_feat: Tensor.f32(image, [n, c.imageDim]), question_bow: Tensor.f32(bow, [n, c.questionDim]) });
    const logits = out.answer_logits!.floats();
    const u = out.answerable_logit!.floats();
    let correct = 0;
    let answerableCorrect = 0;
    for (let i = 0; i < n; i++) {
      const row = logits.subarray(i * c.numAnswers, (i + 1) * c.numAnswers);
      if (BigInt(row.indexOf(Math.max(...row))) === answer[i]) correct++;
      if (((u[i] as number) > 0 ? 1 : 0) === answerable[i]) answerableCorrect++;
    }
    assert.ok(correct / n > 0.9, `answer accuracy ${correct / n}`);
    assert.ok(answerableCorrect / n > 0.9, `answerability accuracy ${answerableCorrect / n}`);
    await runner.dispose();
    await session.dispose();
  });
}
