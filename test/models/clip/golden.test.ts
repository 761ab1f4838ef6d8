/**
 * Golden tests of CLIP against transformers 4.44 (`$VIZWIZ_GOLDEN_DIR/clip`: a tiny CLIPModel;
 * `$VIZWIZ_GOLDEN_DIR/clip_vision_with_projection`: its vision tower as CLIPVisionModelWithProjection). The model class,
 * every shape and the eos pooling rule come from each folder's config.json and files; every tensor in outputs.safetensors
 * is compared (embeds, unnormalised embeds, logits, last hidden states, pooled outputs, hidden states when present).
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../../src/engine/tensor.js';
import { buildInference } from '../../../src/engine/inference.js';
import { InferenceRunner } from '../../../src/engine/inference-runner.js';
import { clipModelFor, clipVisionModel } from '../../../src/models/clip/model.js';
import { compareOutputs, feeds, loadGolden, paramsFor } from './golden-helpers.js';
import { onTestDevice } from '../../helpers/device.js';
import { TOL } from '../../helpers/tolerance.js';

async function checkFolder(folder: string, patchEmbed: 'matmul' | 'conv'): Promise<Record<string, number>> {
  const g = await loadGolden(folder);
  const model = clipModelFor(g.config, { patchEmbed });
  const graph = buildInference(model, { outputs: [...g.outputs.keys()] });
  const runner = await InferenceRunner.create(graph, paramsFor(model.params, g.weights), onTestDevice({ threads: 1 }));
  try {
    const f = feeds(g.inputs);
    // transformers treats a missing attention_mask as all ones.
    const ids = g.inputs.get('input_ids');
    if (ids && !f.attention_mask) f.attention_mask = Tensor.i64(new BigInt64Array(ids.data.length).fill(1n), [...ids.shape]);
    return compareOutputs(g.outputs, await runner.run(f));
  } finally {
    await runner.dispose();
  }
}

function report(t: { diagnostic(msg: string): void }, errors: Record<string, number>): void {
  for (const [name, e] of Object.entries(errors)) t.diagnostic(`${name}: max abs error ${e.toExponential(2)}`);
}

test('CLIPModel matches the golden: embeds, unnormalised embeds, logits, tower outputs', async (t) => {
  report(t, await checkFolder('clip', 'matmul'));
});

test('CLIPVisionModelWithProjection matches the golden: unnormalised image_embeds, last_hidden_state', async (t) => {
  report(t, await checkFolder('clip_vision_with_projection', 'matmul'));
});

test('the Conv form of the patch embedding gives the same vision outputs', async (t) => {
  report(t, await checkFolder('clip_vision_with_projection', 'conv'));
});

test('the vision tower of the CLIPModel golden alone gives the CLIPModel vision outputs', async () => {
  const g = await loadGolden('clip');
  const vision = g.config.vision;
  if (!vision) throw new Error('the clip golden has no vision tower');
  const model = clipVisionModel(vision);
  const graph = buildInference(model, { outputs: ['image_embeds', 'image_embeds_normalized', 'last_hidden_state', 'pooler_output'] });
  const runner = await InferenceRunner.create(graph, paramsFor(model.params, g.weights), onTestDevice({ threads: 1 }));
  try {
    const out = await runner.run({ pixel_values: feeds(g.inputs).pixel_values! });
    const rename: Record<string, string> = {
      image_embeds_unnormalized: 'image_embeds',
      image_embeds: 'image_embeds_normalized',
      'vision_model.last_hidden_state': 'last_hidden_state',
      'vision_model.pooler_output': 'pooler_output',
    };
    const expected = new Map([...g.outputs].filter(([k]) => k in rename));
    compareOutputs(expected, Object.fromEntries(Object.entries(rename).map(([k, v]) => [k, out[v]!])));
  } finally {
    await runner.dispose();
  }
});

test('CLIPModel takes different numbers of texts and images: 3 texts x 2 images gives logits_per_text [3, 2]', async () => {
  const g = await loadGolden('clip');
  const model = clipModelFor(g.config);
  const graph = buildInference(model, { outputs: ['logits_per_text', 'logits_per_image', 'text_embeds', 'image_embeds'] });
  const runner = await InferenceRunner.create(graph, paramsFor(model.params, g.weights), onTestDevice({ threads: 1 }));
  try {
    const f = feeds(g.inputs);
    // Texts: the golden's two, then its first again; the golden's two images.
    const threeRows = (t: Tensor): Tensor => {
      const [rows, len] = t.dims as [number, number];
      const data = new BigInt64Array(3 * len);
      data.set(t.data as BigInt64Array);
      data.set((t.data as BigInt64Array).subarray(0, len), rows * len);
      return Tensor.i64(data, [3, len]);
    };
    const out = await runner.run({ pixel_values: f.pixel_values!, input_ids: threeRows(f.input_ids!), attention_mask: threeRows(f.attention_mask!) });
    assert.deepEqual(out.logits_per_text!.dims, [3, 2]);
    assert.deepEqual(out.logits_per_image!.dims, [2, 3]);
    const want = g.outputs.get('logits_per_text')!.data as Float32Array; // (2, 2)
    const got = out.logits_per_text!.floats();
    const rows = [0, 1, 0];
    rows.forEach((src, r) => {
      for (let c = 0; c < 2; c++) {
        const diff = Math.abs((got[r * 2 + c] as number) - (want[src * 2 + c] as number));
        assert.ok(diff <= TOL.other, `logits_per_text[${r}][${c}]: ${got[r * 2 + c]} vs golden ${want[src * 2 + c]}`);
      }
    });
    const perImage = out.logits_per_image!.floats(); // (2, 3): the transpose
    for (let r = 0; r < 3; r++) for (let c = 0; c < 2; c++) assert.equal(perImage[c * 3 + r], got[r * 2 + c]);
  } finally {
    await runner.dispose();
  }
});
