/**
 * Frozen PaliGemma weights bound as initializers (engine/external-data.ts) instead of fed as inputs, on the project's
 * tiny fixture (test/fixtures/paligemma) on the CPU: greedy generation gives the same tokens and logits with the
 * weights embedded and in external data files; one LoRA training step (fused trainer) and one gradient computation
 * (the fine-tuning stepper's LoraGradients) give the same loss and adapter gradients. Constant weights let onnxruntime
 * fold and prepack them, which may reorder float sums (CPU and thread count decide), so values are compared within
 * rounding: logits within tolerance, tokens once the greedy choice leads by far more than that, and the adapters
 * after AdamW's first step as test/helpers/adam-step.ts explains.
 */

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../../src/random/rng.js';
import { loraConfig } from '../../../src/models/lora/config.js';
import { LoraGradients } from '../../../src/models/lora/gradients.js';
import { initAdapters, paligemmaLoraSet } from '../../../src/models/lora/paligemma-lora.js';
import { LoraTrainer } from '../../../src/models/lora/trainer.js';
import { PaliGemmaGenerator, type PaliGemmaGeneration } from '../../../src/models/paligemma/generate.js';
import { PaliGemmaProcessor, type VqaExample } from '../../../src/models/paligemma/processor.js';
import { GemmaTokenizer } from '../../../src/models/paligemma/tokenizer.js';
import { loadPaligemmaCheckpoint, type LoadedPaliGemma } from '../../../src/models/paligemma/weights.js';
import { assertAfterFirstStep } from '../../helpers/adam-step.js';
import { minTopGap } from '../../helpers/margins.js';
import { absMax } from '../../helpers/tolerance.js';

const here = path.dirname(fileURLToPath(import.meta.url));
let m: LoadedPaliGemma;
let proc: PaliGemmaProcessor;
let examples: VqaExample[];

before(async () => {
  m = await loadPaligemmaCheckpoint(path.join(here, '..', '..', 'fixtures', 'paligemma'));
  proc = new PaliGemmaProcessor(await GemmaTokenizer.fromFolder(path.join(here, 'tokenizer')), m.config);
  const rng = new Rng(5);
  const s = m.config.vision.imageSize;
  const image = (): { data: Uint8Array; width: number; height: number } => ({
    data: Uint8Array.from({ length: s * s * 3 }, () => Math.floor(rng.uniform(0, 256))),
    width: s,
    height: s,
  });
  examples = [
    { image: image(), question: 'what is this?', answer: 'blue' },
    { image: image(), question: 'is it blue?', answer: 'no' },
  ];
});

/** Within 1e-4 of the tensor's largest entry; returns that tolerance. */
function assertClose(label: string, got: Float32Array | undefined, expected: Float32Array): number {
  assert.ok(got && got.length === expected.length, `${label}: missing or wrong size`);
  const tol = 1e-4 * absMax(expected) + 1e-9;
  const diff = expected.reduce((a, x, i) => Math.max(a, Math.abs(x - (got[i] as number))), 0);
  assert.ok(diff <= tol, `${label}: max abs diff ${diff} (tolerance ${tol})`);
  return tol;
}

async function generate(o: Parameters<typeof PaliGemmaGenerator.create>[3]): Promise<PaliGemmaGeneration> {
  const gen = await PaliGemmaGenerator.create(m.config, m.prefixes, m.weights, o);
  const prompts = proc.encode(examples.map(({ image, question }) => ({ image, question })));
  const out = await gen.generate(prompts, {
    maxNewTokens: 4,
    eosTokenIds: [m.config.text.eosTokenId],
    padTokenId: m.config.text.padTokenId,
    keepStepLogits: true,
  });
  await gen.dispose();
  return out;
}

test('generation with frozen weights as initializers (embedded, external) matches weights as inputs', async () => {
  const fed = await generate({ session: { threads: 1 } });
  const vocab = m.config.text.vocab;
  for (const [label, o] of [
    ['embedded', { session: { threads: 1, placement: 'initializers' } }],
    ['external', { session: { threads: 1, externalDataThreshold: 0, placement: 'initializers' } }],
  ] as const) {
    const got = await generate(o);
    assertClose(`${label} prefill logits`, got.prefillLogits, fed.prefillLogits);
    assert.equal(got.stepLogits.length, fed.stepLogits.length);
    fed.stepLogits.forEach((l, k) => {
      const tol = assertClose(`${label} step ${k} logits`, got.stepLogits[k], l);
      // Logits within tol of each other pick the same token where the choice leads by more than 2 tol (measured: 1.49).
      const gap = minTopGap(l, vocab);
      assert.ok(gap > 2 * tol, `step ${k}: the greedy choice leads by only ${gap} (tolerance ${tol})`);
    });
    assert.deepEqual(got.tokens, fed.tokens, `${label} tokens`);
  }
});

test('one LoRA step and one gradient computation: same loss and adapter gradients with frozen weights as initializers', async () => {
  const set = paligemmaLoraSet(m.config, m.prefixes, loraConfig({ r: 2, alpha: 4 }));
  const adapters = initAdapters(set, 1);
  // B starts at zero, which zeroes A's gradient: start from non-zero B so every adapter gradient is exercised.
  const rng = new Rng(9);
  for (const [name, t] of adapters) if (name.includes('lora_B')) t.forEach((_, i) => (t[i] = 0.05 * rng.normal()));
  const batch = proc.encode(examples, { train: true });
  const results = [];
  for (const o of [{}, { session: { externalDataThreshold: 0, placement: 'initializers' as const } }]) {
    const trainer = await LoraTrainer.create(m.config, m.prefixes, m.weights, set, adapters, { ...o, exposeGradients: true });
    const step = await trainer.step(batch, 1e-2);
    const after = trainer.adapters();
    await trainer.dispose();
    const grads = await LoraGradients.create(m.config, m.prefixes, m.weights, set, o);
    const g = await grads.compute(batch, adapters);
    await grads.dispose();
    results.push({ step, after, g });
  }
  const [fed, bound] = results as [(typeof results)[0], (typeof results)[0]];
  assert.ok(Math.abs(bound.step.loss - fed.step.loss) <= 1e-6 * Math.abs(fed.step.loss), 'trainer loss');
  assert.ok(Math.abs(bound.g.loss - fed.g.loss) <= 1e-6 * Math.abs(fed.g.loss), 'gradient-graph loss');
  assert.ok(fed.step.grads.size > 0 && fed.g.grads.size > 0);
  // Constant weights let onnxruntime fold/prepack them, which reorders float sums: equal up to rounding.
  for (const [name, v] of fed.step.grads) assertClose(`trainer grad ${name}`, bound.step.grads.get(name), v);
  for (const [name, v] of fed.g.grads) assertClose(`gradient ${name}`, bound.g.grads.get(name), v);
  // The trainer's AdamW step (lr 1e-2) from gradients that agree within 1e-4 of each tensor's largest entry: entries
  // with |g| under 1e-3 of it (24 here) may step either way.
  const gradScale = (name: string): number => absMax(fed.step.grads.get(name) as Float32Array);
  const after = assertAfterFirstStep('updated adapter', bound.after, fed.after, fed.step.grads, {
    lr: 1e-2,
    floor: (name) => 1e-3 * gradScale(name),
    tol: (name) => 1e-4 * absMax(fed.after.get(name) as Float32Array) + 1e-9,
  });
  console.log(`frozen as initializers: updated adapters differ by ${after.worst.toExponential(2)} (${after.illConditioned} entries held to the step bound)`);
});
