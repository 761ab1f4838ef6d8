/** Gallery selection (groups, caps, deterministic order), answer counts, thumbnails, and input checks. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VizWizError } from '../../src/errors.js';
import { answerCounts, fnv1a, selectGallery, thumbnail } from '../../src/report/gallery.js';
import { checkComparisonInput } from '../../src/report/input.js';
import { evaluateModels } from '../../src/report/results.js';
import { fixtureInput, MemoryImages, RECORDS } from './fixture.js';

test('groups: disagreement by spread then image hash, all-correct, failures; capped', () => {
  const input = fixtureInput();
  const evaluations = evaluateModels(input);
  const ids = input.models.map((m) => m.id);
  const g = selectGallery(RECORDS, evaluations, ids, { disagreement: 2, 'all-correct': 5, failure: 0 });
  assert.deepEqual(g.counts, { disagreement: 26, 'all-correct': 3, failure: 1 });
  assert.deepEqual(
    g.examples.map((e) => e.category),
    ['disagreement', 'disagreement', 'all-correct', 'all-correct', 'all-correct'],
  );
  // all-correct: the even unanswerable questions 18, 20, 22, in image-hash order
  const allCorrect = g.examples.filter((e) => e.category === 'all-correct').map((e) => e.index);
  assert.deepEqual(
    allCorrect,
    [18, 20, 22].sort((a, b) => fnv1a(RECORDS[a]!.image) - fnv1a(RECORDS[b]!.image)),
  );
  // disagreement: spread 1 (one model right, another 0) comes before spread 0.9
  for (const e of g.examples.filter((x) => x.category === 'disagreement')) {
    const a = e.models.map((m) => m.accuracy);
    assert.equal(Math.max(...a) - Math.min(...a), 1);
    assert.equal(e.answers.length, 10);
  }
  assert.deepEqual(selectGallery(RECORDS, evaluations, ids, { disagreement: 2, 'all-correct': 5, failure: 0 }), g);
  const failures = selectGallery(RECORDS, evaluations, ids).examples.filter((e) => e.category === 'failure');
  assert.deepEqual(
    failures.map((e) => [e.index, e.models.map((m) => m.answer)]),
    [[17, ['wrong', 'wrong', 'unanswerable']]],
  );
});

test('answer counts and thumbnails (a missing image has none)', async () => {
  assert.equal(answerCounts(['b', 'a', 'a', 'c', 'b', 'a']), 'a (3), b (2), c (1)');
  const images = new MemoryImages();
  const jpeg = await thumbnail(images, 'VizWiz_val_00000003.jpg', 64);
  assert.ok(jpeg && jpeg[0] === 0xff && jpeg[1] === 0xd8);
  assert.equal(await thumbnail(images, 'missing.jpg'), null);
});

test('inputs that cannot be compared question by question are rejected', () => {
  const ok = fixtureInput();
  assert.doesNotThrow(() => checkComparisonInput(ok));
  const cases: [(i: ReturnType<typeof fixtureInput>) => void, RegExp][] = [
    [(i) => (i.models = []), /no models/],
    [(i) => (i.models[1]!.id = 'oracle'), /ids must be unique: oracle/],
    [(i) => (i.models[1]!.id = '../x'), /model id/],
    [(i) => (i.models[2]!.records = RECORDS.slice(1)), /prior has 30 predictions for 29 records/],
    [(i) => (i.models[2]!.records = [...RECORDS].reverse()), /not evaluated on the same questions/],
  ];
  for (const [mutate, message] of cases) {
    const input = fixtureInput();
    mutate(input);
    assert.throws(
      () => checkComparisonInput(input),
      (err: unknown) => err instanceof VizWizError && message.test(err.message),
    );
  }
});
