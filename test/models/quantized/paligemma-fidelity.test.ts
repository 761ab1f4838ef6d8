/**
 * Fidelity of quantized PaliGemma (vision tower, projector and decoder Linears block-quantized, int8 and int4) on the
 * tiny golden model, measured against the same model in float32 rather than assumed: max and mean absolute logit
 * error of the full forward at real positions, and - for generation as predict runs it, where the tied embedding and
 * output head are quantized too - the prefill logits' error and greedy-token agreement of cached generation (image
 * prefill + decode) on the golden prompts. Bounds are the measured values with a margin of 3x (the int8 activations of
 * MatMulNBits round differently per CPU kernel); agreement is asserted as a fraction, never token by token.
 */

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { QUANT_SCHEMES, type QuantSchemeName } from '../../../src/engine/block-quantize.js';
import { InferenceRunner } from '../../../src/engine/inference-runner.js';
import { buildInference } from '../../../src/engine/inference.js';
import { paligemmaFeeds } from '../../../src/models/paligemma/feeds.js';
import { PaliGemmaGenerator } from '../../../src/models/paligemma/generate.js';
import { paligemmaModel } from '../../../src/models/paligemma/model.js';
import { paligemmaParamSpecs } from '../../../src/models/paligemma/names.js';
import { loadPaligemmaCheckpoint, type LoadedPaliGemma } from '../../../src/models/paligemma/weights.js';
import { linearSelection, quantizeLinearWeights } from '../../../src/models/quantized/linear-weights.js';
import { paligemmaQuantizedSelection } from '../../../src/models/paligemma/quantized-weights.js';
import { goldenPath, readTensors, type Tensors } from '../gemma/helpers.js';
import { goldenBatch, realRows } from '../paligemma/helpers.js';
import { logitErrors, tokenAgreement } from './fidelity.js';

/**
 * Measured on AMD EPYC, AVX-512 VNNI, 2 cores: int8 (per-channel weights, per-row activations) max 3.1e-2, mean 3.6e-3; int4
 * max 2.4e-1, mean 3.5e-2 (float logits span -1.74..3.65); greedy agreement 1.0 for both over 24 tokens. A token whose lead is small may flip on another CPU, and the rest
 * of its sequence with it, hence the loose agreement floors.
 */
const BOUNDS: Record<QuantSchemeName, { max: number; mean: number; agreement: number }> = {
  int8: { max: 9.5e-2, mean: 1.1e-2, agreement: 0.75 },
  int4: { max: 7.5e-1, mean: 1.1e-1, agreement: 0.5 },
};

/**
 * Generation as predict runs it (the Linears and the tied embedding / output head quantized), prefill logits of the golden
 * prompts against float32 generation. Measured as above: int8 max 2.0e-2, mean 4.0e-3; int4 max 1.9e-1, mean 4.4e-2; 3x margin.
 */
const HEAD_BOUNDS: Record<QuantSchemeName, { max: number; mean: number }> = {
  int8: { max: 6e-2, mean: 1.2e-2 },
  int4: { max: 6e-1, mean: 1.4e-1 },
};

let m: LoadedPaliGemma;
let inputs: Tensors;
let generation: Tensors;

before(async () => {
  m = await loadPaligemmaCheckpoint(goldenPath('paligemma'));
  inputs = await readTensors('paligemma', 'inputs.safetensors');
  generation = await readTensors('paligemma_generate', 'inputs.safetensors');
});

async function inferLogits(name: QuantSchemeName | null): Promise<Float32Array> {
  const specs = paligemmaParamSpecs(m.config, m.prefixes);
  const selection = name ? linearSelection(specs, QUANT_SCHEMES[name]) : undefined;
  const weights = selection ? quantizeLinearWeights(new Map(m.weights), specs, selection) : m.weights;
  const runner = await InferenceRunner.create(
    buildInference(paligemmaModel(m.config, { prefixes: m.prefixes }), { outputs: ['logits'], quantized: selection }),
    weights,
  );
  try {
    const b = goldenBatch(inputs, 'infer.');
    const out = await runner.run(paligemmaFeeds(m.config, b));
    return realRows(out.logits!.floats(), b.attentionMask, m.config.text.vocab);
  } finally {
    await runner.dispose();
  }
}

/** Greedy tokens of cached generation and its prefill logits (the output head included), as predict runs it. */
async function generation_(name: QuantSchemeName | null): Promise<{ tokens: number[]; prefill: Float32Array }> {
  const specs = paligemmaParamSpecs(m.config, m.prefixes);
  const selection = name ? paligemmaQuantizedSelection(specs, m.prefixes, QUANT_SCHEMES[name]) : undefined;
  const weights = selection ? quantizeLinearWeights(new Map(m.weights), specs, selection) : m.weights;
  const gen = await PaliGemmaGenerator.create(m.config, m.prefixes, weights, { quantized: selection });
  try {
    const tokens: number[] = [];
    const prefill: number[] = [];
    const batches = [...generation.keys()].filter((k) => k.endsWith('.input_ids')).map((k) => k.slice(0, -'input_ids'.length));
    for (const prefix of batches) {
      // No early stop: every prompt decodes the same number of tokens in both runs.
      const res = await gen.generate(goldenBatch(generation, prefix), { maxNewTokens: 8, eosTokenIds: [], padTokenId: m.config.text.padTokenId });
      tokens.push(...Array.from(res.tokens, Number));
      prefill.push(...res.prefillLogits);
    }
    return { tokens, prefill: Float32Array.from(prefill) };
  } finally {
    await gen.dispose();
  }
}

for (const name of ['int8', 'int4'] as const) {
  test(`${name} PaliGemma: logit error and greedy agreement against float32 on the golden model`, async (t) => {
    const reference = await inferLogits(null);
    const e = logitErrors(await inferLogits(name), reference);
    const float = await generation_(null);
    const quantized = await generation_(name);
    const head = logitErrors(quantized.prefill, float.prefill);
    const agreement = tokenAgreement(quantized.tokens, float.tokens);
    t.diagnostic(
      `${name}: logits max abs error ${e.max.toExponential(2)}, mean ${e.mean.toExponential(2)}; with the tied embedding quantized too: ` +
        `prefill logits max ${head.max.toExponential(2)}, mean ${head.mean.toExponential(2)}; greedy agreement ${agreement.toFixed(3)}`,
    );
    assert.ok(e.max < BOUNDS[name].max, `max abs error ${e.max}`);
    assert.ok(e.mean < BOUNDS[name].mean, `mean abs error ${e.mean}`);
    assert.ok(head.max < HEAD_BOUNDS[name].max, `prefill logits max abs error ${head.max}`);
    assert.ok(head.mean < HEAD_BOUNDS[name].mean, `prefill logits mean abs error ${head.mean}`);
    assert.ok(agreement >= BOUNDS[name].agreement, `greedy agreement ${agreement}`);
  });
}
