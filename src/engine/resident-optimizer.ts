/**
 * Parameters, optimizer state and accumulated gradients kept in the device's memory (WebGPU) for a loop that takes
 * gradients per micro-batch and updates once per k of them (src/finetune/stepper.ts). The gradients arrive resident
 * (GradientSession.computeResident); per micro-batch only the accumulation weight goes up, per update only lr, step,
 * grad_scale and max_norm go up and the global norm and clip factor come down. `pull()` brings parameters and state
 * to the host when they are needed there (validation, checkpoints), as TrainSession's residentState does.
 * Accumulation is token-weighted: micro-batch i with M_i tokens is added with weight M_i / M_1 (gradient-sum-graph.ts;
 * the first one's gradients are the sums as they are), and the update scales the sums by M_1 / M (M = sum M_i):
 *   g = (g_1 + sum_{i>1} (M_i / M_1) g_i) * (M_1 / M) = sum_i M_i g_i / M
 * - the host's formula (finetune/gradient-math.ts), in float32 instead of float64; a single micro-batch is exact.
 */

import { buildClippedUpdate, CLIP_SCALE, clippedName, GRAD_NORM, GRAD_SCALE, MAX_NORM } from './clipped-update-graph.js';
import { accName, buildGradientSum, SUM_WEIGHT } from './gradient-sum-graph.js';
import { GraphSession, type SessionOptions, type TransferStats } from './graph-session.js';
import type { ParamSpec } from './model.js';
import { gradName, newName, slotName } from './names.js';
import type { Optimizer } from './optim.js';
import { DeviceTensor, Tensor, type Feeds } from './tensor.js';

export interface ResidentUpdateResult {
  /** Global norm of the token-weighted mean gradient, before clipping, and the factor applied (1 = none). */
  norm: number;
  clipScale: number;
  /** The gradient the optimizer received, on the host (only when asked: it costs a copy of every gradient). */
  grads?: Map<string, Float32Array>;
}

/** A tensor set on the device, or still on the host (before the first upload / update). */
type Slot = { host: Float32Array; device?: DeviceTensor };

export class ResidentOptimizer {
  /** Parameters and `<slot>.<param>` state by name. */
  private readonly values = new Map<string, Slot>();
  private acc: Map<string, DeviceTensor> | null = null;
  private firstCount = 0;
  private count = 0;
  private hostCurrent = true;

  private constructor(
    readonly params: readonly ParamSpec[],
    readonly optimizer: Optimizer,
    private readonly sum: GraphSession,
    private readonly update: GraphSession,
  ) {}

  /** `start`: the parameters and `<slot>.<param>` state (copied). On WebGPU only. */
  static async create(
    params: readonly ParamSpec[],
    optimizer: Optimizer,
    start: { params: ReadonlyMap<string, Float32Array>; state: ReadonlyMap<string, Float32Array> },
    o: SessionOptions,
  ): Promise<ResidentOptimizer> {
    if (o.device !== 'webgpu') throw new Error(`ResidentOptimizer: tensors stay resident on webgpu only, not on ${o.device ?? 'cpu'}`);
    const stateNames = params.flatMap((p) => [p.name, ...optimizer.slots.map((s) => slotName(s, p.name))]);
    const sum = await GraphSession.create(buildGradientSum(params), { ...o, residentOutputs: params.map((p) => newName(accName(p.name))) });
    const update = await GraphSession.create(buildClippedUpdate(params, optimizer), {
      ...o,
      residentOutputs: [...stateNames.map(newName), ...params.map((p) => clippedName(p.name))],
    });
    const r = new ResidentOptimizer(params, optimizer, sum, update);
    for (const p of params) {
      const n = p.shape.reduce((a, b) => a * b, 1);
      const take = (name: string, m: ReadonlyMap<string, Float32Array>): void => {
        const v = m.get(name);
        if (v && v.length !== n) throw new Error(`ResidentOptimizer: '${name}' has ${v.length} values, expected ${n}`);
        r.values.set(name, { host: v?.slice() ?? new Float32Array(n) });
      };
      take(p.name, start.params);
      for (const s of optimizer.slots) take(slotName(s, p.name), start.state);
    }
    return r;
  }

  private shapeOf(name: string): readonly number[] {
    const spec = this.params.find((p) => name === p.name || this.optimizer.slots.some((s) => name === slotName(s, p.name)));
    return spec?.shape ?? [];
  }

  /** The current parameters on the device, to feed the gradients graph (uploaded on the first call). */
  async parameters(): Promise<Map<string, DeviceTensor>> {
    const out = new Map<string, DeviceTensor>();
    for (const p of this.params) {
      const slot = this.values.get(p.name) as Slot;
      slot.device ??= await this.update.upload(Tensor.f32(slot.host, p.shape));
      out.set(p.name, slot.device);
    }
    return out;
  }

