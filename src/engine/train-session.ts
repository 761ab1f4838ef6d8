/**
 * Runs training-step graphs (train-step.ts: one step per run; train-loop.ts: S steps per run) while keeping
 * parameters and optimizer state resident. They are double-buffered: a run reads buffer A (fed without a copy) and
 * onnxruntime writes the updated values into buffer B (pre-allocated outputs), the next run the other way round.
 * onnxruntime-node 1.30 still copies every fetched output into a fresh JS array, which is why loop graphs, S steps per
 * run, are the fast path. Frozen weights are placed once (weights.ts); dropout masks are drawn here from a seeded
 * stream, sized from the batch's dims. Views returned by `parameters()`/`optimizerState()` are valid until the next run.
 * With `residentState` on WebGPU, parameters and optimizer state stay in the device's memory between runs instead: each
 * run's `new.*` outputs are kept there and fed to the next run, so only the batch, the scalars and the losses cross;
 * `pull()` brings them to the host buffers when they are needed there (evaluation, checkpoints).
 */

import { VizWizError } from '../errors.js';
import { bindBatchDims, type DimBindings } from './batch-dims.js';
import { drawDropoutMasks } from './dropout.js';
import { GraphSession, type SessionOptions } from './graph-session.js';
import { GRADS_FINITE, LOSS_SCALE } from './mixed-precision.js';
import { gradName, newName, slotName } from './names.js';
import { Rng } from '../random/rng.js';
import { DeviceTensor, Tensor, type Feeds, type Tensors } from './tensor.js';
import type { TrainStepGraph } from './train-step.js';
import { placementFor, placeWeights } from './weights.js';

export interface TrainSessionOptions extends SessionOptions {
  /** Frozen weights of the graph by name (used, not copied). */
  frozen?: ReadonlyMap<string, Float32Array>;
  /** Optimizer state by `<slot>.<param>` name (default zeros) and the number of steps already taken (default 0). */
  state?: ReadonlyMap<string, Float32Array>;
  stepsDone?: number;
  /** Seed of the dropout-mask stream. */
  seed?: number;
  /**
   * Keep parameters and optimizer state on the device between runs (WebGPU only; ignored elsewhere): call `pull()`
   * before reading `parameters()` / `optimizerState()`.
   */
  residentState?: boolean;
}

export interface StepResult {
  /** Loss values by output name (total first). */
  losses: Record<string, number>;
  /** Exposed forward outputs and `grad.<param>` tensors, when the graph has them. */
  extra: Tensors;
  /**
   * Mixed-precision graphs: false when a gradient was not finite at the step's loss scale - the step was skipped
   * (parameters, optimizer state and the step count unchanged). Always true for float32 graphs.
   */
  applied: boolean;
}

export interface StepsResult {
  /** Each loss as an (S) array, one entry per step of the run. */
  losses: Record<string, Float32Array>;
  /** Exposed outputs and gradients, stacked (S, ..) for loop graphs. */
  extra: Tensors;
}

export class TrainSession {
  private flip = 0;
  private readonly maskBuffers = new Map<string, Tensor>();
  private rng: Rng;
  /** Graph inputs of parameters and state (row blocks of large ones) -> [buffer A, buffer B]. */
  private readonly buffers = new Map<string, [Tensor, Tensor]>();
  /** Parameters and `<slot>.<param>` state by name -> [whole buffer A, whole buffer B]; the block tensors view these. */
  private readonly whole = new Map<string, [Float32Array, Float32Array]>();
  /** Resident state: the current value of each buffer input on the device (empty before the first run). */
  private readonly onDevice = new Map<string, DeviceTensor>();
  /** Whether the host buffers hold the current values (false after a resident run, until `pull`). */
  private hostCurrent = true;

  private constructor(
    readonly graph: TrainStepGraph,
    private readonly session: GraphSession,
    private readonly frozenFeeds: Readonly<Tensors>,
    private steps_: number,
    seed: number,
    private readonly resident: boolean,
  ) {
    this.rng = new Rng(seed);
  }

