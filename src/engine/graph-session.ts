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
import { fromOrtResults, toOrt, toOrtFeeds } from './ort-bridge.js';
import type { Tensor, Tensors } from './tensor.js';
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
   * onnxruntime's profiler: a file prefix; the session writes `<prefix>_<date>.json` (Chrome trace events, one per
   * node run, subgraph nodes included) when it is disposed. For benchmarks (bench/heads-profile.ts).
   */
  profile?: string;
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

export class GraphSession {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly device: Device,
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
      const session = await (bound.kind === 'bytes' ? ort.InferenceSession.create(bound.bytes, options) : ort.InferenceSession.create(bound.path, options));
      return new GraphSession(session, device);
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
   * writes into (null = allocate).
   */
  async run(feeds: Readonly<Tensors>, fetches?: readonly string[] | Readonly<Record<string, Tensor | null>>): Promise<Tensors> {
    const ortFeeds = toOrtFeeds(feeds);
    if (fetches === undefined) return fromOrtResults(await this.session.run(ortFeeds));
    if (Array.isArray(fetches)) return fromOrtResults(await this.session.run(ortFeeds, [...(fetches as readonly string[])]));
    const ortFetches: Record<string, ort.Tensor | null> = {};
    for (const [name, t] of Object.entries(fetches as Readonly<Record<string, Tensor | null>>)) ortFetches[name] = t ? toOrt(t) : null;
    return fromOrtResults(await this.session.run(ortFeeds, ortFetches));
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
