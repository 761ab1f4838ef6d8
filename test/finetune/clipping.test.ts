/**
 * Gradient clipping by global norm (src/finetune/gradient-math.ts, as big_vision / optax.clip_by_global_norm) against
 * hand computations: the function on small tensors, then inside a fine-tuning update - the stepper's gradient norm and
 * the gradient it hands to AdamW equal the norm and g * c / n worked out here from the raw gradient, and the update is
 * AdamW's first step by formula, p - lr * wd * p - lr * g / (|g| + eps).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { clipByGlobalNorm, globalNorm } from '../../src/finetune/gradient-math.js';
import { PixelLoader } from '../../src/finetune/pixels.js';
import { LoraStepper } from '../../src/finetune/stepper.js';
import { mostCommonAnswers } from '../../src/finetune/targets.js';
import { LoraGradients } from '../../src/models/lora/gradients.js';
import { PaliGemmaProcessor } from '../../src/models/paligemma/processor.js';
import { GemmaTokenizer } from '../../src/models/paligemma/tokenizer.js';
import { loadPaligemmaCheckpoint } from '../../src/models/paligemma/weights.js';
import { startAdapters, tinyLoraSet } from '../helpers/lora-start.js';
import { tinyFinetuneData } from '../helpers/tiny-paligemma.js';

it('clips small tensors as worked out by hand', () => {
  const grads = () =>
    new Map([
      ['a', Float32Array.of(3, 0)],
      ['b', Float32Array.of(-4)],
    ]);
  const g = grads();
  assert.deepEqual(clipByGlobalNorm(g, 1), { norm: 5, scale: 0.2 });
  assert.deepEqual([...(g.get('a') as Float32Array)], [Math.fround(0.6), 0]);
  assert.deepEqual([...(g.get('b') as Float32Array)], [Math.fround(-0.8)]);
  for (const c of [5, 10, 0]) {
    const h = grads();
    assert.deepEqual(clipByGlobalNorm(h, c), { norm: 5, scale: 1 }, `clip ${c}`);
    assert.deepEqual(h, grads());
  }
  assert.equal(globalNorm(new Map([['x', Float32Array.of(1, 2, 2)]])), 3);
});

it('a fine-tuning update clips the gradient by its global norm and applies AdamW to the clipped gradient', async () => {
  const data = await tinyFinetuneData();
  const m = await loadPaligemmaCheckpoint(data.model);
  const proc = new PaliGemmaProcessor(await GemmaTokenizer.fromFolder(data.model), m.config);
  const set = tinyLoraSet(m);
  const adapters = startAdapters(set, { seed: 5, bSeed: 2 });
  const records = data.train.records.slice(0, 6);
  const answers = mostCommonAnswers(data.train.records);
  const pixels = await new PixelLoader(data.train.images, m.config.vision.imageSize).many(records.map((r) => r.image));
  const batch = proc.encode(
    records.map((r, i) => ({ image: pixels[i] as Float32Array, question: r.question, answer: answers[i] as string })),
    { train: true },
  );

  // By hand: the raw gradient, its norm over every tensor, the clipped gradient.
  const raw = await LoraGradients.create(m.config, m.prefixes, m.weights, set, { session: { threads: 2 } });
  const { grads } = await raw.compute(batch, adapters);
  await raw.dispose();
  let sq = 0;
  for (const g of grads.values()) for (const x of g) sq += x * x;
  const norm = Math.sqrt(sq);
  const clip = norm / 4;

  const [lr, wd, eps] = [1e-3, 1e-6, 1e-8];
  const stepper = await LoraStepper.create(m, set, { adapters }, { weightDecay: wd, clip, session: { threads: 2 } });
  await stepper.accumulate(batch);
  const r = await stepper.update(lr);
  assert.ok(Math.abs(r.gradNorm - norm) <= 1e-12 * norm, `norm ${r.gradNorm} vs ${norm} by hand`);
  assert.ok(Math.abs(r.clipScale - 0.25) < 1e-12, `scale ${r.clipScale}`);
  let worstGrad = 0;
  let worstParam = 0;
  for (const [name, g] of grads) {
    const applied = r.grads?.get(name) as Float32Array;
    const p0 = adapters.get(name) as Float32Array;
    const p1 = stepper.adapters().get(name) as Float32Array;
    for (let i = 0; i < g.length; i++) {
      const clipped = Math.fround((g[i] as number) * (clip / norm));
      worstGrad = Math.max(worstGrad, Math.abs((applied[i] as number) - clipped));
      const expected = (p0[i] as number) * (1 - lr * wd) - (lr * clipped) / (Math.abs(clipped) + eps);
      worstParam = Math.max(worstParam, Math.abs((p1[i] as number) - expected));
    }
  }
  assert.ok(worstGrad <= 1e-9, `applied gradient differs from g * c / n by ${worstGrad}`);
  assert.ok(worstParam <= 1e-3 * lr, `AdamW step differs from the formula by ${worstParam}`);
  assert.equal(stepper.steps, 1);
  await stepper.dispose();
});
