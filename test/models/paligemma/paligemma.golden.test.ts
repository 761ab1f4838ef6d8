/**
 * Golden test of the whole PaliGemma forward against transformers 4.44.2 (golden/paligemma): inference logits
 * (bidirectional over image + prompt), training logits under the prefix-LM mask, and the training loss through both
 * loss forms (full logits + shifted labels, and selected rows). Left-padded rows are compared at real positions only
 * (logits at padding are not meaningful). The same weights renamed to the >= 4.52 layout give the same logits.
 */

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { InferenceRunner } from '../../../src/engine/inference-runner.js';
import { buildInference } from '../../../src/engine/inference.js';
import { causalLmLoss } from '../../../src/models/gemma/loss.js';
import { paligemmaFeeds } from '../../../src/models/paligemma/feeds.js';
import { selectedRowsLoss } from '../../../src/models/paligemma/loss.js';
import { paligemmaModel } from '../../../src/models/paligemma/model.js';
import { LEGACY_PREFIXES, MODERN_PREFIXES } from '../../../src/models/paligemma/names.js';
import { loadPaligemmaCheckpoint, type LoadedPaliGemma } from '../../../src/models/paligemma/weights.js';
import { assertClose, goldenPath, hasGolden, readTensors, tensor, type Tensors } from '../gemma/helpers.js';
import { assertCloseReal, goldenBatch } from './helpers.js';
import { onTestDevice } from '../../helpers/device.js';

let m: LoadedPaliGemma;
let inputs: Tensors;
let outputs: Tensors;

before(async () => {
  assert.ok(hasGolden('paligemma', ['config.json', 'model.safetensors', 'inputs.safetensors', 'outputs.safetensors']), 'golden paligemma/ missing');
  m = await loadPaligemmaCheckpoint(goldenPath('paligemma'));
  inputs = await readTensors('paligemma', 'inputs.safetensors');
  outputs = await readTensors('paligemma', 'outputs.safetensors');
});

test('the checkpoint layout is detected and the config read', () => {
  assert.deepEqual(m.prefixes, LEGACY_PREFIXES);
  assert.equal(m.config.vision.useHead, false);
  assert.equal(m.config.numImageTokens, (m.config.vision.imageSize / m.config.vision.patchSize) ** 2);
});

test('inference logits match transformers at every real position', async () => {
  const runner = await InferenceRunner.create(
    buildInference(paligemmaModel(m.config, { prefixes: m.prefixes }), { outputs: ['logits'] }),
    m.weights,
    onTestDevice(),
  );
  const b = goldenBatch(inputs, 'infer.');
  const out = await runner.run(paligemmaFeeds(m.config, b));
  const expected = tensor(outputs, 'infer.logits');
  assert.deepEqual(out.logits?.dims, expected.shape);
  const d = assertCloseReal('infer.logits', out.logits?.data as Float32Array, expected.data as Float32Array, b.attentionMask, m.config.text.vocab);
  console.log(`paligemma infer.logits max abs diff ${d}`);
  await runner.dispose();
});

test('training logits (prefix-LM mask) and loss match transformers, through both loss forms', async () => {
  const b = goldenBatch(inputs, 'train.');
  const expectedLoss = (tensor(outputs, 'train.loss').data as Float32Array)[0] as number;
  const full = await InferenceRunner.create(
    buildInference(paligemmaModel(m.config, { prefixes: m.prefixes }), { outputs: ['logits'], loss: causalLmLoss() }),
    m.weights,
    onTestDevice(),
  );
  const out = await full.run(paligemmaFeeds(m.config, b, { loss: 'labels' }));
  const dLogits = assertCloseReal(
    'train.logits',
    out.logits?.data as Float32Array,
    tensor(outputs, 'train.logits').data as Float32Array,
    b.attentionMask,
    m.config.text.vocab,
  );
  const dLoss = assertClose('train.loss (labels)', out.loss?.data as Float32Array, [expectedLoss]);
  await full.dispose();
  const rows = await InferenceRunner.create(
    buildInference(paligemmaModel(m.config, { prefixes: m.prefixes, lossRows: true }), { outputs: [], loss: selectedRowsLoss() }),
    m.weights,
    onTestDevice(),
  );
  const out2 = await rows.run(paligemmaFeeds(m.config, b));
  const dRows = assertClose('train.loss (rows)', out2.loss?.data as Float32Array, [expectedLoss]);
  console.log(`paligemma train.logits max abs diff ${dLogits}, loss ${dLoss} (labels) / ${dRows} (rows)`);
  await rows.dispose();
});

test('the >= 4.52 name layout (model.language_model.*, model.vision_tower.*) gives the same logits', async () => {
  const renamed = new Map<string, Float32Array>();
  const swap: [string, string][] = [
    [LEGACY_PREFIXES.vision, MODERN_PREFIXES.vision],
    [LEGACY_PREFIXES.projector, MODERN_PREFIXES.projector],
    [LEGACY_PREFIXES.text, MODERN_PREFIXES.text],
  ];
  for (const [k, v] of m.weights) {
    const hit = swap.find(([from]) => k.startsWith(from));
    assert.ok(hit, `unexpected weight ${k}`);
    renamed.set(hit[1] + k.slice(hit[0].length), v);
  }
  const runner = await InferenceRunner.create(
    buildInference(paligemmaModel(m.config, { prefixes: MODERN_PREFIXES }), { outputs: ['logits'] }),
    renamed,
    onTestDevice(),
  );
  const b = goldenBatch(inputs, 'infer.');
  const out = await runner.run(paligemmaFeeds(m.config, b));
  assertCloseReal(
    'infer.logits (modern names)',
    out.logits?.data as Float32Array,
    tensor(outputs, 'infer.logits').data as Float32Array,
    b.attentionMask,
    m.config.text.vocab,
  );
  await runner.dispose();
});
