/**
 * predictEndpoint against a loopback server that misbehaves on a script - 429 with and without Retry-After, 500,
 * malformed bodies, dropped connections, requests never answered (the client's time-out), slow answers: the run
 * finishes (the test's time-out bounds it) with every question answered exactly once, post-processed like the
 * toolkit's own answers; a second run takes everything from the cache; refusals and exhausted retries fail naming the
 * question, keeping what was answered.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FolderImageSource } from '../../src/data/image-source.js';
import { VizWizError } from '../../src/errors.js';
import { ResponseCache } from '../../src/endpoint/cache.js';
import { predictEndpoint, type EndpointPredictOptions } from '../../src/endpoint/predict.js';
import { normalizeAnswer } from '../../src/text/normalize.js';
import { startChaosServer, type Behavior, type ChaosServer } from './chaos-server.js';
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

/** Fast retries: the failures are scripted, the waits need not be real. */
const FAST = { baseMs: 5, maxMs: 40, timeoutMs: 3000, retries: 4 };

function options(cacheFile: string, extra: Partial<EndpointPredictOptions> = {}): EndpointPredictOptions {
  return {
    endpoint: server.url,
    model: 'tiny-vlm',
    questions: fx.records,
    images: new FolderImageSource(fx.images),
    cacheFile,
    concurrency: 4,
    retry: FAST,
    progress: false,
    log: () => undefined,
    ...extra,
  };
}

const FIRST_ATTEMPTS: Behavior[] = ['429', '429-retry-after', '500', 'malformed', 'drop', 'hang', 'slow-ok', 'ok'];

test('every question is answered exactly once through 429, 500, malformed bodies, drops, hangs and slow answers', { timeout: 60_000 }, async () => {
  const index = new Map(fx.records.map((r, i) => [r.image, i]));
  // question k fails its first request as FIRST_ATTEMPTS[k % 8]; the 429s fail twice
  const failures = (k: number): number =>
    ['429', '429-retry-after'].includes(FIRST_ATTEMPTS[k % 8]!) ? 2 : ['slow-ok', 'ok'].includes(FIRST_ATTEMPTS[k % 8]!) ? 0 : 1;
  server.setBehavior((image, attempt) => {
    const k = index.get(image)!;
    return attempt <= failures(k) ? FIRST_ATTEMPTS[k % 8]! : attempt === 1 ? FIRST_ATTEMPTS[k % 8]! : 'ok';
  });
  server.requests.clear();
  server.answers.clear();
  const cacheFile = join(fx.dir, 'chaos.responses.jsonl');
  const result = await predictEndpoint(options(cacheFile));

  assert.ok(fx.records.length >= 10, `${fx.records.length} questions`);
  assert.deepEqual(
    result.predictions.map((p) => p.image),
    fx.records.map((r) => r.image),
  );
  assert.deepEqual(
    result.predictions.map((p) => p.answer),
    fx.records.map((r) => normalizeAnswer(fx.answer(r.image))),
  );
  // post-processing as the toolkit's own: " The Blue.\n" -> "blue"
  assert.equal(result.predictions[0]!.answer, normalizeAnswer(fx.records[0]!.answers[0]!.answer));
  assert.equal(
    result.predictions.every((p) => p.answerable === undefined),
    true,
  );
  for (const r of fx.records) {
    const k = index.get(r.image)!;
    assert.equal(server.answers.get(r.image), 1, `${r.image} answered ${server.answers.get(r.image)} times`);
    assert.equal(server.requests.get(r.image), failures(k) + 1, `${r.image} (${FIRST_ATTEMPTS[k % 8]}) asked ${server.requests.get(r.image)} times`);
  }
  const retried = fx.records.reduce((n, _r, k) => n + failures(k), 0);
  assert.deepEqual([result.asked, result.cached, result.retries], [fx.records.length, 0, retried]);
  assert.equal((await readFile(cacheFile, 'utf8')).trim().split('\n').length, fx.records.length);

  // resumed: nothing is asked again
  server.setBehavior(() => '500');
  const again = await predictEndpoint(options(cacheFile));
  assert.deepEqual([again.asked, again.cached], [0, fx.records.length]);
  assert.deepEqual(again.predictions, result.predictions);
  assert.equal(
    [...server.answers.values()].reduce((a, b) => a + b, 0),
    fx.records.length,
  );
});

