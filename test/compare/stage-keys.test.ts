/**
 * Every cached stage of `vizwiz compare` is keyed by its inputs: a rerun reuses what is unchanged and computes
 * again exactly what an edited annotation, a replaced image, another --epochs or another --seed affects, and the
 * report then shows the new numbers under the new settings. One smoke comparison, rerun six ways in one process.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { COMPARE_MODELS, runCompare, type CompareOptions } from '../../src/compare/run.js';
import { SMOKE_ROWS } from '../../src/compare/data.js';
import type { VizWizRecord } from '../../src/data/types.js';
import { questionKey } from '../../src/models/prior/question-prior.js';
import { canonicalJson, stageKey } from '../../src/compare/stage-key.js';

interface Run {
  lines: string[];
  results: {
    dataset: { hash: string };
    models: { id: string; seed: number; config: { epochs?: number; seed?: number }; history: unknown[] | null; run: { folder: string } }[];
  };
}

let out: string;

async function compare(extra: Partial<CompareOptions> = {}): Promise<Run> {
  const lines: string[] = [];
  await runCompare({
    out,
    models: [...COMPARE_MODELS],
    device: 'cpu',
    threads: 1,
    smoke: true,
    augment: false,
    seed: 0,
    log: (line) => lines.push(line),
    ...extra,
  });
  return { lines, results: JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) };
}

/** What each stage did: 'reused', 'computed' (features), 'trained' (an epoch logged) or 'fitted' (the prior). */
function stages(lines: readonly string[]): Record<string, string> {
  const did: Record<string, string> = {};
  for (const line of lines) {
    const feature = /^features: (\S+) -> .*\/(train|val)\.\S+-[0-9a-f]{16}\.safetensors (reused|\(\d+ rows computed\))$/.exec(line);
    if (feature) did[`${feature[2]}.${feature[1]}`] = feature[3] === 'reused' ? 'reused' : 'computed';
    const model = /^([a-z-]+|quality\.[a-z0-9-]+): (reused|fitted|epoch 1\/)/.exec(line);
    if (model && !(model[1]! in did)) did[model[1]!] = model[2] === 'epoch 1/' ? 'trained' : model[2]!;
  }
  return did;
}

const modelOf = (r: Run, id: string) => r.results.models.find((m) => m.id === id)!;
const readJson = async <T>(file: string): Promise<T> => JSON.parse(await readFile(file, 'utf8')) as T;

const ALL_REUSED = {
  'question-prior': 'reused',
  'train.resnet50': 'reused',
  'val.resnet50': 'reused',
  baseline: 'reused',
  'train.clip-vit-l14-336': 'reused',
  'val.clip-vit-l14-336': 'reused',
  'clip-linear': 'reused',
  paligemma: 'reused',
  'quality.clip-vit-l14-336': 'reused',
  'quality.resnet50': 'reused',
};

