/** The pieces of the hosted-model client: prompt presets, the request body, response parsing, back-off, URLs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VizWizError } from '../../src/errors.js';
import { completionsUrl } from '../../src/endpoint/client.js';
import { PROMPT_PRESETS, pythonCapitalize, renderPreset } from '../../src/endpoint/prompts.js';
import { chatRequest, imageDataUrl, MalformedResponse, parseChatResponse } from '../../src/endpoint/protocol.js';
import { backoffMs, DEFAULT_RETRY, serverDelayMs } from '../../src/endpoint/retry.js';

test('prompt presets render the exact text of each convention', () => {
  assert.equal(renderPreset(PROMPT_PRESETS.paligemma, '  What colour is this shirt? '), 'answer en What colour is this shirt?');
  assert.equal(
    renderPreset(PROMPT_PRESETS['lmms-eval'], "what's the IKEA thing?"),
    "What's the ikea thing?\nWhen the provided information is insufficient, respond with 'Unanswerable'.\nAnswer the question using a single word or phrase.",
  );
  assert.equal(renderPreset(PROMPT_PRESETS.raw, ' as Is? '), ' as Is? ');
  assert.deepEqual(
    Object.values(PROMPT_PRESETS).map((p) => p.id),
    ['paligemma-v1', 'lmms-eval-v1', 'raw-v1'],
  );
  assert.equal(pythonCapitalize('éCOLE'), 'École');
  assert.equal(pythonCapitalize(''), '');
});

test('a request is a non-streaming OpenAI chat completion with the image as a data URL', () => {
  const jpeg = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 1, 2]);
  const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]);
  assert.equal(imageDataUrl(jpeg), 'data:image/jpeg;base64,/9j/4AEC');
  assert.equal(imageDataUrl(png), 'data:image/png;base64,iVBORw0K');
  assert.deepEqual(chatRequest('m', 'answer en why?', 'data:image/png;base64,AA==', 8), {
    model: 'm',
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'answer en why?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AA==' } },
        ],
      },
    ],
    max_tokens: 8,
    temperature: 0,
    stream: false,
  });
});

test('responses: the content of the first choice; anything else is malformed', () => {
  assert.equal(parseChatResponse('{"choices":[{"message":{"role":"assistant","content":"blue"}}]}'), 'blue');
  assert.equal(parseChatResponse('{"choices":[{"message":{"content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}}]}'), 'ab');
  assert.equal(parseChatResponse('{"choices":[{"message":{"content":null}}]}'), '');
  assert.throws(
    () => parseChatResponse('{"choices": [{"mess'),
    (e: unknown) => e instanceof MalformedResponse && e.message === 'not JSON: "{\\"choices\\": [{\\"mess"',
  );
  assert.throws(
    () => parseChatResponse('{"error":"x"}'),
    (e: unknown) => e instanceof MalformedResponse && e.message === 'no choices[0].message.content',
  );
});

test("back-off doubles with equal jitter up to the cap, and a server's Retry-After wins", () => {
  const half = () => 0.5;
  assert.deepEqual(
    [0, 1, 2, 10].map((r) => backoffMs(r, DEFAULT_RETRY, undefined, half)),
    [375, 750, 1500, 22500],
  );
  assert.equal(
    backoffMs(0, DEFAULT_RETRY, undefined, () => 0),
    250,
  );
  assert.equal(backoffMs(3, DEFAULT_RETRY, 2000, half), 2000);
  assert.equal(backoffMs(3, DEFAULT_RETRY, 90_000, half), 30_000);
  const headers = (h: Record<string, string>) => ({ get: (name: string) => h[name] ?? null });
  assert.equal(serverDelayMs(headers({ 'retry-after': '2' })), 2000);
  assert.equal(serverDelayMs(headers({ 'retry-after-ms': '25', 'retry-after': '9' })), 25);
  assert.equal(serverDelayMs(headers({ 'retry-after': 'Wed, 21 Oct 2015 07:28:05 GMT' }), Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')), 5000);
  assert.equal(serverDelayMs(headers({})), undefined);
});

test('the endpoint is the OpenAI base URL; /chat/completions is added once', () => {
  assert.equal(completionsUrl('http://localhost:8000/v1'), 'http://localhost:8000/v1/chat/completions');
  assert.equal(completionsUrl('http://localhost:8000/v1/'), 'http://localhost:8000/v1/chat/completions');
  assert.equal(completionsUrl('https://h/v1/chat/completions'), 'https://h/v1/chat/completions');
  assert.throws(
    () => completionsUrl('localhost:8000'),
    (e: unknown) =>
      e instanceof VizWizError &&
      e.code === 'USAGE' &&
      e.message === '--endpoint must be an http(s) URL such as http://localhost:8000/v1, got "localhost:8000"',
  );
});
