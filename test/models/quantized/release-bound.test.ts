/**
 * Bounded memory for quantized generation: with `releaseBound` the generator takes the quantized parts (and the tied
 * embedding's) out of the caller's weight map before each session loads them, so JavaScript keeps no second copy -
 * and it generates what a generator that leaves the map alone generates. The same for InferenceRunner's `consume`.
 */

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { QUANT_SCHEMES, quantizeMatrix } from '../../../src/engine/block-quantize.js';
import { buildInference } from '../../../src/engine/inference.js';
import { InferenceRunner } from '../../../src/engine/inference-runner.js';
import { matMulNBits } from '../../../src/engine/ops/quantized-matmul.js';
import { quantizedArrays } from '../../../src/engine/quantized-weights.js';
import { Tensor } from '../../../src/engine/tensor.js';
import type { WeightArray } from '../../../src/engine/weights.js';
import { PaliGemmaGenerator } from '../../../src/models/paligemma/generate.js';
import { paligemmaParamSpecs } from '../../../src/models/paligemma/names.js';
import { paligemmaQuantizedSelection } from '../../../src/models/paligemma/quantized-weights.js';
import { loadPaligemmaCheckpoint, type LoadedPaliGemma } from '../../../src/models/paligemma/weights.js';
import { quantizeLinearWeights } from '../../../src/models/quantized/linear-weights.js';
import { Rng } from '../../../src/random/rng.js';
import { goldenPath, readTensors, type Tensors } from '../gemma/helpers.js';
import { goldenBatch } from '../paligemma/helpers.js';
import { logitErrors } from './fidelity.js';

let m: LoadedPaliGemma;
let generation: Tensors;

before(async () => {
  m = await loadPaligemmaCheckpoint(goldenPath('paligemma'));
  generation = await readTensors('paligemma_generate', 'inputs.safetensors');
});

test('InferenceRunner with consume takes the bound weights out of the map and computes the same', async () => {
  const rng = new Rng(2);
  const q = quantizeMatrix(
    Float32Array.from({ length: 16 * 64 }, () => rng.normal()),
    16,
    64,
    QUANT_SCHEMES.int4,
  );
  const graph = buildInference(
    {
      name: 'linear',
      params: [],
      frozen: [{ name: 'w', shape: [16, 64] }],
      inputs: [{ name: 'x', dtype: 'float32', shape: ['B', 64] }],
      forward: (ctx) => ({ y: matMulNBits(ctx.input('x'), ctx.quantized!('w')!) }),
    },
    { quantized: { scheme: QUANT_SCHEMES.int4, names: new Set(['w']) } },
  );
  const x = Tensor.f32(
    Float32Array.from({ length: 3 * 64 }, () => rng.normal()),
    [3, 64],
  );
  const kept = new Map(quantizedArrays('w', q));
  const consumed = new Map<string, WeightArray>([...quantizedArrays('w', q), ['unused', new Float32Array(2)]]);
  const a = await InferenceRunner.create(graph, kept);
  const b = await InferenceRunner.create(graph, consumed, { consume: true });
  try {
    assert.deepEqual([...kept.keys()].sort(), ['w.qweight', 'w.qzeros', 'w.scales']);
    assert.deepEqual([...consumed.keys()], ['unused']);
    assert.deepEqual([...b.boundWeights].sort(), ['w.qweight', 'w.qzeros', 'w.scales']);
    assert.deepEqual(Array.from((await b.run({ x })).y!.floats()), Array.from((await a.run({ x })).y!.floats()));
  } finally {
    await a.dispose();
    await b.dispose();
  }
});

test('a generator with releaseBound leaves no quantized part in the map and generates the same', async () => {
  const specs = paligemmaParamSpecs(m.config, m.prefixes);
  const selection = paligemmaQuantizedSelection(specs, m.prefixes, QUANT_SCHEMES.int8);
  assert.ok(selection.names.has(`${m.prefixes.text}embed_tokens.weight`), 'the tied embedding is quantized');
  const weights = quantizeLinearWeights(new Map(m.weights), specs, selection);
  const released = new Map(weights);
  const keep = await PaliGemmaGenerator.create(m.config, m.prefixes, weights, { quantized: selection });
  const thin = await PaliGemmaGenerator.create(m.config, m.prefixes, released, { quantized: selection, releaseBound: true });
  try {
    const parts = (map: ReadonlyMap<string, WeightArray>): string[] => [...map.keys()].filter((k) => /\.(qweight|scales|qzeros)$/.test(k));
    assert.equal(parts(weights).length, 2 * selection.names.size); // int8 is symmetric: codes and scales per weight
    assert.deepEqual(parts(released), []);
    assert.ok(released.size > 0, 'the float weights the sessions are fed stay');
    const batch = goldenBatch(generation, [...generation.keys()].find((k) => k.endsWith('.input_ids'))!.slice(0, -'input_ids'.length));
    const opts = { maxNewTokens: 4, eosTokenIds: [], padTokenId: m.config.text.padTokenId, keepStepLogits: true };
    const a = await keep.generate(batch, opts);
    const b = await thin.generate(batch, opts);
    assert.ok(logitErrors(Float32Array.from(b.stepLogits.flatMap((l) => [...l])), Float32Array.from(a.stepLogits.flatMap((l) => [...l]))).max < 1e-5);
  } finally {
    await keep.dispose();
    await thin.dispose();
  }
});
