/** Per-question VizWiz accuracy: the official leave-one-out steps and the seed variant. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VizWizAnswer } from '../../src/data/types.js';
import { allAnswersAccuracy, leaveOneOutAccuracy, questionAccuracy } from '../../src/eval/index.js';

/** Ten answers, the first `n` equal to `match`. */
function answers(n: number, match = 'dog', other = 'cat'): VizWizAnswer[] {
  return Array.from({ length: 10 }, (_, i) => ({ answer: i < n ? match : other, answer_confidence: 'yes' }));
}

const close = (actual: number, expected: number): void => assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} vs ${expected}`);

test('official metric: 0, 0.3, 0.6, 0.9, then 1.0 from 4 matches on', () => {
  const expected = [0, 0.3, 0.6, 0.9, 1, 1, 1, 1, 1, 1, 1];
  expected.forEach((value, n) => close(questionAccuracy('dog', answers(n)), value));
});

test('seed metric: min(1, n/3) = 0.333, 0.667, 1.0', () => {
  const expected = [0, 1 / 3, 2 / 3, 1, 1, 1, 1, 1, 1, 1, 1];
  expected.forEach((value, n) => assert.equal(questionAccuracy('dog', answers(n), { metric: 'seed' }), value));
});

test('the prediction is normalised, the ground truth is used as it is (official)', () => {
  close(questionAccuracy('A Dog.', answers(3)), 0.9);
  assert.equal(questionAccuracy('dog', answers(10, 'Dog')), 0);
  assert.equal(questionAccuracy('dog', answers(10, 'dog.')), 0);
});

test('normalizeGroundTruth normalises the crowd answers with the same function', () => {
  assert.equal(questionAccuracy('dog', answers(10, 'The Dog.'), { normalizeGroundTruth: true }), 1);
  close(questionAccuracy('coca cola', answers(2, 'Coca-Cola'), { normalizeGroundTruth: true }), 0.6);
  assert.equal(questionAccuracy('coca cola', answers(2, 'Coca-Cola'), { normalizeGroundTruth: true, metric: 'seed' }), 2 / 3);
});

test('leave-one-out sums in answer order like Python (bit-exact doubles)', () => {
  // Python: sum([2/3, 1, 1, 2/3, 1, 1, 2/3, 1, 1, 1]) / 10 == 0.9 and sum([1/3]*9 + [0]) / 10 == 0.3
  const three = ['x', 'y', 'y', 'x', 'y', 'y', 'x', 'y', 'y', 'y'];
  assert.equal(leaveOneOutAccuracy('x', three), 0.9);
  assert.equal(leaveOneOutAccuracy('x', ['x', ...Array<string>(9).fill('y')]), 0.3);
  assert.equal(allAnswersAccuracy('x', three), 1);
});
