/**
 * Sharded runs end to end through the CLI: three `vizwiz extract --shard` and three `vizwiz predict --shard`
 * processes run at once (two of them finding their index as a Kubernetes pod and a Slurm task would), and `vizwiz
 * merge` joins each set into a file byte for byte equal to the unsharded run's. A shard killed with SIGKILL mid-way
 * resumes from its finished batches and writes the same file; merges with a missing, duplicated or foreign shard
 * fail naming it. PaliGemma's shards (in-process, the tiny random model) merge into its unsharded answers too.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadAnnotations, loadQuestions } from '../../src/data/annotations.js';
import { FolderImageSource } from '../../src/data/image-source.js';
import { generateSample } from '../../src/data/sample/index.js';
import type { VizWizQuestion } from '../../src/data/types.js';
import { SafetensorsReader } from '../../src/engine/safetensors.js';
import { VizWizError } from '../../src/errors.js';
import { extractFeatures } from '../../src/features/extract.js';
import { readFeatures } from '../../src/features/feature-file.js';
import { loadEncoder } from '../../src/features/registry.js';
import { mergeFeatureShards } from '../../src/features/shard-file.js';
import { trainConfig } from '../../src/train/config.js';
import { trainHead } from '../../src/train/trainer.js';
import { selectShard } from '../../src/shards/assign.js';
import { writeSubmission } from '../../src/eval/submission.js';
import { predictPaligemma } from '../../src/finetune/predict.js';
import { mergePredictionShards, predictionShardManifest, writePredictionShard } from '../../src/shards/predictions.js';
import type { ShardSpec } from '../../src/shards/spec.js';
import { writeTinyPaligemma } from '../helpers/tiny-paligemma.js';
import { finished, runVizwizAsync } from '../helpers/cli-async.js';

let dir: string;
let annotations: string;
let images: string;
let questions: VizWizQuestion[];
const f = (name: string): string => join(dir, name);
const shardSize = (index: number): number => selectShard(questions, { index, count: 3 }).rows.length;
/** How each of the three shard processes is told its index: given, as a Kubernetes pod, as a Slurm task. */
const WAYS: [string, NodeJS.ProcessEnv][] = [
  ['0/3', {}],
  ['auto/3', { JOB_COMPLETION_INDEX: '1', SLURM_ARRAY_TASK_ID: undefined }],
  ['auto/3', { SLURM_ARRAY_TASK_ID: '2', JOB_COMPLETION_INDEX: undefined }],
];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vizwiz-shards-'));
  await generateSample({ out: dir, n: 200, seed: 5 });
  annotations = join(dir, 'Annotations', 'val.json');
  images = join(dir, 'val');
  questions = await loadQuestions(annotations);
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const extract = ['extract', '--image-dim', '24', '--text-dim', '12'];

describe('sharded extraction', () => {
  it('three shard processes merged equal one unsharded run byte for byte', async () => {
    const base = () => [...extract, '--annotations', annotations, '--images', images];
    const [whole, ...shards] = await Promise.all([
      runVizwizAsync([...base(), '--out', f('all.safetensors')]),
      ...WAYS.map(([shard, env], i) => runVizwizAsync([...base(), '--out', f(`s${i}.safetensors`), '--shard', shard], env)),
    ]);
    assert.equal(whole.status, 0, whole.stderr);
    shards.forEach((r, i) => {
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, `extract: shard ${i}/3: ${shardSize(i)} of ${questions.length} rows -> ${f(`s${i}.safetensors`)}\n`);
    });
    assert.equal(shardSize(0) + shardSize(1) + shardSize(2), questions.length);
    const merge = await runVizwizAsync(['merge', '--out', f('merged.safetensors'), f('s2.safetensors'), f('s0.safetensors'), f('s1.safetensors')]);
    assert.equal(merge.status, 0, merge.stderr);
    assert.equal(merge.stderr, `merge: 3 feature shards, ${questions.length} rows -> ${f('merged.safetensors')}\n`);
    assert.ok((await readFile(f('merged.safetensors'))).equals(await readFile(f('all.safetensors'))), 'merged file differs from the unsharded one');
  });

  it('a shard killed mid-way resumes from its finished batches and writes the same file', async () => {
    const out = f('killed.safetensors');
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/shards/slow-extract-child.ts', annotations, images, out, '1/3', '400', '24', '12'], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: { ...process.env, CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let parts = 0;
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      parts += d.split('part').length - 1;
      if (parts >= 2) child.kill('SIGKILL');
    });
    const killed = await finished(child);
    assert.equal(killed.signal, 'SIGKILL', killed.stderr);
    assert.equal(existsSync(out), false, 'a killed shard leaves no file');
    // the job of the first test's shard 1/3: the child used the same encoder options
    const rerun = await runVizwizAsync([...extract, '--annotations', annotations, '--images', images, '--out', out, '--shard', '1/3']);
    assert.equal(rerun.status, 0, rerun.stderr);
    const m =
      /^extract: resuming .*killed\.safetensors: (\d+) of (\d+) rows already done\nextract: shard 1\/3: (\d+) of (\d+) rows -> .*killed\.safetensors \((\d+) resumed\)\n$/.exec(
        rerun.stderr,
      );
    assert.ok(m, rerun.stderr);
    assert.deepEqual([m[2], m[3], m[4], m[5]].map(Number), [shardSize(1), shardSize(1), questions.length, Number(m[1])]);
    assert.ok(Number(m[1]) >= 4 && Number(m[1]) < shardSize(1), `resumed ${m[1]} rows`);
    assert.ok((await readFile(out)).equals(await readFile(f('s1.safetensors'))), 'the resumed shard differs from an uninterrupted one');
  });

  it('a merge with a missing, duplicated or foreign shard fails naming it', async () => {
    const into = f('bad.safetensors');
    // shard 1/3 of the same questions with another projection seed: another encoder
    await extractFeatures({
      questions,
      images: new FolderImageSource(images),
      encoder: await loadEncoder('pixel-projection', { overrides: { imageDim: 24, textDim: 12, seed: 7 } }),
      out: f('foreign.safetensors'),
      shard: { index: 1, count: 3 },
      progress: false,
    });
    const modelOf = async (file: string): Promise<string> => {
      const reader = await SafetensorsReader.open(file);
      const model = (JSON.parse(reader.metadata.vizwiz_shard!) as { model: string }).model.slice(0, 12);
      await reader.close();
      return model;
    };
    const r = await runVizwizAsync(['merge', '--out', into, f('s0.safetensors'), f('foreign.safetensors'), f('s2.safetensors')]);
    assert.equal(r.status, 1);
    assert.equal(
      r.stderr,
      `vizwiz: cannot merge 3 shard file(s) into ${into}: foreign shard ${f('foreign.safetensors')} (1/3): made with another model or settings ` +
        `(model ${await modelOf(f('foreign.safetensors'))}, the rest ${await modelOf(f('s0.safetensors'))}); missing shard 1/3\n`,
    );
    const fails = (message: string) => (e: unknown) => e instanceof VizWizError && e.message === message;
    await assert.rejects(
      mergeFeatureShards([f('s0.safetensors'), f('s2.safetensors')], into),
      fails(`cannot merge 2 shard file(s) into ${into}: missing shard 1/3`),
    );
    await copyFile(f('s1.safetensors'), f('s1-retried.safetensors'));
    await assert.rejects(
      mergeFeatureShards([f('s0.safetensors'), f('s1.safetensors'), f('s1-retried.safetensors'), f('s2.safetensors')], into),
      fails(`cannot merge 4 shard file(s) into ${into}: shard 1/3 is in 2 files: ${f('s1.safetensors')}, ${f('s1-retried.safetensors')}`),
    );
    await assert.rejects(
      mergeFeatureShards([f('all.safetensors'), f('s1.safetensors')], into),
      fails(`${f('all.safetensors')}: a feature file, not a shard (shards are written by vizwiz extract --shard i/n)`),
    );
    assert.equal(existsSync(into), false);
  });
});

