import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadAnnotations, loadQuestions, parseAnnotations, parseAnnotationsText } from '../../src/data/annotations.js';
import { VizWizError } from '../../src/errors.js';
import { record } from '../helpers/records.js';

const good = record('VizWiz_train_00000000.jpg', ['red']);

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof VizWizError, `expected a VizWizError, got ${String(err)}`);
    assert.equal(err.code, 'INVALID_ANNOTATIONS');
    return err.message;
  }
  assert.fail('expected an error');
}

describe('annotation validation', () => {
  it('accepts a well-formed train entry and a bare test entry', () => {
    assert.deepEqual(parseAnnotations([good], 'train.json', 'answered'), [good]);
    const q = { image: 'VizWiz_test_00000000.jpg', question: 'What is it?' };
    assert.deepEqual(parseAnnotations([q], 'test.json', 'questions'), [q]);
  });

  it('reads test entries (no answers) as questions, keeping only image and question', () => {
    assert.deepEqual(parseAnnotations([good], 'val.json', 'questions'), [{ image: good.image, question: good.question }]);
  });

  it('names the file, entry index, image and field of every problem', () => {
    const entries = [
      good,
      { ...good, image: 'b.jpg', answers: good.answers.slice(1) },
      { ...good, image: 'c.jpg', answer_type: 'foo', answerable: 2 },
      { image: 3 },
      good,
      { ...good, image: 'd.jpg', answers: [...good.answers.slice(1), { answer: 5, answer_confidence: 'perhaps' }] },
    ];
    assert.equal(
      messageOf(() => parseAnnotations(entries, 'train.json', 'answered')),
      'train.json: 11 problems: ' +
        'entry 1 (b.jpg): answers: expected 10 answers, got 9; ' +
        'entry 2 (c.jpg): answer_type: expected one of "other", "yes/no", "number", "unanswerable", got "foo"; ' +
        'entry 2 (c.jpg): answerable: expected 0 or 1, got 2; ' +
        'entry 3 (no image name): image: expected string, got 3; ' +
        'entry 3 (no image name): question: missing; ' +
        'entry 3 (no image name): answers: missing; ' +
        'entry 3 (no image name): answer_type: missing; ' +
        'entry 3 (no image name): answerable: missing; ' +
        'entry 4 (VizWiz_train_00000000.jpg): image: duplicate of entry 0; ' +
        'entry 5 (d.jpg): answers[9].answer: expected string, got 5; ' +
        'and 1 more',
    );
  });

  it('reports a single problem in the singular, with the confidence field named', () => {
    const bad = { ...good, answers: [{ answer: 'x', answer_confidence: 'sure' }, ...good.answers.slice(1)] };
    assert.equal(
      messageOf(() => parseAnnotations([bad], 'val.json', 'answered')),
      'val.json: 1 problem: entry 0 (VizWiz_train_00000000.jpg): answers[0].answer_confidence: ' + 'expected one of "yes", "maybe", "no", got "sure"',
    );
  });

  it('rejects an empty image name and a non-array file', () => {
    assert.equal(
      messageOf(() => parseAnnotations([{ image: '', question: 'q' }], 'test.json', 'questions')),
      'test.json: 1 problem: entry 0 (): image: must be a non-empty file name',
    );
    assert.equal(
      messageOf(() => parseAnnotations({ images: [] }, 'test.json', 'questions')),
      'test.json: expected a JSON array of entries, got object',
    );
  });

  it('rejects text that is not JSON', () => {
    const msg = messageOf(() => parseAnnotationsText('[{"image": ', 'train.json', 'answered'));
    assert.match(msg, /^train\.json: not valid JSON \(/);
  });

  it('loads files from disk and reports a missing file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vizwiz-ann-'));
    const file = join(dir, 'train.json');
    await writeFile(file, JSON.stringify([good]));
    assert.deepEqual(await loadAnnotations(file), [good]);
    assert.equal((await loadQuestions(file)).length, 1);
    await assert.rejects(loadAnnotations(join(dir, 'nope.json')), {
      name: 'VizWizError',
      code: 'NOT_FOUND',
      message: `${join(dir, 'nope.json')}: cannot read annotations (file not found)`,
    });
  });
});

describe('annotation files that are not what they should be', () => {
  it('reports `answers: "yes"` once', () => {
    assert.equal(
      messageOf(() => parseAnnotations([{ ...good, answers: 'yes' }], 'train.json', 'answered')),
      'train.json: 1 problem: entry 0 (VizWiz_train_00000000.jpg): answers: expected array, got "yes"',
    );
  });

  it('still reports both a bad answer and a wrong count in one array', () => {
    const answers = [...good.answers.slice(2), { answer: 5, answer_confidence: 'yes' }];
    assert.equal(
      messageOf(() => parseAnnotations([{ ...good, answers }], 'train.json', 'answered')),
      'train.json: 2 problems: entry 0 (VizWiz_train_00000000.jpg): answers[8].answer: expected string, got 5; ' +
        'entry 0 (VizWiz_train_00000000.jpg): answers: expected 10 answers, got 9',
    );
  });

  it('refuses an empty array, for answered and question files alike', () => {
    const expected = 'val.json: the file holds no entries (an empty array): give a VizWiz annotation file with at least one question';
    assert.equal(
      messageOf(() => parseAnnotationsText('[]', 'val.json', 'answered')),
      expected,
    );
    assert.equal(
      messageOf(() => parseAnnotationsText('[]', 'val.json', 'questions')),
      expected,
    );
  });

  it('says that a test split has no answers instead of listing every missing field, naming the purpose', () => {
    const questions = [
      { image: 'VizWiz_test_00000000.jpg', question: 'q' },
      { image: 'VizWiz_test_00000001.jpg', question: 'q' },
    ];
    assert.equal(
      messageOf(() => parseAnnotations(questions, 'test.json', 'answered', { purpose: 'training' })),
      'test.json: has no answers (its 2 entries carry only image and question, like the test split): training needs train or val annotations',
    );
    assert.equal(
      messageOf(() => parseAnnotations(questions.slice(0, 1), 'test.json', 'answered')),
      'test.json: has no answers (its entry carries only image and question, like the test split): this step needs train or val annotations',
    );
    // one answered entry among them: the others are listed one by one as before
    assert.match(
      messageOf(() => parseAnnotations([good, ...questions], 'mixed.json', 'answered')),
      /^mixed\.json: 6 problems: entry 1 /,
    );
  });
});
