/**
 * The answerability confidence of PaliGemma predictions: answerable = 1 - P("unanswerable" + eos | prompt), teacher-
 * forced through the KV cache (src/models/paligemma/score.ts). Checked against the same probability read from one
 * full forward pass over prompt + "unanswerable" + eos with the prefix-LM mask (the training graph's layout), and
 * zero-shot prediction (no adapter) returns one entry per question in the submission format.
 */
import assert from 'node:assert/strict';
import { Tensor } from '../../src/engine/tensor.js';
import { it } from 'node:test';
import { InferenceRunner } from '../../src/engine/inference-runner.js';
import { buildInference } from '../../src/engine/inference.js';
import { answerQuestions, UNANSWERABLE } from '../../src/finetune/answers.js';
import { PixelLoader } from '../../src/finetune/pixels.js';
import { predictPaligemma } from '../../src/finetune/predict.js';
import { paligemmaFeeds } from '../../src/models/paligemma/feeds.js';
import { PaliGemmaGenerator } from '../../src/models/paligemma/generate.js';
import { LOSS_TARGETS } from '../../src/models/paligemma/inputs.js';
import { paligemmaModel } from '../../src/models/paligemma/model.js';
import { paligemmaParamSpecs } from '../../src/models/paligemma/names.js';
import { PaliGemmaProcessor } from '../../src/models/paligemma/processor.js';
import { continuationLogProb, logSoftmaxAt } from '../../src/models/paligemma/score.js';
import { GemmaTokenizer } from '../../src/models/paligemma/tokenizer.js';
import { loadPaligemmaCheckpoint } from '../../src/models/paligemma/weights.js';
import { tinyFinetuneData } from '../helpers/tiny-paligemma.js';

it('answerable is 1 - P("unanswerable" + eos), the same probability as a full forward pass gives', async () => {
  const data = await tinyFinetuneData();
  const m = await loadPaligemmaCheckpoint(data.model);
  const proc = new PaliGemmaProcessor(await GemmaTokenizer.fromFolder(data.model), m.config);
  const questions = data.val.records.slice(0, 5);
  const pixels = new PixelLoader(data.val.images, m.config.vision.imageSize);
  const gen = await PaliGemmaGenerator.create(m.config, m.prefixes, m.weights);
  const answers = await answerQuestions(gen, proc, pixels, questions, { batchSize: 3, maxNewTokens: 4, answerability: true });
  const suffix = proc.suffixIds(UNANSWERABLE);
  const images = await pixels.many(questions.map((q) => q.image));
  const prompts = proc.encode(questions.map((q, i) => ({ image: images[i] as Float32Array, question: q.question })));
  const cached = await continuationLogProb(gen.decoder, await gen.prefill(prompts), suffix);
  await gen.dispose();

  // Reference: prompt + "unanswerable" + eos in one pass; the suffix's target logits are the scored rows.
  assert.equal(suffix[suffix.length - 1], m.config.text.eosTokenId);
  const batch = proc.encode(
    questions.map((q, i) => ({ image: images[i] as Float32Array, question: q.question, answer: UNANSWERABLE })),
    { train: true },
  );
  const model = paligemmaModel(m.config, { prefixes: m.prefixes, trainable: 'none', lossRows: true });
  const runner = await InferenceRunner.create(buildInference(model, { outputs: ['selected_logits'] }), m.weights);
  const feeds: Record<string, Tensor> = paligemmaFeeds(m.config, batch);
  const targets = feeds[LOSS_TARGETS]?.data as BigInt64Array;
  delete feeds[LOSS_TARGETS];
  const logits = (await runner.run(feeds)).selected_logits!.floats();
  await runner.dispose();
  const vocab = m.config.text.vocab;
  assert.equal(targets.length, questions.length * suffix.length);
  questions.forEach((_, r) => {
    let logP = 0;
    for (let k = 0; k < suffix.length; k++) {
      const row = r * suffix.length + k;
      logP += logSoftmaxAt(logits, row, vocab, Number(targets[row]));
    }
    const lp = cached[r] as number;
    assert.ok(Math.abs(lp - logP) <= 1e-4 * Math.max(1, Math.abs(logP)), `row ${r}: log P ${lp} cached vs ${logP} full forward`);
    const got = answers[r]?.answerable as number;
    assert.ok(got >= 0 && got <= 1);
    assert.ok(Math.abs(got - (1 - Math.exp(lp))) <= 1e-6, `row ${r}: answerable ${got}, log P ${lp}`);
  });
});

it('predicts zero-shot (no adapter) in the submission format', async () => {
  const data = await tinyFinetuneData();
  const questions = data.val.records.slice(0, 7).map(({ image, question }) => ({ image, question }));
  const preds = await predictPaligemma({ base: data.model, questions, images: data.val.images, batchSize: 4, maxNewTokens: 3 });
  assert.deepEqual(
    preds.map((p) => p.image),
    questions.map((q) => q.image),
  );
  for (const p of preds) {
    assert.equal(typeof p.answer, 'string');
    assert.ok(typeof p.answerable === 'number' && p.answerable >= 0 && p.answerable <= 1);
  }
});
