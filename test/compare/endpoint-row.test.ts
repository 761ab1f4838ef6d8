/**
 * `vizwiz compare --endpoint URL --model NAME`: the server's model is one more row of the report, keyed like every
 * stage (a rerun reuses its answers without asking the server), with its prompt preset in the results; the row is
 * left out without a server, and its options are usage errors without --endpoint.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCompare, type CompareOptions } from '../../src/compare/run.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { normalizeAnswer } from '../../src/text/normalize.js';
import { cliInProcess } from '../helpers/cli-in-process.js';
import { startChaosServer, type ChaosServer } from '../endpoint/chaos-server.js';
import { endpointFixture, type EndpointFixture } from '../endpoint/fixture.js';

let fx: EndpointFixture;
let server: ChaosServer;
let out: string;

before(async () => {
  fx = await endpointFixture();
  server = await startChaosServer({ imagesBySha: fx.imagesBySha, behave: () => 'ok', answer: (image) => fx.answer(image) });
  out = await mkdtemp(join(tmpdir(), 'vizwiz-compare-endpoint-'));
});

after(async () => {
  await server.close();
  await rm(fx.dir, { recursive: true, force: true });
  await rm(out, { recursive: true, force: true });
});

test('the model of an OpenAI-compatible server is a row of the comparison, reused on a rerun', { timeout: 120_000 }, async () => {
  const lines: string[] = [];
  const options: CompareOptions = {
    out,
    data: fx.dir,
    models: ['question-prior', 'endpoint'],
    device: 'cpu',
    smoke: false,
    augment: false,
    seed: 0,
    endpoint: { url: server.url, model: 'tiny-vlm', prompt: 'paligemma', concurrency: 2 },
    log: (line) => lines.push(line),
  };
  const summary = await runCompare(options);
  const row = summary.document.models.find((m) => m.id === 'endpoint');
  assert.ok(row, 'no endpoint row');
  const expected = evaluate(
    fx.records,
    fx.records.map((r) => ({ image: r.image, answer: normalizeAnswer(fx.answer(r.image)) })),
    { metric: 'official' },
  );
  assert.equal(row.accuracy.official.overall, expected.overall);
  assert.equal(row.label, 'tiny-vlm (server)');
  assert.deepEqual(row.prompt, { id: 'paligemma-v1', template: 'answer en {question}' });
  assert.equal(row.answerability, null);
  assert.deepEqual(
    summary.document.models.map((m) => m.id),
    ['question-prior', 'endpoint'],
  );
  const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8'));
  assert.equal(results.models.find((m: { id: string }) => m.id === 'endpoint').prompt.id, 'paligemma-v1');
  const asked = [...server.requests.values()].reduce((a, b) => a + b, 0);
  assert.equal(asked, fx.records.length);

  const again = await runCompare({ ...options, log: (line) => lines.push(line) });
  assert.equal(again.document.models.find((m) => m.id === 'endpoint')!.accuracy.official.overall, expected.overall);
  assert.equal(
    [...server.requests.values()].reduce((a, b) => a + b, 0),
    asked,
    'the rerun asked the server again',
  );
  assert.ok(
    lines.some((l) => /^endpoint: reused .*runs\/endpoint-[0-9a-f]{16}$/.test(l)),
    lines.join('\n'),
  );

  const { endpoint: _server, ...local } = options;
  const without = await runCompare({ ...local, log: () => undefined });
  assert.deepEqual(
    without.document.models.map((m) => m.id),
    ['question-prior'],
  );
});

const cli = cliInProcess;

test('compare refuses the endpoint options without --endpoint, and --endpoint without --model', async () => {
  const usage = (line: string) => [2, `vizwiz: ${line}\n(run with --help for usage)\n`];
  const dir = join(out, 'x');
  assert.deepEqual(Object.values(await cli(['compare', '--model', 'tiny-vlm', '--out', dir])), usage('--model applies with --endpoint only'));
  assert.deepEqual(
    Object.values(await cli(['compare', '--models', 'question-prior,endpoint', '--out', dir])),
    usage('--models endpoint needs --endpoint URL and --model NAME'),
  );
  assert.deepEqual(
    Object.values(await cli(['compare', '--endpoint', server.url, '--out', dir])),
    usage('--endpoint needs --model NAME, the model the server serves'),
  );
});
