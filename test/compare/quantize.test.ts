/**
 * `vizwiz compare --quantize`: on the embedded default (the synthetic sample and the tiny models, 300 questions and
 * shorter training to keep the test fast) the models that can run quantized - PaliGemma + LoRA and the CLIP head -
 * get a quantized accuracy beside their float32 one, the others "n/a"; int8 stays within a stated margin of float32;
 * the quantized stages are keyed by the scheme (a rerun reuses them, another scheme computes only them); and without
 * the flag the report is what it was before any quantized run.
 */
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { QuantSchemeName } from '../../src/engine/block-quantize.js';
import { readSubmission } from '../../src/eval/submission.js';
import { COMPARE_MODELS, runCompare } from '../../src/compare/run.js';
import { cliInProcess } from '../helpers/cli-in-process.js';

interface Quantized {
  scheme: string;
  accuracy: { official: number; seed: number };
  difference: { official: number; seed: number };
  sameAnswers: number;
  run: { folder: string; key: string };
}

interface Results {
  questions: number;
  quantization?: { scheme: string; description: string };
  models: {
    id: string;
    label: string;
    accuracy: { official: { overall: number }; seed: { overall: number } };
    run: { key: string };
    quantized?: Quantized | null;
  }[];
}

interface Run {
  lines: string[];
  results: Results;
  files: Record<'results.json' | 'report.md' | 'report.html', string>;
}

let out: string;

async function compare(quantize?: QuantSchemeName): Promise<Run> {
  const lines: string[] = [];
  await runCompare({
    out,
    models: [...COMPARE_MODELS],
    device: 'cpu',
    threads: 1,
    smoke: false,
    augment: false,
    seed: 0,
    // the embedded default, smaller: 300 questions (45 for validation), 10 head epochs, 3 PaliGemma epochs
    sampleSize: 300,
    epochs: 10,
    paligemmaEpochs: 3,
    ...(quantize ? { quantize } : {}),
    log: (line) => lines.push(line),
  });
  const read = (name: string) => readFile(join(out, name), 'utf8');
  const files = { 'results.json': await read('results.json'), 'report.md': await read('report.md'), 'report.html': await read('report.html') };
  return { lines, results: JSON.parse(files['results.json']) as Results, files };
}

const QUANTIZABLE = ['clip-linear', 'paligemma'];
const NOT_QUANTIZABLE = ['question-prior', 'baseline'];

/**
 * int8 against float32 on the 45 validation questions, measured (AMD EPYC, AVX-512 VNNI, 1 thread): clip-linear
 * 38.00 vs 38.00 with 44 of 45 answers unchanged, PaliGemma 28.89 vs 28.89 with 45 of 45. Asserted: at most 3
 * questions' worth of accuracy apart (one question moves the mean by at most 100 / 45 = 2.22 points) and at least 40
 * of 45 answers unchanged. A toy model's greedy answers sit near ties, and other CPUs' MatMulNBits kernels (AVX2,
 * no VNNI) round the int8 activations differently, so a few answers may flip there; no exact equality is asserted.
 */
const INT8_MAX_FLIPS = { points: (3 * 100) / 45, changedAnswers: 5 };

/**
 * PaliGemma's answerable confidence (1 - P("unanswerable")) per question, int8 against float32: the tiny model
 * answers "unanswerable" to every question in both, so the confidences are where quantization shows. Measured max
 * absolute difference 2.0e-3 (same machine); asserted 3e-2 (15x).
 */
const INT8_ANSWERABLE = 3e-2;

/** results.json and the reports with the run's creation time taken out (the one thing a rerun may change). */
function withoutTime(files: Run['files']): Run['files'] {
  const strip = (s: string) => s.replace(/"createdAt": "[^"]*"/g, '"createdAt": ""').replace(/created \d{4}-\d\d-\d\dT[\d:.]+Z/g, 'created -');
  return { 'results.json': strip(files['results.json']), 'report.md': strip(files['report.md']), 'report.html': strip(files['report.html']) };
}

const modelOf = (r: Run, id: string) => r.results.models.find((m) => m.id === id)!;

