/**
 * ResNet plumbing: the state-dict layout against torchvision's real resnet50 manifest (names, order, shapes, the
 * 25,557,032 parameters), the architecture read back from tensors, weight validation errors, seeded random weights,
 * and the encoder (ImageTextEncoder contract, batching, folded vs unfolded BatchNorm, initializers vs inputs, a
 * checkpoint without fc).
 */

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor } from '../../../src/engine/tensor.js';
import { VizWizError } from '../../../src/errors.js';
import { writeSafetensors, type TensorToWrite } from '../../../src/engine/safetensors.js';
import { InferenceRunner } from '../../../src/engine/inference-runner.js';
import { buildInference } from '../../../src/engine/inference.js';
import type { RgbImage } from '../../../src/images/rgb.js';
import { inferResnetConfig, RESNET50, resnetStateShapes, type ResnetConfig } from '../../../src/models/resnet/config.js';
import { createResnetEncoder } from '../../../src/models/resnet/encoder.js';
import { resnetModel } from '../../../src/models/resnet/model.js';
import { manifestShapes, randomResnetWeights, type ShapeManifest } from '../../../src/models/resnet/random.js';
import { loadResnetWeights, type ResnetWeights } from '../../../src/models/resnet/weights.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.join(here, '..', '..', 'fixtures');
const manifest = JSON.parse(readFileSync(path.join(fixtures, 'manifests', 'resnet50.json'), 'utf8')) as ShapeManifest & {
  state_dict_keys: string[];
  total_params: number;
};
const TINY: ResnetConfig = { ...RESNET50, widths: [4, 8, 16, 32], stem: 4, numClasses: 10 };

let golden: ResnetWeights;
before(async () => {
  golden = await loadResnetWeights(path.join(fixtures, 'resnet50_tiny', 'model.safetensors'));
});

test("state-dict layout equals torchvision resnet50's (names in module order, shapes, parameter count)", () => {
  const ours = resnetStateShapes(RESNET50);
  const theirs = manifestShapes(manifest);
  assert.deepEqual(
    [...ours.keys()],
    manifest.state_dict_keys.filter((k) => !k.endsWith('num_batches_tracked')),
  );
  for (const [name, shape] of ours) assert.deepEqual(shape, theirs.get(name), name);
  const params = Object.values(manifest.parameters).reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0);
  assert.equal(params, 25_557_032);
  const oursParams = [...ours].filter(([n]) => !n.includes('running_')).reduce((a, [, s]) => a + s.reduce((x, y) => x * y, 1), 0);
  assert.equal(oursParams, 25_557_032);
});

test('the architecture is read back from tensor lengths: real resnet50 and the golden tiny one', () => {
  const lengths = new Map([...manifestShapes(manifest)].map(([n, s]) => [n, { length: s.reduce((a, b) => a * b, 1) }]));
  assert.deepEqual(inferResnetConfig(lengths), RESNET50);
  const cfg = JSON.parse(readFileSync(path.join(fixtures, 'resnet50_tiny', 'config.json'), 'utf8')) as {
    layers: number[];
    widths: number[];
    stem: number;
    num_classes: number;
    expansion: number;
  };
  assert.deepEqual(golden.config, {
    layers: cfg.layers,
    widths: cfg.widths,
    stem: cfg.stem,
    expansion: cfg.expansion,
    numClasses: cfg.num_classes,
    bnEps: 1e-5,
  });
});

