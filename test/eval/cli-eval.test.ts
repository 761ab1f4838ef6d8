/** `vizwiz eval` end to end: the --json object, the table, and a one-line error with a non-zero exit. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { record } from '../helpers/records.js';

const root = join(import.meta.dirname, '..', '..');
const parity = join(root, 'test', 'fixtures', 'eval-parity');
let dir = '';

function vizwiz(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, CI: '1' },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vizwiz-cli-eval-'));
  await writeFile(
    join(dir, 'ann.json'),
    JSON.stringify([record('a.jpg', ['dog'], { answer_type: 'other' }), record('b.jpg', ['2'], { answer_type: 'number' })]),
  );
  await writeFile(
    join(dir, 'preds.json'),
    JSON.stringify([
      { image: 'a.jpg', answer: 'Dog.' },
      { image: 'b.jpg', answer: 'two' },
    ]),
  );
  await writeFile(
    join(dir, 'bad.json'),
    JSON.stringify([
      { image: 'a.jpg', answer: 'dog' },
      { image: 'x.jpg', answer: '' },
    ]),
  );
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('--json prints exactly one JSON object equal to the official numbers', () => {
  const run = vizwiz('eval', '--annotations', join(parity, 'annotations.json'), '--predictions', join(parity, 'predictions.json'), '--json');
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  assert.equal(lines.length, 1);
  assert.deepEqual(JSON.parse(lines[0]!), {
    metric: 'official',
    normalizeGroundTruth: false,
    overall: 40.57,
    perAnswerType: { other: 35.92, 'yes/no': 40.62, number: 41.53, unanswerable: 44.11 },
    answerability: { average_precision: 32.25, f1: 37.52 },
  });
});

test('--metric seed --normalize-gt without answerable confidences', () => {
  const run = vizwiz('eval', '--annotations', join(dir, 'ann.json'), '--predictions', join(dir, 'preds.json'), '--metric', 'seed', '--normalize-gt', '--json');
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), {
    metric: 'seed',
    normalizeGroundTruth: true,
    overall: 100,
    perAnswerType: { other: 100, 'yes/no': null, number: 100, unanswerable: null },
  });
});

test('the default output is a readable table', () => {
  const run = vizwiz('eval', '--annotations', join(dir, 'ann.json'), '--predictions', join(dir, 'preds.json'));
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^metric: official \(leave-one-out over 10 annotators\)\nquestions: 2\noverall +100\.00\n/);
});

test('bad predictions: exit 1 and one line on stderr', () => {
  const run = vizwiz('eval', '--annotations', join(dir, 'ann.json'), '--predictions', join(dir, 'bad.json'), '--json');
  assert.equal(run.status, 1);
  assert.equal(run.stdout, '');
  assert.equal(
    run.stderr,
    `vizwiz: ${join(dir, 'bad.json')}: 1 of 2 annotated images has no prediction: b.jpg; 1 predicted image is not in the annotations: x.jpg\n`,
  );
});

test('an unknown metric is a usage error', () => {
  const run = vizwiz('eval', '--annotations', 'a', '--predictions', 'p', '--metric', 'nope');
  assert.equal(run.status, 2);
  assert.match(run.stderr, /nope/);
});

test('the test split (no answers): one message saying so and that evaluation needs train or val annotations', async () => {
  const split = join(dir, 'test.json');
  const questions = Array.from({ length: 45 }, (_, i) => ({ image: `VizWiz_test_${String(i).padStart(8, '0')}.jpg`, question: 'What is it?' }));
  await writeFile(split, JSON.stringify(questions));
  await writeFile(join(dir, 'test-preds.json'), JSON.stringify(questions.map((q) => ({ image: q.image, answer: 'x' }))));
  const run = vizwiz('eval', '--annotations', split, '--predictions', join(dir, 'test-preds.json'));
  assert.equal(run.status, 1);
  assert.equal(run.stdout, '');
  assert.equal(
    run.stderr,
    `vizwiz: ${split}: has no answers (its 45 entries carry only image and question, like the test split): ` + 'evaluation needs train or val annotations\n',
  );
});