test('requests carry the OpenAI body, the API key and the preset; a refusal fails at once, a dead server after the retries', { timeout: 30_000 }, async () => {
  server.log.length = 0;
  server.setBehavior(() => 'ok');
  const one = fx.records.slice(0, 1);
  const result = await predictEndpoint(options(join(fx.dir, 'body.jsonl'), { questions: one, apiKey: 'sk-test', prompt: 'lmms-eval', maxTokens: 5 }));
  const { body, authorization } = server.log[0]!;
  assert.equal(authorization, 'Bearer sk-test');
  const image = await readFile(join(fx.images, one[0]!.image));
  assert.deepEqual(body, {
    model: 'tiny-vlm',
    messages: [
      {
        role: 'user',
        content: [
          {
            type: 'text',
            text: result.preset.template.replace('{question}', one[0]!.question.charAt(0).toUpperCase() + one[0]!.question.slice(1).toLowerCase()),
          },
          { type: 'image_url', image_url: { url: `data:image/jpeg;base64,${image.toString('base64')}` } },
        ],
      },
    ],
    max_tokens: 5,
    temperature: 0,
    stream: false,
  });

  server.setBehavior(() => '401');
  server.requests.clear();
  await assert.rejects(
    predictEndpoint(options(join(fx.dir, 'refused-key.jsonl'), { questions: one })),
    (e: unknown) =>
      e instanceof VizWizError &&
      e.code === 'ENDPOINT' &&
      e.message === `${server.url}/chat/completions refused question ${one[0]!.image}: HTTP 401: invalid api key (pass the API key with --api-key-env VAR)`,
  );
  assert.equal(server.requests.get(one[0]!.image), 1, 'a refusal is not retried');

  const refuse = await startChaosServer({ imagesBySha: fx.imagesBySha, behave: () => 'ok', answer: () => '' });
  await refuse.close();
  // a closed port: connection refused on every attempt, then a clear error
  await assert.rejects(
    predictEndpoint(options(join(fx.dir, 'refused.jsonl'), { endpoint: refuse.url, questions: one, retry: { ...FAST, retries: 2 } })),
    (e: unknown) =>
      e instanceof VizWizError &&
      e.code === 'ENDPOINT' &&
      e.message ===
        `${refuse.url}/chat/completions: gave up on question ${one[0]!.image} after 3 attempts; last: ECONNREFUSED (answers so far are cached: rerun to resume)`,
  );
});

test('a question that keeps failing stops the run after the others in flight are cached', { timeout: 30_000 }, async () => {
  const bad = fx.records[3]!.image;
  server.setBehavior((image) => (image === bad ? '500' : 'ok'));
  const cacheFile = join(fx.dir, 'partial.jsonl');
  await assert.rejects(
    predictEndpoint(options(cacheFile, { concurrency: 1, retry: { ...FAST, retries: 1 } })),
    (e: unknown) =>
      e instanceof VizWizError &&
      e.message ===
        `${server.url}/chat/completions: gave up on question ${bad} after 2 attempts; last: HTTP 500: internal error (answers so far are cached: rerun to resume)`,
  );
  // concurrency 1: the three questions before it were answered and cached
  assert.equal((await readFile(cacheFile, 'utf8')).trim().split('\n').length, 3);
  server.setBehavior(() => 'ok');
  const resumed = await predictEndpoint(options(cacheFile));
  assert.deepEqual([resumed.asked, resumed.cached], [fx.records.length - 3, 3]);
});

test('the cache drops a line torn by a kill and refuses a damaged one', async () => {
  const file = join(fx.dir, 'torn.jsonl');
  const line = JSON.stringify({ key: 'k1', image: 'a.jpg', content: 'blue', model: 'm', prompt: 'raw-v1', at: 'now' });
  await writeFile(file, `${line}\n{"key":"k2","ima`);
  const notes: string[] = [];
  const cache = await ResponseCache.open(file, (l) => notes.push(l));
  assert.deepEqual([cache.size, cache.get('k1')?.content], [1, 'blue']);
  await cache.append({ key: 'k2', image: 'b.jpg', content: 'red', model: 'm', prompt: 'raw-v1', at: 'now' });
  await cache.close();
  assert.deepEqual(notes, [`endpoint: ${file}: dropped a partial last line (a run was interrupted while writing it)`]);
  assert.equal((await readFile(file, 'utf8')).split('\n').filter(Boolean).length, 2);
  await writeFile(file, `${line}\nnot json\n${line}\n`);
  await assert.rejects(
    ResponseCache.open(file),
    (e: unknown) => e instanceof VizWizError && e.message === `${file}: line 2 is not JSON; remove that line (or the file, to ask every question again)`,
  );
});
