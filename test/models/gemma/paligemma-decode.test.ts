/**
 * PaliGemma's greedy decode steps (golden/paligemma_generate) with the Gemma part alone. The image prefill needs
 * SigLIP and the projector (next slice), so each batch starts from the golden's own prefill: the first P cache entries
 * of its final DynamicCache and its step-0 logits. From there our cached decoder must reproduce every further step:
 * the generated ids, the step logits, and the whole final cache (P + 5 entries, keys after RoPE), with transformers
 * 4.44's 1-based positions. The golden folders come from `$VIZWIZ_GOLDEN_DIR` (default: the project's fixtures).
 * Token equality is asserted where it is robust: each golden greedy choice leads by more than twice the tolerance.
 */

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { GemmaConfig } from '../../../src/models/gemma/config.js';
import { greedyDecode } from '../../../src/models/gemma/generate.js';
import { GemmaKvDecoder } from '../../../src/models/gemma/kv-decoder.js';
import { loadGemmaCheckpoint } from '../../../src/models/gemma/weights.js';
import { assertDecisive } from '../../helpers/margins.js';
import { onTestDevice } from '../../helpers/device.js';
import { assertClose, goldenDecodeStart, goldenGreedy, goldenPath, hasGolden, outputTol, readTensors, sliceTime, tensor, type Tensors } from './helpers.js';

let config: GemmaConfig;
let dec: GemmaKvDecoder;
let inputs: Tensors;
let outputs: Tensors;

before(async () => {
  assert.ok(hasGolden('paligemma', ['config.json', 'model.safetensors']), 'golden paligemma/ missing');
  assert.ok(hasGolden('paligemma_generate', ['inputs.safetensors', 'outputs.safetensors']), 'golden paligemma_generate/ missing');
  const loaded = await loadGemmaCheckpoint(goldenPath('paligemma'));
  assert.match(loaded.prefix, /language_model\.(model\.)?$/u);
  config = loaded.config;
  dec = await GemmaKvDecoder.create(config, loaded.weights, { prefix: loaded.prefix, session: onTestDevice() });
  inputs = await readTensors('paligemma_generate', 'inputs.safetensors');
  outputs = await readTensors('paligemma_generate', 'outputs.safetensors');
});

test('cached greedy decode steps reproduce transformers generate() from its prefill cache', async () => {
  const batches = [...outputs.keys()].filter((k) => k.endsWith('.generated_ids')).map((k) => k.slice(0, -'.generated_ids'.length));
  assert.ok(batches.length > 0, 'no batches in the golden');
  const v = config.vocab;
  for (const name of batches) {
    const generated = tensor(outputs, `${name}.generated_ids`);
    const mask = tensor(inputs, `${name}.attention_mask`).data as BigInt64Array;
    assert.ok(
      mask.every((x) => x === 1n),
      'the golden prompts are unpadded',
    );
    const { start, b, n } = goldenDecodeStart(config, inputs, outputs, name);
    const stepLogits = tensor(outputs, `${name}.step_logits`).data as Float32Array; // (B, n, V)
    const layers = Array.from({ length: config.layers }, (_, l) => l);
    const res = await greedyDecode(dec, start, goldenGreedy(config, n));
    for (let k = 1; k < n; k++) {
      const golden = sliceTime(stepLogits, b, n, v, k, k + 1);
      assertDecisive(`${name} golden step ${k}`, golden, v, outputTol(golden));
    }
    assert.deepEqual(Array.from(res.tokens, Number), Array.from(generated.data as BigInt64Array, Number), `${name} generated ids`);
    let worst = 0;
    for (let k = 1; k < n; k++)
      worst = Math.max(worst, assertClose(`${name} step ${k}`, res.stepLogits[k] as Float32Array, sliceTime(stepLogits, b, n, v, k, k + 1)));
    const host = await dec.hostCache(res.cache!); // resident on WebGPU
    dec.release(res.cache!);
    for (const l of layers) {
      const key = tensor(outputs, `${name}.past_key.${l}`);
      assert.equal(host.length, key.shape[2], `${name} cache length`);
      assertClose(`${name} key cache ${l}`, host.keys[l]?.data as Float32Array, key.data as Float32Array);
      assertClose(`${name} value cache ${l}`, host.values[l]?.data as Float32Array, tensor(outputs, `${name}.past_value.${l}`).data as Float32Array);
    }
    console.log(`paligemma_generate ${name}: steps 1..${n - 1} max abs logit diff ${worst}`);
  }
});
