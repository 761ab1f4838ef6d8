/**
 * The one module that creates onnxruntime sessions: `GraphSession` runs an encoded graph on a device with engine
 * tensors in and out (same buffers, no copies at the boundary). Options: device, threads (default VIZWIZ_THREADS or
 * one per core), optimisation level, ORT's log level (warnings only with `verbose`, default VIZWIZ_VERBOSE=1), and
 * initializers bound into the model before creation (external-data.ts: embedded, or an external data file past a
 * threshold).
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { VizWizError } from '../errors.js';
import { deviceFailure, executionProviders, type Device } from './device.js';
import { bindInitializers } from './external-data.js';
import { releaseFreedBuffers } from './release-memory.js';
import { Graph } from './graph.js';
import { fromOrtResident, fromOrtResults, isResident, toOrt, toOrtFeeds } from './ort-bridge.js';
import { DeviceTensor, tensorBytes, type Feeds, type Tensor, type Tensors } from './tensor.js';
import type { DType } from './dtype.js';
import type { WeightPlacement } from './weights.js';

export interface SessionOptions {
  device?: Device; // 'cpu'
  /** Intra-op threads (default: VIZWIZ_THREADS, else onnxruntime's choice, one per core). */
  threads?: number;
  optimization?: 'disabled' | 'basic' | 'extended' | 'all'; // 'all'
  /**
   * Print onnxruntime's warnings (e.g. nodes a GPU provider leaves to the CPU); default: VIZWIZ_VERBOSE=1 (what the
   * CLI's --verbose sets), else errors only.
   */
  verbose?: boolean;
  /**
   * Where weights that do not train live: 'inputs' (fed with every run over the caller's buffers - free on the CPU)
   * or 'initializers' (bound into the model: on a GPU they stay on the device). Default: weights.ts placementFor.
   */
  placement?: WeightPlacement;
  /** Bound bytes above which initializers go to an external data file (default 1 GiB). */
  externalDataThreshold?: number;
  /** Folder for model.onnx + model.onnx.data when external (kept); default a temporary one, removed after creation. */
  modelDir?: string;
  /**
   * Empty the `initializers` map once they are bound into the model, and collect garbage, before onnxruntime reads
   * them: with no other reference to their arrays, JavaScript's copy is gone before the session makes its own.
   */
  releaseInitializers?: boolean;
  /**
   * onnxruntime's profiler: a file prefix; the session writes `<prefix>_<date>.json` (Chrome trace events, one per
   * node run, subgraph nodes included) when it is disposed. For benchmarks (bench/heads-profile.ts).
   */
  profile?: string;
  /**
   * Outputs that stay in the device's memory on WebGPU (returned by `runResident` as DeviceTensors, to be fed back
   * without a copy); every other output comes to the host. Ignored on the CPU (nothing to copy) and on CUDA (not
   * supported by onnxruntime-node there: those outputs come to the host).
   */
  residentOutputs?: readonly string[];
}

/** Bytes copied between host and device by a session's runs (host-fed inputs up, host-read outputs down). */
export interface TransferStats {
  runs: number;
  toDevice: number;
  toHost: number;
}

/** Results of a run with resident outputs: the host tensors, and the ones left on the device. */
export interface ResidentResults {
  host: Tensors;
  device: Record<string, DeviceTensor>;
}

/**
 * Intra-op threads when a caller sets none: the `VIZWIZ_THREADS` environment variable (so a whole test suite or
 * command can run with 1 or 2 threads), else onnxruntime's own choice (one per core).
 */
function defaultThreads(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.VIZWIZ_THREADS;
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new VizWizError('INVALID_ARGUMENT', `VIZWIZ_THREADS must be a whole number >= 1, got '${raw}'`);
  return n;
}

/** onnxruntime's options for a session with `o` (internal to src/engine: placement.ts probes with the same ones). */
export function ortSessionOptions(o: SessionOptions): ort.InferenceSession.SessionOptions {
  const threads = o.threads ?? defaultThreads();
  return {
    executionProviders: executionProviders(o.device ?? 'cpu'),
    graphOptimizationLevel: o.optimization ?? 'all',
    executionMode: 'sequential',
    enableCpuMemArena: true,
    enableMemPattern: true,
    interOpNumThreads: 1,
    logSeverityLevel: (o.verbose ?? defaultVerbose()) ? 2 : 3,
    ...(threads ? { intraOpNumThreads: threads } : {}),
    ...(o.profile ? { enableProfiling: true, profileFilePrefix: o.profile } : {}),
  };
}

