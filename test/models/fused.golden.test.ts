/**
 * Inference graphs built `fused` (ONNX Runtime's fused kernels: SkipLayerNormalization in CLIP and SigLIP,
 * SimplifiedLayerNormalization / SkipSimplifiedLayerNormalization and RotaryEmbedding in Gemma; decision 012) against
 * the same transformers goldens as the plain graphs, at the same tolerances (decision 005 in float32, 011 in float16),
 * and against the plain graphs' outputs. Runs on the test device: the CPU provider has these kernels too, and
 * `npm run test:webgpu` runs them where the toolkit uses them. The float16 cases run on WebGPU only (decision 011).
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildInference, type ComputeDType } from '../../src/engine/inference.js';
import { InferenceRunner } from '../../src/engine/inference-runner.js';
import type { ModelDef } from '../../src/engine/model.js';
import { Tensor } from '../../src/engine/tensor.js';
import type { WeightArray } from '../../src/engine/weights.js';
import { clipModelFor } from '../../src/models/clip/model.js';
import { GemmaKvDecoder } from '../../src/models/gemma/kv-decoder.js';
import { gemmaModel } from '../../src/models/gemma/model.js';
import { ROPE_CACHE_POSITIONS } from '../../src/models/gemma/rope-cache.js';
import { loadGemmaCheckpoint } from '../../src/models/gemma/weights.js';
import { siglipVisionModel } from '../../src/models/siglip/model.js';
import { loadSiglipCheckpoint } from '../../src/models/siglip/weights.js';
import { onTestDevice, TEST_DEVICE } from '../helpers/device.js';
import { absMax, halfTol, maxAbsDiff, outputTol } from '../helpers/tolerance.js';
import { feeds as clipFeeds, loadGolden, paramsFor } from './clip/golden-helpers.js';
import { forwardFeeds, goldenPath, readTensors, type Tensors } from './gemma/helpers.js';

const skipHalf = TEST_DEVICE === 'cpu' ? 'float16 is checked on WebGPU (npm run test:webgpu): the CPU provider computes most float16 ops in float32' : false;

interface Case {
  model: ModelDef;
  weights: ReadonlyMap<string, WeightArray>;
  feeds: Record<string, Tensor>;
  expected: Tensors;
  /** The scale of an output's float16 tolerance (default its largest |golden value|). */
  halfScale?: (name: string) => number | undefined;
}

async function run(c: Case, dtype: ComputeDType, fused: boolean): Promise<Record<string, Tensor>> {
  const graph = buildInference(c.model, { outputs: [...c.expected.keys()], dtype, fused });
  const runner = await InferenceRunner.create(graph, c.weights, onTestDevice({ threads: 1 }));
  try {
    return await runner.run(c.feeds);
  } finally {
    await runner.dispose();
  }
}

/** Fused and plain outputs vs the golden: asserts the fused ones within the tolerance of `dtype`; reports both. */
async function check(t: { diagnostic(msg: string): void }, c: Case, dtype: ComputeDType): Promise<void> {
  const [plain, fused] = [await run(c, dtype, false), await run(c, dtype, true)];
  for (const [name, e] of c.expected) {
    const want = e.data as Float32Array;
    const got = fused[name]?.floats();
    assert.ok(got, `no output ${name}`);
    assert.deepEqual(fused[name]?.dims, [...e.shape], `${name} shape`);
    const err = maxAbsDiff(got, want);
    const tol = dtype === 'float32' ? outputTol(want) : halfTol(want, c.halfScale?.(name) ?? absMax(want));
    t.diagnostic(
      `${name}: fused ${err.toExponential(2)}, plain ${maxAbsDiff(plain[name]!.floats(), want).toExponential(2)}, fused vs plain ${maxAbsDiff(got, plain[name]!.floats()).toExponential(2)} (tolerance ${tol.toExponential(1)})`,
    );
    assert.ok(err <= tol, `${name} (${dtype}, fused): max abs error ${err.toExponential(2)} > ${tol.toExponential(2)}`);
  }
}

