/**
 * The heads' trainer on a GPU device (run by `npm run test:webgpu`; skipped on the CPU, where test/train/trainer.test.ts
 * covers it): the parameters and Adam's state stay on the device through each epoch (TrainSession `residentState`)
 * and come to the host once per epoch for evaluation and the checkpoint. An interrupted run resumes from that
 * checkpoint to the same history and best parameters as an uninterrupted one, and the losses follow the CPU's within
 * float rounding (the providers' kernels round differently).
 */

import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Device } from '../../src/engine/device.js';
import { trainConfig } from '../../src/train/config.js';
import { trainHead, type EpochRecord } from '../../src/train/trainer.js';
import { sampleWithFeatures } from '../helpers/sample-features.js';
import { onTestDevice, TEST_DEVICE } from '../helpers/device.js';

const EPOCHS = 3;

/** `on`: the device to train on - the test device (`onTestDevice`) or the CPU it is compared with. */
async function train(on: { device: Device }, out: string, epochBudget?: number) {
  const data = await sampleWithFeatures();
  return trainHead({
    out,
    config: trainConfig('clip-linear', { epochs: EPOCHS, lr: 0.005, seed: 5, threads: 1, device: on.device }),
    train: { records: data.train.records, features: data.train.features, source: data.train.featuresFile },
    val: { records: data.val.records, features: data.val.features, source: data.val.featuresFile },
    ...(epochBudget !== undefined ? { epochBudget } : {}),
  });
}

const withoutTime = (h: EpochRecord[]) => h.map(({ seconds: _s, ...rest }) => rest);

describe(`training a head on ${TEST_DEVICE}`, { skip: TEST_DEVICE === 'cpu' && 'VIZWIZ_DEVICE is cpu (test/train/trainer.test.ts covers it)' }, () => {
  it('resumes to the uninterrupted history and best parameters, with losses within rounding of the CPU', async () => {
    const whole = await mkdtemp(join(tmpdir(), 'vizwiz-dev-whole-'));
    const parts = await mkdtemp(join(tmpdir(), 'vizwiz-dev-parts-'));
    const uninterrupted = await train(onTestDevice(), whole);
    assert.equal(uninterrupted.completed, true);
    const first = await train(onTestDevice(), parts, 1);
    assert.equal(first.completed, false);
    const resumed = await train(onTestDevice(), parts);
    assert.equal(resumed.completed, true);
    assert.deepEqual(withoutTime(resumed.history), withoutTime(uninterrupted.history));
    assert.deepEqual(await readFile(join(parts, 'best', 'params.safetensors')), await readFile(join(whole, 'best', 'params.safetensors')));

    const cpu = await train({ device: 'cpu' }, await mkdtemp(join(tmpdir(), 'vizwiz-dev-cpu-')));
    cpu.history.forEach((h, i) => {
      const d = uninterrupted.history[i]!;
      assert.ok(Math.abs(d.trainLoss - h.trainLoss) <= 1e-4 * h.trainLoss, `epoch ${i + 1} train loss ${d.trainLoss} vs CPU ${h.trainLoss}`);
      assert.ok(Math.abs(d.valLoss - h.valLoss) <= 1e-4 * h.valLoss, `epoch ${i + 1} val loss ${d.valLoss} vs CPU ${h.valLoss}`);
    });
  });
});