/** Whether sessions print onnxruntime's warnings when a caller does not say: the `VIZWIZ_VERBOSE` variable is 1. */
export function defaultVerbose(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.VIZWIZ_VERBOSE === '1';
}

/**
 * Identity sessions that copy a tensor between host and device, one per device, dtype, rank and direction (tiny; kept):
 * 'cpu' brings a resident tensor to the host, 'gpu-buffer' leaves a host tensor's copy on the device.
 */
const copySessions = new Map<string, Promise<ort.InferenceSession>>();

function copySession(device: Device, dtype: DType, rank: number, to: 'cpu' | 'gpu-buffer' = 'cpu'): Promise<ort.InferenceSession> {
  const key = `${device}:${dtype}:${rank}:${to}`;
  let s = copySessions.get(key);
  if (!s) {
    const g = new Graph(`${to === 'cpu' ? 'download' : 'upload'}_${dtype}_${rank}`);
    const shape = Array.from({ length: rank }, (_, i) => `d${i}`);
    g.output('out', g.op('Identity', [g.input('in', dtype, shape)], { dtype, shape }));
    s = ort.InferenceSession.create(g.encode(), { ...ortSessionOptions({ device }), preferredOutputLocation: to });
    s.catch(() => copySessions.delete(key));
    copySessions.set(key, s);
  }
  return s;
}

