/**
 * Model source resolution without a network: a fake hub client (counting its calls), pre-populated cache folders,
 * offline mode and its exact error, local folders, and the source-string grammar.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSafetensors } from '../../../src/engine/safetensors.js';
import { VizWizError } from '../../../src/errors.js';
import { defaultCacheDir, offlineFromEnv } from '../../../src/models/sources/hub-cache.js';
import { HubUnreachable, type HubClient } from '../../../src/models/sources/hub-client.js';
import { resolveModelSource } from '../../../src/models/sources/resolve.js';
import { parseModelSource } from '../../../src/models/sources/spec.js';
import { WeightStore } from '../../../src/models/sources/weights.js';

const COMMIT = 'a'.repeat(40);
const quiet = (): void => undefined;

async function withDir(f: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vizwiz-resolve-'));
  try {
    await f(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Bytes of a one-tensor safetensors file. */
async function safetensorsBytes(dir: string, name: string, value: number): Promise<Buffer> {
  const path = join(dir, `.${name}-${value}`);
  await writeSafetensors(path, { [name]: { dtype: 'F32', shape: [1], data: Float32Array.of(value) } });
  return readFile(path);
}

/** A fake hub repo: files by path; records every call. */
async function fakeRepo(scratch: string): Promise<{ client: HubClient; calls: string[]; files: Map<string, Buffer> }> {
  const files = new Map<string, Buffer>([
    ['config.json', Buffer.from('{"model_type":"clip"}')],
    ['tokenizer.json', Buffer.from('{}')],
    ['vocab.json', Buffer.from('{}')],
    ['README.md', Buffer.from('# readme')],
    ['pytorch_model.bin', Buffer.from('not wanted')],
    ['flax_model.msgpack', Buffer.from('not wanted')],
    ['model-00001-of-00002.safetensors', await safetensorsBytes(scratch, 'a.weight', 1)],
    ['model-00002-of-00002.safetensors', await safetensorsBytes(scratch, 'b.weight', 2)],
    [
      'model.safetensors.index.json',
      Buffer.from(JSON.stringify({ weight_map: { 'a.weight': 'model-00001-of-00002.safetensors', 'b.weight': 'model-00002-of-00002.safetensors' } })),
    ],
  ]);
  const calls: string[] = [];
  const client: HubClient = {
    async snapshot(repo, revision) {
      calls.push(`snapshot ${repo}@${revision}`);
      return { commit: COMMIT, files: [...files.keys()] };
    },
    async download(repo, commit, path, dest) {
      calls.push(`download ${path}`);
      assert.equal(commit, COMMIT);
      await writeFile(dest, files.get(path) as Buffer);
    },
  };
  return { client, calls, files };
}

test('source strings: local paths, hf:org/repo with default and explicit revisions, bad ones named', () => {
  assert.deepEqual(parseModelSource('/models/clip'), { kind: 'local', path: '/models/clip' });
  assert.deepEqual(parseModelSource('hf:openai/clip-vit-large-patch14-336'), {
    kind: 'hub',
    repo: 'openai/clip-vit-large-patch14-336',
    revision: 'main',
    text: 'hf:openai/clip-vit-large-patch14-336@main',
  });
  assert.equal((parseModelSource('hf:timm/resnet50.tv_in1k@refs/pr/3') as { revision: string }).revision, 'refs/pr/3');
  assert.throws(() => parseModelSource('hf:not a repo'), /expected hf:org\/repo or hf:org\/repo@revision/);
  assert.throws(() => parseModelSource('hf:org/repo@../x'), /is not a valid revision/);
});

test('environment: VIZWIZ_CACHE and the offline switches', () => {
  assert.equal(defaultCacheDir({ VIZWIZ_CACHE: '/c' }), '/c');
  assert.match(defaultCacheDir({}), /\.cache[/\\]vizwiz[/\\]hub$/);
  assert.equal(offlineFromEnv({ VIZWIZ_OFFLINE: '1' }), true);
  assert.equal(offlineFromEnv({ HF_HUB_OFFLINE: 'true' }), true);
  assert.equal(offlineFromEnv({ HF_HUB_OFFLINE: '0' }), false);
  assert.equal(offlineFromEnv({}), false);
});

