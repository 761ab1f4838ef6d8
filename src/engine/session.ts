/**
 * The one module that runs onnxruntime sessions: session creation from model bytes (device, threads, optimisation
 * level), a TrainSession that runs training steps while keeping parameters and optimizer state resident as ort.Tensors,
 * and an InferenceRunner. Parameters and state are double-buffered: a run reads buffer A (fed without a copy) and ORT
 * writes the updated values into buffer B (pre-allocated outputs), the next run the other way round. onnxruntime-node
 * 1.30 still copies every fetched output into a fresh JS array, which is why graphs from buildTrainLoop, S steps per
 * run, are the fast path. Views returned by `parameters()`/`optimizerState()` are valid until the next run.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { VizWizError } from '../errors.js';
import { deviceFailure, executionProviders, type Device } from './device.js';
import { fillDropoutMask, siteShape } from './dropout.js';
import { bindInitializers, type FrozenPlacement } from './external-data.js';
import type { InputSpec } from './model.js';
import { Rng } from './rng.js';
import { gradName, newName, slotName, type InferenceGraph, type TrainStepGraph } from './train-step.js';

export interface SessionOptions {
  device?: Device; // 'cpu'
  /** Intra-op threads (default: onnxruntime's choice, one per core). */
  threads?: number;
  optimization?: 'disabled' | 'basic' | 'extended' | 'all'; // 'all'
  /**
   * Graph inputs bound into the model as initializers (external-data.ts): no longer fed, held by the session (on a GPU,
   * on the device). Past `externalDataThreshold` bytes they go to an external data file.
   */
  initializers?: ReadonlyMap<string, ort.Tensor>;
  externalDataThreshold?: number;
  /** Folder for model.onnx + model.onnx.data when external (kept); default a temporary one, removed after creation. */
  modelDir?: string;
  /** InferenceRunner only: parameters fed with every run ('inputs', the default) or bound as initializers. */
  frozenAs?: FrozenPlacement;
}

/**
 * Intra-op threads when a caller sets none: the `VIZWIZ_THREADS` environment variable (so a whole test suite or
 * command can run with 1 or 2 threads), else onnxruntime's own choice (one per core).
 */
export function defaultThreads(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.VIZWIZ_THREADS;
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new VizWizError('INVALID_ARGUMENT', `VIZWIZ_THREADS must be a whole number >= 1, got '${raw}'`);
  return n;
}

