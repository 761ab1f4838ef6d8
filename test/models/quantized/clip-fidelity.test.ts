/**
 * Fidelity of the quantized CLIP vision tower (every Linear of the encoder and the visual projection block-quantized,
 * through `dense` on (B, T, D) activations) on the tiny golden CLIPVisionModelWithProjection: image embeddings and
 * last hidden states against float32, max and mean absolute error, asserted at 3x the measured values.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QUANT_SCHEMES, type QuantSchemeName } from '../../../src/engine/block-quantize.js';
import { buildInference } from '../../../src/engine/inference.js';
import { InferenceRunner } from '../../../src/engine/inference-runner.js';
import type { Tensor } from '../../../src/engine/tensor.js';
import { clipModelFor } from '../../../src/models/clip/model.js';
import { linearSelection, quantizeLinearWeights } from '../../../src/models/quantized/linear-weights.js';
import { feeds, loadGolden, paramsFor } from '../clip/golden-helpers.js';
import { logitErrors } from './fidelity.js';

const OUTPUTS = ['image_embeds', 'last_hidden_state'];

/**
 * Measured (AMD EPYC, AVX-512 VNNI), worst of the two outputs: int8 (per-channel weights, per-row activations) max 2.4e-2, mean 9.2e-3 (image_embeds); int4 max 2.2e-1,
 * mean 8.1e-2 (image_embeds).
 */
const BOUNDS: Record<QuantSchemeName, { max: number; mean: number }> = {
  int8: { max: 1.1e-1, mean: 3.7e-2 },
  int4: { max: 6.7e-1, mean: 2.5e-1 },
};

async function run(name: QuantSchemeName | null): Promise<Record<string, Tensor>> {
  const g = await loadGolden('clip_vision_with_projection');
  const model = clipModelFor(g.config);
  const selection = name ? linearSelection(model.params, QUANT_SCHEMES[name]) : undefined;
  const float = paramsFor(model.params, g.weights);
  const weights = selection ? quantizeLinearWeights(float, model.params, selection) : float;
  const runner = await InferenceRunner.create(buildInference(model, { outputs: OUTPUTS, quantized: selection }), weights);
  try {
    return await runner.run({ pixel_values: feeds(g.inputs).pixel_values! });
  } finally {
    await runner.dispose();
  }
}

test('int8 and int4 CLIP vision towers stay within their measured error of float32', async (t) => {
  const reference = await run(null);
  for (const name of ['int8', 'int4'] as const) {
    const out = await run(name);
    for (const o of OUTPUTS) {
      const e = logitErrors(out[o]!.floats(), reference[o]!.floats());
      t.diagnostic(`${name} ${o}: max abs error ${e.max.toExponential(2)}, mean ${e.mean.toExponential(2)}`);
      assert.ok(e.max < BOUNDS[name].max && e.mean < BOUNDS[name].mean, `${name} ${o}: ${JSON.stringify(e)}`);
    }
  }
});
