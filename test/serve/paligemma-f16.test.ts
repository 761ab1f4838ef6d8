/**
 * `vizwiz serve --dtype f16` end to end: the command starts on the test device in float16 with a fine-tune run (LoRA,
 * 3 epochs) of the tiny random PaliGemma on the sample dataset (the fine-tuning tests' checkpoint and data), the real
 * `openai` client asks it about sample photos, and its answers and confidences agree with float32 (the same run served
 * in process) within float16's tolerance:
 * - answerable = 1 - P("unanswerable" + eos): log P is a sum of n log-softmax terms, each off by at most twice its
 *   logits' error, so |log P16 - log P32| <= 2 sum_k halfTol(logits_k) (1e-2 of each scored step's largest |logit|);
 * - the answer: a greedy token is robust where float32's lead over the runner-up exceeds 2 halfTol of its step's
 *   logits; the float16 answer equals float32's when every step is decisive, else begins with the text of the leading
 *   decisive tokens; the first token must be decisive (asserted, so that the check is never empty).
 * Skipped on the CPU, where `--dtype f16` is a usage error (the CPU provider computes most float16 ops in float32:
 * decision 011); `npm run test:webgpu` runs it.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { before, test } from 'node:test';
import OpenAI from 'openai';
import { UNANSWERABLE } from '../../src/finetune/answers.js';
import { paligemmaGeneratorWeights } from '../../src/finetune/generator-weights.js';
import { finetunePaligemma } from '../../src/finetune/index.js';
import { readAdapterMeta } from '../../src/finetune/run-folder.js';
import { decodeImage } from '../../src/images/decode.js';
import { stepBias } from '../../src/models/gemma/masks.js';
import { PaliGemmaGenerator } from '../../src/models/paligemma/generate.js';
import { PaliGemmaProcessor } from '../../src/models/paligemma/processor.js';
import { ANSWER_EN_V1, promptTemplate } from '../../src/models/paligemma/prompt.js';
import { siglipPreprocess } from '../../src/models/siglip/preprocess.js';
import type { ModelAnswer } from '../../src/serve/answer-model.js';
import { chooseServeTarget, loadServeModel, type ServeTarget } from '../../src/serve/serve-target.js';
import { onTestDevice, TEST_DEVICE } from '../helpers/device.js';
import { topGap } from '../helpers/margins.js';
import { halfTol } from '../helpers/tolerance.js';
import { tinyFinetuneData } from '../helpers/tiny-paligemma.js';

const skip = TEST_DEVICE === 'cpu' ? 'float16 serving is checked on WebGPU (npm run test:webgpu): --dtype f16 is a usage error on the CPU' : false;
const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = import.meta.resolve('tsx');
const MAX_NEW_TOKENS = 8; // serve's default

interface Question {
  photo: Buffer;
  question: string;
}

let runFolder: string;
let target: Extract<ServeTarget, { kind: 'paligemma' }>;
let questions: Question[];

before(async () => {
  if (skip) return;
  // A LoRA fine-tune of the tiny PaliGemma that answers in words (the comparison's smoke fine-tune, like the zero-shot
  // model, still answers every question with the prompt's separator, which the answer trims to ''): the sample
  // dataset and tiny checkpoint of the fine-tuning tests, 3 epochs on the CPU.
  const data = await tinyFinetuneData();
  runFolder = join(data.dir, 'serve-f16-run');
  await finetunePaligemma({
    out: runFolder,
    base: data.model,
    train: { records: data.train.records, images: data.train.images },
    val: { records: data.val.records, images: data.val.images },
    config: { lr: 3e-3, epochs: 3, batchSize: 8, gradAccum: 1, threads: 2 },
  });
  const t = await chooseServeTarget({ run: runFolder });
  assert.equal(t.kind, 'paligemma');
  target = t;
  const records = data.val.records.slice(0, 4);
  questions = await Promise.all(records.map(async (r) => ({ photo: await data.val.images.read(r.image), question: r.question })));
});

interface Float32Reference {
  served: ModelAnswer;
  /** The text of the leading greedy tokens whose float32 lead exceeds 2 halfTol, and how many there are. */
  decisiveText: string;
  decisive: number;
  tokens: number;
  /** Bound on |log P16 - log P32| of "unanswerable" + eos: 2 sum_k halfTol(logits_k). */
  logPTol: number;
  margins: string[];
}

