/**
 * Gradient accumulation (src/finetune/stepper.ts, gradient-math.ts): one optimizer update over k micro-batches equals
 * one update over their concatenation - same loss, same gradient, same adapters afterwards - for 8 sample examples whose
 * answers have different token lengths, as 1 x 8, 2 x 4 and 8 x 1. The micro-batches pad to their own lengths, so
 * only float rounding may differ. The adapters start with non-zero B so that every tensor has a gradient. AdamW's
 * first step is about lr * sign(g), so entries whose gradient is within rounding of zero are held to the step bound
 * only (test/helpers/adam-step.ts). On WebGPU this is the stepper's device path (accumulation in float32 on the device).
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { LoraStepper } from '../../src/finetune/stepper.js';
import { PixelLoader } from '../../src/finetune/pixels.js';
import { mostCommonAnswers } from '../../src/finetune/targets.js';
import type { LoraSet } from '../../src/models/lora/adapters.js';
import { PaliGemmaProcessor, type VqaExample } from '../../src/models/paligemma/processor.js';
import { GemmaTokenizer } from '../../src/models/paligemma/tokenizer.js';
import { loadPaligemmaCheckpoint, type LoadedPaliGemma } from '../../src/models/paligemma/weights.js';
import { startAdapters, tinyLoraSet } from '../helpers/lora-start.js';
import { assertAfterFirstStep } from '../helpers/adam-step.js';
import { tinyFinetuneData } from '../helpers/tiny-paligemma.js';
import { onTestDevice } from '../helpers/device.js';

let m: LoadedPaliGemma;
let proc: PaliGemmaProcessor;
let set: LoraSet;
let adapters: Map<string, Float32Array>;
let examples: VqaExample[];

before(async () => {
  const data = await tinyFinetuneData();
  m = await loadPaligemmaCheckpoint(data.model);
  proc = new PaliGemmaProcessor(await GemmaTokenizer.fromFolder(data.model), m.config);
  set = tinyLoraSet(m);
  adapters = startAdapters(set, { seed: 3, bSeed: 9 });
  const records = data.train.records.slice(0, 8);
  const answers = mostCommonAnswers(data.train.records).slice(0, 8);
  const pixels = await new PixelLoader(data.train.images, m.config.vision.imageSize).many(records.map((r) => r.image));
  // Every third answer made longer, so the rows' suffixes (and the micro-batches' paddings) differ.
  examples = records.map((r, i) => ({
    image: pixels[i] as Float32Array,
    question: r.question,
    answer: i % 3 === 1 ? "i can't tell, too dark" : (answers[i] as string),
  }));
  const lengths = new Set(examples.map((e) => proc.suffixIds(e.answer as string).length));
  assert.ok(lengths.size >= 2, 'the examples have answers of different lengths');
});

async function oneUpdate(microBatch: number) {
  const stepper = await LoraStepper.create(m, set, { adapters }, { weightDecay: 1e-6, clip: 0, session: onTestDevice({ threads: 2 }), hostGradients: true });
  for (let i = 0; i < examples.length; i += microBatch) await stepper.accumulate(proc.encode(examples.slice(i, i + microBatch), { train: true }));
  const r = await stepper.update(1e-3);
  await stepper.pull();
  const after = new Map([...stepper.adapters()].map(([k, v]) => [k, v.slice()]));
  await stepper.dispose();
  return { ...r, grads: r.grads as Map<string, Float32Array>, after };
}

/** Largest |a - b| over every tensor, and the largest |b|. */
function maxDiff(a: ReadonlyMap<string, Float32Array>, b: ReadonlyMap<string, Float32Array>): { diff: number; scale: number } {
  let diff = 0;
  let scale = 0;
  for (const [name, y] of b) {
    const x = a.get(name) as Float32Array;
    for (let i = 0; i < y.length; i++) {
      diff = Math.max(diff, Math.abs((x[i] as number) - (y[i] as number)));
      scale = Math.max(scale, Math.abs(y[i] as number));
    }
  }
  return { diff, scale };
}

it('k accumulated micro-batches give the loss, gradient and update of one big batch', async () => {
  const whole = await oneUpdate(8);
  for (const k of [4, 1]) {
    const acc = await oneUpdate(k);
    assert.equal(acc.microBatches, 8 / k);
    assert.equal(acc.tokens, whole.tokens);
    assert.ok(Math.abs(acc.loss - whole.loss) <= 1e-5 * whole.loss, `loss ${acc.loss} vs ${whole.loss}`);
    const g = maxDiff(acc.grads, whole.grads);
    assert.ok(g.diff <= 1e-5 * g.scale, `gradients differ by ${g.diff} (largest ${g.scale}) with micro-batches of ${k}`);
    // AdamW moves each entry by about lr (1e-3) whatever the gradient's size: agreeing to 0.2% of that is agreement,
    // wherever the gradient is 10x above the agreement level just asserted (283 of the 9,472 entries are not).
    const p = assertAfterFirstStep(`micro-batches of ${k}`, acc.after, whole.after, whole.grads, { lr: 1e-3, floor: () => 1e-4 * g.scale, tol: () => 2e-6 });
    console.log(
      `micro-batches of ${k}: loss ${acc.loss} vs ${whole.loss}, gradient diff ${g.diff.toExponential(2)} of ${g.scale.toExponential(2)}, ` +
        `adapter diff ${p.worst.toExponential(2)} (${p.illConditioned} entries with |g| < ${(1e-4 * g.scale).toExponential(2)} held to the step bound)`,
    );
  }
});
