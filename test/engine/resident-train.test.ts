/**
 * Training state resident on the device (TrainSession `residentState`, WebGPU): the parameters and Adam's moments stay
 * in the device's memory between runs, so a step copies only its batch, `lr`/`step` and the losses; `pull()` brings
 * the state to the host with the values the same session computes when the state goes through the host each run
 * (same graph, same device: bit for bit); reading the state before `pull()` is an error. On the CPU the option changes
 * nothing.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initParams } from '../../src/engine/init.js';
import { adam } from '../../src/engine/optim.js';
import { TrainSession } from '../../src/engine/train-session.js';
import { buildTrainStep } from '../../src/engine/train-step.js';
import { buildTrainLoop } from '../../src/engine/train-loop.js';
import { tensorBytes, Tensor } from '../../src/engine/tensor.js';
import { clipLinearHead, clipLinearLoss } from '../../src/models/heads/clip-linear.js';
import { Rng } from '../../src/random/rng.js';
import { onTestDevice, TEST_DEVICE } from '../helpers/device.js';
import { headBatch } from '../helpers/head-batch.js';

const C = { imageDim: 6, textDim: 5, hidden: 7, numAnswers: 9, numTypes: 3, answerableHidden: 4 };
const B = 4;
const STEPS = 3;

const batch = (rng: Rng): Record<string, Tensor> => headBatch(rng, C, B);

const bytesOf = (b: Record<string, Tensor>): number => Object.values(b).reduce((n, t) => n + tensorBytes(t.dtype, t.size), 0);

interface Run {
  params: Map<string, Float32Array>;
  state: Map<string, Float32Array>;
  losses: number[];
  /** Bytes each step copied up and down (after the first, which also uploads the initial state when resident). */
  perStep: { toDevice: number; toHost: number }[];
  session: TrainSession;
}

async function train(residentState: boolean): Promise<Run> {
  const graph = buildTrainStep(clipLinearHead(C), clipLinearLoss(C), adam(), { dropout: false });
  const session = await TrainSession.create(graph, initParams(graph.params, 7), onTestDevice({ threads: 1, residentState }));
  const rng = new Rng(3);
  const losses: number[] = [];
  const perStep: Run['perStep'] = [];
  for (let k = 0; k < STEPS; k++) {
    session.transfers({ reset: true });
    losses.push((await session.step(batch(rng), 0.01)).losses.loss_total as number);
    const t = session.transfers();
    perStep.push({ toDevice: t.toDevice, toHost: t.toHost });
  }
  await session.pull();
  const copy = (m: Map<string, Float32Array>): Map<string, Float32Array> => new Map([...m].map(([k, v]) => [k, v.slice()]));
  return { params: copy(session.parameters()), state: copy(session.optimizerState()), losses, perStep, session };
}

function assertSameBits(a: Map<string, Float32Array>, b: Map<string, Float32Array>, what: string): void {
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort(), what);
  for (const [k, v] of a)
    assert.deepEqual(new Uint32Array(v.buffer, v.byteOffset, v.length), new Uint32Array(b.get(k)!.buffer, b.get(k)!.byteOffset, v.length), `${what}: ${k}`);
}

test('on the CPU, residentState changes nothing: the state is on the host after every step', async () => {
  const graph = buildTrainStep(clipLinearHead(C), clipLinearLoss(C), adam(), { dropout: false });
  const s = await TrainSession.create(graph, initParams(graph.params, 7), { device: 'cpu', threads: 1, residentState: true });
  try {
    await s.step(batch(new Rng(3)), 0.01);
    assert.ok(s.parameters().size > 0); // no pull needed
    assert.deepEqual(s.transfers(), { runs: 1, toDevice: 0, toHost: 0 });
  } finally {
    await s.dispose();
  }
});

test(
  'on WebGPU the resident state trains bit for bit like the host round trip, and only batch, scalars and losses cross',
  { skip: TEST_DEVICE !== 'webgpu' && 'VIZWIZ_DEVICE is not webgpu' },
  async () => {
    const host = await train(false);
    const dev = await train(true);
    try {
      assert.deepEqual(dev.losses, host.losses);
      assertSameBits(dev.params, host.params, 'parameters');
      assertSameBits(dev.state, host.state, 'optimizer state');

      const stateBytes = 4 * [...host.params.values(), ...host.state.values()].reduce((n, v) => n + v.length, 0);
      const batchBytes = bytesOf(batch(new Rng(3)));
      const scalars = 2 * 8; // lr and step (float64)
      const losses = 4 * host.session.graph.lossNames.length; // the total and its terms, float32 scalars
      // Through the host, every step uploads the state and downloads the new state.
      for (const t of host.perStep) assert.deepEqual(t, { toDevice: batchBytes + scalars + stateBytes, toHost: losses + stateBytes });
      // Resident: the first step uploads the initial state; no step downloads it.
      assert.deepEqual(dev.perStep[0], { toDevice: batchBytes + scalars + stateBytes, toHost: losses });
      for (const t of dev.perStep.slice(1)) assert.deepEqual(t, { toDevice: batchBytes + scalars, toHost: losses });

      // After a step the host buffers are stale until pull().
      await dev.session.step(batch(new Rng(9)), 0.01);
      assert.throws(() => dev.session.parameters(), /on the device since the last run; await pull\(\) first/);
      assert.throws(() => dev.session.optimizerState(), /await pull\(\) first/);
      dev.session.transfers({ reset: true });
      await dev.session.pull();
      assert.equal(dev.session.transfers().toHost, stateBytes);
      assert.ok(dev.session.parameters().size > 0);
    } finally {
      await host.session.dispose();
      await dev.session.dispose();
    }
  },
);

test(
  'on WebGPU a resident loop graph (S steps per run) matches its host round trip',
  { skip: TEST_DEVICE !== 'webgpu' && 'VIZWIZ_DEVICE is not webgpu' },
  async () => {
    const graph = buildTrainLoop(clipLinearHead(C), clipLinearLoss(C), adam(), { dropout: false });
    const run = async (residentState: boolean): Promise<Map<string, Float32Array>> => {
      const s = await TrainSession.create(graph, initParams(graph.params, 7), onTestDevice({ threads: 1, residentState }));
      try {
        const rng = new Rng(4);
        for (let r = 0; r < 2; r++) {
          const steps = Array.from({ length: STEPS }, () => batch(rng));
          const stacked = Object.fromEntries(
            Object.keys(steps[0]!).map((k) => {
              const ts = steps.map((b) => b[k]!);
              const first = ts[0]!;
              if (first.dtype === 'int64') {
                const out = new BigInt64Array(STEPS * first.size);
                ts.forEach((t, i) => out.set(t.data as BigInt64Array, i * first.size));
                return [k, Tensor.i64(out, [STEPS, ...first.dims])];
              }
              const out = new Float32Array(STEPS * first.size);
              ts.forEach((t, i) => out.set(t.floats(), i * first.size));
              return [k, Tensor.f32(out, [STEPS, ...first.dims])];
            }),
          );
          await s.steps(stacked, [0.01, 0.02, 0.005]);
        }
        await s.pull();
        return new Map([...s.parameters()].map(([k, v]) => [k, v.slice()]));
      } finally {
        await s.dispose();
      }
    };
    assertSameBits(await run(true), await run(false), 'parameters after 2 runs of 3 steps');
  },
);
