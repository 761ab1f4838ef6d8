/**
 * The host side of loss scaling (engine/loss-scale.ts) follows torch.cuda.amp.GradScaler: init 2^16, halve on a
 * non-finite step (and restart the count), double after `interval` finite steps in a row; a static scale never moves;
 * bad settings are refused with the field named.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LOSS_SCALE_DEFAULTS, LossScaler } from '../../src/engine/loss-scale.js';

test('GradScaler defaults: 2^16, x2 every 2000 finite steps, x0.5 on overflow', () => {
  assert.deepEqual({ ...LOSS_SCALE_DEFAULTS }, { init: 65536, dynamic: true, growth: 2, backoff: 0.5, interval: 2000 });
  const s = new LossScaler();
  for (let i = 0; i < 1999; i++) s.update(true);
  assert.equal(s.scale, 65536);
  s.update(true);
  assert.deepEqual(s.state, { scale: 131072, goodSteps: 0 });
  s.update(false);
  assert.deepEqual(s.state, { scale: 65536, goodSteps: 0 });
});

test('an overflow restarts the count of finite steps', () => {
  const s = new LossScaler({ init: 8, interval: 3 });
  s.update(true);
  s.update(true);
  s.update(false); // 4, count 0
  s.update(true);
  s.update(true);
  assert.equal(s.scale, 4);
  s.update(true);
  assert.equal(s.scale, 8);
});

test('a static scale never changes; a resumed scaler continues from its state', () => {
  const fixed = new LossScaler({ init: 1024, dynamic: false });
  fixed.update(false);
  fixed.update(true);
  assert.equal(fixed.scale, 1024);
  const resumed = new LossScaler({ interval: 2 }, { scale: 32, goodSteps: 1 });
  resumed.update(true);
  assert.equal(resumed.scale, 64);
});

test('bad settings are refused, naming the field', () => {
  assert.throws(() => new LossScaler({ init: 0 }), /init must be/);
  assert.throws(() => new LossScaler({ backoff: 2 }), /backoff must be/);
  assert.throws(() => new LossScaler({ growth: 0.5 }), /growth must be/);
  assert.throws(() => new LossScaler({ interval: 1.5 }), /interval must be/);
});