describe('vizwiz compare: stage keys', () => {
  let first: Run;

  before(async () => {
    out = await mkdtemp(join(tmpdir(), 'vizwiz-compare-keys-'));
    first = await compare();
  });

  it('computes every stage once, then an unchanged rerun reuses all of them with the same numbers', async () => {
    assert.deepEqual(stages(first.lines), {
      'question-prior': 'fitted',
      'train.resnet50': 'computed',
      'val.resnet50': 'computed',
      baseline: 'trained',
      'train.clip-vit-l14-336': 'computed',
      'val.clip-vit-l14-336': 'computed',
      'clip-linear': 'trained',
      paligemma: 'trained',
      'quality.clip-vit-l14-336': 'trained',
      'quality.resnet50': 'trained',
    });
    const again = await compare();
    assert.deepEqual(stages(again.lines), ALL_REUSED);
    assert.ok(!again.lines.some((l) => /epoch \d|predictions ->|wrote/.test(l)), again.lines.join('\n'));
    const { provenance: _a, ...before } = first.results as Record<string, unknown>;
    const { provenance: _b, ...after } = again.results as Record<string, unknown>;
    assert.equal(canonicalJson(after), canonicalJson(before));
  });

  it('an edited annotation (answers only) retrains every model but keeps the features', async () => {
    // give every training question that also appears in validation one new answer, "tomato"
    const file = join(out, 'data', 'Annotations', 'train.json');
    const train = await readJson<VizWizRecord[]>(file);
    const val = await readJson<VizWizRecord[]>(join(out, 'annotations', 'val.json'));
    const shared = val.map((r) => questionKey(r.question)).find((q) => train.slice(0, SMOKE_ROWS.train).some((r) => questionKey(r.question) === q));
    assert.ok(shared, 'the smoke splits share a question');
    for (const r of train) if (questionKey(r.question) === shared) r.answers = r.answers.map((a) => ({ ...a, answer: 'tomato' }));
    await writeFile(file, JSON.stringify(train));

    const edited = await compare();
    assert.deepEqual(stages(edited.lines), {
      ...ALL_REUSED,
      'question-prior': 'fitted',
      baseline: 'trained',
      'clip-linear': 'trained',
      paligemma: 'trained',
    });
    assert.notEqual(edited.results.dataset.hash, first.results.dataset.hash);
    // the prior now answers "tomato" to exactly the validation questions of that text
    const prior = await readJson<{ image: string; answer: string }[]>(join(out, 'predictions', 'val.question-prior.json'));
    assert.deepEqual(
      prior.filter((p) => p.answer === 'tomato').map((p) => p.image),
      val.filter((r) => questionKey(r.question) === shared).map((r) => r.image),
    );
    // the earlier runs are kept, not overwritten
    for (const m of first.results.models) assert.ok(existsSync(join(m.run.folder, 'predictions.json')), m.run.folder);
    for (const m of edited.results.models) assert.notEqual(m.run.folder, modelOf(first, m.id).run.folder);
  });

  it('--epochs retrains the heads only, and the report shows the new epochs', async () => {
    const r = await compare({ epochs: 2 });
    assert.deepEqual(stages(r.lines), { ...ALL_REUSED, baseline: 'trained', 'clip-linear': 'trained' });
    assert.ok(r.lines.some((l) => l.startsWith('baseline: epoch 2/2: ')));
    assert.ok(!r.lines.some((l) => l.startsWith('baseline: epoch 3/')));
    for (const id of ['baseline', 'clip-linear']) {
      assert.equal(modelOf(r, id).config.epochs, 2);
      assert.equal(modelOf(r, id).history!.length, 2);
    }
    assert.equal(modelOf(r, 'paligemma').history!.length, 1);
  });

  it('a replaced training image re-extracts the training features and retrains what reads them', async () => {
    const train = await readJson<VizWizRecord[]>(join(out, 'annotations', 'train.json'));
    // same name, same size class, other pixels: the name-based extraction fingerprint alone would miss it
    await copyFile(join(out, 'data', 'train', train[1]!.image), join(out, 'data', 'train', train[0]!.image));
    const r = await compare({ epochs: 2 });
    assert.deepEqual(stages(r.lines), {
      ...ALL_REUSED,
      'train.resnet50': 'computed',
      'train.clip-vit-l14-336': 'computed',
      baseline: 'trained',
      'clip-linear': 'trained',
      paligemma: 'trained',
      // the quality heads read the new training features
      'quality.clip-vit-l14-336': 'trained',
      'quality.resnet50': 'trained',
    });
    // into a new file; the earlier one stays
    const files = (await readdir(join(out, 'features'))).filter((f) => /^train\.resnet50-[0-9a-f]{16}\.safetensors$/.test(f));
    assert.equal(files.length, 2);
  });

  it('--seed makes a new sample and tiny models and recomputes everything under the new seed', async () => {
    const r = await compare({ epochs: 2, seed: 1 });
    assert.deepEqual(stages(r.lines), {
      'question-prior': 'fitted',
      'train.resnet50': 'computed',
      'val.resnet50': 'computed',
      baseline: 'trained',
      'train.clip-vit-l14-336': 'computed',
      'val.clip-vit-l14-336': 'computed',
      'clip-linear': 'trained',
      paligemma: 'trained',
      'quality.clip-vit-l14-336': 'trained',
      'quality.resnet50': 'trained',
    });
    assert.ok(r.lines.includes(`data: ${join(out, 'data')} holds a sample of 120 questions, seed 0; writing 120 questions, seed 1`));
    assert.ok(r.lines.some((l) => l.startsWith('models: wrote a tiny random clip (seed 2)')));
    for (const id of ['baseline', 'clip-linear', 'paligemma']) assert.equal(modelOf(r, id).seed, 1);
    assert.equal(modelOf(r, 'paligemma').config.seed, 1);
  });
});

describe('stage keys', () => {
  it('do not depend on the order of object keys, and differ for any changed value', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } }), '{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}');
    assert.equal(stageKey({ a: 1, b: 2 }), stageKey({ b: 2, a: 1 }));
    assert.notEqual(stageKey({ a: 1, b: 2 }), stageKey({ a: 1, b: 3 }));
    assert.equal(stageKey({ a: 1, b: undefined }), stageKey({ a: 1 }));
  });
});
