/**
 * createClipEncoder: image embeddings equal the golden CLIPModel's (normalised by default, the projections with
 * normalize: false) whatever the batch size; text embeddings of a batch equal each text encoded alone and the text
 * model run on max_length padding (padding never leaks into the pooled token), unit norm by default.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor } from '../../../src/engine/tensor.js';
import { initParams } from '../../../src/engine/init.js';
import { InferenceRunner } from '../../../src/engine/inference-runner.js';
import { buildInference } from '../../../src/engine/inference.js';
import type { ClipConfig } from '../../../src/models/clip/config.js';
import { createClipEncoder, loadClipEncoder } from '../../../src/models/clip/encoder.js';
import { clipTextModel, clipVisionModel } from '../../../src/models/clip/model.js';
import { ClipTokenizer } from '../../../src/models/clip/tokenizer.js';
import { loadGolden, maxAbsDiff, paramsFor, TINY_TEXT } from './golden-helpers.js';
import { onTestDevice } from '../../helpers/device.js';

const tokenizerDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'clip', 'tokenizer');

test('image embeddings: golden CLIPModel embeds, normalised or not, in batches of 1', async () => {
  const g = await loadGolden('clip');
  const vision = g.config.vision!;
  const weights = paramsFor(clipVisionModel(vision).params, g.weights);
  const pixels = g.inputs.get('pixel_values')!;
  const count = pixels.shape[0]!;
  for (const normalize of [true, false]) {
    const enc = await createClipEncoder(weights, null, g.config, onTestDevice({ normalize, imageBatch: 1, threads: 1 }));
    assert.equal(enc.imageDim, g.config.projectionDim);
    assert.equal(enc.textDim, undefined);
    assert.equal(enc.encodeTexts, undefined);
    assert.equal(enc.pixelsPerImage, 3 * vision.imageSize * vision.imageSize);
    const out = await enc.encodeImages(pixels.data as Float32Array, count);
    const expected = g.outputs.get(normalize ? 'image_embeds' : 'image_embeds_unnormalized')!;
    assert.ok(maxAbsDiff(out, expected.data as Float32Array) < 1e-5);
    await enc.dispose();
  }
});

test('text embeddings: batch = one by one = max_length padding, unit norm', async () => {
  const g = await loadGolden('clip');
  const config: ClipConfig = { ...g.config, text: TINY_TEXT };
  const textModel = clipTextModel(TINY_TEXT);
  const weights = new Map([...paramsFor(clipVisionModel(g.config.vision!).params, g.weights), ...initParams(textModel.params, 3)]);
  // Non-trivial LayerNorms and biases, so nothing cancels by accident.
  for (const [name, w] of weights)
    if (name.startsWith('text_model') && (name.endsWith('bias') || name.includes('norm')))
      for (let i = 0; i < w.length; i++) w[i] = (w[i] as number) + 0.1 * Math.sin(i + name.length);
  const tokenizer = await ClipTokenizer.fromFolder(tokenizerDir);
  const texts = ['What is this?', 'the', 'what color is this shirt? '.repeat(12), ''];
  const enc = await createClipEncoder(weights, tokenizer, config, onTestDevice({ textBatch: 3, threads: 1 }));
  assert.equal(enc.textDim, 16);
  const batch = await enc.encodeTexts!(texts);
  for (let i = 0; i < texts.length; i++) {
    const alone = await enc.encodeTexts!([texts[i]!]);
    assert.ok(maxAbsDiff(batch.subarray(i * 16, (i + 1) * 16), alone) < 1e-6, `text ${i}`);
    let norm = 0;
    for (const v of alone) norm += v * v;
    assert.ok(Math.abs(Math.sqrt(norm) - 1) < 1e-6);
  }
  const raw = await createClipEncoder(weights, tokenizer, config, onTestDevice({ normalize: false, threads: 1 }));
  const b = tokenizer.encodeBatch(texts, 'max_length');
  const runner = await InferenceRunner.create(buildInference(textModel, { outputs: ['text_embeds'] }), weights, onTestDevice({ threads: 1 }));
  const direct = await runner.run({ input_ids: Tensor.i64(b.inputIds, [b.rows, b.length]), attention_mask: Tensor.i64(b.attentionMask, [b.rows, b.length]) });
  assert.ok(maxAbsDiff(await raw.encodeTexts!(texts), direct.text_embeds!.floats()) < 1e-5);
  await Promise.all([enc.dispose(), raw.dispose(), runner.dispose()]);
});

test('loadClipEncoder reads a checkpoint folder (vision-only config): golden projections with normalize: false', async () => {
  const g = await loadGolden('clip_vision_with_projection');
  const enc = await loadClipEncoder(g.dir, { normalize: false, threads: 1, id: 'clip-test' });
  assert.equal(enc.id, 'clip-test');
  assert.equal(enc.textDim, undefined);
  assert.equal(enc.metadata?.embeddings, 'projection');
  const pixels = g.inputs.get('pixel_values')!;
  const out = await enc.encodeImages(pixels.data as Float32Array, pixels.shape[0]!);
  assert.ok(maxAbsDiff(out, g.outputs.get('image_embeds')?.data as Float32Array) < 1e-5);
  await enc.dispose();
});
