/** Answerability average precision and F1, on hand-worked examples (values checked against scikit-learn 1.2). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answerabilityScores, averagePrecision, f1Score, pyRound } from '../../src/eval/index.js';

test('average precision: sum over thresholds of (R_n - R_{n-1}) * P_n', () => {
  // thresholds 0.9 (P=1, R=.5), 0.8 (P=.5), 0.7 (P=2/3, R=1), 0.6: AP = .5*1 + .5*2/3
  assert.equal(averagePrecision([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.6]), 0.8333333333333333);
});

test('average precision: tied scores enter together, whatever their order', () => {
  assert.equal(averagePrecision([1, 0, 1, 0], [0.9, 0.9, 0.5, 0.5]), 0.5);
  assert.equal(averagePrecision([0, 1, 1, 0], [0.9, 0.9, 0.5, 0.5]), 0.5);
  assert.equal(averagePrecision([1, 1, 0], [0.2, 0.2, 0.2]), 0.6666666666666666);
});

test('average precision without any positive label is (minus) zero, as scikit-learn returns', () => {
  assert.ok(Object.is(averagePrecision([0, 0, 0], [0.1, 0.5, 0.9]), -0));
});

test('F1 of binary predictions, 0 when undefined', () => {
  assert.equal(f1Score([1, 1, 0, 0], [true, false, true, false]), 0.5);
  assert.equal(f1Score([0, 0], [false, false]), 0);
  assert.equal(f1Score([1, 0, 0], [true, true, true]), 0.5);
});

test('unanswerable is the positive class; a confidence of exactly 0.5 counts as answerable (score > 0.5)', () => {
  // labels (unanswerable) [0,1,0,0], scores 1 - conf = [.5, .5, .8, 0]
  const scores = answerabilityScores([1, 0, 1, 1], [0.5, 0.5, 0.2, 1.0]);
  assert.equal(scores.average_precision, 1 / 3);
  assert.equal(scores.f1, 0);
  const perfect = answerabilityScores([0, 1, 0, 1], [0.1, 0.9, 0.4999, 1]);
  assert.deepEqual(perfect, { average_precision: 1, f1: 1 });
  assert.equal(pyRound(100 * scores.average_precision, 2), 33.33);
});
