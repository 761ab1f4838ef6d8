/**
 * Golden test of the ResNet forward against torchvision (golden/resnet50_tiny): logits and every per-stage feature
 * the golden has (`features.stem`, `features.layer1..N`, `features.pooled`), with BatchNorm folded at load time
 * (the encoder's path) and as eval-mode BatchNormalization nodes, weights as initializers and as fed inputs.
 * The folder is `$VIZWIZ_GOLDEN_DIR/resnet50_tiny` (default: the project's copy in test/fixtures); the architecture
 * comes from the weights and the input size from inputs.safetensors. Tolerance (docs/decisions/005-golden-tolerances.md): 1e-4 absolute, 1e-5 where
 * the tensor's values are O(1) (largest |value| <= 1).
 */

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor } from '../../../src/engine/tensor.js';
import { readSafetensors, type TensorData } from '../../../src/engine/safetensors.js';
import { InferenceRunner } from '../../../src/engine/inference-runner.js';
import { buildInference } from '../../../src/engine/inference.js';
import { foldBatchNorm } from '../../../src/models/resnet/fold.js';
import { resnetModel } from '../../../src/models/resnet/model.js';
import { loadResnetWeights, type ResnetWeights } from '../../../src/models/resnet/weights.js';
import { maxAbsDiff, TOL } from '../../helpers/tolerance.js';
import { onTestDevice } from '../../helpers/device.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const goldenDir = path.join(process.env.VIZWIZ_GOLDEN_DIR ?? path.join(here, '..', '..', 'fixtures'), 'resnet50_tiny');

type Tensors = Map<string, { shape: readonly number[]; data: TensorData }>;
let weights: ResnetWeights;
let pixels: { shape: readonly number[]; data: Float32Array };
let expected: Tensors;

before(async () => {
  weights = await loadResnetWeights(path.join(goldenDir, 'model.safetensors'));
  const inputs = await readSafetensors(path.join(goldenDir, 'inputs.safetensors'));
  const p = inputs.get('pixel_values');
  if (!p) throw new Error(`${goldenDir}/inputs.safetensors has no pixel_values`);
  pixels = { shape: p.shape, data: p.data as Float32Array };
  expected = await readSafetensors(path.join(goldenDir, 'outputs.safetensors'));
});

/** Golden name -> our output name: 'features.layer2' -> 'layer2', 'logits' -> 'logits'. */
function ourName(golden: string): string {
  return golden.startsWith('features.') ? golden.slice('features.'.length) : golden;
}

const cases = [
  { foldedBn: true, weightsAs: 'initializers' as const },
  { foldedBn: true, weightsAs: 'inputs' as const },
  { foldedBn: false, weightsAs: 'inputs' as const },
];

for (const c of cases) {
  test(`matches torchvision: BatchNorm ${c.foldedBn ? 'folded' : 'as nodes'}, weights as ${c.weightsAs}`, async () => {
    const [n, ch, h, w] = pixels.shape as [number, number, number, number];
    assert.equal(ch, 3);
    assert.equal(h, w, 'the model takes square images');
    const params = c.foldedBn ? foldBatchNorm(weights) : new Map(weights.tensors);
    const names = [...expected.keys()].map(ourName);
    const graph = buildInference(resnetModel(weights.config, { imageSize: h, foldedBn: c.foldedBn }), { outputs: names });
    const runner = await InferenceRunner.create(graph, params, onTestDevice({ threads: 1, placement: c.weightsAs }));
    const out = await runner.run({ pixel_values: Tensor.f32(pixels.data, [n, ch, h, w]) });
    await runner.dispose();
    const report: string[] = [];
    for (const [golden, want] of expected) {
      const got = out[ourName(golden)] as Tensor;
      assert.deepEqual(got.dims, want.shape, `${golden}: shape`);
      const ref = want.data as Float32Array;
      const scale = ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const tol = scale <= 1 ? TOL.unit : TOL.other;
      const err = maxAbsDiff(got.floats(), ref);
      report.push(`${golden} ${err.toExponential(2)}`);
      assert.ok(err <= tol, `${golden}: max |diff| ${err} > ${tol} (max |value| ${scale})`);
    }
    console.log(`  max errors: ${report.join(', ')}`);
  });
}

test('every golden output is checked: logits and the per-stage features', () => {
  const names = [...expected.keys()];
  assert.ok(names.includes('logits'));
  assert.ok(names.includes('features.pooled'));
  for (let s = 1; s <= weights.config.layers.length; s++) assert.ok(names.includes(`features.layer${s}`), `features.layer${s}`);
});