test('a hub source downloads only config, tokenizer and safetensors files, once', async () => {
  await withDir(async (dir) => {
    const cacheDir = join(dir, 'cache');
    const { client, calls } = await fakeRepo(dir);
    const first = await resolveModelSource('hf:org/model', { cacheDir, client, log: quiet, env: {} });
    assert.equal(first.dir, join(cacheDir, 'models--org--model', 'snapshots', COMMIT));
    assert.equal(first.commit, COMMIT);
    assert.equal(first.source, 'hf:org/model@main');
    assert.deepEqual(calls, [
      'snapshot org/model@main',
      'download config.json',
      'download tokenizer.json',
      'download vocab.json',
      'download model.safetensors.index.json',
      'download model-00001-of-00002.safetensors',
      'download model-00002-of-00002.safetensors',
    ]);
    assert.deepEqual((await readdir(first.dir)).sort(), [
      'config.json',
      'model-00001-of-00002.safetensors',
      'model-00002-of-00002.safetensors',
      'model.safetensors.index.json',
      'tokenizer.json',
      'vocab.json',
    ]);
    assert.equal(await readFile(join(cacheDir, 'models--org--model', 'refs', 'main'), 'utf8'), COMMIT);
    const store = await WeightStore.open(first.weights);
    assert.deepEqual([...(await store.readF32('b.weight'))], [2]);
    await store.close();

    calls.length = 0;
    const second = await resolveModelSource('hf:org/model', { cacheDir, client, log: quiet, env: {} });
    assert.deepEqual(calls, ['snapshot org/model@main'], 'a second run asks for the commit and downloads nothing');
    assert.equal(second.dir, first.dir);
    assert.equal(second.weights, join(first.dir, 'model.safetensors.index.json'));

    calls.length = 0;
    const pinned = await resolveModelSource(`hf:org/model@${COMMIT}`, { cacheDir, client, log: quiet, env: {} });
    assert.deepEqual(calls, [], 'a cached pinned commit needs no network');
    assert.equal(pinned.dir, first.dir);

    calls.length = 0;
    const offline = await resolveModelSource('hf:org/model', { cacheDir, client, offline: true, log: quiet, env: {} });
    assert.deepEqual(calls, []);
    assert.equal(offline.dir, first.dir);
  });
});

test('an interrupted download leaves no partial file and the next run fetches only what is missing', async () => {
  await withDir(async (dir) => {
    const cacheDir = join(dir, 'cache');
    const { client, calls } = await fakeRepo(dir);
    const failing: HubClient = {
      snapshot: client.snapshot,
      async download(repo, commit, path, dest) {
        if (path === 'model-00002-of-00002.safetensors') {
          await writeFile(dest, 'partial');
          throw new Error('connection reset');
        }
        return client.download(repo, commit, path, dest);
      },
    };
    await assert.rejects(resolveModelSource('hf:org/model', { cacheDir, client: failing, log: quiet, env: {} }), /connection reset/);
    const snap = join(cacheDir, 'models--org--model', 'snapshots', COMMIT);
    assert.ok(!(await readdir(snap)).some((f) => f.startsWith('model-00002') || f.includes('incomplete')));
    await assert.rejects(
      resolveModelSource('hf:org/model', { cacheDir, client, offline: true, log: quiet, env: {} }),
      /is not in the cache/,
      'a snapshot with missing shards is not a cached model',
    );
    calls.length = 0;
    await resolveModelSource('hf:org/model', { cacheDir, client, log: quiet, env: {} });
    assert.deepEqual(calls, ['snapshot org/model@main', 'download model-00002-of-00002.safetensors']);
  });
});

