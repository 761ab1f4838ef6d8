/**
 * The @huggingface/hub-backed client against a fake `fetch` that plays the hub's HTTP API (model info, resolve with
 * ranges): the whole resolution runs through the real library without a network; gated repos and unreachable hubs
 * turn into errors that say what to do.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHubClient, HubUnreachable } from '../../../src/models/sources/hub-client.js';
import { resolveModelSource } from '../../../src/models/sources/resolve.js';

const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const HUB = 'https://hub.test';

function fakeHub(files: Record<string, string>, seen: { url: string; auth: string | null }[], status = 200): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const headers = new Headers(init?.headers);
    seen.push({ url: url.pathname, auth: headers.get('Authorization') });
    if (status !== 200)
      return new Response(JSON.stringify({ error: 'Access to model org/gated is restricted' }), { status, headers: { 'Content-Type': 'application/json' } });
    let m = /^\/api\/models\/(.+)\/revision\/([^/]+)$/.exec(url.pathname);
    if (m) {
      const body = { _id: 'x', id: m[1], sha: COMMIT, private: false, gated: false, siblings: Object.keys(files).map((rfilename) => ({ rfilename })) };
      return new Response(JSON.stringify(body), { headers: { 'Content-Type': 'application/json' } });
    }
    m = /^\/(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (m) {
      assert.equal(m[2], COMMIT, 'files are fetched at the resolved commit');
      const content = files[m[3] as string];
      if (content === undefined) return new Response('', { status: 404, headers: { 'X-Error-Code': 'EntryNotFound' } });
      const bytes = Buffer.from(content);
      const range = headers.get('Range');
      const common = { ETag: `"etag-${m[3]}"`, 'Content-Type': 'application/octet-stream' };
      if (range) {
        const [a, b] = range.replace('bytes=', '').split('-').map(Number) as [number, number];
        return new Response(bytes.subarray(a, b + 1), { status: 206, headers: { ...common, 'Content-Range': `bytes ${a}-${b}/${bytes.length}` } });
      }
      return new Response(bytes, { headers: { ...common, 'Content-Length': String(bytes.length) } });
    }
    return new Response('not found', { status: 404 });
  }) as typeof fetch;
}

test('resolution through @huggingface/hub with a fake fetch: commit, selected files, token header', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vizwiz-hub-'));
  try {
    const seen: { url: string; auth: string | null }[] = [];
    const files = { 'config.json': '{"a":1}', 'model.safetensors': 'WEIGHTS', 'pytorch_model.bin': 'no', 'README.md': 'no' };
    const client = createHubClient({ hubUrl: HUB, fetch: fakeHub(files, seen), env: { HF_TOKEN: 'hf_test' } });
    const resolved = await resolveModelSource('hf:org/model@v1.0', { cacheDir: dir, client, log: () => undefined, env: {} });
    assert.equal(resolved.commit, COMMIT);
    assert.equal(await readFile(join(resolved.dir, 'config.json'), 'utf8'), '{"a":1}');
    assert.equal(await readFile(join(resolved.dir, 'model.safetensors'), 'utf8'), 'WEIGHTS');
    assert.equal(await readFile(join(dir, 'models--org--model', 'refs', 'v1.0'), 'utf8'), COMMIT);
    assert.ok(
      seen.every((s) => s.auth === 'Bearer hf_test'),
      'HF_TOKEN is sent',
    );
    assert.ok(!seen.some((s) => s.url.includes('pytorch_model.bin') || s.url.includes('README')));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a gated repo without a token asks for HF_TOKEN; a malformed token is refused', async () => {
  const client = createHubClient({ hubUrl: HUB, fetch: fakeHub({}, [], 401), env: {} });
  await assert.rejects(
    client.snapshot('org/gated', 'main'),
    /hf:org\/gated@main: the hub refused access \(HTTP 401\); the repository is gated or private: set HF_TOKEN/,
  );
  assert.throws(() => createHubClient({ env: { HF_TOKEN: 'abc' } }), /HF_TOKEN must be a Hugging Face access token starting with "hf_"/);
});

test('a fetch that cannot connect is HubUnreachable (so the cache can serve)', async () => {
  const failing = (async () => {
    throw new TypeError('fetch failed', { cause: new Error('getaddrinfo ENOTFOUND huggingface.co') });
  }) as typeof fetch;
  const client = createHubClient({ fetch: failing, env: {} });
  await assert.rejects(
    client.snapshot('org/model', 'main'),
    (err: unknown) => err instanceof HubUnreachable && /cannot reach the Hugging Face hub/.test(err.message),
  );
});
