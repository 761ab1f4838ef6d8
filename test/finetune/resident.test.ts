/**
 * The fine-tune stepper's device path (src/finetune/stepper.ts, engine/resident-optimizer.ts) on WebGPU: adapters,
 * gradients, their token-weighted sums and AdamW's state stay on the device, so
 * - bytes: a micro-batch copies its batch up (and the accumulation weight after the first of an update) and its loss
 *   down; an update copies lr, step, grad_scale and max_norm up and the global norm and clip factor down; the
 *   adapters go up once, the AdamW state once (the first update), and everything comes down only on `pull()`. The
 *   host path copies adapters up and gradients down per micro-batch and adapters + gradients + state up, adapters +
 *   state down per update (exact counts asserted for both);
 * - values: with one micro-batch per update and no clipping both paths compute the same thing with the same kernels:
 *   losses, adapters and AdamW state bit for bit after several updates. With accumulation and clipping active the
 *   device sums in float32 (the host in float64): losses bit for bit while the adapters are equal (first update),
 *   applied gradients and norms within float rounding, adapters after several updates within a few ulps of lr where
 *   every update's gradient is decisive (test/helpers/adam-step.ts);
 * - resume: a device run pulled after 2 updates and restarted from those adapters, state and update count ends bit for
 *   bit where the uninterrupted device run does; and a whole `finetunePaligemma` on WebGPU resumed after its first
 *   epoch ends with the uninterrupted run's checkpoint, history and best adapter.
 * Skipped on the CPU, which has one path (the host's): `npm run test:webgpu` runs it.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, it } from 'node:test';
import { readSafetensors } from '../../src/engine/safetensors.js';
import { tensorBytes } from '../../src/engine/tensor.js';
import { finetunePaligemma, type FinetuneConfigInput, type FinetuneEpoch } from '../../src/finetune/index.js';
import { PixelLoader } from '../../src/finetune/pixels.js';
import { LoraStepper, type StepperOptions, type StepperStart, type UpdateResult } from '../../src/finetune/stepper.js';
import { mostCommonAnswers } from '../../src/finetune/targets.js';
import type { LoraSet } from '../../src/models/lora/adapters.js';
import { paligemmaFeeds, type PaliGemmaBatch } from '../../src/models/paligemma/feeds.js';
import { PaliGemmaProcessor } from '../../src/models/paligemma/processor.js';
import { GemmaTokenizer } from '../../src/models/paligemma/tokenizer.js';
import { loadPaligemmaCheckpoint, type LoadedPaliGemma } from '../../src/models/paligemma/weights.js';
import { startAdapters, tinyLoraSet } from '../helpers/lora-start.js';
import { assertAfterFirstStep } from '../helpers/adam-step.js';
import { onTestDevice, TEST_DEVICE } from '../helpers/device.js';
import { tinyFinetuneData, type TinyFinetuneData } from '../helpers/tiny-paligemma.js';
import { absMax, maxAbsDiff } from '../helpers/tolerance.js';

const skip = TEST_DEVICE !== 'webgpu' && 'VIZWIZ_DEVICE is not webgpu: the device path is WebGPU only';
const LR = 1e-3;

let data: TinyFinetuneData;
let m: LoadedPaliGemma;
let set: LoraSet;
let adapters: Map<string, Float32Array>;
/** 6 micro-batches of 2 examples, answers of different lengths. */
let batches: PaliGemmaBatch[];
/** Bytes of the adapters (one float32 tensor set). */
let A: number;

before(async () => {
  if (skip) return;
  data = await tinyFinetuneData();
  m = await loadPaligemmaCheckpoint(data.model);
  const proc = new PaliGemmaProcessor(await GemmaTokenizer.fromFolder(data.model), m.config);
  set = tinyLoraSet(m);
  adapters = startAdapters(set, { seed: 3, bSeed: 9 });
  A = [...adapters.values()].reduce((n, t) => n + tensorBytes('float32', t.length), 0);
  const records = data.train.records.slice(0, 12);
  const answers = mostCommonAnswers(data.train.records).slice(0, 12);
  const pixels = await new PixelLoader(data.train.images, m.config.vision.imageSize).many(records.map((r) => r.image));
  const examples = records.map((r, i) => ({
    image: pixels[i] as Float32Array,
    question: r.question,
    answer: i % 3 === 1 ? "i can't tell, too dark" : (answers[i] as string),
  }));
  batches = [];
  for (let i = 0; i < examples.length; i += 2) batches.push(proc.encode(examples.slice(i, i + 2), { train: true }));
});

