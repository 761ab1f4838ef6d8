/** Whole-set scoring: reported percentages, answer types, answerability presence. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Prediction } from '../../src/data/types.js';
import { VizWizError } from '../../src/errors.js';
import { evaluate, formatEvaluationTable, reportedPercent, summarize } from '../../src/eval/index.js';
import { record } from '../helpers/records.js';

const records = [
  record('a.jpg', ['dog'], { answer_type: 'other' }),
  record('b.jpg', [...Array<string>(9).fill('yes'), 'no'], { answer_type: 'yes/no' }),
  record('c.jpg', ['unanswerable'], { answer_type: 'unanswerable', answerable: 0 }),
];

test('overall and per-type percentages, official metric', () => {
  const preds: Prediction[] = [
    { image: 'a.jpg', answer: 'A dog.', answerable: 0.9 },
    { image: 'b.jpg', answer: 'No', answerable: 0.8 },
    { image: 'c.jpg', answer: 'Unanswerable', answerable: 0.1 },
  ];
  const result = evaluate(records, preds);
  assert.equal(result.metric, 'official');
  assert.deepEqual(
    result.perQuestion.map((q) => q.accuracy),
    [1, 0.3, 1],
  );
  assert.equal(result.overall, 76.67);
  assert.deepEqual(result.perAnswerType, { other: 100, 'yes/no': 30, number: null, unanswerable: 100 });
  assert.deepEqual(result.answerability, { average_precision: 100, f1: 100 });
  assert.deepEqual(Object.keys(summarize(result)), ['metric', 'normalizeGroundTruth', 'overall', 'perAnswerType', 'answerability']);
  const table = formatEvaluationTable(result);
  assert.match(table, /^metric: official \(leave-one-out over 10 annotators\)\n/);
  assert.match(table, /\nyes\/no +30\.00\n/);
  assert.match(table, /\nnumber +-\n/);
  assert.match(table, /\nanswerability AP +100\.00\n/);
});

test('seed metric and no answerability when a prediction lacks answerable', () => {
  const preds: Prediction[] = [
    { image: 'a.jpg', answer: 'dog', answerable: 1 },
    { image: 'b.jpg', answer: 'no' },
    { image: 'c.jpg', answer: 'cat', answerable: 0 },
  ];
  const result = evaluate(records, preds, { metric: 'seed' });
  assert.equal(result.overall, 44.44);
  assert.equal(result.perAnswerType['yes/no'], 33.33);
  assert.equal(result.answerability, undefined);
  assert.equal('answerability' in summarize(result), false);
});

test('reported percentages use Python rounding of 100*sum/count', () => {
  // exact binary ties go to even (toFixed would give 15.63 and 3.13); a near-tie rounds by its exact value
  assert.equal(reportedPercent([1, 0.25, 0, 0, 0, 0, 0, 0]), 15.62);
  assert.equal(reportedPercent([1, 1, 0.3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 14.37);
  assert.equal(reportedPercent([0.25, 0, 0, 0, 0, 0, 0, 0]), 3.12);
  assert.equal(reportedPercent([1 / 3, 1 / 3, 1 / 3]), 33.33);
});

test('predictions must be aligned with the records', () => {
  assert.throws(() => evaluate(records, []), VizWizError);
  const swapped = [
    { image: 'b.jpg', answer: '' },
    { image: 'a.jpg', answer: '' },
    { image: 'c.jpg', answer: '' },
  ];
  assert.throws(() => evaluate(records, swapped), /prediction 0 is for b\.jpg, expected a\.jpg/);
});
