/**
 * The encoder registry: encoders are data (sizes, default sources, preprocessing), loading resolves the source and
 * stamps metadata, pixel-projection takes its settings as architecture overrides, and misuse is a clear error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSafetensors } from '../../src/engine/safetensors.js';
import type { ResolvedSource } from '../../src/models/sources/resolve.js';
import { createPixelProjectionEncoder } from '../../src/features/pixel-projection.js';
import { encoderIds, getEncoderSpec, loadEncoder, registerEncoder, type EncoderLoadContext } from '../../src/features/registry.js';

test('the built-in encoders are described as data', () => {
  assert.deepEqual(encoderIds().slice(0, 3), ['clip-vit-l14-336', 'resnet50', 'pixel-projection']);
  const clip = getEncoderSpec('clip-vit-l14-336');
  assert.equal(clip.defaultSource, 'hf:openai/clip-vit-large-patch14-336');
  assert.deepEqual([clip.imageDim, clip.textDim], [768, 768]);
  assert.deepEqual(
    [clip.preprocessing.mode, clip.preprocessing.resize, clip.preprocessing.crop, clip.preprocessing.interpolation],
    ['shortest-side', 336, 336, 'bicubic'],
  );
  const resnet = getEncoderSpec('resnet50');
  assert.equal(resnet.defaultSource, 'hf:timm/resnet50.tv_in1k');
  assert.deepEqual([resnet.imageDim, resnet.textDim, resnet.preprocessing.resize, resnet.preprocessing.crop], [2048, undefined, 256, 224]);
  assert.equal(getEncoderSpec('pixel-projection').defaultSource, undefined);
  assert.throws(() => getEncoderSpec('vit-huge'), /unknown encoder "vit-huge": use one of clip-vit-l14-336, resnet50, pixel-projection/);
});

test('pixel-projection loads with overrides, stamped with its settings; it takes no model source', async () => {
  const encoder = await loadEncoder('pixel-projection', { overrides: { imageDim: 8, seed: 3 } });
  assert.deepEqual([encoder.id, encoder.imageDim, encoder.textDim, encoder.pixelsPerImage], ['pixel-projection', 8, 128, 768]);
  assert.deepEqual(encoder.metadata, { encoder: 'pixel-projection', 'arch.imageDim': '8', 'arch.seed': '3', resolution: '16', seed: '3' });
  const direct = createPixelProjectionEncoder({ imageDim: 8, seed: 3 });
  const pixels = Float32Array.from({ length: 768 }, (_, i) => Math.sin(i));
  assert.deepEqual(await encoder.encodeImages(pixels, 1), await direct.encodeImages(pixels, 1));
  assert.deepEqual(await encoder.encodeTexts!(['what is it?']), await direct.encodeTexts!(['what is it?']));
  await assert.rejects(loadEncoder('pixel-projection', { source: '/models/x' }), /encoder "pixel-projection" has no weights, so it takes no model source/);
});

test('a registered encoder gets its resolved source, device and architecture; offline hub sources fail clearly', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vizwiz-registry-'));
  try {
    await writeSafetensors(join(dir, 'model.safetensors'), { w: { dtype: 'F32', shape: [1], data: Float32Array.of(1) } });
    const seen: { source: ResolvedSource | undefined; context: EncoderLoadContext }[] = [];
    registerEncoder({
      id: 'test-local',
      description: 'test double',
      architecture: { width: 4 },
      defaultSource: dir,
      preprocessing: { mode: 'fill', resize: 16, crop: 16, interpolation: 'bilinear', mean: [0, 0, 0], std: [1, 1, 1] },
      imageDim: 256,
      textDim: 128,
      load: async (source, context) => {
        seen.push({ source, context });
        return createPixelProjectionEncoder();
      },
    });
    assert.throws(() => registerEncoder({ ...getEncoderSpec('test-local') }), /already registered/);
    const encoder = await loadEncoder('test-local', { device: 'cpu', threads: 2, overrides: { width: 8 } });
    assert.deepEqual(seen[0]?.source, { source: dir, dir, weights: join(dir, 'model.safetensors') });
    assert.deepEqual(seen[0]?.context.architecture, { width: 8 });
    assert.equal(seen[0]?.context.threads, 2);
    assert.equal(encoder.metadata?.source, dir);

    registerEncoder({ ...getEncoderSpec('test-local'), id: 'test-hub', defaultSource: 'hf:org/tiny' });
    const cache = join(dir, 'cache');
    await assert.rejects(loadEncoder('test-hub', { offline: true, cacheDir: cache }), {
      message: `offline mode is on and hf:org/tiny@main is not in the cache at ${cache}; run once with network access or pass a local folder`,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