  static async create(graph: TrainStepGraph, params: ReadonlyMap<string, Float32Array>, o: TrainSessionOptions = {}): Promise<TrainSession> {
    const placed = placeWeights(graph.frozen, o.frozen ?? new Map(), placementFor(o.device, o.placement));
    const resident = (o.residentState ?? false) && o.device === 'webgpu';
    const stateOutputs = graph.blocks.flatMap((b) => [b.name, ...graph.optimizer.slots.map((s) => slotName(s, b.name))]).map(newName);
    const session = await GraphSession.create(graph.bytes, resident ? { ...o, residentOutputs: stateOutputs } : o, placed.initializers);
    const ts = new TrainSession(graph, session, placed.feeds, o.stepsDone ?? 0, o.seed ?? 0, resident);
    for (const spec of graph.params) {
      const n = spec.shape.reduce((a, b) => a * b, 1);
      const init = params.get(spec.name);
      if (!init) throw new VizWizError('INVALID_CHECKPOINT', `parameter '${spec.name}' is missing`);
      if (init.length !== n) {
        throw new VizWizError('INVALID_CHECKPOINT', `parameter '${spec.name}' has ${init.length} values, expected ${n} ([${spec.shape.join(', ')}])`);
      }
      // Per persistent tensor: the slot ('' = the parameter itself), its name outside, and its initial values.
      const entries: [string, string, Float32Array | undefined][] = [
        ['', spec.name, init],
        ...graph.optimizer.slots.map((s): [string, string, Float32Array | undefined] => [s, slotName(s, spec.name), o.state?.get(slotName(s, spec.name))]),
      ];
      const blocks = graph.blocks.filter((b) => b.param === spec.name);
      const cols = n / (spec.shape[0] ?? 1);
      for (const [slot, name, data] of entries) {
        if (data && data.length !== n) throw new VizWizError('INVALID_CHECKPOINT', `optimizer state '${name}' has ${data.length} values, expected ${n}`);
        const a = new Float32Array(n);
        const b = new Float32Array(n);
        if (data) a.set(data);
        ts.whole.set(name, [a, b]);
        // Row blocks are contiguous: each block's tensors are views of the whole buffers.
        for (const blk of blocks) {
          const [from, to] = [blk.rowStart * cols, blk.rowEnd * cols];
          const input = slot ? slotName(slot, blk.name) : blk.name;
          ts.buffers.set(input, [Tensor.f32(a.subarray(from, to), blk.shape), Tensor.f32(b.subarray(from, to), blk.shape)]);
        }
      }
    }
    return ts;
  }

  /**
   * Restarts the dropout-mask stream from `seed` (e.g. one seed per epoch), so a run resumed at that point draws the
   * same masks as an uninterrupted one.
   */
  reseedDropout(seed: number): void {
    this.rng = new Rng(seed);
  }

  /** Number of optimizer steps taken so far. */
  get stepsDone(): number {
    return this.steps_;
  }

  /**
   * Runs one training step on `batch` (tensors by input name) with learning rate `lr`; a mixed-precision graph also
   * takes the loss scale (`lossScale`, default 1).
   */
  async step(batch: Readonly<Tensors>, lr: number, o: { masks?: Readonly<Tensors>; lossScale?: number } = {}): Promise<StepResult> {
    if (this.graph.kind === 'step') {
      const bindings = bindBatchDims(this.fed(), batch);
      const feeds: Tensors = { ...batch, ...this.masks(bindings, 0, o.masks), lr: Tensor.f64([lr], []) };
      if (this.graph.dtype) feeds[LOSS_SCALE] = Tensor.f32(Float32Array.of(o.lossScale ?? 1), []);
      else if (o.lossScale !== undefined) throw new Error('TrainSession.step: a loss scale needs a mixed-precision graph (buildTrainStep { dtype: float16 })');
      const out = await this.run(feeds, 1);
      return { losses: firstOf(out.losses), extra: out.extra, applied: out.applied };
    }
    // A loop graph runs one step as a stack of one: the same buffers with a leading axis of 1.
    const stacked: Tensors = {};
    for (const [name, t] of Object.entries(batch)) stacked[name] = t.reshape([1, ...t.dims]);
    const masks: Tensors = {};
    for (const [name, t] of Object.entries(o.masks ?? {})) masks[name] = t.reshape([1, ...t.dims]);
    const out = await this.steps(stacked, [lr], { masks });
    const extra: Tensors = {};
    for (const [name, t] of Object.entries(out.extra)) extra[name] = t.reshape(t.dims.slice(1));
    return { losses: firstOf(out.losses), extra, applied: true };
  }

  /**
   * Runs S = lrs.length training steps in one session.run (loop graphs only): batch inputs stacked as (S, B, ..),
   * step s uses lrs[s]. Returns each loss as an (S) array.
   */
  async steps(stacked: Readonly<Tensors>, lrs: readonly number[], o: { masks?: Readonly<Tensors> } = {}): Promise<StepsResult> {
    if (this.graph.kind !== 'loop') throw new Error('TrainSession.steps needs a graph from buildTrainLoop');
    const s = lrs.length;
    const bindings = bindBatchDims(this.fed(), stacked, s);
    return this.run({ ...stacked, ...this.masks(bindings, s, o.masks), lr: Tensor.f64(lrs, [s]) }, s);
  }

  /** Batch inputs still fed (frozen weights never are). */
  private fed(): TrainStepGraph['batchInputs'] {
    return this.graph.batchInputs;
  }

