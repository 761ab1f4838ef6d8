/**
 * The OpenAI-compatible endpoint driven by the official `openai` npm client, unchanged: non-streaming and streaming
 * completions, the documented errors (as the client surfaces them), remote image URLs refused by default and fetched
 * when allowed, and the request mapping (which message holds the question and the photo).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { decodeImage } from '../../src/images/decode.js';
import { likelyIssues, spokenReply } from '../../src/serve/advice.js';
import type { AnswerModel } from '../../src/serve/answer-model.js';
import { DEFAULT_LIMITS, type ServeLimits } from '../../src/serve/limits.js';
import { chatQuestion } from '../../src/serve/openai-chat.js';
import { chooseServeTarget, loadServeModel } from '../../src/serve/serve-target.js';
import { startService, type RunningService } from '../../src/serve/server.js';
import { servedComparison, type ServedComparison } from '../helpers/serve-fixture.js';

let fx: ServedComparison;
let model: AnswerModel;
let service: RunningService;
let client: OpenAI;
const others: RunningService[] = [];
let photoServer: Server | undefined;

const dataUrl = (bytes: Uint8Array, type = 'image/jpeg') => `data:${type};base64,${Buffer.from(bytes).toString('base64')}`;

function ask(url: string, question = 'What colour is this?'): OpenAI.Chat.ChatCompletionCreateParamsNonStreaming {
  return {
    model: 'clip-linear',
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: question },
          { type: 'image_url', image_url: { url } },
        ],
      },
    ],
  };
}

async function serve(limits: Partial<ServeLimits>): Promise<OpenAI> {
  const shared: AnswerModel = { ...model, answer: (i) => model.answer(i), dispose: async () => {} };
  const s = await startService({ host: '127.0.0.1', port: 0, limits: { ...DEFAULT_LIMITS, ...limits }, load: async () => shared });
  await s.ready;
  others.push(s);
  return new OpenAI({ baseURL: `${s.url}/v1`, apiKey: 'not-needed', maxRetries: 0 });
}

async function apiError(p: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof OpenAI.APIError, String(err));
    return err;
  }
  assert.fail('the request succeeded');
}

before(async () => {
  fx = await servedComparison();
  model = await loadServeModel(await chooseServeTarget({ run: fx.root }), { device: 'cpu' });
  service = await startService({
    host: '127.0.0.1',
    port: 0,
    limits: DEFAULT_LIMITS,
    load: async () => ({ ...model, answer: (i) => model.answer(i), dispose: async () => {} }),
  });
  await service.ready;
  client = new OpenAI({ baseURL: `${service.url}/v1`, apiKey: 'not-needed', maxRetries: 0 });
});

after(async () => {
  await service.shutdown();
  for (const s of others) await s.shutdown();
  photoServer?.close();
  await model.dispose();
});

describe('/v1/chat/completions with the openai client', () => {
  it("answers without streaming: the model's answer as the assistant message, the sentence to read in vizwiz.message", async () => {
    const [want] = await model.answer([{ image: await decodeImage(fx.photos.clear, 'x'), question: 'What colour is this?' }]);
    const r = await client.chat.completions.create(ask(dataUrl(fx.photos.clear)));
    assert.equal(r.object, 'chat.completion');
    assert.equal(r.model, 'clip-linear');
    assert.match(r.id, /^chatcmpl-[0-9a-f]{32}$/u);
    assert.equal(r.choices.length, 1);
    assert.equal(r.choices[0]!.finish_reason, 'stop');
    assert.equal(r.choices[0]!.message.role, 'assistant');
    assert.equal(r.choices[0]!.message.content, want!.answer);
    const extra = (r as unknown as { vizwiz: { answer: string; answerable: number; message: string } }).vizwiz;
    assert.equal(extra.answer, want!.answer);
    assert.equal(extra.message, spokenReply(want!.answer, want!.answerable, likelyIssues(want!.quality)));
    assert.ok(Math.abs(extra.answerable - want!.answerable) < 1e-5);
  });

  it('streams the same answer as server-sent chunks', async () => {
    const plain = await client.chat.completions.create(ask(dataUrl(fx.photos.dark), 'Is it red?'));
    const stream = await client.chat.completions.create({ ...ask(dataUrl(fx.photos.dark), 'Is it red?'), stream: true });
    const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.equal(chunks.length, 3);
    assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0]!.id));
    assert.equal(chunks[0]!.choices[0]!.delta.role, 'assistant');
    assert.equal(chunks.map((c) => c.choices[0]!.delta.content ?? '').join(''), plain.choices[0]!.message.content);
    assert.deepEqual(
      chunks.map((c) => c.choices[0]!.finish_reason),
      [null, null, 'stop'],
    );
  });

  it('lists the served model', async () => {
    const models = await client.models.list();
    assert.deepEqual(
      models.data.map((m) => [m.id, m.object, m.owned_by]),
      [['clip-linear', 'model', 'vizwiz']],
    );
  });

  it('refuses bad requests with the documented status and message, and keeps serving', async () => {
    const tight = await serve({ maxImageBytes: 600 });
    assert.ok(fx.photos.clear.length > 600);
    const remote = await apiError(client.chat.completions.create(ask('https://example.com/photo.jpg')));
    assert.equal(remote.status, 422);
    assert.equal(remote.code, 'remote_image_refused');
    assert.equal(
      remote.message,
      '422 remote image URLs are not fetched by this server (privacy: photos stay between you and it); send the photo as a data: URL (data:image/jpeg;base64,...)',
    );
    const text = await apiError(client.chat.completions.create(ask(dataUrl(Buffer.from('not a photo at all'), 'text/plain'))));
    assert.equal(text.status, 415);
    assert.equal(text.message, '415 the upload is not a photo in a supported format (JPEG, PNG, WebP, GIF, AVIF, TIFF); send a photo');
    const big = await apiError(tight.chat.completions.create(ask(dataUrl(fx.photos.clear))));
    assert.equal(big.status, 413);
    assert.equal(big.message, `413 the photo is ${Number((fx.photos.clear.length / 1024).toFixed(1))} KB; the limit is 600 bytes. Send a smaller photo`);
    const noPhoto = await apiError(client.chat.completions.create({ model: 'clip-linear', messages: [{ role: 'user', content: 'What is this?' }] }));
    assert.equal(noPhoto.status, 422);
    assert.equal(noPhoto.message, '422 no photo: add an image_url content part with the photo as a data: URL (data:image/jpeg;base64,...)');
    const empty = await apiError(client.chat.completions.create({ model: 'clip-linear', messages: [] }));
    assert.equal(empty.status, 422);
    assert.equal(empty.message, '422 messages: needs at least one message (expected an OpenAI chat completion request with messages)');
    const malformed = await fetch(`${service.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model": "clip-linear", "messages": [',
    });
    assert.equal(malformed.status, 400);
    assert.deepEqual(await malformed.json(), {
      error: { message: 'the body is not valid JSON', type: 'invalid_request_error', code: 'invalid_json', param: '(body)' },
    });
    const ok = await client.chat.completions.create(ask(dataUrl(fx.photos.clear)));
    assert.equal(ok.choices[0]!.finish_reason, 'stop');
  });

  it('fetches a remote image only when allowed', async () => {
    photoServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/jpeg' }).end(fx.photos.clear));
    await new Promise<void>((r) => photoServer!.listen(0, '127.0.0.1', r));
    const address = photoServer.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/photo.jpg`;
    const open = await serve({ allowRemoteImages: true });
    const fetched = await open.chat.completions.create(ask(url));
    const inline = await client.chat.completions.create(ask(dataUrl(fx.photos.clear)));
    assert.equal(fetched.choices[0]!.message.content, inline.choices[0]!.message.content);
  });
});

describe('chat request mapping', () => {
  const image = { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } };
  it('takes the question from the last user message and the most recent photo of any user message', () => {
    const q = chatQuestion({
      messages: [
        { role: 'system', content: 'You help blind users.' },
        { role: 'user', content: [{ type: 'text', text: 'What is this?' }, image] },
        { role: 'assistant', content: 'A box.' },
        { role: 'user', content: 'What colour is it?' },
      ],
      stream: true,
    });
    assert.deepEqual(q, { question: 'What colour is it?', imageUrl: 'data:image/png;base64,AAAA', stream: true });
    assert.deepEqual(
      chatQuestion({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image_url', image_url: 'data:x' },
              { type: 'text', text: 'a' },
              { type: 'text', text: 'b' },
            ],
          },
        ],
      }),
      {
        question: 'a b',
        imageUrl: 'data:x',
        stream: false,
      },
    );
  });

  it('names what is wrong with a request it cannot map', () => {
    assert.throws(() => chatQuestion({ messages: 'hi' }), {
      status: 422,
      message: 'messages: Invalid input: expected array, received string (expected an OpenAI chat completion request with messages)',
    });
    assert.throws(() => chatQuestion({ messages: [{ role: 'assistant', content: 'hi' }] }), {
      status: 422,
      message: 'messages has no user message; send the question as a user message with the photo',
    });
    assert.throws(() => chatQuestion({ messages: [{ role: 'user', content: [{ type: 'input_audio' }, image] }] }), {
      status: 422,
      message: 'content part type "input_audio" is not supported; send text and image_url parts',
    });
  });
});
