/**
 * The placement report's mechanics (src/engine/placement.ts): parsing onnxruntime's verbose placement log (as 1.30
 * prints it: per session state, "Node(s) placed on" with a node list or "All nodes placed on" without one), the
 * summary and table, and a real measurement in a child process on the CPU. Placements on WebGPU are checked by
 * test/webgpu/placement.test.ts (`npm run test:webgpu`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph } from '../../src/engine/graph.js';
import * as op from '../../src/engine/ops/index.js';
import {
  formatOpCounts,
  formatPlacementTable,
  heavyOnCpu,
  measurePlacement,
  opCounts,
  parsePlacementLog,
  placementProbe,
  summarizePlacement,
  type GraphPlacement,
} from '../../src/engine/placement.js';
import { VizWizError } from '../../src/errors.js';

const V = '2026-12-04 16:50:43.994074696 [V:onnxruntime:, session_state.cc:1383 VerifyEachNodeIsAssignedToAnEp]';
const LOG = [
  '2026-12-04 16:50:43.967234183 [I:onnxruntime:, transformer_memcpy.cc:393 AddCopyNode] Add MemcpyFromHost after loss_rows for WebGpuExecutionProvider',
  `${V} Node placements`,
  `${V}  Node(s) placed on [CPUExecutionProvider]. Number of nodes: 3`,
  `${V}   Equal (n84_Equal_paligemma_train_step)`,
  `${V}   Sum (n344_Sum_paligemma_train_step)`,
  `${V}   LogSoftmax ()`,
  `${V}  Node(s) placed on [WebGpuExecutionProvider]. Number of nodes: 4`,
  `${V}   MatMul (n5_MatMul_paligemma_train_step)`,
  `${V}   MatMul (n9_MatMul_paligemma_train_step)`,
  `${V}   Softmax (n12_Softmax_paligemma_train_step)`,
  `${V}   MemcpyFromHost (Memcpy_token_43)`,
  '\u001b[0;93m2026-12-04 16:50:44.007919644 [W:onnxruntime:, session_state.cc:1397 VerifyEachNodeIsAssignedToAnEp] Some nodes were not assigned to the preferred execution providers which may or may not have an negative impact on performance. e.g. ORT explicitly assigns shape related ops to CPU to improve perf.\u001b[m',
  'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.',
  `${V} Node placements`,
  `${V}  All nodes placed on [WebGpuExecutionProvider]. Number of nodes: 5`,
].join('\n');

test('the verbose log parses into nodes per provider; session states (a Loop body) add up', () => {
  const providers = parsePlacementLog(LOG);
  assert.deepEqual(Object.keys(providers).sort(), ['cpu', 'webgpu']);
  assert.equal(providers.cpu?.count, 3);
  assert.deepEqual(providers.cpu?.nodes, [
    { opType: 'Equal', name: 'n84_Equal_paligemma_train_step' },
    { opType: 'Sum', name: 'n344_Sum_paligemma_train_step' },
    { opType: 'LogSoftmax', name: '' },
  ]);
  assert.equal(providers.webgpu?.count, 9); // 4 listed + 5 in a graph wholly on the device (not listed)
  assert.deepEqual(
    providers.webgpu?.nodes.map((n) => n.opType),
    ['MatMul', 'MatMul', 'Softmax', 'MemcpyFromHost'],
  );
});

test('a log that lists fewer nodes than it announces is an error, not a short count', () => {
  const cut = LOG.split('\n')
    .filter((l) => !l.includes('n344_Sum'))
    .join('\n');
  assert.throws(() => parsePlacementLog(cut), /lists 1 node\(s\) fewer than it announced/);
  assert.throws(() => parsePlacementLog(`${V}  Node(s) placed on [CPUExecutionProvider]. Number of nodes: 2\n${V}   Shape (n1)`), /lists 1 node/);
});

test('summary, heavy nodes on the CPU, op counts and the table', () => {
  const p: GraphPlacement = { graph: 'lora-train-step', device: 'webgpu', providers: parsePlacementLog(LOG) };
  assert.deepEqual(summarizePlacement(p), {
    graph: 'lora-train-step',
    total: 12,
    onDevice: 9,
    onCpu: 3,
    copies: 1,
    cpuOps: [
      ['Equal', 1],
      ['LogSoftmax', 1],
      ['Sum', 1],
    ],
  });
  assert.deepEqual(heavyOnCpu(p), [{ opType: 'LogSoftmax', name: '' }]);
  assert.equal(formatOpCounts(opCounts([...(p.providers.cpu?.nodes ?? []), { opType: 'Sum', name: 'x' }])), 'Sum x2, Equal, LogSoftmax');
  const other: GraphPlacement = { graph: 'resnet50', device: 'webgpu', providers: { webgpu: { count: 90, nodes: [] } } };
  assert.equal(
    formatPlacementTable([p, other]),
    [
      'graph            nodes  on webgpu  left to cpu  copies  ops left to the cpu',
      'lora-train-step     12          9            3       1  Equal, LogSoftmax, Sum',
      'resnet50            90         90            0       0  -',
    ].join('\n'),
  );
});

test('measured on the CPU in a child process: every node on the CPU provider, none of them a fallback', async () => {
  const g = new Graph('tiny');
  const x = g.input('x', 'float32', ['B', 4]);
  g.output('y', op.softmax(op.matmul(x, g.input('w', 'float32', [4, 3]))));
  const p = await measurePlacement(placementProbe('tiny', g.encode(), [{ name: 'w', shape: [4, 3] }], 'cpu'), { device: 'cpu' });
  assert.deepEqual(p.providers, { cpu: { count: 2, nodes: [] } });
  assert.deepEqual(summarizePlacement(p), { graph: 'tiny', total: 2, onDevice: 2, onCpu: 0, copies: 0, cpuOps: [] });
  assert.deepEqual(heavyOnCpu(p), []);
});

test('cuda where this install lacks its provider is DEVICE_UNAVAILABLE, with the install command', async () => {
  const g = new Graph('tiny');
  g.output('y', op.neg(g.input('x', 'float32', [2])));
  try {
    const p = await measurePlacement(placementProbe('tiny', g.encode(), [], 'cuda'), { device: 'cuda' });
    assert.equal(p.providers.cuda?.count, 1); // an install with the CUDA provider and a GPU
  } catch (e) {
    assert.ok(e instanceof VizWizError && e.code === 'DEVICE_UNAVAILABLE', String(e));
    assert.match(e.message, /ONNXRUNTIME_NODE_INSTALL=cuda12/);
  }
});
