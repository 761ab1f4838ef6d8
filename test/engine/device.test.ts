/** Device selection: parsing, providers, and the DEVICE_UNAVAILABLE error that says how to enable a GPU provider. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { checkDevice, executionProviders, parseDevice } from '../../src/engine/device.js';
import { VizWizError } from '../../src/errors.js';

test('parseDevice accepts cpu, cuda, webgpu and names the choices otherwise', () => {
  assert.equal(parseDevice('cpu'), 'cpu');
  assert.equal(parseDevice('cuda'), 'cuda');
  assert.throws(() => parseDevice('tpu'), (e: unknown) => e instanceof VizWizError && e.code === 'INVALID_ARGUMENT' && /use one of cpu, cuda, webgpu/.test(e.message));
});

test('cpu is always available and uses the CPU provider only', () => {
  assert.doesNotThrow(() => checkDevice('cpu'));
  assert.deepEqual(executionProviders('cpu'), ['cpu']);
});

test('cuda without the CUDA provider library is DEVICE_UNAVAILABLE with the install command', (t) => {
  const dir = path.join(path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);
  if (existsSync(path.join(dir, 'libonnxruntime_providers_cuda.so'))) {
    t.skip('this install has the CUDA provider');
    return;
  }
  assert.throws(
    () => executionProviders('cuda'),
    (e: unknown) => e instanceof VizWizError && e.code === 'DEVICE_UNAVAILABLE' && e.message.includes('ONNXRUNTIME_NODE_INSTALL=cuda12'),
  );
});

test('a provider that finds no GPU at session creation is DEVICE_UNAVAILABLE, not a crash', async (t) => {
  const { GraphSession } = await import('../../src/engine/graph-session.js');
  const { Graph } = await import('../../src/engine/graph.js');
  const g = new Graph('probe');
  g.output('y', g.op('Identity', [g.input('x', 'float32', [1])], { dtype: 'float32', shape: [1] }));
  try {
    const s = await GraphSession.create(g.encode(), { device: 'webgpu' });
    await s.dispose();
    t.skip('this machine has a WebGPU adapter');
  } catch (e) {
    assert.ok(e instanceof VizWizError && e.code === 'DEVICE_UNAVAILABLE', String(e));
    assert.match(e.message, /device 'webgpu' could not start an onnxruntime session .*Vulkan/);
  }
});
