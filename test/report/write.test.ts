/**
 * writeReport end to end on the hand-worked synthetic comparison (fixture.ts): the numbers equal `evaluate` on the
 * same predictions and the hand-worked values, the Markdown tables have the exact expected rows, every file exists
 * and decodes, the HTML is self-contained, and a second run writes the same bytes.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { ANSWER_TYPES } from '../../src/data/types.js';
import { evaluate, pyRound, summarize } from '../../src/eval/index.js';
import { assertSelfContained, bootstrapMeanCI, signFlipTest, writeReport, type ReportFiles } from '../../src/report/index.js';
import { expectedAccuracy, fixtureInput, MemoryImages, RECORDS, type FixtureModel } from './fixture.js';

let dir: string;
let report: ReportFiles;
let markdown: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vizwiz-report-'));
  report = await writeReport(join(dir, 'a'), fixtureInput(new MemoryImages()));
  markdown = await readFile(report.reportMd, 'utf8');
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const accs = (model: FixtureModel, metric: 'official' | 'seed'): number[] => RECORDS.map((_, i) => expectedAccuracy(model, i, metric));

/** The interval as the report prints it: percent, Python rounding to 2 decimals. */
function ci(values: number[]): string {
  const c = bootstrapMeanCI(values);
  return `[${pyRound(100 * c.lower, 2).toFixed(2)}, ${pyRound(100 * c.upper, 2).toFixed(2)}]`;
}

test('every number equals evaluate on the same predictions, both metric variants', async () => {
  const input = fixtureInput();
  const json = JSON.parse(await readFile(report.resultsJson, 'utf8')) as typeof report.document;
  assert.deepEqual(json, JSON.parse(JSON.stringify(report.document)));
  input.models.forEach((m, i) => {
    const model = json.models[i]!;
    for (const metric of ['official', 'seed'] as const) {
      const ev = evaluate(m.records, m.predictions, { metric });
      const s = summarize(ev);
      assert.equal(model.accuracy[metric].overall, s.overall, `${m.id} ${metric}`);
      assert.deepEqual(model.accuracy[metric].perAnswerType, s.perAnswerType);
      assert.deepEqual(
        ev.perQuestion.map((q) => q.accuracy),
        accs(m.id as FixtureModel, metric),
      );
      assert.ok(model.accuracy[metric].ci.lower <= s.overall && s.overall <= model.accuracy[metric].ci.upper);
    }
    assert.deepEqual(model.answerability, evaluate(m.records, m.predictions).answerability ?? null);
  });
  for (const ex of json.gallery.examples) {
    for (const a of ex.models) assert.equal(a.accuracy, expectedAccuracy(a.id as FixtureModel, ex.index, 'official'));
  }
  assert.deepEqual(json.gallery.counts, { disagreement: 26, 'all-correct': 3, failure: 1 });
  assert.deepEqual(json.answerTypeCounts, { other: 18, 'yes/no': 4, number: 2, unanswerable: 6 });
});

