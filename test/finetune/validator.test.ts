/**
 * Per-epoch validation (src/finetune/validator.ts) sees each epoch's adapters: a validator run at the base model's
 * adapters (B = 0) and then at adapters Y answers exactly as a generator created over the weights with Y merged in
 * (merge.ts), and its loss is a fresh validator's at Y - on the CPU, where the merged weights are fed with every run,
 * and on a GPU, where a session holds its own copy of the weights it was created with (there the validator used to
 * answer with the base model at every epoch). A float16 validator (a float16 fine-tune's) answers exactly as the
 * float16 generator over the merged weights and its loss is the float32 one within halfTol (WebGPU only).
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { answerQuestions } from '../../src/finetune/answers.js';
import { PixelLoader } from '../../src/finetune/pixels.js';
import { Validator, type ValidatorOptions } from '../../src/finetune/validator.js';
import type { LoraSet } from '../../src/models/lora/adapters.js';
import { mergeAdapters } from '../../src/models/lora/merge.js';
import { PaliGemmaGenerator } from '../../src/models/paligemma/generate.js';
import { PaliGemmaProcessor } from '../../src/models/paligemma/processor.js';
import { GemmaTokenizer } from '../../src/models/paligemma/tokenizer.js';
import { loadPaligemmaCheckpoint, type LoadedPaliGemma } from '../../src/models/paligemma/weights.js';
import { startAdapters, tinyLoraSet } from '../helpers/lora-start.js';
import { onTestDevice, TEST_DEVICE } from '../helpers/device.js';
import { halfTol } from '../helpers/tolerance.js';
import { tinyFinetuneData, type TinyFinetuneData } from '../helpers/tiny-paligemma.js';

const halfSkip = TEST_DEVICE === 'cpu' ? 'float16 is checked on WebGPU (npm run test:webgpu): the CPU provider computes most float16 ops in float32' : false;

let data: TinyFinetuneData;
let m: LoadedPaliGemma;
let proc: PaliGemmaProcessor;
let set: LoraSet;

before(async () => {
  data = await tinyFinetuneData();
  m = await loadPaligemmaCheckpoint(data.model);
  proc = new PaliGemmaProcessor(await GemmaTokenizer.fromFolder(data.model), m.config);
  set = tinyLoraSet(m);
});

/** Adapters with B drawn at `scale` (0: the base model). */
function adapters(seed: number, scale: number): Map<string, Float32Array> {
  return startAdapters(set, { seed, bSeed: seed + 100, scale });
}

const records = () => data.val.records.slice(0, 6);
const pixels = () => new PixelLoader(data.val.images, m.config.vision.imageSize);

async function validator(o: Partial<ValidatorOptions> = {}): Promise<Validator> {
  return Validator.create(m, set, proc, records(), pixels(), {
    batchSize: 3,
    maxNewTokens: 5,
    answerSelection: 'deuser',
    session: onTestDevice({ threads: 2 }),
    ...o,
  });
}

/**
 * Runs `v` at adapters x, then y, and checks that its answers at y are `generator`'s (built over y) and differ from
 * those at x: the validator follows the adapters it is given. Returns both runs.
 */
async function answersFollow(v: Validator, generator: PaliGemmaGenerator, x: Map<string, Float32Array>, y: Map<string, Float32Array>) {
  const atX = await v.run(x);
  const atY = await v.run(y);
  const want = await answerQuestions(generator, proc, pixels(), records(), { batchSize: 3, maxNewTokens: 5 });
  assert.notDeepEqual(
    want.map((a) => a.raw),
    atX.answers.map((a) => a.raw),
    'the adapters change the answers',
  );
  assert.deepEqual(atY.answers, want);
  return { atX, atY };
}

it('a validator reused across epochs answers and scores as a fresh one at the new adapters', async () => {
  const [x, y] = [adapters(1, 0), adapters(2, 3)];
  const reused = await validator();
  const fresh = await validator();
  const generator = await PaliGemmaGenerator.create(m.config, m.prefixes, mergeAdapters(m.weights, set, y), { session: onTestDevice({ threads: 2 }) });
  try {
    const { atX, atY } = await answersFollow(reused, generator, x, y);
    assert.equal(atY.loss, (await fresh.run(y)).loss);
    assert.notEqual(atY.loss, atX.loss);
  } finally {
    await reused.dispose();
    await fresh.dispose();
    await generator.dispose();
  }
});

it('a float16 validator answers with the float16 generator and scores the loss in float16', { skip: halfSkip }, async () => {
  const [x, y] = [adapters(1, 0), adapters(2, 3)];
  // Moderate adapters (B ~ 0.1) for the loss: its float16 error is then of the size the tolerance is for (decision 011).
  const z = adapters(3, 0.1);
  const half = await validator({ dtype: 'float16' });
  const full = await validator();
  const session = onTestDevice({ threads: 2 });
  const generator = await PaliGemmaGenerator.create(m.config, m.prefixes, mergeAdapters(m.weights, set, y), { session, dtype: 'float16' });
  try {
    await answersFollow(half, generator, x, y);
    const [h, f] = [(await half.run(z)).loss, (await full.run(z)).loss];
    assert.ok(Math.abs(h - f) <= halfTol([f]), `loss ${h} vs float32 ${f}`);
    assert.notEqual(h, f, 'the float16 graph computed it');
    console.log(`float16 validation loss ${h} vs float32 ${f}`);
  } finally {
    await half.dispose();
    await full.dispose();
    await generator.dispose();
  }
});
