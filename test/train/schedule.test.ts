import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { learningRate, warmupSteps } from '../../src/train/schedule.js';

describe('learning-rate schedules', () => {
  it('constant stays at lr', () => {
    assert.deepEqual(
      [0, 5, 99].map((s) => learningRate({ kind: 'constant', lr: 0.005 }, s, 100)),
      [0.005, 0.005, 0.005],
    );
  });

  it('cosine warms up linearly, peaks, and decays to minLr', () => {
    const c = { kind: 'cosine' as const, lr: 1e-4, warmup: 0.05 };
    assert.equal(warmupSteps(c, 200), 10);
    assert.equal(learningRate(c, 0, 200), 1e-5);
    assert.equal(learningRate(c, 9, 200), 1e-4);
    assert.equal(learningRate(c, 10, 200), 1e-4);
    assert.ok(Math.abs(learningRate(c, 105, 200) - 5e-5) < 1e-12);
    assert.equal(learningRate(c, 200, 200), 0);
  });

  it('linear decays to minLr without warmup', () => {
    const c = { kind: 'linear' as const, lr: 1, minLr: 0.5 };
    assert.deepEqual(
      [0, 50, 100].map((s) => learningRate(c, s, 100)),
      [1, 0.75, 0.5],
    );
  });
});