test('missing or mis-sized tensors are INVALID_CHECKPOINT errors that name the tensor', async () => {
  const w = randomResnetWeights(resnetStateShapes(TINY), 1);
  const missing = new Map(w);
  missing.delete('layer3.2.bn2.running_var');
  await assert.rejects(
    loadResnetWeights(missing),
    (e: unknown) => e instanceof VizWizError && e.code === 'INVALID_CHECKPOINT' && /layer3\.2\.bn2\.running_var/.test(e.message),
  );
  const wrong = new Map(w);
  wrong.set('layer2.1.conv2.weight', new Float32Array(7));
  await assert.rejects(loadResnetWeights(wrong), /layer2\.1\.conv2\.weight' has 7 values, expected 576/);
  await assert.rejects(loadResnetWeights(new Map([['conv1.weight', new Float32Array(1)]])), /bn1\.weight/);
});

/** The float32 value of x's BF16 truncation (its top 16 bits). */
function truncateToBf16(x: number): number {
  const u = new Uint32Array(Float32Array.of(x).buffer);
  u[0] = ((u[0] as number) >>> 16) << 16;
  return new Float32Array(u.buffer)[0] as number;
}

test('a sharded checkpoint (index.json, one shard BF16) loads through WeightStore with the same tensors', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'resnet-shards-'));
  try {
    const shapes = resnetStateShapes(golden.config);
    const shards: [Map<string, TensorToWrite>, Map<string, TensorToWrite>] = [new Map(), new Map()];
    const weightMap: Record<string, string> = {};
    for (const [name, data] of golden.tensors) {
      const bf16 = name.includes('bn');
      const bits = new Uint16Array(data.length);
      if (bf16) new Uint32Array(data.buffer, data.byteOffset, data.length).forEach((u, i) => (bits[i] = u >>> 16));
      shards[bf16 ? 1 : 0].set(
        name,
        bf16 ? { dtype: 'BF16', shape: shapes.get(name) as number[], data: bits } : { dtype: 'F32', shape: shapes.get(name) as number[], data },
      );
      weightMap[name] = bf16 ? 'model-00002-of-00002.safetensors' : 'model-00001-of-00002.safetensors';
    }
    await writeSafetensors(path.join(dir, 'model-00001-of-00002.safetensors'), shards[0]);
    await writeSafetensors(path.join(dir, 'model-00002-of-00002.safetensors'), shards[1]);
    writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
    for (const where of [path.join(dir, 'model.safetensors.index.json'), dir]) {
      const loaded = await loadResnetWeights(where);
      assert.deepEqual(loaded.config, golden.config);
      for (const [name, want] of golden.tensors) {
        const got = loaded.tensors.get(name) as Float32Array;
        assert.deepEqual(got, name.includes('bn') ? want.map(truncateToBf16) : want, name);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('random weights are seeded and cover every tensor; integer buffers of a manifest are skipped', () => {
  const shapes = manifestShapes(manifest);
  assert.equal(shapes.size, 320 - 53); // 320 state-dict keys minus 53 num_batches_tracked
  const a = randomResnetWeights(resnetStateShapes(TINY), 5);
  const b = randomResnetWeights(resnetStateShapes(TINY), 5);
  const c = randomResnetWeights(resnetStateShapes(TINY), 6);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.get('conv1.weight'), c.get('conv1.weight'));
  for (const v of a.get('layer1.0.bn1.running_var') ?? []) assert.ok(v >= 0.5 && v <= 1.5);
});

/** Small synthetic photos of different sizes and aspect ratios. */
function images(): RgbImage[] {
  return [
    [300, 200],
    [180, 260],
    [256, 256],
  ].map(([w, h], k) => {
    const data = new Uint8Array(w! * h! * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * (31 + k) + ((i / 3 / w!) | 0) * 7) % 256;
    return { data, width: w!, height: h! };
  });
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

test('encoder: contract, batching, and the same features with folded BatchNorm (initializers) as unfolded (inputs)', async () => {
  const enc = await createResnetEncoder(golden, { batchSize: 2, threads: 1 });
  assert.equal(enc.id, 'resnet50');
  assert.equal(enc.imageDim, 128);
  assert.equal(enc.textDim, undefined);
  assert.equal(enc.pixelsPerImage, 3 * 224 * 224);
  const imgs = images();
  const pixels = new Float32Array(imgs.length * enc.pixelsPerImage);
  imgs.forEach((img, i) => enc.preprocess(img, pixels.subarray(i * enc.pixelsPerImage, (i + 1) * enc.pixelsPerImage)));
  const feats = await enc.encodeImages(pixels, imgs.length); // batches of 2 and 1
  assert.equal(feats.length, 3 * 128);
  const one = await enc.encodeImages(pixels.subarray(enc.pixelsPerImage, 2 * enc.pixelsPerImage), 1);
  assert.ok(maxDiff(one, feats.subarray(128, 256)) < 1e-5);
  await enc.dispose();

  // Reference: the unfolded network (BatchNormalization nodes, raw torchvision tensors as inputs).
  const graph = buildInference(resnetModel(golden.config, { imageSize: 224, foldedBn: false }), { outputs: ['pooled'] });
  const runner = await InferenceRunner.create(graph, golden.tensors, { threads: 1, placement: 'inputs' });
  const ref = (await runner.run({ pixel_values: Tensor.f32(pixels, [3, 3, 224, 224]) })).pooled as Tensor;
  await runner.dispose();
  const scale = ref.floats().reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  assert.ok(maxDiff(feats, ref.floats()) <= 1e-5 * Math.max(1, scale));
});

test('encoder: a checkpoint without fc (num_classes=0) loads, from a Map of tensors', async () => {
  const headless: ResnetConfig = { ...TINY, numClasses: 0 };
  const w = randomResnetWeights(resnetStateShapes(headless), 2);
  const enc = await createResnetEncoder(w, { threads: 1, weightsAs: 'inputs', id: 'resnet-tiny' });
  assert.equal(enc.config.numClasses, 0);
  assert.equal(enc.id, 'resnet-tiny');
  const px = new Float32Array(enc.pixelsPerImage);
  enc.preprocess(images()[0] as RgbImage, px);
  const f = await enc.encodeImages(px, 1);
  assert.equal(f.length, 128);
  assert.ok(f.every(Number.isFinite));
  await enc.dispose();
});
