/**
 * Mixed-precision LoRA training of the tiny PaliGemma (LoraTrainer { dtype: 'float16' }, engine/mixed-precision.ts):
 * - against PEFT's float32 step (golden/paligemma_lora): the loss at halfTol, every adapter gradient within
 *   HALF_GRADIENT_RELATIVE of its tensor's largest value, and the AdamW update against the float32 trainer's -
 *   AdamW's first step is lr x g / (|g| + eps), about lr x sign(g), so an element whose gradient is within float16's
 *   error of 0 may step either way: the update must match where the golden gradient is decisive (its size above the
 *   gradient tolerance) and stay within 2 lr everywhere; and it must be AdamW applied to the step's own (unscaled,
 *   float32) gradients. Skipped on the CPU, whose provider computes most float16 ops in float32 (decision 011):
 *   `npm run test:webgpu` runs it.
 * - loss scaling, on every device: a step at a forced huge scale (2^40) overflows, is skipped in the graph - adapters
 *   and AdamW state bit for bit as they were, the step count too - and the scale backs off; the next step at a sane
 *   scale applies.
 */

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAdapter, type LoadedAdapter } from '../../../src/models/lora/peft-io.js';
import { paligemmaLinears } from '../../../src/models/lora/targets.js';
import { LoraTrainer } from '../../../src/models/lora/trainer.js';
import type { PaliGemmaBatch } from '../../../src/models/paligemma/feeds.js';
import { loadPaligemmaCheckpoint, type LoadedPaliGemma } from '../../../src/models/paligemma/weights.js';
import { absMax, goldenPath, hasGolden, maxAbsDiff, readTensors, tensor, type Tensors } from '../gemma/helpers.js';
import { goldenBatch } from '../paligemma/helpers.js';
import { onTestDevice, TEST_DEVICE } from '../../helpers/device.js';
import { HALF_GRADIENT_RELATIVE, halfTol } from '../../helpers/tolerance.js';

const skip = TEST_DEVICE === 'cpu' ? 'float16 is checked on WebGPU (npm run test:webgpu): the CPU provider computes most float16 ops in float32' : false;

const LR = 1e-3;
const WEIGHT_DECAY = 1e-6; // LoraTrainer's default AdamW
const EPS = 1e-8;

let m: LoadedPaliGemma;
let adapter: LoadedAdapter;
let batch: PaliGemmaBatch;
let outputs: Tensors;
let grads: Tensors;

before(async () => {
  assert.ok(hasGolden('paligemma', ['config.json', 'model.safetensors']), 'golden paligemma/ missing');
  assert.ok(
    hasGolden('paligemma_lora', ['adapter_model.safetensors', 'inputs.safetensors', 'outputs.safetensors', 'grads.safetensors']),
    'golden paligemma_lora/ missing',
  );
  m = await loadPaligemmaCheckpoint(goldenPath('paligemma'));
  adapter = await loadAdapter(goldenPath('paligemma_lora'), paligemmaLinears(m.config, m.prefixes));
  batch = goldenBatch(await readTensors('paligemma_lora', 'inputs.safetensors'), '');
  outputs = await readTensors('paligemma_lora', 'outputs.safetensors');
  grads = await readTensors('paligemma_lora', 'grads.safetensors');
});

async function oneStep(dtype: 'float32' | 'float16') {
  const trainer = await LoraTrainer.create(m.config, m.prefixes, m.weights, adapter.set, adapter.tensors, {
    exposeGradients: true,
    session: onTestDevice(),
    dtype,
  });
  try {
    const res = await trainer.step(batch, LR);
    return { res, adapters: trainer.adapters() };
  } finally {
    await trainer.dispose();
  }
}