const copy = (x: ReadonlyMap<string, Float32Array>): Map<string, Float32Array> => new Map([...x].map(([k, v]) => [k, v.slice()]));
const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));

function assertSameBits(a: ReadonlyMap<string, Float32Array>, b: ReadonlyMap<string, Float32Array>, what: string): void {
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort(), what);
  for (const [k, v] of a) assert.deepEqual(bits(v), bits(b.get(k) as Float32Array), `${what}: ${k}`);
}

interface Trace {
  losses: number[];
  updates: UpdateResult[];
  /** Bytes per accumulate / update call, in call order. */
  bytes: { call: 'micro' | 'update'; toDevice: number; toHost: number }[];
  adapters: Map<string, Float32Array>;
  state: Map<string, Float32Array>;
  steps: number;
  /** Bytes `pull()` copied at the end. */
  pulled: number;
}

/** Runs `updates` updates of `accum` micro-batches each (cycling through the batches, from `first`), update n at lr n x LR. */
async function train(o: Partial<StepperOptions> & { accum: number; updates: number; first?: number; start?: StepperStart }): Promise<Trace> {
  const { accum, updates, first = 0, start = { adapters }, ...rest } = o;
  const stepper = await LoraStepper.create(m, set, start, { weightDecay: 1e-2, clip: 0, session: onTestDevice({ threads: 2 }), ...rest });
  const t: Trace = { losses: [], updates: [], bytes: [], adapters: new Map(), state: new Map(), steps: 0, pulled: 0 };
  try {
    assert.equal(stepper.resident, o.resident ?? true);
    stepper.transfers({ reset: true });
    let k = first;
    for (let u = 0; u < updates; u++) {
      for (let i = 0; i < accum; i++) {
        t.losses.push((await stepper.accumulate(batches[k++ % batches.length] as PaliGemmaBatch)).loss);
        t.bytes.push({ call: 'micro', ...stepper.transfers({ reset: true }) });
      }
      t.updates.push(await stepper.update(LR * (1 + stepper.steps)));
      t.bytes.push({ call: 'update', ...stepper.transfers({ reset: true }) });
    }
    await stepper.pull();
    t.pulled = stepper.transfers().toHost;
    Object.assign(t, { adapters: copy(stepper.adapters()), state: copy(stepper.optimizerState()), steps: stepper.steps });
    return t;
  } finally {
    await stepper.dispose();
  }
}

const batchBytes = (b: PaliGemmaBatch): number => Object.values(paligemmaFeeds(m.config, b)).reduce((n, t) => n + tensorBytes(t.dtype, t.size), 0);

it('copies per micro-batch and per update: exact bytes of the host and the device paths', { skip }, async () => {
  const [accum, updates] = [3, 2];
  const host = await train({ accum, updates, resident: false });
  const dev = await train({ accum, updates });
  const LOSS = 4; // the loss, a float32 scalar
  const expected = (device: boolean): Trace['bytes'] => {
    const out: Trace['bytes'] = [];
    for (let u = 0, k = 0; u < updates; u++) {
      for (let i = 0; i < accum; i++, k++) {
        const batch = batchBytes(batches[k % batches.length] as PaliGemmaBatch);
        if (!device) out.push({ call: 'micro', toDevice: batch + A, toHost: LOSS + A });
        // The adapters go up once; the accumulation weight (float32) from the second micro-batch of an update on.
        else out.push({ call: 'micro', toDevice: batch + (k === 0 ? A : 0) + (i > 0 ? 4 : 0), toHost: LOSS });
      }
      // lr, step (float64); host: adapters, gradients, m, v up and adapters, m, v down. Device: grad_scale and max_norm
      // up (float32), the global norm and clip factor down, and m and v up once (the first update).
      if (!device) out.push({ call: 'update', toDevice: 16 + 4 * A, toHost: 3 * A });
      else out.push({ call: 'update', toDevice: 16 + 8 + (u === 0 ? 2 * A : 0), toHost: 8 });
    }
    return out;
  };
  const strip = (b: Trace['bytes']) => b.map(({ call, toDevice, toHost }) => ({ call, toDevice, toHost }));
  assert.deepEqual(strip(host.bytes), expected(false));
  assert.deepEqual(strip(dev.bytes), expected(true));
  assert.equal(host.pulled, 0);
  assert.equal(dev.pulled, 3 * A); // adapters, m and v
  const mean = (t: Trace, call: string, k: 'toDevice' | 'toHost') => {
    const xs = t.bytes.filter((b) => b.call === call).slice(call === 'micro' ? accum : 1);
    return xs.reduce((n, b) => n + b[k], 0) / xs.length;
  };
  console.log(
    `adapters ${A} bytes; steady state per micro-batch up/down: host ${mean(host, 'micro', 'toDevice')}/${mean(host, 'micro', 'toHost')}, ` +
      `device ${mean(dev, 'micro', 'toDevice')}/${mean(dev, 'micro', 'toHost')}; per update: host ${mean(host, 'update', 'toDevice')}/` +
      `${mean(host, 'update', 'toHost')}, device ${mean(dev, 'update', 'toDevice')}/${mean(dev, 'update', 'toHost')}`,
  );
});

