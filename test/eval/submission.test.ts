/** Submission files: validation messages, matching to annotations, atomic writing. */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { VizWizError } from '../../src/errors.js';
import { matchPredictions, parseSubmission, parseSubmissionText, readSubmission, writeSubmission } from '../../src/eval/index.js';

function throwsInvalid(fn: () => unknown, message: string | RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof VizWizError);
    assert.equal(err.code, 'INVALID_PREDICTIONS');
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

test('accepts the official format, with and without answerable', () => {
  const preds = parseSubmission(
    [
      { image: 'a.jpg', answer: 'dog', answerable: 0.25 },
      { image: 'b.jpg', answer: '', extra: 'ignored' },
    ],
    'p.json',
  );
  assert.deepEqual(preds, [
    { image: 'a.jpg', answer: 'dog', answerable: 0.25 },
    { image: 'b.jpg', answer: '' },
  ]);
});

test('not JSON, or not an array', () => {
  throwsInvalid(() => parseSubmissionText('{oops', 'p.json'), /^p\.json: not valid JSON \(.+\)$/);
  throwsInvalid(() => parseSubmission({ image: 'a' }, 'p.json'), 'p.json: expected a JSON array of predictions, got an object');
});

test('schema problems name the entry index, the image and the field', () => {
  const entries = [
    { image: 'a.jpg', answer: 5 },
    { answer: 'x' },
    { image: '', answer: 'y' },
    { image: 'b.jpg', answer: 'z', answerable: 1.5 },
    { image: 'c.jpg', answer: 'z', answerable: -0.1 },
    { image: 'd.jpg', answer: 'z', answerable: '0.5' },
    { image: 'e.jpg', answer: 'z', answerable: true },
    7,
    null,
  ];
  throwsInvalid(
    () => parseSubmission(entries, 'p.json'),
    'p.json: 9 problems: entry 0 (a.jpg): answer: expected string, got 5; entry 1 (no image name): image: missing; ' +
      'entry 2 (no image name): image: must be a non-empty file name; ' +
      'entry 3 (b.jpg): answerable: must be a confidence between 0 and 1, got 1.5; ' +
      'entry 4 (c.jpg): answerable: must be a confidence between 0 and 1, got -0.1; ' +
      'entry 5 (d.jpg): answerable: expected number, got "0.5"; entry 6 (e.jpg): answerable: expected number, got true; ' +
      'entry 7 (no image name): (entry): expected object, got 7; entry 8 (no image name): (entry): expected object, got null',
  );
});

test('more than 10 schema problems are counted, not listed', () => {
  const entries = Array.from({ length: 12 }, (_, i) => ({ image: `i${i}.jpg` }));
  throwsInvalid(
    () => parseSubmission(entries, 'p.json'),
    /^p\.json: 12 problems: entry 0 \(i0\.jpg\): answer: missing; .*entry 9 \(i9\.jpg\): answer: missing; and 2 more$/,
  );
});

test('duplicate images are listed once each', () => {
  const entries = ['a', 'a', 'b', 'b', 'a'].map((image) => ({ image, answer: '' }));
  throwsInvalid(() => parseSubmission(entries, 'p.json'), 'p.json: 2 images are predicted more than once: a, b');
  throwsInvalid(
    () =>
      parseSubmission(
        [
          { image: 'a', answer: '' },
          { image: 'a', answer: 'x' },
        ],
        'p.json',
      ),
    'p.json: 1 image is predicted more than once: a',
  );
});

test('missing and unknown images are listed (first 10 and a count)', () => {
  const questions = Array.from({ length: 13 }, (_, i) => ({ image: `q${i}`, question: '?' }));
  throwsInvalid(
    () =>
      matchPredictions(
        questions,
        [
          { image: 'q0', answer: '' },
          { image: 'zz', answer: '' },
        ],
        'p.json',
      ),
    'p.json: 12 of 13 annotated images have no prediction: q1, q2, q3, q4, q5, q6, q7, q8, q9, q10 (and 2 more); ' +
      '1 predicted image is not in the annotations: zz',
  );
  throwsInvalid(
    () => matchPredictions(questions.slice(0, 2), [{ image: 'q0', answer: '' }], 'p.json'),
    'p.json: 1 of 2 annotated images has no prediction: q1',
  );
  throwsInvalid(
    () =>
      matchPredictions(
        questions.slice(0, 1),
        [
          { image: 'q0', answer: '' },
          { image: 'x', answer: '' },
          { image: 'y', answer: '' },
        ],
        'p.json',
      ),
    'p.json: 2 predicted images are not in the annotations: x, y',
  );
});

test('matchPredictions orders predictions like the annotations', () => {
  const questions = [
    { image: 'b', question: '?' },
    { image: 'a', question: '?' },
  ];
  const matched = matchPredictions(
    questions,
    [
      { image: 'a', answer: '1' },
      { image: 'b', answer: '2' },
    ],
    'p.json',
  );
  assert.deepEqual(
    matched.map((p) => p.answer),
    ['2', '1'],
  );
});

test('writeSubmission writes atomically and reads back; a missing file is NOT_FOUND', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vizwiz-sub-'));
  try {
    const file = join(dir, 'sub', 'preds.json');
    const preds = [
      { image: 'a.jpg', answer: 'dog', answerable: 0.5 },
      { image: 'b.jpg', answer: 'no' },
    ];
    await writeSubmission(file, preds);
    assert.deepEqual(await readSubmission(file), preds);
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), preds);
    assert.deepEqual(await readdir(join(dir, 'sub')), ['preds.json']);
    await assert.rejects(writeSubmission(file, [{ image: 'a.jpg', answer: 'x', answerable: 2 }]), VizWizError);
    await assert.rejects(readSubmission(join(dir, 'nope.json')), (err: unknown) => {
      assert.ok(err instanceof VizWizError);
      assert.equal(err.code, 'NOT_FOUND');
      assert.equal(err.message, `${join(dir, 'nope.json')}: cannot read predictions (file not found)`);
      return true;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
