import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { holdOut } from '../../src/compare/data.js';
import { assertSelfContained } from '../../src/report/index.js';
import { runVizwiz } from '../helpers/cli.js';
import { record } from '../helpers/records.js';

describe('vizwiz compare --smoke', () => {
  it('runs end to end, and its numbers equal vizwiz eval on the saved predictions', async () => {
    const out = await mkdtemp(join(tmpdir(), 'vizwiz-compare-'));
    const r = runVizwiz(['compare', '--smoke', '--out', out, '--threads', '1']);
    assert.equal(r.status, 0, r.stderr);
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8'));
    assert.equal(results.dataset.smoke, true);
    assert.deepEqual(results.dataset.splits, { train: 48, val: 16 });
    const annotations = results.dataset.annotations.val;
    assert.equal(annotations, join(out, 'annotations', 'val.json'));
    assert.equal((JSON.parse(await readFile(annotations, 'utf8')) as unknown[]).length, 16);
    assert.deepEqual(
      results.models.map((m: { id: string }) => m.id),
      ['question-prior', 'baseline', 'clip-linear', 'paligemma'],
    );
    for (const m of results.models) {
      const predictions = join(out, 'predictions', `val.${m.id}.json`);
      for (const metric of ['official', 'seed'] as const) {
        const scored = runVizwiz(['eval', '--annotations', annotations, '--predictions', predictions, '--json', '--metric', metric]);
        assert.equal(scored.status, 0, scored.stderr);
        const printed = JSON.parse(scored.stdout);
        assert.equal(printed.overall, m.accuracy[metric].overall);
        assert.deepEqual(printed.perAnswerType, m.accuracy[metric].perAnswerType);
        assert.deepEqual(printed.answerability, m.answerability);
      }
    }
    // the seed report's answer selection and the baseline's learning rate, written per model
    for (const m of results.models) {
      assert.equal(m.answerSelection.rule, 'seed', m.id);
      const decided = Object.values(m.answerSelection.decidedBy as Record<string, number>).reduce((a, b) => a + b, 0);
      assert.equal(decided, 48, m.id);
      assert.equal(m.answerSelection.decidedBy['dataset-frequency'], 0);
    }
    const baseline = results.models.find((m: { id: string }) => m.id === 'baseline');
    assert.equal(baseline.config.lr, 0.005);
    assert.equal(baseline.config.answerSelection, 'seed');
    const paligemma = results.models.find((m: { id: string }) => m.id === 'paligemma');
    assert.equal(paligemma.config.answerSelection, 'seed');
    assert.deepEqual(paligemma.prompt, { id: 'answer-en-v1', template: 'answer en {question}' });
    assert.equal(paligemma.history.length, 1);
    // the photo-quality heads, one per encoder of the heads, scored on the 16 validation photos
    assert.deepEqual(
      results.quality.map((q: { id: string }) => q.id),
      ['clip-vit-l14-336', 'resnet50'],
    );
    for (const q of results.quality) {
      assert.deepEqual(
        q.evaluation.flags.map((f: { flag: string }) => f.flag),
        ['blur', 'too_dark', 'too_bright', 'framing', 'obstruction', 'rotation', 'unrecognizable'],
      );
      assert.equal(q.evaluation.rows + q.evaluation.missing, 16);
    }
    // the report: markdown table rows carry the same numbers; the HTML is self-contained
    const md = await readFile(join(out, 'report.md'), 'utf8');
    assert.match(md, /^## Photo quality$/m);
    assert.match(md, /^Quality head on clip-vit-l14-336 image features: \d+ validation photos/m);
    for (const m of results.models) assert.ok(md.includes(m.accuracy.official.overall.toFixed(2)), `${m.id} missing from report.md`);
    for (const m of results.models) {
      const d = m.answerSelection.decidedBy;
      assert.ok(md.includes(`| ${m.label} | seed | ${d.majority} | - | ${d.levenshtein} | ${d['code-point-order']} |`), `${m.id} targets row`);
    }
    const html = await readFile(join(out, 'report.html'), 'utf8');
    assert.doesNotThrow(() => assertSelfContained(html));
    assert.match(html, /<h2 id="quality">Photo quality<\/h2>/);
    assert.doesNotMatch(html, /https?:\/\/(?!www\.w3\.org)/);
    for (const m of results.models) {
      const { overall, ci } = m.accuracy.official;
      const row = `${m.id} +${overall.toFixed(2)} +${ci.lower.toFixed(2)}-${ci.upper.toFixed(2)} +${m.accuracy.seed.overall.toFixed(2)} `;
      assert.match(r.stdout, new RegExp(`^${row}`, 'm'));
    }

    // a second run reuses every stage: nothing is extracted or trained again
    const again = runVizwiz(['compare', '--smoke', '--out', out, '--threads', '1']);
    assert.equal(again.status, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /rows computed|epoch|predictions ->/);
    for (const m of results.models) assert.match(again.stderr, new RegExp(`^${m.id}: reused ${m.run.folder}$`, 'm'));
    assert.equal((again.stderr.match(/^features: .* reused$/gm) ?? []).length, 4);
    for (const q of results.quality) assert.match(again.stderr, new RegExp(`^quality.${q.id}: reused ${join(out, 'quality', q.id)}$`, 'm'));
  });
});

describe('vizwiz compare options', () => {
  it('rejects a bad option with a one-line reason', () => {
    const r = runVizwiz(['compare', '--holdout', '2']);
    assert.equal(r.status, 2, 'a usage error');
    assert.equal(r.stderr, 'vizwiz: --holdout must be a number > 0 and <= 0.9, got "2"\n(run with --help for usage)\n');
    const m = runVizwiz(['compare', '--models', 'baseline,gpt']);
    assert.equal(
      m.stderr,
      'vizwiz: --models must be one of question-prior, baseline, clip-linear, paligemma, endpoint, got "gpt"\n(run with --help for usage)\n',
    );
    const unknown = runVizwiz(['compare', '--no-such-flag']);
    assert.equal(unknown.status, 2, 'commander usage errors exit 2 too');
    assert.match(unknown.stderr, /^error: unknown option '--no-such-flag'/);
    const s = runVizwiz(['compare', '--answer-selection', 'vote']);
    assert.equal(s.stderr, 'vizwiz: --answer-selection must be one of seed, deuser, got "vote"\n(run with --help for usage)\n');
    const c = runVizwiz(['compare', '--on-corrupt', 'ignore']);
    assert.equal(c.stderr, 'vizwiz: --on-corrupt must be one of stop, skip, got "ignore"\n(run with --help for usage)\n');
    const l = runVizwiz(['compare', '--lr', '0']);
    assert.equal(l.stderr, 'vizwiz: --lr must be a number > 0, got "0"\n(run with --help for usage)\n');
  });
});

describe('holding out part of train (the seed report protocol)', () => {
  it('splits deterministically by seed, keeping file order', () => {
    const records = Array.from({ length: 10 }, (_, i) => record(`VizWiz_train_${i}.jpg`, ['x']));
    const [kept, held] = holdOut(records, 0.3, 7);
    assert.equal(held.length, 3);
    assert.equal(kept.length, 7);
    assert.deepEqual([...kept, ...held].map((r) => r.image).sort(), records.map((r) => r.image).sort());
    assert.deepEqual(
      holdOut(records, 0.3, 7)[1].map((r) => r.image),
      held.map((r) => r.image),
    );
    assert.notDeepEqual(
      holdOut(records, 0.3, 8)[1].map((r) => r.image),
      held.map((r) => r.image),
    );
    assert.throws(() => holdOut(records, 1.5, 7), { message: '--holdout must be between 0 and 1, got 1.5' });
  });
});
