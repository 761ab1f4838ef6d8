import assert from 'node:assert/strict';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEMO_MODELS, runDemo } from '../../src/demo.js';
import { loadSplitRecords } from '../../src/data/layout.js';
import { evaluate, readSubmission, summarize } from '../../src/eval/index.js';
import { runVizwiz } from '../helpers/cli.js';

describe('vizwiz demo', () => {
  it('generates the sample, trains and predicts three models, and scores them like vizwiz eval', async () => {
    const out = await mkdtemp(join(tmpdir(), 'vizwiz-demo-'));
    const lines: string[] = [];
    const { results, table } = await runDemo({ out, n: 300, seed: 3, epochs: 8, log: (l) => lines.push(l) });
    assert.deepEqual(
      lines.filter((l) => !/ epoch \d+\/8: /.test(l)),
      [
        `dataset: wrote 300 questions to ${join(out, 'data')}`,
        `features: wrote ${join(out, 'features', 'train.pixel-projection.safetensors')}`,
        `features: wrote ${join(out, 'features', 'val.pixel-projection.safetensors')}`,
        ...DEMO_MODELS.map((m) => `predictions: wrote ${join(out, 'predictions', `val.${m}.json`)}`),
      ],
    );
    const val = await loadSplitRecords(join(out, 'data'), 'val');
    assert.equal(results.dataset.val, val.length);
    assert.deepEqual(results.models.map((m) => m.model), [...DEMO_MODELS]);
    for (const m of results.models) {
      const predictions = await readSubmission(m.predictions);
      assert.deepEqual(m.official, summarize(evaluate(val, predictions, { metric: 'official' })));
      assert.deepEqual(m.seed, summarize(evaluate(val, predictions, { metric: 'seed' })));
      // the CLI's eval on the saved predictions prints the same numbers
      const cli = runVizwiz(['eval', '--annotations', join(out, 'data', 'Annotations', 'val.json'), '--predictions', m.predictions, '--json']);
      assert.equal(cli.status, 0, cli.stderr);
      const printed = JSON.parse(cli.stdout);
      assert.equal(printed.overall, m.official.overall);
      assert.deepEqual(printed.perAnswerType, m.official.perAnswerType);
      assert.match(table, new RegExp(`^${m.model} +${m.official.overall.toFixed(2)} +${m.seed.overall.toFixed(2)} `, 'm'));
    }
    const saved = JSON.parse(await readFile(join(out, 'results.json'), 'utf8'));
    assert.deepEqual(saved.models, results.models);
    assert.equal(saved.provenance.node, process.version);

    // a second run reuses every stage
    const before = (await stat(results.models[2]!.predictions)).mtimeMs;
    const again: string[] = [];
    await runDemo({ out, n: 300, seed: 3, epochs: 8, log: (l) => again.push(l) });
    assert.deepEqual(again, [`dataset: reusing ${join(out, 'data')}`]);
    assert.equal((await stat(results.models[2]!.predictions)).mtimeMs, before);
  });

  it('exits 1 with a one-line reason for a bad option', () => {
    const r = runVizwiz(['demo', '--n', 'lots']);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, 'vizwiz: --n must be an integer >= 20, got "lots"\n');
    assert.equal(r.stdout, '');
  });
});