it('float16 on the device path: the loss scale goes up and the finite flag comes down per micro-batch, nothing else', { skip }, async () => {
  const t = await train({ accum: 2, updates: 2, dtype: 'float16' });
  const b = (k: number) => batchBytes(batches[k] as PaliGemmaBatch);
  assert.deepEqual(
    t.bytes.map(({ call, toDevice, toHost }) => ({ call, toDevice, toHost })),
    [
      { call: 'micro', toDevice: b(0) + A + 4, toHost: 8 },
      { call: 'micro', toDevice: b(1) + 4 + 4, toHost: 8 },
      { call: 'update', toDevice: 24 + 2 * A, toHost: 8 },
      { call: 'micro', toDevice: b(2) + 4, toHost: 8 },
      { call: 'micro', toDevice: b(3) + 4 + 4, toHost: 8 },
      { call: 'update', toDevice: 24, toHost: 8 },
    ],
  );
  assert.deepEqual(
    t.updates.map((u) => [u.applied, u.lossScale]),
    [
      [true, 2 ** 16],
      [true, 2 ** 16],
    ],
  );
  assert.equal(t.steps, 2);
});

it('one micro-batch per update, no clipping: the device path equals the host path bit for bit', { skip }, async () => {
  const host = await train({ accum: 1, updates: 4, resident: false });
  const dev = await train({ accum: 1, updates: 4 });
  assert.deepEqual(dev.losses, host.losses);
  assert.deepEqual(
    dev.updates.map((u) => u.clipScale),
    [1, 1, 1, 1],
  );
  assertSameBits(dev.adapters, host.adapters, 'adapters after 4 updates');
  assertSameBits(dev.state, host.state, 'AdamW state after 4 updates');
  // The norm: float32 on the device, float64 on the host.
  dev.updates.forEach((u, i) => assert.ok(Math.abs(u.gradNorm - host.updates[i]!.gradNorm) <= 1e-6 * host.updates[i]!.gradNorm));
});