/** Float32 on the test device: the served answers (in process), and the margins behind them from the generator itself. */
async function float32Reference(): Promise<Float32Reference[]> {
  const images = await Promise.all(questions.map((q, i) => decodeImage(q.photo, `photo ${i}`)));
  const answerModel = await loadServeModel(target, onTestDevice({ quality: false }));
  const served: ModelAnswer[] = [];
  for (const [i, q] of questions.entries()) served.push((await answerModel.answer([{ image: images[i]!, question: q.question }]))[0]!);
  await answerModel.dispose();

  const { base, weights, options } = await paligemmaGeneratorWeights({ base: target.base, ...(target.adapter ? { adapter: target.adapter } : {}) });
  const { config, prefixes } = base.model;
  const promptId = target.adapter ? (await readAdapterMeta(target.adapter))?.prompt.id : undefined;
  const proc = new PaliGemmaProcessor(base.tokenizer, config, { template: promptId ? promptTemplate(promptId) : ANSWER_EN_V1 });
  const gen = await PaliGemmaGenerator.create(config, prefixes, weights, { ...options, session: onTestDevice() });
  const vocab = config.text.vocab;
  const scored = proc.suffixIds(UNANSWERABLE);
  const out: Float32Reference[] = [];
  try {
    for (const [i, q] of questions.entries()) {
      const start = await gen.prefill(proc.encode([{ image: siglipPreprocess(images[i]!, config.vision.imageSize), question: q.question }]));
      const greedy = { maxNewTokens: MAX_NEW_TOKENS, eosTokenIds: [config.text.eosTokenId], padTokenId: config.text.padTokenId, keepStepLogits: true };
      const res = await gen.generateFrom(start, greedy);
      const margins: string[] = [];
      let decisive = 0;
      for (let k = 0; k < res.steps; k++) {
        const l = res.stepLogits[k]!;
        const [gap, tol] = [topGap(l, 0, vocab), halfTol(l)];
        margins.push(`${gap.toFixed(3)} (2 tol ${(2 * tol).toFixed(3)})`);
        if (decisive === k && gap > 2 * tol) decisive++;
      }
      // The scored continuation's logits: the prefill's, then one teacher-forced step per token but the last.
      let logPTol = 2 * halfTol(start.logits);
      let cache = start.cache;
      let valid = start.keyValid;
      for (let k = 0; k + 1 < scored.length; k++) {
        valid = Uint8Array.from([...valid, 1]);
        const step = await gen.decoder.step(cache, { tokens: [scored[k]!], positions: [start.nextPosition[0]! + k], bias: stepBias(valid, 1, valid.length) });
        if (cache !== start.cache) gen.decoder.release(cache);
        cache = step.cache;
        logPTol += 2 * halfTol(step.logits);
      }
      if (cache !== start.cache) gen.decoder.release(cache);
      gen.decoder.release(start.cache);
      const ids = Array.from(res.tokens, Number);
      const text = (n: number): string => proc.decodeAnswer(ids.slice(0, n)).trim();
      out.push({ served: served[i]!, decisiveText: text(decisive), decisive, tokens: res.steps, logPTol, margins });
    }
  } finally {
    await gen.dispose();
  }
  return out;
}

test('vizwiz serve --dtype f16 answers through the openai client as float32 does, within float16 tolerance', { skip }, async () => {
  const refs = await float32Reference();
  const child = spawn(
    process.execPath,
    [
      ...['--import', tsx, join(root, 'src/cli/main.ts'), 'serve', '--run', runFolder, '--no-quality'],
      ...['--device', TEST_DEVICE, '--dtype', 'f16', '--port', '0'],
    ],
    { cwd: root, env: { ...process.env, CI: 'true' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    const { url, lines } = await untilReady(child);
    assert.match(
      lines.find((l) => l.includes('serving'))!,
      new RegExp(
        `^vizwiz serve: serving serve-f16-run on ${TEST_DEVICE}: PaliGemma .*tiny-paligemma \\(float16\\) with adapter .*serve-f16-run/best, prompt answer-en-v1, no quality head$`,
      ),
    );
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
    for (const [i, q] of questions.entries()) {
      const ref = refs[i]!;
      const reply = await client.chat.completions.create({
        model: 'serve-f16-run',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image_url', image_url: { url: `data:image/jpeg;base64,${q.photo.toString('base64')}` } },
              { type: 'text', text: q.question },
            ],
          },
        ],
      });
      const answer = reply.choices[0]!.message.content!;
      const { answerable } = (reply as unknown as { vizwiz: { answerable: number } }).vizwiz;
      const [logP16, logP32] = [Math.log1p(-answerable), Math.log1p(-ref.served.answerable)];
      console.log(
        `"${q.question}": float16 "${answer}", float32 "${ref.served.answer}" (greedy leads ${ref.margins.join(', ')}); ` +
          `log P("${UNANSWERABLE}") ${logP16.toFixed(5)} vs ${logP32.toFixed(5)} (tolerance ${ref.logPTol.toFixed(4)})`,
      );
      assert.equal(reply.model, 'serve-f16-run');
      assert.ok(ref.decisive >= 1, `question ${i}: the first greedy token must lead by more than 2 tol (leads: ${ref.margins.join(', ')})`);
      assert.ok(answer.trim().length > 0, `question ${i}: an answer is produced`);
      assert.ok(Number.isFinite(logP16) && logP16 < 0, `question ${i}: answerable ${answerable} is a probability below 1`);
      assert.ok(
        Math.abs(logP16 - logP32) <= ref.logPTol,
        `question ${i}: log P("${UNANSWERABLE}") float16 ${logP16} vs float32 ${logP32}, tolerance ${ref.logPTol}`,
      );
      if (ref.decisive === ref.tokens) assert.equal(answer, ref.served.answer, `question ${i}: every greedy token is decisive, so the same answer`);
      else assert.ok(answer.startsWith(ref.decisiveText), `question ${i}: "${answer}" begins with the decisive tokens' "${ref.decisiveText}"`);
    }
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, 'stops gracefully on SIGTERM');
});

/** Resolves with the service's URL once it logs `ready:` (rejects if the process ends first). */
function untilReady(child: ChildProcess): Promise<{ url: string; lines: string[] }> {
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    let pending = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        lines.push(line);
        const ready = /^vizwiz serve: ready: (http:\/\/\S+) /u.exec(line);
        if (ready) resolve({ url: ready[1]!, lines });
      }
    });
    child.on('close', (code) => reject(new Error(`vizwiz serve exited with ${code} before it was ready:\n${lines.join('\n')}${pending}`)));
  });
}