async function clipCase(): Promise<Case> {
  const g = await loadGolden('clip');
  const model = clipModelFor(g.config);
  const f = clipFeeds(g.inputs);
  const ids = g.inputs.get('input_ids');
  if (ids && !f.attention_mask) f.attention_mask = Tensor.i64(new BigInt64Array(ids.data.length).fill(1n), [...ids.shape]);
  // Logits are cosines times exp(logit_scale): held to a share of the largest value a logit can take (decision 011).
  const scale = Math.exp((g.weights.get('logit_scale')?.data as Float32Array)[0] as number);
  return {
    model,
    weights: paramsFor(model.params, g.weights),
    feeds: f,
    expected: g.outputs,
    halfScale: (name) => (name.startsWith('logits_per') ? scale : undefined),
  };
}

async function siglipCase(): Promise<Case> {
  const loaded = await loadSiglipCheckpoint(goldenPath('siglip_vision'));
  const inputs = await readTensors('siglip_vision', 'inputs.safetensors');
  const outputs = await readTensors('siglip_vision', 'outputs.safetensors');
  const px = inputs.get('pixel_values')!;
  const names = [...outputs.keys()].filter((k) => k === 'last_hidden_state' || k === 'pooler_output' || k.startsWith('hidden_states.'));
  return {
    model: siglipVisionModel(loaded.config, { prefix: loaded.prefix }),
    weights: loaded.weights,
    feeds: { pixel_values: Tensor.f32(px.data as Float32Array, [...px.shape]) },
    expected: new Map(names.map((n) => [n, outputs.get(n)!])),
  };
}

async function gemmaCase(): Promise<Case> {
  const { config, weights, prefix } = await loadGemmaCheckpoint(goldenPath('gemma'));
  const inputs = await readTensors('gemma', 'inputs.safetensors');
  const outputs = await readTensors('gemma', 'outputs.safetensors');
  const names = [...outputs.keys()].filter((k) => k === 'logits' || k.startsWith('hidden_states.'));
  return {
    model: gemmaModel(config, { prefix, hiddenStates: true }),
    weights,
    feeds: forwardFeeds(inputs).feeds,
    expected: new Map(names.map((n) => [n, outputs.get(n)!])),
  };
}

test('CLIPModel, fused: embeds, logits and tower outputs match transformers', async (t) => check(t, await clipCase(), 'float32'));
test('SigLIP vision tower, fused: hidden states, last_hidden_state, pooler output match transformers', async (t) => check(t, await siglipCase(), 'float32'));
test('Gemma, fused: logits and hidden states match transformers', async (t) => check(t, await gemmaCase(), 'float32'));

test('CLIPModel, fused, float16', { skip: skipHalf }, async (t) => check(t, await clipCase(), 'float16'));
test('SigLIP vision tower, fused, float16', { skip: skipHalf }, async (t) => check(t, await siglipCase(), 'float16'));
test('Gemma, fused, float16', { skip: skipHalf }, async (t) => check(t, await gemmaCase(), 'float16'));

test('a fused KV decoder refuses positions past its rotary caches (the kernel would read outside them)', async () => {
  const { config, weights, prefix } = await loadGemmaCheckpoint(goldenPath('gemma'));
  const dec = await GemmaKvDecoder.create(config, weights, { prefix, session: onTestDevice(), fused: true });
  try {
    const prefill = (p: number) =>
      dec.prefill({ batch: 1, length: 1, inputIds: BigInt64Array.of(2n), positionIds: BigInt64Array.of(BigInt(p)), bias: new Float32Array(1), lastIndex: [0] });
    await assert.rejects(prefill(ROPE_CACHE_POSITIONS), /position 8192 is outside \[0, 8192\)/);
    const ok = await prefill(ROPE_CACHE_POSITIONS - 1);
    await assert.rejects(dec.step(ok.cache, { tokens: [3], positions: [ROPE_CACHE_POSITIONS], bias: new Float32Array(2) }), /step: position 8192/);
    dec.release(ok.cache);
  } finally {
    await dec.dispose();
  }
});