test('the seed table, per-type, answerability and paired rows are exactly as worked out by hand', () => {
  const rows = [
    `| Oracle | 94.67 | ${ci(accs('oracle', 'official'))} | 96.67 | ${ci(accs('oracle', 'seed'))} |`,
    `| Half right | 49.00 | ${ci(accs('half', 'official'))} | 50.00 | ${ci(accs('half', 'seed'))} |`,
    `| Prior | 20.00 | ${ci(accs('prior', 'official'))} | 20.00 | ${ci(accs('prior', 'seed'))} |`,
    '| Oracle | 91.67 | 100.00 | 95.00 | 100.00 |',
    '| Half right | 48.33 | 50.00 | 50.00 | 50.00 |',
    '| Oracle | 94.44 | 100.00 | 100.00 | 100.00 |',
    '| Prior | 0.00 | 0.00 | 0.00 | 100.00 |',
    '| Oracle | 100.00 | 100.00 |',
    '| Half right | - | - |',
    '| Prior | 20.00 | 33.33 |',
    '| model | VizWiz accuracy, official (%) | 95% CI | VizWiz accuracy, seed (%) | 95% CI |',
    '| model | other (n=18) | yes/no (n=4) | number (n=2) | unanswerable (n=6) |',
    '| Oracle | 5 | 5 | 93.00 | 0.6000 | 0.8400 | 7.5 s |',
    '| Prior | - | - | - | - | - | - |',
  ];
  for (const row of rows) assert.ok(markdown.split('\n').includes(row), `missing row: ${row}`);
  // Oracle vs Half right: 14 questions differ, all for Oracle: p = 2 / 2^14 exactly.
  const halfVsPrior = signFlipTest(RECORDS.map((_, i) => expectedAccuracy('half', i, 'official') - expectedAccuracy('prior', i, 'official')));
  assert.equal(halfVsPrior.method, 'exact');
  const paired = [
    `| official | Oracle | Half right | +45.67 | ${ci(RECORDS.map((_, i) => accs('oracle', 'official')[i]! - accs('half', 'official')[i]!))} | 0.000122 | exact | 14 (14 / 0) |`,
    `| official | Half right | Prior | +29.00 | ${ci(RECORDS.map((_, i) => accs('half', 'official')[i]! - accs('prior', 'official')[i]!))} | ${Number(halfVsPrior.pValue.toPrecision(3))} | exact | 15 (12 / 3) |`,
    `| seed | Oracle | Prior | +76.67 | ${ci(RECORDS.map((_, i) => accs('oracle', 'seed')[i]! - accs('prior', 'seed')[i]!))} | 0.000999 | monte-carlo | 23 (23 / 0) |`,
  ];
  for (const row of paired) assert.ok(markdown.split('\n').includes(row), `missing row: ${row}`);
  // training targets: one row per model, "-" for a step the rule lacks and for a model without selected targets
  const targets = [
    '| model | answer selection | majority | dataset frequency | Levenshtein | code-point order |',
    '| Oracle | seed | 90 | - | 8 | 2 |',
    '| Half right | deuser | 90 | 7 | 2 | 1 |',
    '| Prior | - | - | - | - | - |',
    '- answer selection: `seed` (the seed rule); training targets decided by majority 90, Levenshtein 8, code-point order 2',
    '- answer selection: `deuser` (the deuser rule); training targets decided by majority 90, dataset frequency 7, Levenshtein 2, code-point order 1',
    '- answer selection: none',
    `- run folder: \`/tmp/synthetic/runs/oracle-0123456789abcdef\`, inputs key \`${'0123456789abcdef'.repeat(4)}\``,
  ];
  for (const row of targets) assert.ok(markdown.split('\n').includes(row), `missing line: ${row}`);
  const json = report.document.pairwise;
  assert.equal(json[0]!.pValue, 2 / 2 ** 14);
  assert.equal(json.length, 6);
  assert.match(markdown, /## Accuracy per answer type \(official metric, %\)/);
  assert.match(markdown, /## Accuracy per answer type \(seed metric, %\)/);
  assert.match(markdown, /- \*\*official\*\*: official VizWiz accuracy: min\(1, matches\/3\) averaged over the 10 leave-one-out/);
});

test('markdown links to existing figures and thumbnails; every figure decodes to its stated size', async () => {
  assert.equal(report.figures.length, 8);
  for (const f of report.document.figures) {
    assert.ok(markdown.includes(`](${f.png})`) && markdown.includes(`[SVG](${f.svg})`), f.name);
    const svg = await readFile(join(dir, 'a', f.svg), 'utf8');
    assert.match(svg, /^<svg /);
    const meta = await sharp(await readFile(join(dir, 'a', f.png))).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', f.width, f.height]);
    const svgWidth = Number(/width="(\d+)"/.exec(svg)![1]);
    assert.equal(f.width, svgWidth * 2, 'PNG at 144 dpi is twice the SVG size');
  }
  assert.deepEqual(
    report.document.figures.map((f) => f.name),
    ['curves-oracle', 'curves-half', 'accuracy-overlay', 'accuracy-ci'],
  );
  const thumbs = report.document.gallery.examples.map((e) => e.thumbnail);
  assert.equal(thumbs.length, 10);
  for (const t of thumbs) {
    assert.ok(t && markdown.includes(`](${t})`));
    const meta = await sharp(await readFile(join(dir, 'a', t))).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 128, 96]);
  }
});

test('the HTML is self-contained and accessible in structure', async () => {
  const html = await readFile(report.reportHtml, 'utf8');
  assertSelfContained(html);
  assert.match(html, /^<!DOCTYPE html>\n<html lang="en">/);
  assert.equal((html.match(/<h1>/g) ?? []).length, 1);
  assert.equal((html.match(/<svg /g) ?? []).length, 4);
  assert.equal((html.match(/<img /g) ?? []).length, 10);
  assert.equal((html.match(/<img [^>]*alt="[^"]+"/g) ?? []).length, 10);
  assert.equal((html.match(/<img [^>]*src="data:image\/jpeg;base64,/g) ?? []).length, 10);
  assert.ok(!/<th>/.test(html), 'every header cell has a scope');
  assert.ok(!/<script/i.test(html));
  for (const type of ANSWER_TYPES) assert.ok(html.includes(`${type} (n=`));
  assert.ok(html.includes('<td class="num">94.67</td>'));
  assert.ok(
    html.includes(
      '<tr><th scope="row">Half right</th><td>deuser</td><td class="num">90</td><td class="num">7</td><td class="num">2</td><td class="num">1</td></tr>',
    ),
  );
  assert.ok(
    html.includes(
      '<dt>answer selection</dt><dd><code>seed</code> (the seed rule); training targets decided by majority 90, Levenshtein 8, code-point order 2</dd>',
    ),
  );
});

test('the same input writes the same bytes; a rewrite removes stale figures and thumbnails', async () => {
  const again = await writeReport(join(dir, 'b'), fixtureInput(new MemoryImages()));
  for (const sub of ['.', 'figures', 'gallery']) {
    const names = (await readdir(join(dir, 'a', sub), { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
    assert.deepEqual(
      names.sort(),
      (await readdir(join(dir, 'b', sub), { withFileTypes: true }))
        .filter((e) => e.isFile())
        .map((e) => e.name)
        .sort(),
    );
    for (const name of names) {
      assert.ok((await readFile(join(dir, 'a', sub, name))).equals(await readFile(join(dir, 'b', sub, name))), `${sub}/${name}`);
    }
  }
  assert.deepEqual(again.document, report.document);
  // rewritten in place without images and without the half model: its figures and the thumbnails go
  const input = fixtureInput();
  input.models.splice(1, 1);
  const plain = await writeReport(join(dir, 'b'), input);
  assert.ok(plain.document.gallery.examples.every((e) => e.thumbnail === null));
  assertSelfContained(await readFile(plain.reportHtml, 'utf8'));
  assert.deepEqual(await readdir(join(dir, 'b', 'gallery')), []);
  assert.deepEqual((await readdir(join(dir, 'b', 'figures'))).sort(), [
    'accuracy-ci.png',
    'accuracy-ci.svg',
    'accuracy-overlay.png',
    'accuracy-overlay.svg',
    'curves-oracle.png',
    'curves-oracle.svg',
  ]);
});
