/**
 * Where onnxruntime runs each graph of the toolkit on the test device (engine/placement.ts over the catalogue of
 * models/graph-catalogue.ts, as `vizwiz doctor --device` reports it): no heavy node - product, convolution, attention,
 * normalisation, softmax, log-softmax (engine/placement.ts HEAVY_OPS) - on the CPU provider in any graph, and none of
 * the ops this project rewrote for the GPU (Sum, Sign, CumSum, Where, ConstantOfShape, SoftmaxCrossEntropyLoss); the
 * optimizer update runs on the device for every parameter: what it leaves to the CPU is its float64 scalar
 * arithmetic (bias corrections of lr and step), the same nodes whatever the number of parameters. The fused inference
 * graphs (decision 012) run their fused kernels on the device.
 * Run by `npm run test:webgpu` (VIZWIZ_DEVICE=webgpu).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { adamw } from '../../src/engine/optim.js';
import { buildOptimizerUpdate } from '../../src/engine/optimizer-graph.js';
import {
  cpuNodes,
  formatOpCounts,
  formatPlacementTable,
  heavyOnCpu,
  measurePlacement,
  opCounts,
  placementProbe,
  type GraphPlacement,
} from '../../src/engine/placement.js';
import { toolkitGraphs } from '../../src/models/graph-catalogue.js';
import { TEST_DEVICE } from '../helpers/device.js';

const REWRITTEN = new Set(['Sum', 'Sign', 'CumSum', 'Where', 'ConstantOfShape', 'SoftmaxCrossEntropyLoss', 'LogSoftmax', 'NegativeLogLikelihoodLoss']);

const placements = new Map<string, GraphPlacement>();

before(async () => {
  assert.notEqual(TEST_DEVICE, 'cpu', 'run through `npm run test:webgpu` (VIZWIZ_DEVICE=webgpu)');
  for (const g of toolkitGraphs()) placements.set(g.name, await measurePlacement(g.probe(TEST_DEVICE), { device: TEST_DEVICE }));
});

test('the catalogue has every graph kind the toolkit builds', () => {
  for (const name of [
    'clip-vision',
    'clip-vision-f16',
    'clip-text-f16',
    'resnet50',
    'siglip-vision',
    'gemma-cached',
    'paligemma-image-features-f16',
    'gemma-cached-f16',
    'lora-train-step',
    'lora-gradients',
    'lora-train-step-f16',
    'lora-gradients-f16',
    'lora-optimizer-update',
    'lora-gradient-sum',
    'lora-clipped-update',
    'lora-validation-loss-f16',
    'heads-epoch-loop',
    'clip-vision-fused',
    'clip-text-fused',
    'paligemma-image-features-fused',
    'gemma-cached-fused',
    'gemma-cached-f16-fused',
  ]) {
    assert.ok(placements.has(name), name);
  }
});

test('no heavy node and no rewritten op runs on the CPU provider, in any graph', (t) => {
  t.diagnostic(`\n${formatPlacementTable([...placements.values()])}`);
  for (const [name, p] of placements) {
    assert.deepEqual(heavyOnCpu(p), [], `${name}: heavy nodes on the CPU`);
    const rewritten = cpuNodes(p).filter((n) => REWRITTEN.has(n.opType));
    assert.deepEqual(rewritten, [], `${name}: ${formatOpCounts(opCounts(rewritten))} on the CPU`);
    assert.ok((p.providers[TEST_DEVICE]?.count ?? 0) > cpuNodes(p).length, `${name}: most nodes on ${TEST_DEVICE}`);
  }
});

/** The fused kernels each `*-fused` graph is built with (decision 012). */
const FUSED_KERNELS: Readonly<Record<string, readonly string[]>> = {
  'clip-vision-fused': ['SkipLayerNormalization'],
  'clip-text-fused': ['SkipLayerNormalization'],
  'paligemma-image-features-fused': ['SkipLayerNormalization'],
  'gemma-cached-fused': ['SimplifiedLayerNormalization', 'SkipSimplifiedLayerNormalization', 'RotaryEmbedding'],
  'gemma-cached-f16-fused': ['SimplifiedLayerNormalization', 'SkipSimplifiedLayerNormalization', 'RotaryEmbedding'],
};

test('the fused kernels of the fused inference graphs run on the device', () => {
  const graphs = new Map(toolkitGraphs().map((g) => [g.name, g]));
  for (const [name, kernels] of Object.entries(FUSED_KERNELS)) {
    const p = placements.get(name);
    assert.ok(p, name);
    const text = Buffer.from(graphs.get(name)!.probe(TEST_DEVICE).bytes).toString('latin1');
    const onDevice = p.providers[TEST_DEVICE]?.nodes ?? [];
    for (const k of kernels) {
      // NodeProto.op_type: field 4, length-delimited (tag 0x22, then the length).
      assert.ok(text.includes(`\x22${String.fromCharCode(k.length)}${k}`), `${name}: the graph has a ${k} node`);
      assert.ok(!cpuNodes(p).some((n) => n.opType === k), `${name}: ${k} on the CPU`);
      // onnxruntime lists a provider's nodes only when the graph is split between providers.
      if (onDevice.length > 0)
        assert.ok(
          onDevice.some((n) => n.opType === k),
          `${name}: ${k} on ${TEST_DEVICE}`,
        );
    }
  }
});

test('the AdamW update runs on the device for every parameter: the CPU keeps only its scalar arithmetic', async () => {
  const spec = (name: string, shape: number[]) => ({ name, shape, init: { kind: 'constant' as const, value: 0 } });
  const one = [spec('a', [3, 4])];
  const three = [...one, spec('b', [5]), spec('c', [2, 2, 2])];
  const place = async (params: typeof one) => {
    const g = buildOptimizerUpdate(params, adamw({ weightDecay: 0.01 }));
    return measurePlacement(placementProbe(`adamw-${params.length}`, g.bytes, [], TEST_DEVICE), { device: TEST_DEVICE });
  };
  const [p1, p3] = [await place(one), await place(three)];
  const cpu1 = opCounts(cpuNodes(p1));
  assert.deepEqual(opCounts(cpuNodes(p3)), cpu1, 'the CPU part does not grow with the parameters');
  assert.ok((p3.providers[TEST_DEVICE]?.count ?? 0) > (p1.providers[TEST_DEVICE]?.count ?? 0), 'the device part does');
  for (const [op] of cpu1) assert.ok(['Cast', 'Sub', 'Pow', 'Div', 'Mul', 'Sqrt', 'Add'].includes(op), `unexpected ${op} on the CPU`);
});
