/** WeightStore: single files, sharded checkpoints (index + shards), f16/bf16 widening, and errors that name things. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSafetensors } from '../../../src/engine/safetensors.js';
import { VizWizError } from '../../../src/errors.js';
import { findCheckpoint } from '../../../src/models/sources/weight-files.js';
import { WeightStore } from '../../../src/models/sources/weights.js';

async function withDir(f: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vizwiz-weights-'));
  try {
    await f(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A tiny sharded checkpoint in `dir`: two shards and model.safetensors.index.json, as transformers writes it. */
async function writeSharded(dir: string): Promise<void> {
  await writeSafetensors(join(dir, 'model-00001-of-00002.safetensors'), {
    'vision.embed.weight': { dtype: 'F32', shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) },
    'vision.norm.bias': { dtype: 'F32', shape: [3], data: Float32Array.of(-1, 0, 1) },
  });
  // bf16 bit patterns of 1, -2, 0.5; f16 bit patterns of 1, -2, 0.5, 65504
  await writeSafetensors(join(dir, 'model-00002-of-00002.safetensors'), {
    'text.proj.weight': { dtype: 'BF16', shape: [3], data: Uint16Array.of(0x3f80, 0xc000, 0x3f00) },
    'text.norm.weight': { dtype: 'F16', shape: [2, 2], data: Uint16Array.of(0x3c00, 0xc000, 0x3800, 0x7bff) },
  });
  const weight_map = {
    'vision.embed.weight': 'model-00001-of-00002.safetensors',
    'vision.norm.bias': 'model-00001-of-00002.safetensors',
    'text.proj.weight': 'model-00002-of-00002.safetensors',
    'text.norm.weight': 'model-00002-of-00002.safetensors',
  };
  await writeFile(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 52 }, weight_map }));
}

test('a sharded checkpoint opens from its folder or its index; f32, bf16 and f16 read as float32', async () => {
  await withDir(async (dir) => {
    await writeSharded(dir);
    for (const path of [dir, join(dir, 'model.safetensors.index.json')]) {
      const store = await WeightStore.open(path);
      try {
        assert.deepEqual(store.names, ['text.norm.weight', 'text.proj.weight', 'vision.embed.weight', 'vision.norm.bias']);
        assert.equal(store.files.length, 2);
        assert.deepEqual(store.shape('vision.embed.weight'), [2, 3]);
        assert.equal(store.info('text.proj.weight').dtype, 'BF16');
        assert.match(store.info('text.proj.weight').file, /model-00002-of-00002/);
        assert.deepEqual([...(await store.readF32('vision.embed.weight'))], [1, 2, 3, 4, 5, 6]);
        assert.deepEqual([...(await store.readF32('text.proj.weight'))], [1, -2, 0.5]);
        const out = new Float32Array(4);
        assert.equal(await store.readF32('text.norm.weight', out), out);
        assert.deepEqual([...out], [1, -2, 0.5, 65504]);
        assert.deepEqual([...(await store.readF32Shaped('vision.norm.bias', [3]))], [-1, 0, 1]);
      } finally {
        await store.close();
      }
    }
  });
});

test('a missing tensor names itself, near matches and the files searched', async () => {
  await withDir(async (dir) => {
    await writeSharded(dir);
    const store = await WeightStore.open(dir);
    try {
      await assert.rejects(store.readF32('vision.norm.weight'), (err: unknown) => {
        assert.ok(err instanceof VizWizError);
        assert.equal(err.code, 'INVALID_CHECKPOINT');
        assert.equal(
          err.message,
          "weight 'vision.norm.weight' not found (similar: vision.norm.bias); searched 2 file(s): " +
            `model-00001-of-00002.safetensors, model-00002-of-00002.safetensors in ${dir}`,
        );
        return true;
      });
      await assert.rejects(store.readF32Shaped('vision.embed.weight', [3, 2]), /has shape \[2, 3\], expected \[3, 2\]/);
    } finally {
      await store.close();
    }
  });
});

test('an index naming an absent shard, or a tensor its shard lacks, is caught at open', async () => {
  await withDir(async (dir) => {
    await writeSharded(dir);
    await rm(join(dir, 'model-00002-of-00002.safetensors'));
    await assert.rejects(WeightStore.open(dir), /1 shard\(s\) missing .*model-00002-of-00002\.safetensors/);
  });
  await withDir(async (dir) => {
    await writeSharded(dir);
    await writeFile(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { 'ghost.weight': 'model-00001-of-00002.safetensors' } }));
    await assert.rejects(WeightStore.open(dir), /puts 'ghost\.weight' in model-00001-of-00002\.safetensors, but that shard has no such tensor/);
  });
});

test('folders: model.safetensors is preferred, a lone checkpoint is used, none or several is a clear error', async () => {
  await withDir(async (dir) => {
    await assert.rejects(findCheckpoint(dir), /no \.safetensors weights in this folder/);
    const one = { w: { dtype: 'F32' as const, shape: [1], data: Float32Array.of(7) } };
    await writeSafetensors(join(dir, 'weights.safetensors'), one);
    assert.deepEqual((await findCheckpoint(dir)).files, [join(dir, 'weights.safetensors')]);
    await writeSafetensors(join(dir, 'other.safetensors'), one);
    await assert.rejects(findCheckpoint(dir), /several candidate checkpoints/);
    await writeSafetensors(join(dir, 'model.safetensors'), one);
    const store = await WeightStore.open(dir);
    try {
      assert.deepEqual(store.files, [join(dir, 'model.safetensors')]);
      assert.deepEqual([...(await store.readF32('w'))], [7]);
    } finally {
      await store.close();
    }
    await assert.rejects(WeightStore.open(join(dir, 'nope')), /no such checkpoint file or folder/);
  });
});

test('integer tensors are refused by readF32 with the tensor named', async () => {
  await withDir(async (dir) => {
    await writeSafetensors(join(dir, 'model.safetensors'), { ids: { dtype: 'I32', shape: [2], data: Int32Array.of(1, 2) } });
    const store = await WeightStore.open(dir);
    try {
      await assert.rejects(store.readF32('ids'), /tensor 'ids' is I32, expected a float tensor/);
    } finally {
      await store.close();
    }
  });
});
