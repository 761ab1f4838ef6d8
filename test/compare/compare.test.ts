import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { holdOut } from '../../src/compare/data.js';
import { runVizwiz } from '../helpers/cli.js';
import { record } from '../helpers/records.js';

describe('vizwiz compare --smoke', () => {
  it('runs end to end, and its numbers equal vizwiz eval on the saved predictions', async () => {
    const out = await mkdtemp(join(tmpdir(), 'vizwiz-compare-'));
    const r = runVizwiz(['compare', '--smoke', '--out', out, '--threads', '1']);
    assert.equal(r.status, 0, r.stderr);
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8'));
    assert.equal(results.dataset.smoke, true);
    assert.deepEqual([results.dataset.train, results.dataset.val], [48, 16]);
    const annotations = results.dataset.valAnnotations;
    assert.equal(annotations, join(out, 'annotations', 'val.json'));
    assert.equal((JSON.parse(await readFile(annotations, 'utf8')) as unknown[]).length, 16);
    for (const m of results.models) {
      const scored = runVizwiz(['eval', '--annotations', annotations, '--predictions', m.predictions, '--json']);
      assert.equal(scored.status, 0, scored.stderr);
      const printed = JSON.parse(scored.stdout);
      assert.equal(printed.overall, m.official.overall);
      assert.deepEqual(printed.perAnswerType, m.official.perAnswerType);
      assert.deepEqual(printed.answerability, m.official.answerability);
      const seedScored = JSON.parse(runVizwiz(['eval', '--annotations', annotations, '--predictions', m.predictions, '--json', '--metric', 'seed']).stdout);
      assert.equal(seedScored.overall, m.seed.overall);
    }
    assert.match(r.stdout, /^baseline +\d+\.\d\d +\d+\.\d\d /m);
    assert.match(r.stdout, /^clip-linear +\d+\.\d\d +\d+\.\d\d /m);

    // a second run reuses every stage: nothing is extracted or trained again
    const again = runVizwiz(['compare', '--smoke', '--out', out, '--threads', '1']);
    assert.equal(again.status, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /features:|epoch|predictions ->/);
  });
});

describe('holding out part of train (the seed report protocol)', () => {
  it('splits deterministically by seed, keeping file order', () => {
    const records = Array.from({ length: 10 }, (_, i) => record(`VizWiz_train_${i}.jpg`, ['x']));
    const [kept, held] = holdOut(records, 0.3, 7);
    assert.equal(held.length, 3);
    assert.equal(kept.length, 7);
    assert.deepEqual([...kept, ...held].map((r) => r.image).sort(), records.map((r) => r.image).sort());
    assert.deepEqual(holdOut(records, 0.3, 7)[1].map((r) => r.image), held.map((r) => r.image));
    assert.notDeepEqual(holdOut(records, 0.3, 8)[1].map((r) => r.image), held.map((r) => r.image));
    assert.throws(() => holdOut(records, 1.5, 7), { message: '--holdout must be between 0 and 1, got 1.5' });
  });
});
