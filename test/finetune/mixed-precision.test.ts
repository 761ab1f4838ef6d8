/**
 * `finetune --dtype f16` below the CLI (src/finetune with dtype float16; decision 011, "LoRA training"):
 * - the config keeps `dtype` only for float16, so float32 runs keep their run fingerprint (run.json's config);
 * - the stepper's float16 update (mixed-precision gradients graph, loss scaling, float32 AdamW update graph) against the
 *   float32 one on the same two micro-batches: loss at halfTol, gradients within HALF_GRADIENT_RELATIVE of their
 *   largest, adapters after AdamW's first step where the gradient is decisive (test/helpers/adam-step.ts). Skipped on
 *   the CPU, whose provider computes most float16 ops in float32: `npm run test:webgpu` runs it;
 * - on every device: a micro-batch that overflows at the loss scale skips the whole update - adapters, AdamW state and
 *   update count bit for bit as they were - and the scale backs off; the next update applies.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { finetuneConfig } from '../../src/finetune/config.js';
import { PixelLoader } from '../../src/finetune/pixels.js';
import { LoraStepper } from '../../src/finetune/stepper.js';
import { mostCommonAnswers } from '../../src/finetune/targets.js';
import type { LoraSet } from '../../src/models/lora/adapters.js';
import type { PaliGemmaBatch } from '../../src/models/paligemma/feeds.js';
import { PaliGemmaProcessor } from '../../src/models/paligemma/processor.js';
import { GemmaTokenizer } from '../../src/models/paligemma/tokenizer.js';
import { loadPaligemmaCheckpoint, type LoadedPaliGemma } from '../../src/models/paligemma/weights.js';
import { startAdapters, tinyLoraSet } from '../helpers/lora-start.js';
import { assertAfterFirstStep } from '../helpers/adam-step.js';
import { onTestDevice, TEST_DEVICE } from '../helpers/device.js';
import { tinyFinetuneData } from '../helpers/tiny-paligemma.js';
import { absMax, HALF_GRADIENT_RELATIVE, halfTol, maxAbsDiff } from '../helpers/tolerance.js';

const skip = TEST_DEVICE === 'cpu' ? 'float16 is checked on WebGPU (npm run test:webgpu): the CPU provider computes most float16 ops in float32' : false;
const LR = 1e-3;

let m: LoadedPaliGemma;
let set: LoraSet;
let adapters: Map<string, Float32Array>;
let batches: PaliGemmaBatch[];

before(async () => {
  const data = await tinyFinetuneData();
  m = await loadPaligemmaCheckpoint(data.model);
  const proc = new PaliGemmaProcessor(await GemmaTokenizer.fromFolder(data.model), m.config);
  set = tinyLoraSet(m);
  adapters = startAdapters(set, { seed: 3, bSeed: 9 });
  const records = data.train.records.slice(0, 8);
  const answers = mostCommonAnswers(data.train.records).slice(0, 8);
  const pixels = await new PixelLoader(data.train.images, m.config.vision.imageSize).many(records.map((r) => r.image));
  const examples = records.map((r, i) => ({ image: pixels[i] as Float32Array, question: r.question, answer: answers[i] as string }));
  batches = [proc.encode(examples.slice(0, 4), { train: true }), proc.encode(examples.slice(4), { train: true })];
});

it('the config records dtype only for float16 (float32 runs keep their fingerprint) and refuses others', () => {
  assert.ok(!('dtype' in finetuneConfig({})));
  assert.ok(!('dtype' in finetuneConfig({ dtype: 'float32' })));
  assert.equal(finetuneConfig({ dtype: 'float16', device: 'webgpu' }).dtype, 'float16');
  assert.throws(() => finetuneConfig({ dtype: 'bfloat16' as 'float16' }), /dtype must be float32 or float16, got "bfloat16"/);
});

async function oneUpdate(dtype: 'float32' | 'float16') {
  const stepper = await LoraStepper.create(m, set, { adapters }, { weightDecay: 1e-6, clip: 0, session: onTestDevice(), dtype, hostGradients: true });
  try {
    for (const b of batches) await stepper.accumulate(b);
    const r = await stepper.update(LR);
    await stepper.pull();
    return { ...r, grads: r.grads as Map<string, Float32Array>, after: new Map([...stepper.adapters()].map(([k, v]) => [k, v.slice()])) };
  } finally {
    await stepper.dispose();
  }
}

it('a float16 update matches the float32 one: loss, accumulated gradients, adapters after AdamW', { skip }, async () => {
  const half = await oneUpdate('float16');
  const full = await oneUpdate('float32');
  assert.equal(half.applied, true);
  assert.equal(half.lossScale, 2 ** 16);
  assert.ok(Math.abs(half.loss - full.loss) <= halfTol([full.loss]), `loss ${half.loss} vs ${full.loss}`);
  let worst = 0;
  for (const [name, g] of full.grads) {
    const rel = maxAbsDiff(half.grads.get(name) as Float32Array, g) / absMax(g);
    assert.ok(rel <= HALF_GRADIENT_RELATIVE, `${name}: relative gradient error ${rel}`);
    worst = Math.max(worst, rel);
  }
  const floor = (name: string): number => HALF_GRADIENT_RELATIVE * absMax(full.grads.get(name) as Float32Array);
  const p = assertAfterFirstStep('float16 vs float32', half.after, full.after, full.grads, { lr: LR, floor, tol: () => 1e-3 * LR });
  console.log(
    `finetune float16 update: loss ${half.loss} vs ${full.loss}, worst relative gradient error ${worst.toExponential(2)}, ` +
      `adapters ${p.worst.toExponential(2)} where decisive (${p.illConditioned} entries held to the step bound)`,
  );
});

const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));

function snapshot(x: ReadonlyMap<string, Float32Array>): Map<string, Uint32Array> {
  return new Map([...x].map(([k, v]) => [k, bits(v)]));
}

it('an update with an overflowing micro-batch is skipped: adapters, state and update count unchanged; the scale backs off', async () => {
  const stepper = await LoraStepper.create(
    m,
    set,
    { adapters, lossScale: { scale: 2 ** 40, goodSteps: 0 } },
    { weightDecay: 1e-6, clip: 1, session: onTestDevice(), dtype: 'float16', lossScale: { backoff: 2 ** -30 } },
  );
  try {
    const [p0, s0] = [snapshot(stepper.adapters()), snapshot(stepper.optimizerState())];
    for (const b of batches) await stepper.accumulate(b);
    const skipped = await stepper.update(LR);
    assert.equal(skipped.applied, false);
    assert.equal(skipped.lossScale, 2 ** 40);
    assert.ok(Number.isFinite(skipped.loss));
    assert.equal(stepper.steps, 0);
    assert.deepEqual(snapshot(stepper.adapters()), p0);
    assert.deepEqual(snapshot(stepper.optimizerState()), s0);
    assert.equal(stepper.scaler?.scale, 2 ** 10);
    for (const b of batches) await stepper.accumulate(b);
    const applied = await stepper.update(LR);
    assert.equal(applied.applied, true);
    assert.equal(stepper.steps, 1);
    await stepper.pull();
    assert.notDeepEqual(snapshot(stepper.adapters()), p0);
    assert.deepEqual(stepper.scaler?.state, { scale: 2 ** 10, goodSteps: 1 });
  } finally {
    await stepper.dispose();
  }
});