describe('sharded prediction', () => {
  it('three head-prediction shards merged equal one unsharded run byte for byte', async () => {
    const run = f('run');
    const features = f('all.safetensors');
    const records = await loadAnnotations(annotations);
    const split = { records, features: await readFeatures(features), source: features };
    await trainHead({ out: run, config: trainConfig('clip-linear', { epochs: 2, seed: 1, threads: 1 }), train: split, val: split, log: () => undefined });
    // batches of 4: shard tails of one row are paired (src/train/predict.ts), so every row is computed alike
    const base = ['predict', '--checkpoint', run, '--annotations', annotations, '--features', features, '--threads', '1', '--batch-size', '4'];
    const [whole, ...shards] = await Promise.all([
      runVizwizAsync([...base, '--out', f('preds.json')]),
      ...WAYS.map(([shard, env], i) => runVizwizAsync([...base, '--out', f(`p${i}.json`), '--shard', shard], env)),
    ]);
    assert.equal(whole.status, 0, whole.stderr);
    shards.forEach((r, i) => assert.equal(r.stderr, `predict: shard ${i}/3: ${shardSize(i)} of ${questions.length} answers -> ${f(`p${i}.json`)}\n`));
    const merge = await runVizwizAsync(['merge', '--out', f('preds-merged.json'), f('p1.json'), f('p2.json'), f('p0.json')]);
    assert.equal(merge.stderr, `merge: 3 prediction shards, ${questions.length} answers -> ${f('preds-merged.json')}\n`);
    assert.equal(await readFile(f('preds-merged.json'), 'utf8'), await readFile(f('preds.json'), 'utf8'));
    const into = f('bad.json');
    await assert.rejects(
      mergePredictionShards([f('p0.json'), f('p1.json')], into),
      (e: unknown) => e instanceof VizWizError && e.message === `cannot merge 2 shard file(s) into ${into}: missing shard 2/3`,
    );
    await assert.rejects(
      mergePredictionShards([f('p0.json'), f('preds.json')], into),
      (e: unknown) =>
        e instanceof VizWizError && e.message === `${f('preds.json')}: a submission file, not a shard (shards are written by vizwiz predict --shard i/n)`,
    );
  });
});

describe('sharded PaliGemma prediction', () => {
  it('shards of a zero-shot PaliGemma merged equal the unsharded answers byte for byte', async () => {
    const model = f('tiny-paligemma');
    await writeTinyPaligemma(model);
    const source = new FolderImageSource(images);
    // batch size 1: a batch is padded to its longest prompt, so larger batches may round `answerable` differently
    const predict = (shard?: ShardSpec) =>
      predictPaligemma({ base: model, questions, images: source, batchSize: 1, maxNewTokens: 4, ...(shard ? { shard } : {}) });
    await writeSubmission(f('pg.json'), await predict());
    const files: string[] = [];
    for (const index of [0, 1, 2]) {
      const spec = { index, count: 3 };
      files.push(f(`pg${index}.json`));
      await writePredictionShard(files[index]!, predictionShardManifest(spec, questions, 'e'.repeat(64), 'f'.repeat(64)), await predict(spec));
    }
    const merged = await mergePredictionShards(files, f('pg-merged.json'));
    assert.deepEqual([merged.rows, merged.shards], [questions.length, 3]);
    assert.equal(await readFile(f('pg-merged.json'), 'utf8'), await readFile(f('pg.json'), 'utf8'));
  });
});
