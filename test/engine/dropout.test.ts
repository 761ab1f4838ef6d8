/** Dropout masks: values, rate, determinism; training graphs get one mask input per site, inference graphs none. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fillDropoutMask } from '../../src/engine/dropout.js';
import { Rng } from '../../src/random/rng.js';
import { adam } from '../../src/engine/optim.js';
import { buildInference } from '../../src/engine/inference.js';
import { buildTrainStep } from '../../src/engine/train-step.js';
import { clipLinearHead, clipLinearLoss } from '../../src/models/heads/clip-linear.js';

for (const p of [0.5, 0.2]) {
  test(`inverted-dropout mask at p = ${p}: entries are 0 or 1/(1-p), about p of them zero, same seed same mask`, () => {
    const a = new Float32Array(100_000);
    fillDropoutMask(a, p, new Rng(9));
    const scale = Math.fround(1 / (1 - p));
    let zeros = 0;
    for (const v of a) {
      assert.ok(v === 0 || v === scale);
      if (v === 0) zeros++;
    }
    assert.ok(Math.abs(zeros / a.length - p) < 0.01, `zero fraction ${zeros / a.length}`);
    const b = new Float32Array(100_000);
    fillDropoutMask(b, p, new Rng(9));
    assert.deepEqual(a, b);
  });
}

test('clip-linear: two dropout sites while training, none at inference or with dropout off', () => {
  const c = { imageDim: 4, textDim: 4, hidden: 6, numAnswers: 5, numTypes: 2, answerableHidden: 3 };
  const train = buildTrainStep(clipLinearHead(c), clipLinearLoss(c), adam());
  assert.deepEqual(
    train.dropoutSites.map((s) => [s.name, s.shape, s.p]),
    [
      ['dropout_mask.0', ['B', 8], 0.5],
      ['dropout_mask.1', ['B', 6], 0.5],
    ],
  );
  assert.equal(buildTrainStep(clipLinearHead(c), clipLinearLoss(c), adam(), { dropout: false }).dropoutSites.length, 0);
  const inf = buildInference(clipLinearHead(c));
  assert.deepEqual(
    inf.inputs.map((i) => i.name),
    ['image_feat', 'text_feat'],
  );
});
