/**
 * The service over HTTP with the embedded default's model (a smoke comparison's CLIP head with its quality head):
 * /v1/answer (multipart and JSON), the page's plain form post, health and readiness, the documented errors, and the
 * limits (queue full, timeout). The model is loaded once and shared by the servers of the different limits.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { QUALITY_FLAGS } from '../../src/data/quality-labels.js';
import { decodeImage } from '../../src/images/decode.js';
import { likelyIssues, spokenReply } from '../../src/serve/advice.js';
import type { AnswerModel, ModelAnswer } from '../../src/serve/answer-model.js';
import { DEFAULT_LIMITS, type ServeLimits } from '../../src/serve/limits.js';
import { chooseServeTarget, loadServeModel } from '../../src/serve/serve-target.js';
import { startService, type RunningService } from '../../src/serve/server.js';
import { servedComparison, type ServedComparison } from '../helpers/serve-fixture.js';

let fx: ServedComparison;
let model: AnswerModel;
let shared: AnswerModel;
const running: RunningService[] = [];

async function serve(
  limits: Partial<ServeLimits> = {},
  m: AnswerModel = shared,
  extra: { log?: (l: string) => void; logRequests?: boolean } = {},
): Promise<RunningService> {
  const s = await startService({ host: '127.0.0.1', port: 0, limits: { ...DEFAULT_LIMITS, ...limits }, load: async () => m, ...extra });
  await s.ready;
  running.push(s);
  return s;
}

function form(photo: Uint8Array, question: string, type = 'image/jpeg', name = 'photo.jpg'): FormData {
  const f = new FormData();
  f.append('question', question);
  f.append('image', new Blob([photo], { type }), name);
  return f;
}

async function post(url: string, body: FormData | string, type?: string): Promise<{ status: number; headers: Headers; json: any }> {
  const res = await fetch(url, { method: 'POST', body, ...(type ? { headers: { 'content-type': type } } : {}) });
  return { status: res.status, headers: res.headers, json: await res.json() };
}

async function direct(photo: Uint8Array, question: string): Promise<ModelAnswer> {
  const [a] = await model.answer([{ image: await decodeImage(photo, 'test'), question }]);
  return a!;
}

function error(status: number, code: string, message: string, param: string | null = null) {
  return { error: { message, type: status >= 500 ? 'overloaded_error' : 'invalid_request_error', code, param } };
}

before(async () => {
  fx = await servedComparison();
  model = await loadServeModel(await chooseServeTarget({ run: fx.root }), { device: 'cpu' });
  shared = { ...model, answer: (inputs) => model.answer(inputs), dispose: async () => {} };
});

after(async () => {
  for (const s of running) await s.shutdown();
  await model.dispose();
});

describe('vizwiz serve over HTTP', () => {
  it('serves the best model of the comparison with its quality head', () => {
    assert.equal(model.id, 'clip-linear');
    assert.equal(model.hasQuality, true);
    assert.match(
      model.description,
      /^clip-linear head \(.*runs\/clip-linear-[0-9a-f]{16}\) on clip-vit-l14-336 features from .*models\/tiny-clip, quality head .*quality\/clip-vit-l14-336$/u,
    );
  });

  it('answers a photo and a question through /v1/answer, multipart and JSON, as the model does alone', async () => {
    const s = await serve();
    const question = 'What colour is this?';
    const want = await direct(fx.photos.clear, question);
    const issues = likelyIssues(want.quality);
    const check = (json: any) => {
      assert.deepEqual(Object.keys(json), ['answer', 'answerable', 'quality', 'message', 'model', 'latency_ms']);
      assert.equal(json.answer, want.answer);
      assert.ok(Math.abs(json.answerable - want.answerable) < 1e-5, `${json.answerable} vs ${want.answerable}`);
      assert.deepEqual(
        json.quality.map((q: any) => q.issue),
        issues.map((q) => q.issue),
      );
      assert.equal(json.message, spokenReply(want.answer, want.answerable, issues));
      assert.equal(json.model, 'clip-linear');
      assert.ok(Number.isInteger(json.latency_ms) && json.latency_ms >= 0);
    };
    const multipart = await post(`${s.url}/v1/answer`, form(fx.photos.clear, question));
    assert.equal(multipart.status, 200);
    check(multipart.json);
    const dataUrl = `data:image/jpeg;base64,${fx.photos.clear.toString('base64')}`;
    for (const image of [dataUrl, fx.photos.clear.toString('base64')]) {
      const json = await post(`${s.url}/v1/answer`, JSON.stringify({ image, question }), 'application/json');
      assert.equal(json.status, 200);
      check(json.json);
    }
  });

  it('reports health at once and readiness once the model is loaded', async () => {
    let release!: (m: AnswerModel) => void;
    const s = await startService({ host: '127.0.0.1', port: 0, limits: DEFAULT_LIMITS, load: () => new Promise((r) => (release = r)) });
    running.push(s);
    assert.deepEqual(await (await fetch(`${s.url}/healthz`)).json(), { status: 'ok' });
    const loading = await fetch(`${s.url}/readyz`);
    assert.equal(loading.status, 503);
    assert.equal(loading.headers.get('retry-after'), '5');
    assert.deepEqual(await loading.json(), { status: 'loading', message: 'the model is still loading; try again in a few seconds' });
    const early = await post(`${s.url}/v1/answer`, form(fx.photos.clear, 'What is it?'));
    assert.equal(early.status, 503);
    assert.deepEqual(early.json, error(503, 'not_ready', 'the model is still loading; try again in a few seconds'));
    release(shared);
    await s.ready;
    assert.deepEqual(await (await fetch(`${s.url}/readyz`)).json(), { status: 'ready', model: 'clip-linear', quality: true });
    assert.deepEqual(await (await fetch(`${s.url}/v1/models`)).json(), {
      object: 'list',
      data: [{ id: 'clip-linear', object: 'model', created: s.state.startedAt, owned_by: 'vizwiz' }],
    });
  });

  it('refuses bad requests with the documented status and message, and keeps serving', async () => {
    const s = await serve({ maxImageBytes: 8 * 1024, maxPixels: 5000 });
    const big = await sharp(Buffer.from(Array.from({ length: 64 * 64 * 3 }, (_, i) => (i * 7919) % 256)), { raw: { width: 64, height: 64, channels: 3 } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    assert.ok(big.length > 8 * 1024);
    const cases: [string, Promise<{ status: number; json: any }>, number, object][] = [
      ['malformed JSON', post(`${s.url}/v1/answer`, '{"image": ', 'application/json'), 400, error(400, 'invalid_json', 'the body is not valid JSON', '(body)')],
      [
        'a text body',
        post(`${s.url}/v1/answer`, 'hello', 'text/plain'),
        415,
        error(415, 'unsupported_media_type', 'send the request as multipart/form-data (a photo file and a question) or as application/json'),
      ],
      [
        'a non-image file',
        post(`${s.url}/v1/answer`, form(Buffer.from('just text'), 'What is it?', 'text/plain', 'notes.txt')),
        415,
        error(415, 'unsupported_media_type', 'the upload is not a photo in a supported format (JPEG, PNG, WebP, GIF, AVIF, TIFF); send a photo', 'image'),
      ],
      [
        'an oversize upload',
        post(`${s.url}/v1/answer`, form(big, 'What is it?', 'image/png')),
        413,
        error(413, 'upload_too_large', 'the photo is over the limit; the limit is 8 KB. Send a smaller photo', 'image'),
      ],
      [
        'an oversize data URL',
        post(`${s.url}/v1/answer`, JSON.stringify({ image: `data:image/png;base64,${big.toString('base64')}`, question: 'What is it?' }), 'application/json'),
        413,
        error(413, 'upload_too_large', `the photo is ${Number((big.length / 1024).toFixed(1))} KB; the limit is 8 KB. Send a smaller photo`, 'image'),
      ],
      [
        'too many pixels',
        post(`${s.url}/v1/answer`, form(fx.photos.clear, 'What is it?')),
        422,
        error(422, 'too_many_pixels', 'the photo is 96 x 96 = 9216 pixels; the limit is 5000. Send a smaller photo', 'image'),
      ],
      [
        'no question',
        post(`${s.url}/v1/answer`, JSON.stringify({ image: 'AAAA', question: '  ' }), 'application/json'),
        422,
        error(422, 'missing_question', 'the question is empty; ask something about the photo', 'question'),
      ],
      [
        'no photo',
        post(`${s.url}/v1/answer`, JSON.stringify({ question: 'What is it?' }), 'application/json'),
        422,
        error(422, 'missing_image', 'image: missing (the photo as base64 or a data: URL)', 'image'),
      ],
      [
        'an unknown endpoint',
        fetch(`${s.url}/v1/nothing`).then(async (r) => ({ status: r.status, json: await r.json() })),
        404,
        error(404, 'not_found', 'no such endpoint: GET /v1/nothing'),
      ],
    ];
    for (const [what, request, status, body] of cases) {
      const res = await request;
      assert.equal(res.status, status, what);
      assert.deepEqual(res.json, body, what);
    }
    const ok = await post(`${(await serve()).url}/v1/answer`, form(fx.photos.clear, 'What is it?'));
    assert.equal(ok.status, 200);
    const still = await post(`${s.url}/v1/answer`, JSON.stringify({ image: 'AAAA', question: 'What is it?' }), 'application/json');
    assert.equal(still.status, 415, 'the server with tight limits keeps answering');
  });

  it('batches concurrent requests and answers each as it would alone', async () => {
    const s = await serve({ maxBatch: 8, batchWaitMs: 200 });
    const questions = fx.more.map((_, i) => (i % 2 === 0 ? 'What colour is this?' : 'What is in this box?'));
    const alone = await Promise.all(fx.more.map((p, i) => direct(p, questions[i]!)));
    const before = s.state.service!.batcher.batchSizes.length;
    const replies = await Promise.all(fx.more.map((p, i) => post(`${s.url}/v1/answer`, form(p, questions[i]!))));
    const sizes = s.state.service!.batcher.batchSizes.slice(before);
    assert.equal(
      sizes.reduce((a, b) => a + b, 0),
      fx.more.length,
    );
    assert.ok(Math.max(...sizes) > 1, `batch sizes ${sizes.join(', ')}`);
    replies.forEach((r, i) => {
      const want = alone[i]!;
      assert.equal(r.status, 200);
      assert.ok(Math.abs(r.json.answerable - want.answerable) < 1e-5, `answerable ${r.json.answerable} vs ${want.answerable}`);
      // The arg-max is compared where the answer is not a near tie (a different GEMM kernel may reorder a tie).
      if (want.margin! > 1e-3) assert.equal(r.json.answer, want.answer);
    });
    // The same at the model's level, flag by flag.
    const photos = await Promise.all(fx.more.map((p) => decodeImage(p, 'x')));
    const batched = await model.answer(photos.map((image, i) => ({ image, question: questions[i]! })));
    batched.forEach((b, i) => {
      QUALITY_FLAGS.forEach((_, k) => assert.ok(Math.abs(b.quality![k]! - alone[i]!.quality![k]!) < 1e-5));
      assert.ok(Math.abs(b.answerable - alone[i]!.answerable) < 1e-5);
    });
  });

  it('refuses with 503 and Retry-After when the queue is full, and never fails otherwise', async () => {
    const slow: AnswerModel = { ...shared, answer: async (inputs) => (await new Promise((r) => setTimeout(r, 100)), model.answer(inputs)) };
    const s = await serve({ maxBatch: 1, maxQueue: 1, batchWaitMs: 0 }, slow);
    const replies = await Promise.all(
      Array.from({ length: 10 }, () => fetch(`${s.url}/v1/answer`, { method: 'POST', body: form(fx.photos.clear, 'What is it?') })),
    );
    const statuses = replies.map((r) => r.status);
    assert.ok(
      statuses.every((c) => c === 200 || c === 503),
      statuses.join(','),
    );
    assert.ok(statuses.includes(200) && statuses.includes(503), statuses.join(','));
    for (const r of replies.filter((x) => x.status === 503)) {
      assert.ok(Number(r.headers.get('retry-after')) >= 1);
      const body = (await r.json()) as any;
      assert.equal(body.error.code, 'queue_full');
      assert.match(body.error.message, /^the server is busy \(1 questions waiting\); try again in \d+ s$/u);
    }
  });

  it('gives up a request after its deadline with 503 and Retry-After', async () => {
    const s = await serve({ timeoutMs: 0 });
    const r = await post(`${s.url}/v1/answer`, form(fx.photos.clear, 'What is it?'));
    assert.equal(r.status, 503);
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
    assert.equal(r.json.error.code, 'timeout');
    assert.match(r.json.error.message, /^no answer within 0 s: the server is busy; try again in \d+ s$/u);
  });

  it('finishes the requests in flight when shut down, then refuses connections', async () => {
    const slow: AnswerModel = { ...shared, answer: async (inputs) => (await new Promise((r) => setTimeout(r, 400)), model.answer(inputs)) };
    const s = await startService({ host: '127.0.0.1', port: 0, limits: DEFAULT_LIMITS, load: async () => slow });
    await s.ready;
    const inFlight = post(`${s.url}/v1/answer`, form(fx.photos.clear, 'What is it?'));
    await new Promise((r) => setTimeout(r, 150));
    const stopped = s.shutdown();
    const done = await inFlight;
    assert.equal(done.status, 200);
    assert.equal(done.json.model, 'clip-linear');
    await stopped;
    await assert.rejects(fetch(`${s.url}/healthz`), /fetch failed/u);
  });

  it('serves the page, and answers its form without JavaScript', async () => {
    const s = await serve();
    const page = await fetch(`${s.url}/`);
    assert.equal(
      page.headers.get('content-security-policy'),
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    );
    const html = await page.text();
    assert.ok(html.includes('<div id="answer" class="answer" role="status" aria-live="polite" aria-atomic="true"></div>'));
    assert.ok(html.includes('<input id="photo" name="image" type="file" accept="image/*" capture="environment" required aria-describedby="photo-hint">'));
    const want = await direct(fx.photos.clear, 'What colour is this?');
    const answered = await (await fetch(`${s.url}/`, { method: 'POST', body: form(fx.photos.clear, 'What colour is this?') })).text();
    const message = spokenReply(want.answer, want.answerable, likelyIssues(want.quality));
    assert.ok(answered.includes(`role="status" aria-live="polite" aria-atomic="true">${message}</div>`), answered);
    assert.ok(answered.includes('value="What colour is this?"'));
    const refused = await fetch(`${s.url}/`, { method: 'POST', body: form(Buffer.from('text'), 'What?', 'text/plain', 'a.txt') });
    assert.equal(refused.status, 415);
    assert.ok(
      (await refused.text()).includes(
        'role="alert" aria-atomic="true">The upload is not a photo in a supported format (JPEG, PNG, WebP, GIF, AVIF, TIFF); send a photo.</div>',
      ),
    );
  });

  it('logs requests only when asked, and then never the question or the photo', async () => {
    const lines: string[] = [];
    const s = await serve({}, shared, { log: (l) => lines.push(l), logRequests: true });
    await post(`${s.url}/v1/answer`, form(fx.photos.clear, 'What colour is my secret thing?'));
    await post(`${s.url}/v1/answer`, JSON.stringify({ image: fx.photos.clear.toString('base64'), question: 'Is my secret thing red?' }), 'application/json');
    const requests = lines.filter((l) => l.startsWith('POST'));
    assert.equal(requests.length, 2);
    for (const l of requests) assert.match(l, /^POST \/v1\/answer 200 \d+ ms$/u);
    assert.ok(!lines.join('\n').includes('secret'));
  });
});