  /** Masks for every dropout site: the caller's where given, else drawn from the session's stream. */
  private masks(bindings: DimBindings, stack: number, given?: Readonly<Tensors>): Tensors {
    const sites = this.graph.dropoutSites.filter((site) => !given?.[site.name]);
    return { ...drawDropoutMasks(sites, bindings, this.rng, stack, this.maskBuffers), ...given };
  }

  private async run(feeds: Tensors, s: number): Promise<StepsResult & { applied: boolean }> {
    feeds.step = Tensor.f64([this.graph.kind === 'step' ? this.steps_ + 1 : this.steps_], []);
    Object.assign(feeds, this.frozenFeeds);
    const fetches: Record<string, Tensor | null> = {};
    for (const name of this.graph.lossNames) fetches[name] = null;
    for (const name of this.graph.exposedOutputs) fetches[name] = null;
    if (this.graph.exposesGradients) for (const p of this.graph.params) fetches[gradName(p.name)] = null;
    if (this.graph.dtype) fetches[GRADS_FINITE] = null;
    let out: Tensors;
    if (this.resident) out = await this.runResident(feeds, Object.keys(fetches));
    else {
      const cur = this.flip;
      for (const [name, [a, b]] of this.buffers) {
        feeds[name] = cur === 0 ? a : b;
        fetches[newName(name)] = cur === 0 ? b : a;
      }
      out = await this.session.run(feeds, fetches);
      this.flip = 1 - cur;
    }
    // A skipped mixed-precision step (gradients not finite) kept every tensor: it does not count as a step either.
    const applied = !this.graph.dtype || out[GRADS_FINITE]?.floats()[0] === 1;
    if (applied) this.steps_ += s;
    const losses: Record<string, Float32Array> = {};
    for (const name of this.graph.lossNames) losses[name] = out[name]?.floats() as Float32Array;
    const extra: Tensors = {};
    for (const name of Object.keys(fetches)) {
      const t = out[name];
      if (!name.startsWith('new.') && !(name in losses) && name !== GRADS_FINITE && t) extra[name] = t;
    }
    return { losses, extra, applied };
  }

  /**
   * A run with the state on the device: each buffer input is fed its resident value (the host buffer before the first
   * run), and the run's `new.*` outputs stay on the device as the next run's inputs. Returns the host outputs.
   */
  private async runResident(feeds: Tensors, hostOutputs: readonly string[]): Promise<Tensors> {
    const all: Feeds = { ...feeds };
    for (const [name, [a, b]] of this.buffers) all[name] = this.onDevice.get(name) ?? (this.flip === 0 ? a : b);
    const r = await this.session.runResident(all, [...hostOutputs, ...[...this.buffers.keys()].map(newName)]);
    for (const name of this.buffers.keys()) {
      const t = r.device[newName(name)];
      if (!t) throw new Error(`TrainSession: output '${newName(name)}' did not stay on the device`);
      this.onDevice.get(name)?.dispose();
      this.onDevice.set(name, t);
    }
    this.hostCurrent = false;
    return r.host;
  }

  /** Resident state: copies the current parameters and optimizer state into the host buffers (no-op when current). */
  async pull(): Promise<void> {
    if (this.hostCurrent) return;
    for (const [name, pair] of this.buffers) {
      const host = await this.session.download(this.onDevice.get(name) as DeviceTensor);
      pair[this.flip]?.floats().set(host.floats());
    }
    this.hostCurrent = true;
  }

  /** Bytes copied between host and device (GraphSession.transfers): what resident state saves shows here. */
  transfers(o: { reset?: boolean } = {}): ReturnType<GraphSession['transfers']> {
    return this.session.transfers(o);
  }

  private current(filter: (name: string) => boolean): Map<string, Float32Array> {
    if (!this.hostCurrent) throw new Error('TrainSession: the parameters and optimizer state are on the device since the last run; await pull() first');
    const m = new Map<string, Float32Array>();
    for (const [name, [a, b]] of this.whole) if (filter(name)) m.set(name, this.flip === 0 ? a : b);
    return m;
  }

  /** Current parameters (views, valid until the next step). */
  parameters(): Map<string, Float32Array> {
    const names = new Set(this.graph.params.map((p) => p.name));
    return this.current((n) => names.has(n));
  }

  /** Current optimizer state by `<slot>.<param>` (views, valid until the next step). */
  optimizerState(): Map<string, Float32Array> {
    const names = new Set(this.graph.params.map((p) => p.name));
    return this.current((n) => !names.has(n));
  }

  async dispose(): Promise<void> {
    for (const t of this.onDevice.values()) t.dispose();
    this.onDevice.clear();
    await this.session.dispose();
  }
}

function firstOf(losses: Record<string, Float32Array>): Record<string, number> {
  return Object.fromEntries(Object.entries(losses).map(([k, v]) => [k, v[0] as number]));
}
