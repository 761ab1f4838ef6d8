/**
 * Device-resident outputs (GraphSession `residentOutputs`, WebGPU): a resident output is fed back to further runs
 * without a copy, cannot be read on the host by mistake (a VizWizError - onnxruntime itself would end the process),
 * comes to the host through `download` with the values the CPU computes, and cannot be used once disposed; `upload`
 * makes a resident copy of a host tensor (counted once). On the CPU the option changes nothing: outputs are host
 * tensors and no bytes are counted as copied (and upload is refused).
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph } from '../../src/engine/graph.js';
import { GraphSession } from '../../src/engine/graph-session.js';
import { DeviceTensor, Tensor } from '../../src/engine/tensor.js';
import { VizWizError } from '../../src/errors.js';
import { onTestDevice, TEST_DEVICE } from '../helpers/device.js';

/** y = 2x + 1 (kept resident), z = x (to the host). */
function graph(): Uint8Array {
  const g = new Graph('resident');
  const x = g.input('x', 'float32', ['N']);
  const two = g.op('Add', [x, x], { dtype: 'float32', shape: ['N'] });
  g.output('y', g.op('Add', [two, g.scalar(1, 'float32')], { dtype: 'float32', shape: ['N'] }));
  g.output('z', g.op('Identity', [x], { dtype: 'float32', shape: ['N'] }));
  return g.encode();
}

const X = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 3);

/** Four chained runs, feeding y back as x: values and the copies they cost. */
async function chain(device: 'cpu' | 'webgpu'): Promise<{ y: Float32Array; z: Float32Array; toDevice: number; toHost: number; resident: boolean }> {
  const s = await GraphSession.create(graph(), { device, residentOutputs: ['y'] });
  try {
    let x: Tensor | DeviceTensor = Tensor.f32(X, [X.length]);
    let z: Tensor | undefined;
    let resident = false;
    for (let k = 0; k < 4; k++) {
      const out = await s.runResident({ x });
      if (x instanceof DeviceTensor) x.dispose();
      resident = 'y' in out.device;
      x = (out.device.y ?? out.host.y) as Tensor | DeviceTensor;
      z = out.host.z;
    }
    const y = x instanceof DeviceTensor ? await s.download(x) : x;
    if (x instanceof DeviceTensor) x.dispose();
    const t = s.transfers();
    return { y: y.floats().slice(), z: z!.floats().slice(), toDevice: t.toDevice, toHost: t.toHost, resident };
  } finally {
    await s.dispose();
  }
}

test('on the CPU, residentOutputs changes nothing and nothing is counted as copied', async () => {
  const r = await chain('cpu');
  assert.equal(r.resident, false);
  assert.deepEqual([r.toDevice, r.toHost], [0, 0]);
  let want = X;
  for (let k = 0; k < 4; k++) want = want.map((v) => 2 * v + 1);
  assert.deepEqual(r.y, want);
});

test(
  'on WebGPU a resident output feeds the next run, downloads to the CPU values, and refuses host reads',
  { skip: TEST_DEVICE !== 'webgpu' && 'VIZWIZ_DEVICE is not webgpu' },
  async () => {
    const cpu = await chain('cpu');
    const gpu = await chain('webgpu');
    assert.equal(gpu.resident, true);
    for (let i = 0; i < X.length; i++)
      assert.ok(Math.abs((gpu.y[i] as number) - (cpu.y[i] as number)) <= 1e-4 * Math.max(1, Math.abs(cpu.y[i] as number)), `y[${i}]`);
    // Only the first x goes up; z comes down at each run, y once (the download).
    assert.equal(gpu.toDevice, X.byteLength);
    assert.equal(gpu.toHost, 4 * X.byteLength + X.byteLength);

    const s = await GraphSession.create(graph(), onTestDevice({ residentOutputs: ['y'] as const })); // webgpu here
    try {
      const { device } = await s.runResident({ x: Tensor.f32(X, [X.length]) });
      const y = device.y as DeviceTensor;
      assert.deepEqual(y.dims, [X.length]);
      for (const read of [() => (y as unknown as Tensor).data, () => (y as unknown as Tensor).floats()])
        assert.throws(
          read,
          (e: unknown) => e instanceof VizWizError && /device-resident float32 tensor \[1000\] has no host data: download it/.test(e.message),
        );
      await assert.rejects(s.run({ x: Tensor.f32(X, [X.length]) }), /device-resident; use runResident/);
      // onnxruntime-node 1.30 answers a subset of outputs with "Output count mismatch." once some are resident.
      await assert.rejects(
        s.runResident({ x: Tensor.f32(X, [X.length]) }, ['z']),
        /^Error: GraphSession.runResident: a session with resident outputs fetches all its outputs \(got z\)$/,
      );
      y.dispose();
      y.dispose(); // once
      await assert.rejects(s.runResident({ x: y }), (e: unknown) => e instanceof VizWizError && /was disposed/.test(e.message));
      await assert.rejects(s.download(y), /was disposed/);
    } finally {
      await s.dispose();
    }
  },
);

test('upload is refused off WebGPU', async () => {
  const s = await GraphSession.create(graph(), { device: 'cpu' });
  try {
    await assert.rejects(s.upload(Tensor.f32(X, [X.length])), /tensors stay resident on webgpu only, not on cpu/);
  } finally {
    await s.dispose();
  }
});

test(
  'on WebGPU an uploaded tensor is resident, feeds runs like the host tensor, and is counted once',
  { skip: TEST_DEVICE !== 'webgpu' && 'VIZWIZ_DEVICE is not webgpu' },
  async () => {
    const s = await GraphSession.create(graph(), onTestDevice({ residentOutputs: ['y'] }));
    try {
      const up = await s.upload(Tensor.f32(X, [X.length]));
      assert.ok(up instanceof DeviceTensor);
      assert.deepEqual(s.transfers(), { runs: 0, toDevice: 4 * X.length, toHost: 0 });
      const [a, b] = [await s.runResident({ x: up }), await s.runResident({ x: Tensor.f32(X, [X.length]) })];
      assert.deepEqual((await s.download(a.device.y as DeviceTensor)).floats(), (await s.download(b.device.y as DeviceTensor)).floats());
      assert.deepEqual(a.host.z?.floats(), X);
      for (const t of [up, a.device.y, b.device.y]) t?.dispose();
    } finally {
      await s.dispose();
    }
  },
);
