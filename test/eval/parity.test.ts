/**
 * Parity with the official VizWiz-VQA evaluation code (vqaEval.py of the VizWiz API), run on a trap-filled fixture
 * (see test/fixtures/eval-parity/README.md): every normalised prediction, every per-question accuracy bit for bit,
 * and every printed aggregate to the last digit, for the official metric, --normalize-gt and the seed variant.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAnnotationsText } from '../../src/data/annotations.js';
import { evaluate, matchPredictions, normalizeAnswer, parseSubmissionText, pyRound } from '../../src/eval/index.js';
import type { EvaluationResult } from '../../src/eval/index.js';

const dir = join(import.meta.dirname, '..', 'fixtures', 'eval-parity');
const read = (name: string): string => readFileSync(join(dir, name), 'utf8');

interface Expected {
  printed: string[];
  official: { accuracy: { overall: number; perAnswerType: Record<string, number> }; unanswerability: Record<string, number> };
  normalizeGroundTruth: { accuracy: { overall: number; perAnswerType: Record<string, number> }; printed: string[] };
  seed: Record<string, number | null>;
  perQuestion: Record<string, [number, number, number]>;
  normalizedPredictions: Record<string, string>;
}

const expected = JSON.parse(read('expected.json')) as Expected;
const records = parseAnnotationsText(read('annotations.json'), 'annotations.json', 'answered');
const submission = parseSubmissionText(read('predictions.json'), 'predictions.json');
const predictions = matchPredictions(records, submission, 'predictions.json');

/** The lines the official demo script prints ("%.02f"), per answer type in first-seen order. */
function printedLines(result: EvaluationResult, withAnswerability: boolean): string[] {
  const seen: string[] = [];
  for (const q of result.perQuestion) if (!seen.includes(q.answer_type)) seen.push(q.answer_type);
  const lines = [`Overall Accuracy is: ${result.overall.toFixed(2)}\n`];
  for (const type of seen) lines.push(`${type} : ${result.perAnswerType[type as keyof typeof result.perAnswerType]!.toFixed(2)}`);
  if (withAnswerability) {
    lines.push(`Average precision: ${result.answerability!.average_precision.toFixed(2)}`);
    lines.push(`F1 score: ${result.answerability!.f1.toFixed(2)}`);
  }
  return lines;
}

test('fixture is large and complete', () => {
  assert.ok(records.length >= 2000);
  assert.equal(Object.keys(expected.perQuestion).length, records.length);
});

test('normalisation equals the official one for every prediction', () => {
  let checked = 0;
  for (const p of submission) {
    assert.equal(normalizeAnswer(p.answer), expected.normalizedPredictions[p.image], JSON.stringify(p.answer));
    checked++;
  }
  assert.equal(checked, records.length);
});

test('official metric: per-question accuracies bit for bit, printed output to the last digit', () => {
  const result = evaluate(records, predictions, { metric: 'official' });
  for (const q of result.perQuestion) assert.equal(q.accuracy, expected.perQuestion[q.image]![0], q.image);
  assert.deepEqual(printedLines(result, true), expected.printed);
  assert.equal(result.overall, expected.official.accuracy.overall);
  for (const [type, value] of Object.entries(expected.official.accuracy.perAnswerType)) {
    assert.equal(result.perAnswerType[type as keyof typeof result.perAnswerType], value, type);
  }
  assert.deepEqual(result.answerability, {
    average_precision: expected.official.unanswerability.average_precision,
    f1: expected.official.unanswerability.f1_score,
  });
});

test('--normalize-gt equals the official code run on pre-normalised ground truth', () => {
  const result = evaluate(records, predictions, { metric: 'official', normalizeGroundTruth: true });
  for (const q of result.perQuestion) assert.equal(q.accuracy, expected.perQuestion[q.image]![1], q.image);
  assert.deepEqual(printedLines(result, false), expected.normalizeGroundTruth.printed.slice(0, -2));
  assert.equal(result.overall, expected.normalizeGroundTruth.accuracy.overall);
});

test('seed metric equals min(1, n/3) computed with the official normaliser', () => {
  const result = evaluate(records, predictions, { metric: 'seed' });
  for (const q of result.perQuestion) assert.equal(q.accuracy, expected.perQuestion[q.image]![2], q.image);
  assert.equal(result.overall, expected.seed['overall']);
  for (const type of ['other', 'yes/no', 'number', 'unanswerable'] as const) {
    assert.equal(result.perAnswerType[type], expected.seed[type], type);
  }
});

test("pyRound equals Python's round(x, 2) and its %.2f printing, exact ties included", () => {
  const cases = JSON.parse(read('round-cases.json')) as [number, number, string][];
  assert.ok(cases.length > 800);
  for (const [x, rounded, printed] of cases) {
    assert.equal(pyRound(x, 2), rounded, String(x));
    assert.equal(pyRound(x, 2).toFixed(2), printed, String(x));
  }
});
