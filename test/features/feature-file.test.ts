import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { writeSafetensors } from '../../src/engine/safetensors.js';
import { readFeatures, writeFeatures } from '../../src/features/feature-file.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vizwiz-feat-'));
});

const f32 = (rows: number, dim: number, fill = (i: number) => i / 10) => ({
  dtype: 'F32' as const,
  shape: [rows, dim],
  data: Float32Array.from({ length: rows * dim }, (_, i) => fill(i)),
});

describe('feature files', () => {
  it('round-trips image and text matrices with metadata', async () => {
    const file = join(dir, 'ok.safetensors');
    const image = { data: Float32Array.of(1, 2, 3, 4, 5, 6), rows: 2, dim: 3 };
    const text = { data: Float32Array.of(7, 8), rows: 2, dim: 1 };
    await writeFeatures(file, { image, text, metadata: { encoder: 'test' } });
    const back = await readFeatures(file, { requireText: true, images: ['a.jpg', 'b.jpg'] });
    assert.deepEqual(back.image, image);
    assert.deepEqual(back.text, text);
    assert.deepEqual(back.metadata, { encoder: 'test' });
  });

  it('names the problem before any training starts', async () => {
    const cases: [string, Record<string, ReturnType<typeof f32>>, Parameters<typeof readFeatures>[1], string][] = [
      ['no-image', { text: f32(2, 3) }, {}, "no tensor 'image' (expected float32 [N, D] image features)"],
      ['no-text', { image: f32(2, 3) }, { requireText: true }, "no tensor 'text' (this model needs question features; extract them with a text encoder)"],
      ['rank', { image: { dtype: 'F32', shape: [6], data: new Float32Array(6) } }, {}, "tensor 'image' has shape [6], expected [N, D]"],
      ['rows', { image: f32(2, 3), text: f32(3, 3) }, {}, "tensor 'text' has 3 rows but 'image' has 2"],
      [
        'count',
        { image: f32(2, 3) },
        { images: ['a.jpg', 'b.jpg', 'c.jpg'] },
        '2 feature rows but the annotations have 3 entries (rows must follow annotation order; extract features from the same annotation file)',
      ],
      [
        'nan',
        { image: f32(3, 2, (i) => (i === 3 || i === 5 ? Number.NaN : i)) },
        { images: ['a.jpg', 'b.jpg', 'c.jpg'] },
        "tensor 'image' row 1 (b.jpg) has NaN or infinite values (2 rows in all)",
      ],
      ['inf', { image: f32(1, 2), text: f32(1, 2, () => Infinity) }, {}, "tensor 'text' row 0 has NaN or infinite values"],
    ];
    for (const [name, tensors, options, message] of cases) {
      const file = join(dir, `${name}.safetensors`);
      await writeSafetensors(file, tensors);
      await assert.rejects(readFeatures(file, options), { code: 'INVALID_FEATURES', message: `${file}: ${message}` });
    }
  });

  it('reports a file that is missing', async () => {
    await assert.rejects(readFeatures(join(dir, 'none.safetensors')), { code: 'NOT_FOUND' });
  });
});
