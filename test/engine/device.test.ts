/** Device selection: parsing, providers, and the DEVICE_UNAVAILABLE error that says how to enable a GPU provider. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkDevice, executionProviders, parseDevice } from '../../src/engine/device.js';
import { VizWizError } from '../../src/errors.js';

const here = path.dirname(fileURLToPath(import.meta.url));

test('parseDevice accepts cpu, cuda, webgpu and names the choices otherwise', () => {
  assert.equal(parseDevice('cpu'), 'cpu');
  assert.equal(parseDevice('cuda'), 'cuda');
  assert.throws(
    () => parseDevice('tpu'),
    (e: unknown) => e instanceof VizWizError && e.code === 'INVALID_ARGUMENT' && /use one of cpu, cuda, webgpu/.test(e.message),
  );
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

/** The outcome of device-child.ts: a one-node graph on --device webgpu in a fresh process with `env`. */
function webgpuInChild(env: NodeJS.ProcessEnv = {}): { y?: number[]; code?: string; message?: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, 'device-child.ts')], { encoding: 'utf8', env: { ...process.env, ...env } });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  assert.ok(line, `device-child printed no result (status ${r.status}): ${r.stderr}`);
  return JSON.parse(line) as { y?: number[]; code?: string; message?: string };
}

test(
  'webgpu without a Vulkan driver is DEVICE_UNAVAILABLE at session creation, saying what to install',
  { skip: process.platform !== 'linux' && 'the Vulkan loader is Linux-only' },
  () => {
    // Point the Vulkan loader at a driver list that does not exist: no adapter, whatever this machine has installed.
    const r = webgpuInChild({ VK_DRIVER_FILES: '/nonexistent/vizwiz-no-driver.json', VK_ICD_FILENAMES: '/nonexistent/vizwiz-no-driver.json' });
    assert.equal(r.code, 'DEVICE_UNAVAILABLE', JSON.stringify(r));
    assert.match(r.message ?? '', /device 'webgpu' could not start an onnxruntime session .*Vulkan loader \(libvulkan1\) and the GPU vendor's Vulkan driver/);
  },
);

test("webgpu as this machine has it: a graph's result where an adapter exists, else DEVICE_UNAVAILABLE", () => {
  const r = webgpuInChild();
  if (r.y) assert.deepEqual(r.y, [2, -5, 8]);
  else assert.equal(r.code, 'DEVICE_UNAVAILABLE', JSON.stringify(r));
});
