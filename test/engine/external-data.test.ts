/**
 * Frozen weights as initializers: a graph whose parameters are bound (embedded, or in an external data file past the
 * threshold) gives the outputs of the same graph fed its parameters as inputs - within float rounding, since onnxruntime
 * may fold and prepack constant weights (how depends on the CPU); embedded and external are the same graph and agree
 * exactly; the data file is laid out 4096-aligned; placementFor picks inputs on the CPU and initializers elsewhere.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor } from '../../src/engine/tensor.js';
import { DATA_FILE, EXTERNAL_ALIGNMENT, externalLayout, MODEL_FILE } from '../../src/engine/external-data.js';
import { placementFor } from '../../src/engine/weights.js';
import { initParams } from '../../src/engine/init.js';
import { Rng } from '../../src/random/rng.js';
import { GraphSession } from '../../src/engine/graph-session.js';
import { InferenceRunner } from '../../src/engine/inference-runner.js';
import { buildInference } from '../../src/engine/inference.js';
import { clipLinearHead } from '../../src/models/heads/clip-linear.js';
import { maxAbsDiff, outputTol } from '../helpers/tolerance.js';

const C = { imageDim: 6, textDim: 5, hidden: 7, numAnswers: 9, numTypes: 3, answerableHidden: 4 };
const B = 3;

function batch(): Record<string, Tensor> {
  const rng = new Rng(1);
  return {
    image_feat: Tensor.f32(
      Float32Array.from({ length: B * C.imageDim }, () => rng.normal()),
      [B, C.imageDim],
    ),
    text_feat: Tensor.f32(
      Float32Array.from({ length: B * C.textDim }, () => rng.normal()),
      [B, C.textDim],
    ),
  };
}

/** Bound weights against fed ones: within the golden output tolerance (the values are O(1)). */
function assertSameOutputs(label: string, got: ArrayLike<number> | undefined, fed: Float32Array): void {
  assert.ok(got, `${label} missing`);
  const d = maxAbsDiff(got, fed);
  assert.ok(d <= outputTol(fed), `${label}: max abs diff ${d}`);
}

async function outputs(o: Parameters<typeof InferenceRunner.create>[2]): Promise<Record<string, Float32Array>> {
  const model = clipLinearHead(C);
  const runner = await InferenceRunner.create(buildInference(model), initParams(model.params, 7), { threads: 1, ...o });
  const out = await runner.run(batch());
  await runner.dispose();
  return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, t.floats()]));
}

test('parameters bound as initializers (embedded or external) give the outputs of parameters fed as inputs', async () => {
  const fed = await outputs({});
  assert.ok(Object.keys(fed).length > 0);
  const embedded = await outputs({ placement: 'initializers' });
  const external = await outputs({ placement: 'initializers', externalDataThreshold: 0 });
  for (const [name, data] of Object.entries(fed)) {
    assertSameOutputs(`${name} (embedded)`, embedded[name], data);
    assert.deepEqual(external[name], embedded[name], `${name} (external = embedded)`);
  }
});

test('external data: model.onnx + model.onnx.data with 4096-aligned tensors, loaded from the file path', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vizwiz-ext-test-'));
  try {
    const model = clipLinearHead(C);
    const params = initParams(model.params, 7);
    const graph = buildInference(model);
    const initializers = new Map(model.params.map((p) => [p.name, Tensor.f32(params.get(p.name) as Float32Array, [...p.shape])]));
    const session = await GraphSession.create(graph.bytes, { threads: 1, externalDataThreshold: 16, modelDir: dir }, initializers);
    assert.deepEqual([...session.inputNames].sort(), ['image_feat', 'text_feat']);
    const lengths = model.params.map((p) => p.shape.reduce((a, b) => a * b, 1) * 4);
    const { offsets, size } = externalLayout(lengths);
    assert.ok(offsets.every((o) => o % EXTERNAL_ALIGNMENT === 0));
    assert.equal(size, (offsets.at(-1) as number) + (lengths.at(-1) as number));
    assert.equal((await stat(join(dir, DATA_FILE))).size, size);
    assert.ok((await stat(join(dir, MODEL_FILE))).size < size, 'weights are not embedded in the model file');
    assert.deepEqual((await readdir(dir)).sort(), [MODEL_FILE, DATA_FILE].sort(), 'no temporary files left');
    const out = await session.run(batch());
    const fed = await outputs({});
    for (const [name, data] of Object.entries(fed)) assertSameOutputs(name, out[name]?.floats(), data);
    await session.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('binding a name that is not a graph input is an error', async () => {
  const graph = buildInference(clipLinearHead(C));
  const initializers = new Map([['no_such_input', Tensor.f32(new Float32Array(2), [2])]]);
  await assert.rejects(GraphSession.create(graph.bytes, {}, initializers), /not graph inputs: no_such_input/);
});

test('placementFor: inputs on the CPU, initializers on a GPU, an explicit choice wins', () => {
  assert.equal(placementFor(undefined), 'inputs');
  assert.equal(placementFor('cpu'), 'inputs');
  assert.equal(placementFor('cuda'), 'initializers');
  assert.equal(placementFor('webgpu'), 'initializers');
  assert.equal(placementFor('cuda', 'inputs'), 'inputs');
  assert.equal(placementFor('cpu', 'initializers'), 'initializers');
});