it('with accumulation and clipping active the device path matches the host path within float rounding', { skip }, async () => {
  const o = { accum: 3, updates: 3, clip: 0.05, hostGradients: true };
  const host = await train({ ...o, resident: false });
  const dev = await train(o);
  // The first update's micro-batches see the same adapters: the same losses, bit for bit.
  assert.deepEqual(dev.losses.slice(0, 3), host.losses.slice(0, 3));
  const lossDiff = Math.max(...dev.losses.map((l, i) => Math.abs(l - host.losses[i]!) / host.losses[i]!));
  assert.ok(lossDiff <= 1e-6, `losses differ by ${lossDiff} (relative)`);
  let worstGrad = 0;
  dev.updates.forEach((u, k) => {
    const h = host.updates[k] as UpdateResult;
    assert.ok(h.clipScale < 0.5 && u.clipScale < 0.5, `update ${k + 1} is clipped (norms ${h.gradNorm}, ${u.gradNorm})`);
    assert.ok(Math.abs(u.gradNorm - h.gradNorm) <= 1e-5 * h.gradNorm, `update ${k + 1}: norm ${u.gradNorm} vs ${h.gradNorm}`);
    assert.ok(Math.abs(u.clipScale - h.clipScale) <= 1e-5 * h.clipScale);
    for (const [name, g] of h.grads!) {
      const rel = maxAbsDiff(u.grads!.get(name) as Float32Array, g) / absMax(g);
      assert.ok(rel <= 1e-5, `update ${k + 1} ${name}: applied gradients differ by ${rel} of the largest`);
      worstGrad = Math.max(worstGrad, rel);
    }
  });
  // Entries whose gradient was within rounding of zero in some update may have stepped the other way (the step bound
  // holds there: 2 lr per update, summed); everywhere else the adapters agree to a small fraction of a step.
  const floorGrads = new Map(
    [...host.updates[0]!.grads!.keys()].map((name) => {
      const n = host.adapters.get(name)!.length;
      const least = new Float32Array(n).fill(Infinity);
      for (const u of host.updates) {
        const g = u.grads!.get(name)!;
        const floor = 1e-4 * absMax(g);
        for (let i = 0; i < n; i++) least[i] = Math.min(least[i]!, Math.abs(g[i]!) >= floor ? Math.abs(g[i]!) / absMax(g) : 0);
      }
      return [name, least];
    }),
  );
  const p = assertAfterFirstStep('device vs host after 3 updates', dev.adapters, host.adapters, floorGrads, {
    lr: LR * (1 + 2 + 3),
    floor: () => 1e-4,
    tol: () => 1e-3 * LR,
  });
  console.log(
    `accumulation 3 x 2 examples, clip 0.05 (scales ${host.updates.map((u) => u.clipScale.toFixed(3)).join(', ')}): applied gradients within ` +
      `${worstGrad.toExponential(2)} of the largest, losses within ${lossDiff.toExponential(2)} (relative), adapters after 3 updates within ${p.worst.toExponential(2)} ` +
      `(${p.illConditioned} entries held to the step bound)`,
  );
});

it('a device run restarted from pulled adapters and state ends bit for bit like the uninterrupted one', { skip }, async () => {
  const o = { accum: 2, clip: 0.05 };
  const whole = await train({ ...o, updates: 4 });
  const half = await train({ ...o, updates: 2 });
  const rest = await train({ ...o, updates: 2, first: 4, start: { adapters: half.adapters, optimizer: half.state, steps: half.steps } });
  assert.equal(rest.steps, 4);
  assert.deepEqual([...half.losses, ...rest.losses], whole.losses);
  assertSameBits(rest.adapters, whole.adapters, 'adapters');
  assertSameBits(rest.state, whole.state, 'AdamW state');
});

it('finetunePaligemma on WebGPU resumed after its first epoch ends as the uninterrupted run', { skip }, async () => {
  const config: FinetuneConfigInput = {
    lr: 3e-3,
    epochs: 2,
    batchSize: 2,
    gradAccum: 2,
    clip: 0.05,
    lora: { r: 4, alpha: 8 },
    zeroShot: false,
    maxNewTokens: 4,
    threads: 2,
    device: 'webgpu',
  };
  const run = (out: string, epochBudget?: number) =>
    finetunePaligemma({
      out,
      base: data.model,
      train: { records: data.train.records.slice(0, 8), images: data.train.images },
      val: { records: data.val.records.slice(0, 4), images: data.val.images },
      config,
      ...(epochBudget !== undefined ? { epochBudget } : {}),
    });
  const withoutTime = (h: FinetuneEpoch[]) => h.map(({ seconds: _, ...rest }) => rest);
  const [whole, parts] = [join(data.dir, 'resident-whole'), join(data.dir, 'resident-parts')];
  const uninterrupted = await run(whole);
  assert.equal((await run(parts, 1)).completed, false);
  const resumed = await run(parts);
  assert.equal(resumed.completed, true);
  assert.deepEqual(withoutTime(resumed.history), withoutTime(uninterrupted.history));
  for (const file of ['params.safetensors', 'optimizer.safetensors']) {
    const a = await readSafetensors(join(whole, 'checkpoints', 'epoch-0002', file));
    const b = await readSafetensors(join(parts, 'checkpoints', 'epoch-0002', file));
    assert.equal(a.size, b.size);
    for (const [name, t] of a) assert.deepEqual(b.get(name)?.data, t.data, `${file}: ${name}`);
  }
});
