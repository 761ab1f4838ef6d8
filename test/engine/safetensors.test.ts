/** safetensors I/O: round trips, the golden files, f16/bf16 widening, atomic writes and clear errors. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bf16ToF32, f16ToF32, halfToFloat, readSafetensors, SafetensorsReader, writeSafetensors } from '../../src/engine/safetensors.js';
import { VizWizError } from '../../src/errors.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const goldenHead = path.join(process.env.VIZWIZ_GOLDEN_DIR ?? path.join(here, '..', 'fixtures'), 'head');

async function withDir(f: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vizwiz-st-'));
  try {
    await f(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('round trip of F32, I64, I32, F16 and BF16 tensors with metadata; no temp file left behind', async () => {
  await withDir(async (dir) => {
    const file = path.join(dir, 'ckpt.safetensors');
    await writeSafetensors(
      file,
      {
        'layer.weight': { dtype: 'F32', shape: [2, 3], data: Float32Array.of(1, -2, 3.5, 0, 1e-8, -7) },
        step: { dtype: 'I64', shape: [], data: BigInt64Array.of(12345678901n) },
        ids: { dtype: 'I32', shape: [3], data: Int32Array.of(-1, 0, 7) },
        half: { dtype: 'F16', shape: [2], data: Uint16Array.of(0x3c00, 0xc100) }, // 1, -2.5
        brain: { dtype: 'BF16', shape: [2], data: Uint16Array.of(0x3f80, 0xc020) }, // 1, -2.5
      },
      { format: 'pt', epoch: '3' },
    );
    assert.deepEqual(await readdir(dir), ['ckpt.safetensors']);
    const r = await SafetensorsReader.open(file);
    assert.deepEqual(r.metadata, { format: 'pt', epoch: '3' });
    assert.deepEqual(r.info('layer.weight').shape, [2, 3]);
    assert.deepEqual(Array.from(await r.readF32('layer.weight')), Array.from(Float32Array.of(1, -2, 3.5, 0, 1e-8, -7)));
    assert.deepEqual(Array.from((await r.read('step')) as BigInt64Array), [12345678901n]);
    assert.deepEqual(Array.from((await r.read('ids')) as Int32Array), [-1, 0, 7]);
    assert.deepEqual(Array.from(await r.readF32('half')), [1, -2.5]);
    assert.deepEqual(Array.from(await r.readF32('brain')), [1, -2.5]);
    const into = new Float32Array(6);
    assert.equal(await r.readF32('layer.weight', into), into);
    await assert.rejects(r.readF32('ids'), /not a float tensor/);
    await assert.rejects(r.readF32('nope'), /no tensor named 'nope'/);
    await r.close();
    // Header is padded to 8 bytes and tensors are ordered by element size, then name (the reference writer's order).
    const bytes = await readFile(file);
    const headerLen = Number(bytes.readBigUInt64LE(0));
    assert.equal((8 + headerLen) % 8, 0);
    const header = JSON.parse(bytes.subarray(8, 8 + headerLen).toString()) as Record<string, { data_offsets: number[] }>;
    const order = Object.entries(header)
      .filter(([k]) => k !== '__metadata__')
      .sort((a, b) => (a[1].data_offsets[0] as number) - (b[1].data_offsets[0] as number))
      .map(([k]) => k);
    assert.deepEqual(order, ['step', 'ids', 'layer.weight', 'brain', 'half']);
  });
});

test('reads the golden head files: dtypes, shapes and values', async () => {
  const inputs = await readSafetensors(path.join(goldenHead, 'inputs.safetensors'));
  const img = inputs.get('image_feat');
  const labels = inputs.get('answer_label');
  assert.equal(img?.dtype, 'F32');
  assert.equal(img?.shape.length, 2);
  assert.equal(labels?.dtype, 'I64');
  assert.ok(labels?.data instanceof BigInt64Array);
  const params = await readSafetensors(path.join(goldenHead, 'params.safetensors'));
  const w = params.get('answer_fc1.weight');
  assert.equal(w?.shape[1], (img?.shape[1] as number) + (inputs.get('text_feat')?.shape[1] as number));
  assert.ok(Array.from(w?.data as Float32Array).every(Number.isFinite));
});

test('f16 and bf16 widening: normal, subnormal, max, infinities and NaN', () => {
  assert.equal(halfToFloat(0x3c00), 1);
  assert.equal(halfToFloat(0x7bff), 65504);
  assert.equal(halfToFloat(0x0001), 2 ** -24);
  assert.equal(halfToFloat(0x0400), 2 ** -14);
  assert.equal(halfToFloat(0x3555), 0.333251953125);
  assert.equal(halfToFloat(0xfc00), -Infinity);
  assert.ok(Number.isNaN(halfToFloat(0x7e00)));
  assert.ok(Object.is(halfToFloat(0x8000), -0));
  const f16 = new Float32Array(3);
  f16ToF32(Uint16Array.of(0xc000, 0x7c00, 0x0200), f16);
  assert.deepEqual(Array.from(f16), [-2, Infinity, 2 ** -15]);
  const bf = new Float32Array(4);
  bf16ToF32(Uint16Array.of(0x4049, 0x3eaa, 0xff80, 0x0001), bf);
  assert.deepEqual(Array.from(bf), [3.140625, 0.33203125, -Infinity, 2 ** -133]);
});

test('corrupt files give INVALID_CHECKPOINT errors that name the file', async () => {
  await withDir(async (dir) => {
    const short = path.join(dir, 'short.safetensors');
    await writeFile(short, Buffer.from([1, 2, 3]));
    await assert.rejects(
      SafetensorsReader.open(short),
      (e: unknown) => e instanceof VizWizError && e.code === 'INVALID_CHECKPOINT' && /short\.safetensors/.test(e.message),
    );
    const truncated = path.join(dir, 'trunc.safetensors');
    await writeSafetensors(truncated, { a: { dtype: 'F32', shape: [4], data: new Float32Array(4) } });
    const bytes = await readFile(truncated);
    await writeFile(truncated, bytes.subarray(0, bytes.length - 4));
    await assert.rejects(SafetensorsReader.open(truncated), /offsets \[0, 16\] do not fit F32\[4\]/);
    await assert.rejects(SafetensorsReader.open(path.join(dir, 'missing.safetensors')), (e: unknown) => e instanceof VizWizError && e.code === 'NOT_FOUND');
  });
});
