/**
 * `vizwiz predict --endpoint` through the CLI against a loopback server: killed with SIGKILL in the middle of a run
 * (the server answers five questions, then holds every request), the rerun asks only the questions that were not
 * answered - counted on the server - and writes the official submission file, scored like any other, with a results
 * file naming the model, the server and the prompt preset. Option errors are usage errors.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { evaluate } from '../../src/eval/evaluate.js';
import { readSubmission } from '../../src/eval/submission.js';
import { runCli } from '../../src/cli/main.js';
import { finished, spawnVizwiz } from '../helpers/cli-async.js';
import { startChaosServer, type ChaosServer } from './chaos-server.js';
import { endpointFixture, type EndpointFixture } from './fixture.js';

let fx: EndpointFixture;
let server: ChaosServer;

before(async () => {
  fx = await endpointFixture();
  server = await startChaosServer({ imagesBySha: fx.imagesBySha, behave: () => 'ok', answer: (image) => fx.answer(image) });
});

after(async () => {
  await server.close();
  await rm(fx.dir, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function cacheLines(file: string): Promise<string[]> {
  return existsSync(file) ? (await readFile(file, 'utf8')).split('\n').filter((l) => l.endsWith('}')) : [];
}

test('a run killed with SIGKILL resumes from its cache without asking any answered question again', { timeout: 120_000 }, async () => {
  const out = join(fx.dir, 'preds.json');
  const cache = `${out}.responses.jsonl`;
  let oks = 0;
  server.setBehavior(() => (oks < 5 ? (oks++, 'ok') : 'hang'));
  const args = [
    'predict',
    '--endpoint',
    server.url,
    '--model',
    'tiny-vlm',
    '--annotations',
    fx.annotations,
    '--images',
    fx.images,
    '--out',
    out,
    '--concurrency',
    '3',
  ];
  const child = spawnVizwiz(args);
  const killed = finished(child);
  while ((await cacheLines(cache)).length < 5) await sleep(50);
  child.kill('SIGKILL');
  assert.equal((await killed).signal, 'SIGKILL');
  assert.equal(existsSync(out), false);
  const answeredBefore = (await cacheLines(cache)).map((l) => (JSON.parse(l) as { image: string }).image);
  assert.equal(answeredBefore.length, 5);
  const requestsBefore = new Map(server.requests);

  server.setBehavior(() => 'ok');
  const rerun = await finished(spawnVizwiz(args));
  assert.equal(rerun.status, 0, rerun.stderr);
  const predictions = await readSubmission(out);
  const accuracy = evaluate(fx.records, predictions, { metric: 'official' }).overall;
  const results = `${join(fx.dir, 'preds')}.results.json`;
  assert.equal(
    rerun.stderr,
    `predict: ${fx.records.length - 5} asked, 5 from the cache\npredict: ${fx.records.length} answers -> ${out}\n` +
      `predict: official accuracy ${accuracy.toFixed(2)} on ${fx.records.length} questions; ${results}\n`,
  );
  for (const image of answeredBefore) assert.equal(server.requests.get(image), requestsBefore.get(image), `${image} was asked again`);
  for (const r of fx.records) assert.equal(server.answers.get(r.image), 1, `${r.image} answered ${server.answers.get(r.image)} times`);
  assert.deepEqual(
    predictions.map((p) => p.image),
    fx.records.map((r) => r.image),
  );
  const written = JSON.parse(await readFile(results, 'utf8'));
  assert.deepEqual(
    {
      model: written.model,
      endpoint: written.endpoint,
      prompt: written.prompt,
      asked: written.asked,
      cached: written.cached,
      overall: written.evaluation.overall,
    },
    {
      model: 'tiny-vlm',
      endpoint: server.url,
      prompt: { preset: 'paligemma', id: 'paligemma-v1', template: 'answer en {question}', question: 'trim' },
      asked: fx.records.length - 5,
      cached: 5,
      overall: accuracy,
    },
  );
});

/** Runs the CLI in this process, capturing stderr. */
async function cli(args: string[]): Promise<[number, string]> {
  let stderr = '';
  const original = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
  try {
    return [await runCli(['node', 'vizwiz', ...args]), stderr];
  } finally {
    process.stderr.write = original;
  }
}

test('endpoint options are checked before anything is asked', async () => {
  const usage = (line: string): [number, string] => [2, `vizwiz: ${line}\n(run with --help for usage)\n`];
  const base = ['predict', '--annotations', 'a.json', '--out', join(fx.dir, 'p.json')];
  const url = ['--endpoint', 'http://127.0.0.1:9/v1'];
  assert.deepEqual(await cli([...base, ...url, '--images', 'x']), usage('--endpoint needs --model NAME, the model the server serves'));
  assert.deepEqual(await cli([...base, ...url, '--model', 'm', '--images', 'x', '--checkpoint', 'run']), usage('--checkpoint does not apply to --endpoint'));
  assert.deepEqual(await cli([...base, '--checkpoint', 'run', '--features', 'f', '--concurrency', '4']), usage('--concurrency does not apply to --model head'));
  assert.deepEqual(
    await cli([...base, '--endpoint', 'localhost:8000', '--model', 'm', '--images', 'x']),
    usage('--endpoint must be an http(s) URL such as http://localhost:8000/v1, got "localhost:8000"'),
  );
  assert.deepEqual(
    await cli([...base, ...url, '--model', 'm', '--images', 'x', '--api-key-env', 'VIZWIZ_TEST_UNSET_KEY']),
    usage('--api-key-env VIZWIZ_TEST_UNSET_KEY: the environment variable VIZWIZ_TEST_UNSET_KEY is not set'),
  );
});
