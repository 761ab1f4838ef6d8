/**
 * PaliGemma behind the service: the comparison's LoRA fine-tune (tiny random PaliGemma of the real architecture) chosen
 * by --run, its quality feedback from the comparison's CLIP quality head (which then runs its own encoder), zero-shot
 * with --model paligemma --base, vLLM's prompt-prefix convention, and batches answered as alone.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { runCompare } from '../../src/compare/run.js';
import { decodeImage } from '../../src/images/decode.js';
import type { AnswerModel } from '../../src/serve/answer-model.js';
import { DEFAULT_LIMITS } from '../../src/serve/limits.js';
import { stripPromptPrefix } from '../../src/serve/paligemma-model.js';
import { chooseServeTarget, loadServeModel } from '../../src/serve/serve-target.js';
import { startService, type RunningService } from '../../src/serve/server.js';
import { servedComparison, type ServedComparison } from '../helpers/serve-fixture.js';

let fx: ServedComparison;
let lora: AnswerModel;
let zeroShot: AnswerModel;
let service: RunningService;

before(async () => {
  fx = await servedComparison();
  // The same comparison with PaliGemma added (the CLIP stages are cached).
  const compared = await runCompare({ out: fx.root, models: ['clip-linear', 'paligemma'], device: 'cpu', smoke: true, augment: false, seed: 0, log: () => {} });
  // The comparison keys its run folders; results.json names each model's.
  const runFolder = compared.document.models.find((m) => m.id === 'paligemma')!.run!.folder;
  lora = await loadServeModel(await chooseServeTarget({ run: runFolder }), { device: 'cpu' });
  zeroShot = await loadServeModel(await chooseServeTarget({ model: 'paligemma', base: join(fx.root, 'models', 'tiny-paligemma') }), {
    device: 'cpu',
    quality: false,
  });
  service = await startService({ host: '127.0.0.1', port: 0, limits: DEFAULT_LIMITS, load: async () => lora });
  await service.ready;
});

after(async () => {
  await service.shutdown(); // disposes `lora`
  await zeroShot.dispose();
});

describe('serving PaliGemma', () => {
  it("serves the fine-tune of a comparison with its adapter and the comparison's quality head", () => {
    assert.equal(lora.id, 'paligemma');
    assert.equal(lora.hasQuality, true);
    assert.match(
      lora.description,
      /^PaliGemma .*models\/tiny-paligemma with adapter .*runs\/paligemma-[0-9a-f]{16}\/best, prompt answer-en-v1, quality head .*quality\/clip-vit-l14-336$/u,
    );
    assert.equal(zeroShot.id, 'paligemma');
    assert.equal(zeroShot.hasQuality, false);
    assert.match(zeroShot.description, /^PaliGemma .*tiny-paligemma zero-shot, prompt answer-en-v1, no quality head$/u);
  });

  it('answers through the openai client; a vLLM-style "answer en" prefix is not applied twice', async () => {
    const client = new OpenAI({ baseURL: `${service.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const url = `data:image/jpeg;base64,${fx.photos.clear.toString('base64')}`;
    const ask = (text: string) =>
      client.chat.completions.create({
        model: 'paligemma',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image_url', image_url: { url } },
              { type: 'text', text },
            ],
          },
        ],
      });
    const plain = await ask('What is this?');
    const prefixed = await ask('answer en What is this?');
    assert.equal(plain.model, 'paligemma');
    assert.equal(prefixed.choices[0]!.message.content, plain.choices[0]!.message.content);
    const extra = (plain as unknown as { vizwiz: { answerable: number; quality: unknown[] } }).vizwiz;
    assert.ok(extra.answerable >= 0 && extra.answerable <= 1);
    assert.equal(stripPromptPrefix('Answer EN  what colour?'), 'what colour?');
    assert.equal(stripPromptPrefix('answer the question'), 'answer the question');
  });

  it('answers a batch as it answers each question alone', async () => {
    const photos = await Promise.all([fx.photos.clear, fx.photos.dark, ...fx.more.slice(0, 2)].map((p) => decodeImage(p, 'x')));
    const questions = ['What is this?', 'Is it red?', 'How many are there?', 'What colour is the box?'];
    const inputs = photos.map((image, i) => ({ image, question: questions[i]! }));
    const batched = await lora.answer(inputs);
    const alone = await Promise.all(inputs.map(async (input) => (await lora.answer([input]))[0]!));
    batched.forEach((b, i) => {
      // answerable is a product of token probabilities under padding; generated text can flip on a near tie, so it is
      // not compared token for token here.
      assert.ok(Math.abs(b.answerable - alone[i]!.answerable) < 1e-4, `${b.answerable} vs ${alone[i]!.answerable}`);
      b.quality!.forEach((p, k) => assert.ok(Math.abs(p - alone[i]!.quality![k]!) < 1e-5));
    });
  });
});