describe('vizwiz compare --quantize', () => {
  let float: Run;
  let int8: Run;

  before(async () => {
    out = await mkdtemp(join(tmpdir(), 'vizwiz-compare-quantize-'));
    float = await compare();
    int8 = await compare('int8');
  });

  after(() => rm(out, { recursive: true, force: true }));

  it('adds an int8 column for PaliGemma and the CLIP head, n/a for the others, float32 numbers unchanged', (t) => {
    assert.equal(float.results.quantization, undefined);
    for (const m of float.results.models) assert.equal('quantized' in m, false, m.id);
    assert.equal(int8.results.questions, 45);
    assert.equal(int8.results.quantization?.scheme, 'int8');
    assert.match(
      int8.results.quantization!.description,
      /^8-bit symmetric weights per output channel, activations quantized per row at run time \(ONNX Runtime's integer GEMM, MatMulInteger\)/,
    );
    for (const m of int8.results.models) {
      const f = modelOf(float, m.id);
      assert.deepEqual(m.accuracy, f.accuracy, `${m.id}: float32 numbers unchanged`);
      assert.equal(m.run.key, f.run.key, `${m.id}: the float32 run is the same stage`);
    }
    for (const id of NOT_QUANTIZABLE) assert.equal(modelOf(int8, id).quantized, null, id);
    for (const id of QUANTIZABLE) {
      const m = modelOf(int8, id);
      const q = m.quantized!;
      assert.equal(q.scheme, 'int8', id);
      for (const metric of ['official', 'seed'] as const) {
        assert.equal(q.difference[metric], Math.round(100 * (q.accuracy[metric] - m.accuracy[metric].overall)) / 100, `${id} ${metric} difference`);
        assert.ok(
          Math.abs(q.difference[metric]) <= INT8_MAX_FLIPS.points,
          `${id} ${metric}: int8 ${q.accuracy[metric]} vs float32 ${m.accuracy[metric].overall}`,
        );
      }
      t.diagnostic(`${id}: float32 ${m.accuracy.official.overall}, int8 ${q.accuracy.official} (official), ${q.sameAnswers} of 45 answers unchanged`);
      assert.ok(q.sameAnswers >= 45 - INT8_MAX_FLIPS.changedAnswers, `${id}: ${q.sameAnswers} of 45 answers unchanged`);
    }
    // the report: the two columns, n/a rows, the scheme line; the terminal-independent files only
    const md = int8.files['report.md'];
    assert.match(
      md,
      /^\| model \| VizWiz accuracy, official \(%\) \| 95% CI \| VizWiz accuracy, seed \(%\) \| 95% CI \| int8, official \(%\) \| int8 - float32 \(points\) \|$/m,
    );
    for (const id of NOT_QUANTIZABLE) {
      const row = md.split('\n').find((l) => l.startsWith(`| ${modelOf(int8, id).label} |`));
      assert.ok(row?.endsWith(' | n/a | n/a |'), `${id}: ${row}`);
    }
    for (const id of QUANTIZABLE) {
      const m = modelOf(int8, id);
      assert.ok(md.includes(` | ${m.quantized!.accuracy.official.toFixed(2)} | `), `${id} quantized accuracy in report.md`);
    }
    assert.match(md, /^Quantized \(int8 columns\): 8-bit symmetric weights per output channel.*n\/a: a model without quantizable weights/m);
    const html = int8.files['report.html'];
    assert.match(html, /<th scope="col">int8, official<\/th><th scope="col">int8 - float32, points<\/th><\/tr>/);
    assert.match(html, /<p class="note">Quantized \(int8 columns\): 8-bit symmetric weights per output channel/);
    assert.equal((html.match(/<td class="num">n\/a<\/td>/g) ?? []).length, 2 * NOT_QUANTIZABLE.length);
  });

  it("keeps PaliGemma's answerable confidences close to float32 with int8", async (t) => {
    const f = await readSubmission(join(out, 'predictions', 'val.paligemma.json'));
    const q = await readSubmission(join(out, 'predictions', 'val.paligemma-int8.json'));
    assert.equal(q.length, f.length);
    const worst = Math.max(...q.map((p, i) => Math.abs(p.answerable! - f[i]!.answerable!)));
    t.diagnostic(`PaliGemma max |answerable int8 - float32| over 45 questions: ${worst.toExponential(2)}`);
    assert.ok(worst <= INT8_ANSWERABLE, `max |answerable int8 - float32| = ${worst}`);
    assert.ok(worst > 0, 'the int8 answers come from the quantized model');
  });

  it('keys the quantized stages by the scheme: a rerun reuses them, int4 computes only its own', async () => {
    const again = await compare('int8');
    assert.deepEqual(again.results.models, int8.results.models);
    assert.doesNotMatch(again.lines.join('\n'), /rows computed|epoch 1\/|predictions ->|quantized once/);
    for (const id of QUANTIZABLE) assert.ok(again.lines.includes(`${id}-int8: reused ${modelOf(int8, id).quantized!.run.folder}`), id);
    assert.ok(again.lines.some((l) => /^features: clip-vit-l14-336 -> .*\/val-int8\.clip-vit-l14-336-[0-9a-f]{16}\.safetensors reused$/.test(l)));

    const int4 = await compare('int4');
    const log = int4.lines.join('\n');
    assert.doesNotMatch(log, /epoch 1\//, 'no model is trained again');
    for (const m of int4.results.models) assert.match(log, new RegExp(`^${m.id}: reused `, 'm'));
    assert.equal((log.match(/rows computed/g) ?? []).length, 1, 'only the int4 validation features are extracted');
    assert.match(log, /^features: clip-vit-l14-336 -> .*\/val-int4\.clip-vit-l14-336-[0-9a-f]{16}\.safetensors \(45 rows computed\)$/m);
    for (const id of QUANTIZABLE) {
      const [q4, q8] = [modelOf(int4, id).quantized!, modelOf(int8, id).quantized!];
      assert.equal(q4.scheme, 'int4');
      assert.notEqual(q4.run.key, q8.run.key, `${id}: the scheme is in the key`);
      assert.match(log, new RegExp(`^${id}-int4: predictions -> `, 'm'));
    }
  });

  it('without --quantize, the report is the one made before any quantized run', async () => {
    const plain = await compare();
    assert.doesNotMatch(plain.lines.join('\n'), /int8|int4|rows computed|epoch 1\//);
    assert.deepEqual(withoutTime(plain.files), withoutTime(float.files));
  });
});

describe('vizwiz compare --quantize options', () => {
  it('refuses an unknown scheme with a one-line reason (exit 2)', async () => {
    const r = await cliInProcess(['compare', '--quantize', 'int2']);
    assert.equal(r.status, 2, 'a usage error');
    assert.equal(r.stderr, 'vizwiz: --quantize must be one of int8, int4, got "int2"\n(run with --help for usage)\n');
  });
});