test('offline and not cached: the exact error; VIZWIZ_OFFLINE and HF_HUB_OFFLINE switch it on', async () => {
  await withDir(async (dir) => {
    const cacheDir = join(dir, 'cache');
    const { client, calls } = await fakeRepo(dir);
    const expected =
      `offline mode is on and hf:openai/clip-vit-large-patch14-336@main is not in the cache at ${cacheDir}; ` +
      'run once with network access or pass a local folder';
    for (const env of [{ VIZWIZ_OFFLINE: '1' }, { HF_HUB_OFFLINE: '1' }]) {
      await assert.rejects(resolveModelSource('hf:openai/clip-vit-large-patch14-336', { cacheDir, client, env, log: quiet }), (err: unknown) => {
        assert.ok(err instanceof VizWizError);
        assert.equal(err.code, 'NOT_FOUND');
        assert.equal(err.message, expected);
        return true;
      });
    }
    await assert.rejects(
      resolveModelSource('hf:openai/clip-vit-large-patch14-336', { client, env: { VIZWIZ_CACHE: cacheDir, VIZWIZ_OFFLINE: 'yes' }, log: quiet }),
      { message: expected },
    );
    assert.deepEqual(calls, []);
  });
});

test('a pre-populated cache (refs/<revision> + snapshot) serves offline; an unreachable hub falls back to it', async () => {
  await withDir(async (dir) => {
    const cacheDir = join(dir, 'cache');
    const repoDir = join(cacheDir, 'models--timm--resnet50.tv_in1k');
    const snap = join(repoDir, 'snapshots', COMMIT);
    await mkdir(snap, { recursive: true });
    await mkdir(join(repoDir, 'refs'), { recursive: true });
    await writeFile(join(repoDir, 'refs', 'main'), `${COMMIT}\n`);
    await writeSafetensors(join(snap, 'model.safetensors'), { 'fc.bias': { dtype: 'F32', shape: [1], data: Float32Array.of(3) } });
    const offline = await resolveModelSource('hf:timm/resnet50.tv_in1k', { cacheDir, offline: true, env: {} });
    assert.deepEqual(offline, {
      source: 'hf:timm/resnet50.tv_in1k@main',
      dir: snap,
      weights: join(snap, 'model.safetensors'),
      repo: 'timm/resnet50.tv_in1k',
      revision: 'main',
      commit: COMMIT,
    });
    const lines: string[] = [];
    const unreachable: HubClient = {
      snapshot: async () => {
        throw new HubUnreachable('hf:timm/resnet50.tv_in1k@main: cannot reach the Hugging Face hub (ENOTFOUND)');
      },
      download: async () => assert.fail('no download'),
    };
    const fallback = await resolveModelSource('hf:timm/resnet50.tv_in1k', { cacheDir, client: unreachable, log: (l) => lines.push(l), env: {} });
    assert.equal(fallback.dir, snap);
    assert.match(lines.join('\n'), /cannot reach the Hugging Face hub .*; using the cached snapshot a{40}/);
    await assert.rejects(
      resolveModelSource('hf:timm/other', { cacheDir, client: unreachable, log: quiet, env: {} }),
      /cannot reach the Hugging Face hub .*, and hf:timm\/other@main is not in the cache at .*; run once with network access or pass a local folder/,
    );
  });
});

test('local folders and files resolve to themselves; a missing one is a clear error', async () => {
  await withDir(async (dir) => {
    await writeSafetensors(join(dir, 'model.safetensors'), { w: { dtype: 'F32', shape: [1], data: Float32Array.of(1) } });
    const file = join(dir, 'model.safetensors');
    assert.deepEqual(await resolveModelSource(dir), { source: dir, dir, weights: file });
    assert.deepEqual(await resolveModelSource(file), { source: file, dir, weights: file });
    await assert.rejects(resolveModelSource(join(dir, 'absent')), /no such folder or file \(pass a folder with config\.json/);
  });
});

test('a repo without safetensors weights says what to do', async () => {
  await withDir(async (dir) => {
    const client: HubClient = {
      snapshot: async () => ({ commit: COMMIT, files: ['config.json', 'pytorch_model.bin'] }),
      download: async () => assert.fail('no download'),
    };
    await assert.rejects(
      resolveModelSource('hf:org/old', { cacheDir: join(dir, 'c'), client, log: quiet, env: {} }),
      /hf:org\/old@main has no \.safetensors weights \(files: config\.json, pytorch_model\.bin\); pick a revision/,
    );
  });
});
