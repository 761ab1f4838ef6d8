/**
 * PaliGemma greedy generation against transformers 4.44.2's generate() (golden/paligemma_generate, model from
 * golden/paligemma), image prefill included: SigLIP + projector features, host-side merge, bidirectional prefill with
 * 1-based positions, then cached decoding. Checks the generated ids token for token, every step's logits (step 0 =
 * the prefill's last row) and the final KV cache (P + n - 1 entries per layer, keys after RoPE). Token equality is
 * asserted where it is robust: each greedy choice leads the runner-up by more than twice the logits' tolerance.
 */

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PaliGemmaGenerator } from '../../../src/models/paligemma/generate.js';
import { loadPaligemmaCheckpoint, type LoadedPaliGemma } from '../../../src/models/paligemma/weights.js';
import { assertDecisive } from '../../helpers/margins.js';
import { assertClose, goldenGreedy, goldenPath, hasGolden, outputTol, readTensors, sliceTime, tensor, type Tensors } from '../gemma/helpers.js';
import { goldenBatch, leftPadded } from './helpers.js';
import { onTestDevice } from '../../helpers/device.js';

let m: LoadedPaliGemma;
let gen: PaliGemmaGenerator;
let inputs: Tensors;
let outputs: Tensors;

before(async () => {
  assert.ok(hasGolden('paligemma', ['config.json', 'model.safetensors']), 'golden paligemma/ missing');
  assert.ok(hasGolden('paligemma_generate', ['inputs.safetensors', 'outputs.safetensors']), 'golden paligemma_generate/ missing');
  m = await loadPaligemmaCheckpoint(goldenPath('paligemma'));
  gen = await PaliGemmaGenerator.create(m.config, m.prefixes, m.weights, { session: onTestDevice() });
  inputs = await readTensors('paligemma_generate', 'inputs.safetensors');
  outputs = await readTensors('paligemma_generate', 'outputs.safetensors');
});

test('image prefill + cached greedy decoding reproduce generate(): ids, step logits, cache', async () => {
  const batches = [...outputs.keys()].filter((k) => k.endsWith('.generated_ids')).map((k) => k.slice(0, -'.generated_ids'.length));
  assert.ok(batches.length > 0, 'no batches in the golden');
  const v = m.config.text.vocab;
  for (const name of batches) {
    const generated = tensor(outputs, `${name}.generated_ids`);
    const [b, n] = generated.shape as [number, number];
    const res = await gen.generate(goldenBatch(inputs, `${name}.`), goldenGreedy(m.config.text, n));
    const steps = tensor(outputs, `${name}.step_logits`).data as Float32Array; // (B, n, V)
    for (let k = 0; k < n; k++) {
      const golden = sliceTime(steps, b, n, v, k, k + 1);
      assertDecisive(`${name} golden step ${k}`, golden, v, outputTol(golden));
    }
    assert.deepEqual(Array.from(res.tokens, Number), Array.from(generated.data as BigInt64Array, Number), `${name} generated ids`);
    const diffs: number[] = [];
    for (let k = 0; k < n; k++) diffs.push(assertClose(`${name} step ${k}`, res.stepLogits[k] as Float32Array, sliceTime(steps, b, n, v, k, k + 1)));
    let cacheDiff = 0;
    const cache = await gen.decoder.hostCache(res.cache!); // resident on WebGPU
    gen.decoder.release(res.cache!);
    for (let l = 0; l < m.config.text.layers; l++) {
      const key = tensor(outputs, `${name}.past_key.${l}`);
      assert.equal(cache.length, key.shape[2], `${name} cache length`);
      cacheDiff = Math.max(cacheDiff, assertClose(`${name} key cache ${l}`, cache.keys[l]?.data as Float32Array, key.data as Float32Array));
      cacheDiff = Math.max(
        cacheDiff,
        assertClose(`${name} value cache ${l}`, cache.values[l]?.data as Float32Array, tensor(outputs, `${name}.past_value.${l}`).data as Float32Array),
      );
    }
    console.log(`paligemma_generate ${name}: step logits max abs diff ${diffs.map((d) => d.toExponential(2)).join(' ')}; cache ${cacheDiff.toExponential(2)}`);
  }
});

test('a left-padded prompt decodes exactly as it does unpadded', async () => {
  const name = [...outputs.keys()].find((k) => k.endsWith('.generated_ids'))?.slice(0, -'.generated_ids'.length) as string;
  const base = goldenBatch(inputs, `${name}.`);
  const n = tensor(outputs, `${name}.generated_ids`).shape[1] as number;
  const o = { maxNewTokens: n, eosTokenIds: [m.config.text.eosTokenId], padTokenId: m.config.text.padTokenId, keepStepLogits: true };
  const plain = await gen.generate(base, o);
  const padded = await gen.generate(leftPadded(base, 3, m.config.text.padTokenId), o);
  for (let k = 0; k < n; k++) {
    const tol = outputTol(plain.stepLogits[k] as Float32Array);
    assertClose(`padded step ${k}`, padded.stepLogits[k] as Float32Array, plain.stepLogits[k] as Float32Array, tol);
    assertDecisive(`unpadded step ${k}`, plain.stepLogits[k] as Float32Array, m.config.text.vocab, tol);
  }
  assert.deepEqual(Array.from(padded.tokens), Array.from(plain.tokens));
});
