/**
 * `vizwiz extract --quantize` through the CLI on the tiny CLIP checkpoint (the library side is
 * extract-quantized.test.ts): the feature file records the scheme, its image features stay close to the float32
 * file's (cosine, measured and asserted with margin), its question features are the float32 ones (the text tower is
 * not quantized), and an encoder without a transformer vision tower refuses the flag with its one-line reason.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readFeatures, type FeatureMatrix } from '../../src/features/feature-file.js';
import { cliInProcess } from '../helpers/cli-in-process.js';
import { writeTinyClip } from '../helpers/tiny-checkpoints.js';
import { makeImageFolder } from './extract-fixture.js';

const ROWS = 8;
let dir: string;
let model: string;
let annotations: string;

before(async () => {
  const made = await makeImageFolder(ROWS);
  dir = made.dir;
  annotations = join(dir, 'questions.json');
  await writeFile(annotations, JSON.stringify(made.questions));
  model = await writeTinyClip(join(dir, 'tiny-clip'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function extractArgs(out: string, ...extra: string[]): string[] {
  return [
    'extract',
    '--encoder',
    'clip-vit-l14-336',
    '--model',
    model,
    '--annotations',
    annotations,
    '--images',
    dir,
    '--out',
    out,
    '--threads',
    '1',
    ...extra,
  ];
}

/** The smallest cosine similarity between matching rows (computed in full, rows are not assumed normalised). */
function worstCosine(a: FeatureMatrix, b: FeatureMatrix): number {
  let worst = 1;
  for (let r = 0; r < a.rows; r++) {
    let [dot, na, nb] = [0, 0, 0];
    for (let j = 0; j < a.dim; j++) {
      const [x, y] = [a.data[r * a.dim + j]!, b.data[r * b.dim + j]!];
      dot += x * y;
      na += x * x;
      nb += y * y;
    }
    worst = Math.min(worst, dot / Math.sqrt(na * nb));
  }
  return worst;
}

/**
 * 1 - worst cosine similarity of the int8 image features to float32 over the 8 fixture images, measured 1.4e-4
 * (AMD EPYC, AVX-512 VNNI; per-channel weights, per-row activations). Asserted at 2e-3: 16x the measurement, still far below int4's
 * 2e-2 (extract-quantized.test.ts), so a broken int8 path (or int4 weights under the int8 name) cannot pass; the
 * margin absorbs other CPUs' integer kernels (AVX2 without VNNI sums the int8 products differently).
 */
const INT8_COSINE_GAP = 2e-3;

test('extract --quantize int8: the scheme in the metadata, image features within cosine 2e-3 of float32, text unchanged', async (t) => {
  const floatFile = join(dir, 'float.safetensors');
  const int8File = join(dir, 'int8.safetensors');
  const f = await cliInProcess(extractArgs(floatFile));
  assert.equal(f.status, 0, f.stderr);
  const q = await cliInProcess(extractArgs(int8File, '--quantize', 'int8'));
  assert.equal(q.status, 0, q.stderr);
  assert.equal(
    q.stderr,
    `extract: int8 vision weights quantized once and cached in ${join(model, '.vizwiz-quantized', 'int8.safetensors')}\n` +
      `extract: ${ROWS} rows -> ${int8File}\n`,
  );
  const float = await readFeatures(floatFile, { requireText: true });
  const int8 = await readFeatures(int8File, { requireText: true });
  assert.equal(int8.metadata.vision_quantized, JSON.stringify({ bits: 8, blockSize: 32, symmetric: true, channels: true }));
  assert.equal(float.metadata.vision_quantized, undefined);
  assert.deepEqual([int8.image.rows, int8.image.dim], [float.image.rows, float.image.dim]);
  const cosine = worstCosine(int8.image, float.image);
  t.diagnostic(`int8 worst cosine similarity to float32 over ${ROWS} images: ${cosine.toFixed(6)}`);
  assert.ok(cosine > 1 - INT8_COSINE_GAP, `int8 worst cosine ${cosine}`);
  assert.ok(cosine < 1, 'the features are quantized, not the float32 ones');
  assert.deepEqual(int8.text?.data, float.text?.data, 'the text tower stays float32');

  // another scheme is another job: the int8 file is not up to date for int4, it is extracted again
  const int4 = await cliInProcess(extractArgs(int8File, '--quantize', 'int4'));
  assert.equal(int4.status, 0, int4.stderr);
  assert.doesNotMatch(int4.stderr, /up to date/);
  assert.equal((await readFeatures(int8File)).metadata.vision_quantized, JSON.stringify({ bits: 4, blockSize: 32, symmetric: false }));
});

test('extract --quantize with --encoder resnet50 is refused with its reason (exit 2)', async () => {
  const r = await cliInProcess([
    'extract',
    '--encoder',
    'resnet50',
    '--annotations',
    annotations,
    '--images',
    dir,
    '--out',
    join(dir, 'r.safetensors'),
    '--quantize',
    'int8',
  ]);
  assert.equal(r.status, 2, 'a usage error');
  assert.equal(
    r.stderr,
    'vizwiz: --quantize applies to the CLIP encoders, not to resnet50 (a convolutional or weight-free encoder)\n(run with --help for usage)\n',
  );
});