  /** Adds a micro-batch's resident gradients (taken over; disposed here) computed over `count` tokens. */
  async accumulate(grads: Map<string, DeviceTensor>, count: number): Promise<void> {
    if (!(count > 0)) throw new Error(`ResidentOptimizer.accumulate: a micro-batch needs a positive token count, got ${count}`);
    if (!this.acc) {
      this.acc = grads;
      this.firstCount = this.count = count;
      return;
    }
    const feeds: Feeds = { [SUM_WEIGHT]: Tensor.f32(Float32Array.of(count / this.firstCount), []) };
    for (const p of this.params) {
      feeds[accName(p.name)] = this.acc.get(p.name) as DeviceTensor;
      feeds[gradName(p.name)] = grads.get(p.name) as DeviceTensor;
    }
    const r = await this.sum.runResident(
      feeds,
      this.params.map((p) => newName(accName(p.name))),
    );
    const next = new Map<string, DeviceTensor>();
    for (const p of this.params) next.set(p.name, r.device[newName(accName(p.name))] as DeviceTensor);
    disposeAll(this.acc);
    disposeAll(grads);
    this.acc = next;
    this.count += count;
  }

  /** Drops the accumulated gradients (a skipped update). */
  discard(): void {
    if (this.acc) disposeAll(this.acc);
    this.acc = null;
    this.count = this.firstCount = 0;
  }

  /**
   * One update of the accumulated mean gradient, clipped to global norm `maxNorm` (0 = off), at learning rate `lr` as
   * update number `step` (1-based); the sums start over. `hostGradients`: also bring the applied gradient to the host.
   */
  async apply(lr: number, step: number, maxNorm: number, o: { hostGradients?: boolean } = {}): Promise<ResidentUpdateResult> {
    if (!this.acc) throw new Error('no gradients accumulated');
    const feeds: Feeds = {
      lr: Tensor.f64([lr], []),
      step: Tensor.f64([step], []),
      [GRAD_SCALE]: Tensor.f32(Float32Array.of(this.firstCount / this.count), []),
      [MAX_NORM]: Tensor.f32(Float32Array.of(maxNorm > 0 ? maxNorm : Infinity), []),
    };
    for (const [name, slot] of this.values) feeds[name] = slot.device ?? Tensor.f32(slot.host, this.shapeOf(name));
    for (const p of this.params) feeds[gradName(p.name)] = this.acc.get(p.name) as DeviceTensor;
    // Every output is fetched (a session with resident outputs cannot fetch a subset: graph-session.ts); the clipped
    // gradients stay on the device and are freed below unless the caller asked for them.
    const fetch = [GRAD_NORM, CLIP_SCALE, ...[...this.values.keys()].map(newName), ...this.params.map((p) => clippedName(p.name))];
    const r = await this.update.runResident(feeds, fetch);
    for (const [name, slot] of this.values) {
      const t = r.device[newName(name)];
      if (!t) throw new Error(`ResidentOptimizer: '${newName(name)}' did not stay on the device`);
      slot.device?.dispose();
      slot.device = t;
    }
    this.hostCurrent = false;
    this.discard();
    let grads: Map<string, Float32Array> | undefined;
    if (o.hostGradients) grads = new Map();
    for (const p of this.params) {
      const t = r.device[clippedName(p.name)] as DeviceTensor;
      if (grads) grads.set(p.name, (await this.update.download(t)).floats());
      t.dispose();
    }
    const scalar = (name: string): number => r.host[name]?.floats()[0] as number;
    return { norm: scalar(GRAD_NORM), clipScale: scalar(CLIP_SCALE), ...(grads ? { grads } : {}) };
  }

  /** Copies the current parameters and state to the host (no-op when current). */
  async pull(): Promise<void> {
    if (this.hostCurrent) return;
    for (const slot of this.values.values()) if (slot.device) slot.host.set((await this.update.download(slot.device)).floats());
    this.hostCurrent = true;
  }

  private current(params: boolean): Map<string, Float32Array> {
    if (!this.hostCurrent) throw new Error('ResidentOptimizer: the parameters and optimizer state are on the device since the last update; await pull() first');
    const names = new Set(this.params.map((p) => p.name));
    return new Map([...this.values].filter(([name]) => names.has(name) === params).map(([name, slot]) => [name, slot.host]));
  }

  /** Current parameters on the host (after `pull`; valid until the next update). */
  hostParameters(): Map<string, Float32Array> {
    return this.current(true);
  }

  /** Current `<slot>.<param>` state on the host (after `pull`; valid until the next update). */
  hostState(): Map<string, Float32Array> {
    return this.current(false);
  }

  /** Bytes copied between host and device by the accumulation and update runs, uploads and downloads included. */
  transfers(o: { reset?: boolean } = {}): TransferStats {
    const [a, b] = [this.sum.transfers(o), this.update.transfers(o)];
    return { runs: a.runs + b.runs, toDevice: a.toDevice + b.toDevice, toHost: a.toHost + b.toHost };
  }

  async dispose(): Promise<void> {
    this.discard();
    for (const slot of this.values.values()) slot.device?.dispose();
    await this.sum.dispose();
    await this.update.dispose();
  }
}

function disposeAll(m: ReadonlyMap<string, DeviceTensor>): void {
  for (const t of m.values()) t.dispose();
}
