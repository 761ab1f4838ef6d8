/**
 * LoRA fine-tuning end to end on the tiny PaliGemma (the project's fixture test/fixtures/paligemma, whatever
 * VIZWIZ_GOLDEN_DIR says: a training demonstration, not a golden check) with the tiny tokenizer and the processor: a toy
 * batch of four (image, question, answer) examples, default PEFT targets, AdamW. The loss falls well below its start
 * (it cannot approach 0: the tied head and final norm stay frozen and this model's embeddings are tiny, std 0.05, so
 * no logit can exceed ~3 - the floor is near 2.6), only the adapters change (base arrays untouched), and greedy
 * generation from the merged weights then answers every training question with its trained answer. A run with LoRA dropout builds its masks for the symbolic row counts and trains too.
 */

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { adamw } from '../../../src/engine/optim.js';
import { Rng } from '../../../src/engine/rng.js';
import { loraConfig } from '../../../src/models/lora/config.js';
import { mergeAdapters } from '../../../src/models/lora/merge.js';
import { initAdapters, paligemmaLoraSet } from '../../../src/models/lora/paligemma-lora.js';
import { LoraTrainer } from '../../../src/models/lora/trainer.js';
import { PaliGemmaGenerator } from '../../../src/models/paligemma/generate.js';
import { PaliGemmaProcessor, type VqaExample } from '../../../src/models/paligemma/processor.js';
import { GemmaTokenizer } from '../../../src/models/paligemma/tokenizer.js';
import { loadPaligemmaCheckpoint, type LoadedPaliGemma } from '../../../src/models/paligemma/weights.js';

const here = path.dirname(fileURLToPath(import.meta.url));
let m: LoadedPaliGemma;
let proc: PaliGemmaProcessor;
let examples: VqaExample[];

before(async () => {
  m = await loadPaligemmaCheckpoint(path.join(here, '..', '..', 'fixtures', 'paligemma'));
  proc = new PaliGemmaProcessor(await GemmaTokenizer.fromFolder(path.join(here, '..', 'paligemma', 'tokenizer')), m.config);
  const rng = new Rng(7);
  const s = m.config.vision.imageSize;
  const image = (): { data: Uint8Array; width: number; height: number } => ({ data: Uint8Array.from({ length: s * s * 3 }, () => Math.floor(rng.uniform(0, 256))), width: s, height: s });
  examples = [
    { image: image(), question: 'what is this?', answer: 'blue' },
    { image: image(), question: 'what color is the shirt?', answer: 'yes' },
    { image: image(), question: 'is it blue?', answer: 'no' },
    { image: image(), question: 'what is it?', answer: 'the shirt' },
  ];
});

test('LoRA fine-tuning on a toy batch lowers the loss and teaches the answers', async () => {
  const set = paligemmaLoraSet(m.config, m.prefixes, loraConfig({ r: 4, alpha: 8 }));
  const before = new Map([...m.weights].map(([k, v]) => [k, v.slice()]));
  const trainer = await LoraTrainer.create(m.config, m.prefixes, m.weights, set, initAdapters(set, 1), { optimizer: adamw({ weightDecay: 0 }) });
  const batch = proc.encode(examples, { train: true });
  const losses: number[] = [];
  for (let i = 0; i < 40; i++) losses.push((await trainer.step(batch, 2e-2)).loss);
  const [first, last] = [losses[0] as number, losses[losses.length - 1] as number];
  console.log(`toy LoRA fine-tune: loss ${first.toFixed(3)} -> ${last.toFixed(3)} in ${losses.length} steps`);
  assert.ok(last < 0.6 * first, `loss fell from ${first} to only ${last}`);
  for (const [k, v] of m.weights) assert.deepEqual(v, before.get(k), `base weight ${k} changed`);

  const merged = mergeAdapters(m.weights, set, trainer.adapters());
  const gen = await PaliGemmaGenerator.create(m.config, m.prefixes, merged);
  const prompts = proc.encode(examples.map(({ image, question }) => ({ image, question })));
  const out = await gen.generate(prompts, { maxNewTokens: 4, eosTokenIds: [m.config.text.eosTokenId], padTokenId: m.config.text.padTokenId });
  const answers = examples.map((_, r) => proc.decodeAnswer(Array.from(out.tokens.subarray(r * out.steps, (r + 1) * out.steps), Number)));
  assert.deepEqual(answers, examples.map((e) => e.answer));
  await gen.dispose();
  await trainer.dispose();
});

test('LoRA dropout trains too (masks sized for vision and decoder rows)', async () => {
  const set = paligemmaLoraSet(m.config, m.prefixes, loraConfig({ r: 4, alpha: 8, dropout: 0.1 }));
  const trainer = await LoraTrainer.create(m.config, m.prefixes, m.weights, set, initAdapters(set, 1), { seed: 3 });
  const batch = proc.encode(examples, { train: true });
  const losses: number[] = [];
  for (let i = 0; i < 10; i++) losses.push((await trainer.step(batch, 2e-2)).loss);
  assert.ok(losses.every(Number.isFinite));
  assert.ok((losses[9] as number) < (losses[0] as number), `loss ${losses.join(', ')}`);
  await trainer.dispose();
});