export class GraphSession {
  private readonly stats: TransferStats = { runs: 0, toDevice: 0, toHost: 0 };

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly device: Device,
    /** Whether some outputs stay on the device (WebGPU `residentOutputs`). */
    private readonly resident = false,
  ) {}

  /** A session over `bytes`, with `initializers` (graph inputs by name) bound into the model first. */
  static async create(bytes: Uint8Array, o: SessionOptions = {}, initializers?: ReadonlyMap<string, Tensor>): Promise<GraphSession> {
    const device = o.device ?? 'cpu';
    const options = ortSessionOptions(o);
    const tmp = initializers?.size && !o.modelDir ? await mkdtemp(join(tmpdir(), 'vizwiz-model-')) : undefined;
    try {
      const bound = initializers?.size
        ? await bindInitializers(bytes, initializers, { threshold: o.externalDataThreshold, dir: o.modelDir ?? tmp })
        : ({ kind: 'bytes', bytes } as const);
      if (o.releaseInitializers && initializers instanceof Map) {
        initializers.clear();
        releaseFreedBuffers();
      }
      const resident = device === 'webgpu' ? (o.residentOutputs ?? []) : [];
      if (resident.length) options.preferredOutputLocation = Object.fromEntries(resident.map((n) => [n, 'gpu-buffer' as const]));
      const session = await (bound.kind === 'bytes' ? ort.InferenceSession.create(bound.bytes, options) : ort.InferenceSession.create(bound.path, options));
      return new GraphSession(session, device, resident.length > 0);
    } catch (e) {
      if (device !== 'cpu') throw deviceFailure(device, e);
      throw e;
    } finally {
      // The session holds the weights once created; a file still mapped elsewhere (Windows) is left behind.
      if (tmp) await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /**
   * Runs the graph. `fetches`: output names (default all), or names mapped to pre-allocated tensors that onnxruntime
   * writes into (null = allocate). Feeds may be DeviceTensors of this device. Every fetched output must come to the host
   * (use `runResident` for a session with resident outputs).
   */
  async run(feeds: Readonly<Feeds>, fetches?: readonly string[] | Readonly<Record<string, Tensor | null>>): Promise<Tensors> {
    const ortFeeds = toOrtFeeds(feeds);
    let results: ort.InferenceSession.ReturnType;
    if (fetches === undefined) results = await this.session.run(ortFeeds);
    else if (Array.isArray(fetches)) results = await this.session.run(ortFeeds, [...(fetches as readonly string[])]);
    else {
      const ortFetches: Record<string, ort.Tensor | null> = {};
      for (const [name, t] of Object.entries(fetches as Readonly<Record<string, Tensor | null>>)) ortFetches[name] = t ? toOrt(t) : null;
      results = await this.session.run(ortFeeds, ortFetches);
    }
    const { host, device } = this.split(feeds, results);
    const left = Object.keys(device);
    if (left.length) {
      for (const t of Object.values(device)) t.dispose();
      throw new Error(`GraphSession.run: outputs ${left.join(', ')} are device-resident; use runResident`);
    }
    return host;
  }

  /**
   * Runs the graph (`fetches`: output names, default all); outputs in `residentOutputs` stay on the device (WebGPU).
   * With resident outputs, every output must be fetched: onnxruntime-node 1.30 binds one location per output of the
   * session and answers a subset with "Output count mismatch." (checked on WebGPU) - leave an unwanted output on the
   * device and dispose it instead.
   */
  async runResident(feeds: Readonly<Feeds>, fetches?: readonly string[]): Promise<ResidentResults> {
    if (this.resident && fetches && this.session.outputNames.some((n) => !fetches.includes(n)))
      throw new Error(`GraphSession.runResident: a session with resident outputs fetches all its outputs (got ${fetches.join(', ')})`);
    const ortFeeds = toOrtFeeds(feeds);
    const results = fetches === undefined ? await this.session.run(ortFeeds) : await this.session.run(ortFeeds, [...fetches]);
    return this.split(feeds, results);
  }

  private split(feeds: Readonly<Feeds>, results: ort.InferenceSession.ReturnType): ResidentResults {
    const hostResults: Record<string, ort.Tensor> = {};
    const device: Record<string, DeviceTensor> = {};
    for (const [name, t] of Object.entries(results)) {
      if (isResident(t)) device[name] = fromOrtResident(t);
      else hostResults[name] = t;
    }
    const host = fromOrtResults(hostResults);
    this.stats.runs++;
    if (this.device !== 'cpu') {
      for (const t of Object.values(feeds)) if (!(t instanceof DeviceTensor)) this.stats.toDevice += tensorBytes(t.dtype, t.size);
      for (const t of Object.values(host)) this.stats.toHost += tensorBytes(t.dtype, t.size);
    }
    return { host, device };
  }

  /**
   * A resident tensor's values on the host, through a small Identity session on this device (cached per dtype and
   * rank); the tensor stays resident (dispose it when done). Counted as a copy to the host.
   */
  async download(t: DeviceTensor): Promise<Tensor> {
    const s = await copySession(this.device, t.dtype, t.dims.length);
    const out = fromOrtResults(await s.run({ in: toOrt(t) }));
    const host = out.out as Tensor;
    this.stats.toHost += tensorBytes(host.dtype, host.size);
    return host;
  }

  /**
   * A copy of host tensor `t` resident on this session's device (WebGPU), through a small Identity session (cached per
   * dtype and rank), to be fed to later runs without a copy; the caller disposes it. Counted as a copy to the device.
   */
  async upload(t: Tensor): Promise<DeviceTensor> {
    if (this.device !== 'webgpu') throw new Error(`GraphSession.upload: tensors stay resident on webgpu only, not on ${this.device}`);
    const s = await copySession(this.device, t.dtype, t.dims.length, 'gpu-buffer');
    const out = (await s.run({ in: toOrt(t) })).out as ort.Tensor;
    if (!isResident(out)) throw new Error('GraphSession.upload: the copy did not stay on the device');
    this.stats.toDevice += tensorBytes(t.dtype, t.size);
    return fromOrtResident(out);
  }

  /**
   * Bytes copied between host and device since creation or the last reset: host tensors fed (weights fed as inputs
   * included) and outputs read on the host, on a GPU device; zero on the CPU, where nothing is copied.
   */
  transfers(o: { reset?: boolean } = {}): TransferStats {
    const out = { ...this.stats };
    if (o.reset) Object.assign(this.stats, { runs: 0, toDevice: 0, toHost: 0 });
    return out;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
