/**
 * CLIP in half precision (buildInference { dtype: 'float16' }) against the same transformers 4.44 goldens as
 * golden.test.ts, at the float16 tolerance (test/helpers/tolerance.ts halfTol: 1e-2 of the tensor's largest |value|;
 * logits: 1e-2 of exp(logit_scale), the largest value a logit can take, since they are cosines times it), and the
 * encoder that `vizwiz extract --dtype f16` uses. The real check is `npm run test:webgpu`: onnxruntime's CPU provider has
 * no float16 kernel for most ops and computes them in float32 behind inserted Casts, which is why the CLI refuses
 * `--dtype f16` on the CPU and why these tests skip there. docs/decisions/011-half-precision.md has the measured errors.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../../src/engine/tensor.js';
import { buildInference } from '../../../src/engine/inference.js';
import { InferenceRunner } from '../../../src/engine/inference-runner.js';
import { createClipEncoder } from '../../../src/models/clip/encoder.js';
import { clipModelFor, clipTextModel, clipVisionModel } from '../../../src/models/clip/model.js';
import { ClipTokenizer } from '../../../src/models/clip/tokenizer.js';
import { initParams } from '../../../src/engine/init.js';
import type { ClipConfig } from '../../../src/models/clip/config.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { feeds, loadGolden, maxAbsDiff, paramsFor, TINY_TEXT } from './golden-helpers.js';
import { onTestDevice, TEST_DEVICE } from '../../helpers/device.js';
import { absMax, halfTol } from '../../helpers/tolerance.js';

const skip = TEST_DEVICE === 'cpu' ? 'float16 is checked on WebGPU (npm run test:webgpu): the CPU provider computes most float16 ops in float32' : false;

/** Runs the golden folder's model in float16 and float32; asserts float16 vs the golden; returns both errors per output. */
async function checkFolder(folder: string): Promise<Record<string, { golden: number; f32: number; tol: number }>> {
  const g = await loadGolden(folder);
  const model = clipModelFor(g.config);
  const f = feeds(g.inputs);
  const ids = g.inputs.get('input_ids');
  if (ids && !f.attention_mask) f.attention_mask = Tensor.i64(new BigInt64Array(ids.data.length).fill(1n), [...ids.shape]);
  const run = async (dtype: 'float32' | 'float16'): Promise<Record<string, Tensor>> => {
    const graph = buildInference(model, { outputs: [...g.outputs.keys()], dtype });
    const runner = await InferenceRunner.create(graph, paramsFor(model.params, g.weights), onTestDevice({ threads: 1 }));
    try {
      return await runner.run(f);
    } finally {
      await runner.dispose();
    }
  };
  const half = await run('float16');
  const full = await run('float32');
  const logitScale = g.weights.get('logit_scale');
  const errors: Record<string, { golden: number; f32: number; tol: number }> = {};
  for (const [name, e] of g.outputs) {
    const want = e.data as Float32Array;
    const got = half[name]!;
    assert.equal(got.dtype, 'float32', name);
    assert.deepEqual([...got.dims], [...e.shape], `shape of '${name}'`);
    const isLogits = name.startsWith('logits_per_');
    const tol = isLogits && logitScale ? halfTol(want, Math.exp(logitScale.data[0] as number)) : halfTol(want);
    const err = maxAbsDiff(got.floats(), want);
    errors[name] = { golden: err, f32: maxAbsDiff(got.floats(), full[name]!.floats()), tol };
    assert.ok(err <= tol, `${name}: max abs error ${err.toExponential(2)} > ${tol.toExponential(2)} (float16)`);
  }
  return errors;
}

function report(t: { diagnostic(msg: string): void }, errors: Record<string, { golden: number; f32: number; tol: number }>): void {
  for (const [name, e] of Object.entries(errors)) {
    t.diagnostic(`${name}: float16 vs golden ${e.golden.toExponential(2)}, vs float32 ${e.f32.toExponential(2)} (tolerance ${e.tol.toExponential(2)})`);
  }
}

test('CLIPModel in float16 matches the golden: embeds, unnormalised embeds, logits, tower outputs', { skip }, async (t) => {
  report(t, await checkFolder('clip'));
});

test('CLIPVisionModelWithProjection in float16 matches the golden', { skip }, async (t) => {
  report(t, await checkFolder('clip_vision_with_projection'));
});

test('the float16 encoder gives the golden image embeddings (normalised and not) in batches of 1 and 2', { skip }, async () => {
  const g = await loadGolden('clip');
  const weights = paramsFor(clipVisionModel(g.config.vision!).params, g.weights);
  const pixels = g.inputs.get('pixel_values')!;
  for (const normalize of [true, false]) {
    const expected = g.outputs.get(normalize ? 'image_embeds' : 'image_embeds_unnormalized')!.data as Float32Array;
    for (const imageBatch of [1, 2]) {
      const enc = await createClipEncoder(weights, null, g.config, onTestDevice({ normalize, imageBatch, threads: 1, dtype: 'float16' as const }));
      try {
        assert.equal(enc.metadata?.dtype, 'float16');
        const out = await enc.encodeImages(pixels.data as Float32Array, pixels.shape[0]!);
        const err = maxAbsDiff(out, expected);
        assert.ok(err <= halfTol(expected), `normalize ${normalize}, batch ${imageBatch}: ${err} > ${halfTol(expected)} (|max| ${absMax(expected)})`);
      } finally {
        await enc.dispose();
      }
    }
  }
});

test('float16 text embeddings of a padded batch equal the float32 ones: the float16 masks keep padding out', { skip }, async () => {
  const g = await loadGolden('clip');
  const config: ClipConfig = { ...g.config, text: TINY_TEXT };
  const weights = new Map([...paramsFor(clipVisionModel(g.config.vision!).params, g.weights), ...initParams(clipTextModel(TINY_TEXT).params, 3)]);
  const tokenizer = await ClipTokenizer.fromFolder(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'clip', 'tokenizer'));
  // Lengths from 3 to 77 tokens in one batch: most rows are mostly padding.
  const texts = ['What is this?', 'the', 'what color is this shirt? '.repeat(12), ''];
  const encoders = await Promise.all(
    (['float32', 'float16'] as const).map((dtype) => createClipEncoder(weights, tokenizer, config, onTestDevice({ threads: 1, dtype, normalize: false }))),
  );
  try {
    const [full, half] = await Promise.all(encoders.map((e) => e.encodeTexts!(texts)));
    for (let i = 0; i < texts.length; i++) {
      const want = full!.subarray(i * 16, (i + 1) * 16);
      const err = maxAbsDiff(half!.subarray(i * 16, (i + 1) * 16), want);
      assert.ok(err <= halfTol(want), `text ${i}: ${err} > ${halfTol(want)}`);
    }
  } finally {
    await Promise.all(encoders.map((e) => e.dispose()));
  }
});
