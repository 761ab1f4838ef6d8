import assert from 'node:assert/strict';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runDemo } from '../../src/demo.js';
import { loadSplitRecords } from '../../src/data/layout.js';
import { evaluate, readSubmission, summarize } from '../../src/eval/index.js';
import { runVizwiz } from '../helpers/cli.js';

describe('vizwiz demo', () => {
  it('generates the sample, predicts val with the question prior and scores it like vizwiz eval', async () => {
    const out = await mkdtemp(join(tmpdir(), 'vizwiz-demo-'));
    const lines: string[] = [];
    const { results } = await runDemo({ out, n: 80, seed: 3, log: (l) => lines.push(l) });
    assert.deepEqual(lines, [
      `dataset: wrote 80 questions to ${join(out, 'data')}`,
      `predictions: wrote ${join(out, 'predictions', 'val.question-prior.json')}`,
    ]);
    const val = await loadSplitRecords(join(out, 'data'), 'val');
    assert.equal(results.dataset.val, val.length);
    const predictions = await readSubmission(results.predictions);
    assert.deepEqual(results.official, summarize(evaluate(val, predictions, { metric: 'official' })));
    assert.deepEqual(results.seed, summarize(evaluate(val, predictions, { metric: 'seed' })));
    const saved = JSON.parse(await readFile(join(out, 'results.json'), 'utf8'));
    assert.deepEqual(saved.official, results.official);
    assert.equal(saved.provenance.node, process.version);

    // the CLI's eval on the saved predictions prints the same numbers
    const cli = runVizwiz([
      'eval',
      '--annotations',
      join(out, 'data', 'Annotations', 'val.json'),
      '--predictions',
      results.predictions,
      '--json',
    ]);
    assert.equal(cli.status, 0, cli.stderr);
    const printed = JSON.parse(cli.stdout);
    assert.equal(printed.overall, results.official.overall);
    assert.deepEqual(printed.perAnswerType, results.official.perAnswerType);

    // a second run reuses every stage
    const before = (await stat(results.predictions)).mtimeMs;
    const again: string[] = [];
    await runDemo({ out, n: 80, seed: 3, log: (l) => again.push(l) });
    assert.deepEqual(again, [`dataset: reusing ${join(out, 'data')}`]);
    assert.equal((await stat(results.predictions)).mtimeMs, before);
  });

  it('exits 1 with a one-line reason for a bad option', () => {
    const r = runVizwiz(['demo', '--n', 'lots']);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, 'vizwiz: --n must be an integer >= 4, got "lots"\n');
    assert.equal(r.stdout, '');
  });
});