export async function createSession(bytes: Uint8Array, o: SessionOptions = {}): Promise<ort.InferenceSession> {
  const device = o.device ?? 'cpu';
  const threads = o.threads ?? defaultThreads();
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: executionProviders(device),
    graphOptimizationLevel: o.optimization ?? 'all',
    executionMode: 'sequential',
    enableCpuMemArena: true,
    enableMemPattern: true,
    interOpNumThreads: 1,
    ...(threads ? { intraOpNumThreads: threads } : {}),
  };
  const tmp = o.initializers?.size && !o.modelDir ? await mkdtemp(join(tmpdir(), 'vizwiz-model-')) : undefined;
  try {
    const bound = o.initializers?.size
      ? await bindInitializers(bytes, o.initializers, { threshold: o.externalDataThreshold, dir: o.modelDir ?? tmp })
      : ({ kind: 'bytes', bytes } as const);
    return await (bound.kind === 'bytes' ? ort.InferenceSession.create(bound.bytes, options) : ort.InferenceSession.create(bound.path, options));
  } catch (e) {
    if (device !== 'cpu') throw deviceFailure(device, e);
    throw e;
  } finally {
    // The session holds the weights once created; a file still mapped elsewhere (Windows) is left behind.
    if (tmp) await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** A float32 tensor over `data` with a static shape. */
export function f32(data: Float32Array, shape: readonly number[]): ort.Tensor {
  return new ort.Tensor('float32', data, shape as number[]);
}

function scalarF64(v: number): ort.Tensor {
  return new ort.Tensor('float64', Float64Array.of(v), []);
}

export interface TrainSessionOptions extends SessionOptions {
  /** Optimizer state by `<slot>.<param>` name (default zeros) and the number of steps already taken (default 0). */
  state?: ReadonlyMap<string, Float32Array>;
  stepsDone?: number;
  /** Seed of the dropout-mask stream. */
  seed?: number;
}

export interface StepResult {
  /** Loss values by output name (total first). */
  losses: Record<string, number>;
  /** Exposed forward outputs and `grad.<param>` tensors, when the graph has them. */
  extra: Record<string, ort.Tensor>;
}

export interface StepsResult {
  /** Each loss as an (S) array, one entry per step of the run. */
  losses: Record<string, Float32Array>;
  /** Exposed outputs and gradients, stacked (S, ..) for loop graphs. */
  extra: Record<string, ort.Tensor>;
}

export class TrainSession {
  private flip = 0;
  private readonly masks = new Map<string, ort.Tensor>();
  private rng: Rng;
  /** Graph inputs of parameters and state (row blocks of large ones) -> [buffer A, buffer B]. */
  private readonly buffers = new Map<string, [ort.Tensor, ort.Tensor]>();
  /** Parameters and `<slot>.<param>` state by name -> [whole buffer A, whole buffer B]; the block tensors view these. */
  private readonly whole = new Map<string, [Float32Array, Float32Array]>();
  /** Batch inputs still fed (those not bound as initializers). */
  private readonly fed: readonly InputSpec[];

  private constructor(
    readonly graph: TrainStepGraph,
    private readonly session: ort.InferenceSession,
    private steps_: number,
    seed: number,
    bound: ReadonlySet<string>,
  ) {
    this.rng = new Rng(seed);
    this.fed = graph.batchInputs.filter((s) => !bound.has(s.name));
  }

  static async create(graph: TrainStepGraph, params: ReadonlyMap<string, Float32Array>, o: TrainSessionOptions = {}): Promise<TrainSession> {
    const session = await createSession(graph.bytes, o);
    const ts = new TrainSession(graph, session, o.stepsDone ?? 0, o.seed ?? 0, new Set(o.initializers?.keys() ?? []));
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
          ts.buffers.set(input, [f32(a.subarray(from, to), blk.shape), f32(b.subarray(from, to), blk.shape)]);
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

  /** Runs one training step on `batch` (tensors by input name) with learning rate `lr`. */
  async step(batch: Readonly<Record<string, ort.Tensor>>, lr: number, o: { masks?: Readonly<Record<string, ort.Tensor>> } = {}): Promise<StepResult> {
    if (this.graph.kind === 'step') {
      const rows = batchRows(this.fed, batch, 0);
      const masks: Record<string, ort.Tensor> = {};
      for (const site of this.graph.dropoutSites) masks[site.name] = o.masks?.[site.name] ?? this.mask(site.name, siteShape(site, rows), site.p, 1);
      const out = await this.run({ ...batch, ...masks, lr: scalarF64(lr) }, 1);
      return { losses: Object.fromEntries(Object.entries(out.losses).map(([k, v]) => [k, v[0] as number])), extra: out.extra };
    }
    // A loop graph runs one step as a stack of one: the same buffers with a leading axis of 1.
    const stacked: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(batch)) stacked[name] = new ort.Tensor(t.type as 'float32', t.data as Float32Array, [1, ...t.dims]);
    const masks: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(o.masks ?? {})) masks[name] = new ort.Tensor('float32', t.data as Float32Array, [1, ...t.dims]);
    const out = await this.steps(stacked, [lr], { masks });
    const extra: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(out.extra)) extra[name] = new ort.Tensor(t.type as 'float32', t.data as Float32Array, t.dims.slice(1));
    return { losses: Object.fromEntries(Object.entries(out.losses).map(([k, v]) => [k, v[0] as number])), extra };
  }

  /**
   * Runs S = lrs.length training steps in one session.run (loop graphs only): batch inputs stacked as (S, B, ..),
   * step s uses lrs[s]. Returns each loss as an (S) array.
   */
  async steps(stacked: Readonly<Record<string, ort.Tensor>>, lrs: readonly number[], o: { masks?: Readonly<Record<string, ort.Tensor>> } = {}): Promise<StepsResult> {
    if (this.graph.kind !== 'loop') throw new Error('TrainSession.steps needs a graph from buildTrainLoop');
    const s = lrs.length;
    const rows = batchRows(this.fed, stacked, s);
    const masks: Record<string, ort.Tensor> = {};
    for (const site of this.graph.dropoutSites) masks[site.name] = o.masks?.[site.name] ?? this.mask(site.name, [s, ...siteShape(site, rows)], site.p, s);
    return this.run({ ...stacked, ...masks, lr: new ort.Tensor('float64', Float64Array.from(lrs), [s]) }, s);
  }

  private async run(feeds: Record<string, ort.Tensor>, s: number): Promise<StepsResult> {
    feeds.step = scalarF64(this.graph.kind === 'step' ? this.steps_ + 1 : this.steps_);
    const fetches: Record<string, ort.Tensor | null> = {};
    for (const name of this.graph.lossNames) fetches[name] = null;
    for (const name of this.graph.exposedOutputs) fetches[name] = null;
    if (this.graph.exposesGradients) for (const p of this.graph.params) fetches[gradName(p.name)] = null;
    const cur = this.flip;
    for (const [name, [a, b]] of this.buffers) {
      feeds[name] = cur === 0 ? a : b;
      fetches[newName(name)] = cur === 0 ? b : a;
    }
    const out = await this.session.run(feeds, fetches);
    this.flip = 1 - cur;
    this.steps_ += s;
    const losses: Record<string, Float32Array> = {};
    for (const name of this.graph.lossNames) losses[name] = out[name]?.data as Float32Array;
    const extra: Record<string, ort.Tensor> = {};
    for (const name of Object.keys(fetches)) {
      if (!name.startsWith('new.') && !(name in losses) && out[name]) extra[name] = out[name];
    }
    return { losses, extra };
  }

  private mask(name: string, shape: number[], p: number, s: number): ort.Tensor {
    const n = shape.reduce((a, b) => a * b, 1);
    const key = `${name}:${s}`;
    let t = this.masks.get(key);
    if (!t || t.size !== n) {
      t = f32(new Float32Array(n), shape);
      this.masks.set(key, t);
    }
    fillDropoutMask(t.data as Float32Array, p, this.rng);
    return t;
  }

  private current(filter: (name: string) => boolean): Map<string, Float32Array> {
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
    await this.session.release();
  }
}