test('a float16 LoRA step matches PEFT: loss, every adapter gradient, and the AdamW update', { skip }, async () => {
  const half = await oneStep('float16');
  const full = await oneStep('float32');
  assert.equal(half.res.applied, true, 'the default scale (2^16) does not overflow here');
  assert.equal(half.res.lossScale, 2 ** 16);
  const expected = (tensor(outputs, 'loss').data as Float32Array)[0] as number;
  const dLoss = Math.abs(half.res.loss - expected);
  assert.ok(dLoss <= halfTol([expected]), `loss ${half.res.loss} vs ${expected}`);

  let worstGrad = 0;
  let worstStep = 0;
  let decisive = 0;
  let total = 0;
  for (const [name, g] of grads) {
    const golden = g.data as Float32Array;
    const got = half.res.grads.get(name) as Float32Array;
    const scale = absMax(golden);
    const rel = maxAbsDiff(got, golden) / scale;
    assert.ok(rel <= HALF_GRADIENT_RELATIVE, `${name}: relative gradient error ${rel}`);
    worstGrad = Math.max(worstGrad, rel);

    const before = adapter.tensors.get(name) as Float32Array;
    const p16 = half.adapters.get(name) as Float32Array;
    const p32 = full.adapters.get(name) as Float32Array;
    for (let i = 0; i < golden.length; i++) {
      const [p, g16, gold] = [before[i] as number, got[i] as number, golden[i] as number];
      // AdamW's first step on the step's own gradient (torch's order, in float64 here).
      const own = p * (1 - LR * WEIGHT_DECAY) - (LR * g16) / (Math.abs(g16) + EPS);
      assert.ok(Math.abs((p16[i] as number) - own) <= 1e-3 * LR, `${name}[${i}]: ${p16[i]} is not AdamW of its gradient (${own})`);
      const d = Math.abs((p16[i] as number) - (p32[i] as number));
      assert.ok(d <= 2.01 * LR, `${name}[${i}]: float16 and float32 steps differ by ${d}`);
      total++;
      if (Math.abs(gold) > HALF_GRADIENT_RELATIVE * scale) {
        decisive++;
        assert.ok(d <= 1e-3 * LR, `${name}[${i}]: decisive gradient ${gold}, updates differ by ${d}`);
        worstStep = Math.max(worstStep, d / LR);
      }
    }
  }
  // A property of the golden gradients (84% of them are decisive), the same on every device.
  assert.ok(decisive >= 0.75 * total, `decisive gradients ${decisive}/${total}`);
  console.log(
    `paligemma_lora float16: loss diff ${dLoss.toExponential(2)}, worst relative gradient error ${worstGrad.toExponential(2)}, ` +
      `update vs float32 where decisive (${decisive}/${total}) ${worstStep.toExponential(2)} lr`,
  );
});

/** Bit patterns, so -0/+0 and NaN payloads count too. */
const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));

function assertSameBits(a: Map<string, Float32Array>, b: Map<string, Float32Array>, what: string): void {
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  for (const [name, x] of a) assert.deepEqual(bits(x), bits(b.get(name) as Float32Array), `${what}: ${name} changed`);
}

test('an overflowing step is skipped in the graph: adapters, AdamW state and step count unchanged, the scale backs off', async () => {
  // 2^40 overflows float16 at once (the loss gradient alone is S / tokens); backing off by 2^-30 gives 1024, and a
  // good step grows it back to 2^40 (interval 1), so the third step overflows again after a real update.
  const trainer = await LoraTrainer.create(m.config, m.prefixes, m.weights, adapter.set, adapter.tensors, {
    session: onTestDevice(),
    dtype: 'float16',
    lossScale: { init: 2 ** 40, backoff: 2 ** -30, growth: 2 ** 30, interval: 1 },
  });
  try {
    const first = await trainer.step(batch, LR);
    assert.equal(first.applied, false, 'a 2^40 scale overflows');
    assert.equal(first.lossScale, 2 ** 40);
    assert.ok(Number.isFinite(first.loss), 'the loss itself is finite (float32)');
    assert.equal(trainer.stepsDone, 0);
    assertSameBits(trainer.adapters(), new Map(adapter.tensors), 'after a skipped first step');
    for (const [name, v] of trainer.optimizerState())
      assert.ok(
        v.every((x) => Object.is(x, 0)),
        `${name} still zero`,
      );
    assert.equal(trainer.scaler?.scale, 2 ** 10);

    const second = await trainer.step(batch, LR);
    assert.equal(second.applied, true, 'a 1024 scale does not overflow');
    assert.equal(trainer.stepsDone, 1);
    assert.equal(trainer.scaler?.scale, 2 ** 40);
    const adapters = trainer.adapters();
    const state = trainer.optimizerState();
    assert.ok(
      maxAbsDiff(adapters.get(adapter.tensors.keys().next().value as string) as Float32Array, adapter.tensors.values().next().value as Float32Array) > 0,
      'the update moved the adapters',
    );

    const third = await trainer.step(batch, LR);
    assert.equal(third.applied, false);
    assert.equal(trainer.stepsDone, 1, 'a skipped step is not counted (AdamW bias correction)');
    assertSameBits(trainer.adapters(), adapters, 'after a skipped step');
    assertSameBits(trainer.optimizerState(), state, 'after a skipped step');
    assert.equal(trainer.scaler?.scale, 2 ** 10);
  } finally {
    await trainer.dispose();
  }
});