/**
 * Number of rows in a batch, checked against every batch input's shape; with `stack` > 0 the inputs carry a leading
 * axis of that many steps.
 */
function batchRows(specs: readonly InputSpec[], batch: Readonly<Record<string, ort.Tensor>>, stack = 0): number {
  let rows = -1;
  for (const spec of specs) {
    const t = batch[spec.name];
    if (!t) throw new VizWizError('INVALID_ARGUMENT', `batch input '${spec.name}' is missing`);
    if (t.type !== spec.dtype) throw new VizWizError('INVALID_ARGUMENT', `batch input '${spec.name}' is ${t.type}, expected ${spec.dtype}`);
    const lead = stack > 0 ? 1 : 0;
    const expected = stack > 0 ? `[${stack}, ${spec.shape.join(', ')}]` : `[${spec.shape.join(', ')}]`;
    if (t.dims.length !== spec.shape.length + lead || (stack > 0 && t.dims[0] !== stack)) {
      throw new VizWizError('INVALID_ARGUMENT', `batch input '${spec.name}' has shape [${t.dims.join(', ')}], expected ${expected}`);
    }
    spec.shape.forEach((d, i) => {
      const actual = t.dims[i + lead] as number;
      if (typeof d === 'number' && d !== actual) {
        throw new VizWizError('INVALID_ARGUMENT', `batch input '${spec.name}' has shape [${t.dims.join(', ')}], expected ${expected}`);
      }
      if (d === 'B') {
        if (rows >= 0 && rows !== actual) throw new VizWizError('INVALID_ARGUMENT', `batch input '${spec.name}' has ${actual} rows, others have ${rows}`);
        rows = actual;
      }
    });
  }
  return rows;
}

/** Runs an inference graph with parameters held as resident tensors. */
export class InferenceRunner {
  private constructor(
    readonly graph: InferenceGraph,
    private readonly session: ort.InferenceSession,
    private readonly params: Record<string, ort.Tensor>,
  ) {}

  static async create(graph: InferenceGraph, params: ReadonlyMap<string, Float32Array>, o: SessionOptions = {}): Promise<InferenceRunner> {
    const tensors: Record<string, ort.Tensor> = {};
    for (const spec of graph.params) {
      const data = params.get(spec.name);
      if (!data) throw new VizWizError('INVALID_CHECKPOINT', `parameter '${spec.name}' is missing`);
      tensors[spec.name] = f32(data, spec.shape);
    }
    if ((o.frozenAs ?? 'inputs') === 'inputs') return new InferenceRunner(graph, await createSession(graph.bytes, o), tensors);
    const initializers = new Map([...(o.initializers ?? []), ...Object.entries(tensors)]);
    return new InferenceRunner(graph, await createSession(graph.bytes, { ...o, initializers }), {});
  }

  async run(batch: Readonly<Record<string, ort.Tensor>>, outputs?: readonly string[]): Promise<Record<string, ort.Tensor>> {
    batchRows(this.graph.inputs, batch);
    const out = await this.session.run({ ...batch, ...this.params }, outputs ? [...outputs] : [...this.graph.outputs]);
    return out as Record<string, ort.Tensor>;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
