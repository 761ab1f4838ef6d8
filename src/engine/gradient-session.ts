/**
 * Runs a gradients-only graph (gradients-graph.ts): the caller's current parameters go in with every run, frozen
 * weights are placed once (weights.ts), dropout masks are drawn from the caller's random stream and sized from the
 * batch. Returns the loss terms and fresh d loss / d parameter arrays - or, with `residentGradients` on WebGPU
 * (`computeResident`), the gradients left in the device's memory and the parameters fed from there, so that only the
 * batch, the scalars and the losses cross.
 */

import { VizWizError } from '../errors.js';
import { bindBatchDims } from './batch-dims.js';
import { drawDropoutMasks } from './dropout.js';
import { GraphSession, type SessionOptions, type TransferStats } from './graph-session.js';
import type { GradientsGraph } from './gradients-graph.js';
import { GRADS_FINITE, LOSS_SCALE } from './mixed-precision.js';
import { gradName } from './names.js';
import type { Rng } from '../random/rng.js';
import { DeviceTensor, Tensor, type FeedTensor, type Feeds, type Tensors } from './tensor.js';
import { placementFor, placeWeights } from './weights.js';

export interface GradientResult<G = Float32Array> {
  /** Loss values by name, the total first. */
  losses: Record<string, number>;
  /** d total loss / d parameter, by parameter name (fresh arrays, or resident tensors the caller disposes). */
  grads: Map<string, G>;
  /** Whether every gradient is finite (mixed-precision graphs check it at the loss scale; float32 ones: true). */
  finite: boolean;
}

export interface GradientSessionOptions extends SessionOptions {
  /** Keep the gradient outputs in the device's memory (WebGPU only): use `computeResident`. */
  residentGradients?: boolean;
}

export class GradientSession {
  private constructor(
    readonly graph: GradientsGraph,
    private readonly session: GraphSession,
    private readonly frozenFeeds: Readonly<Tensors>,
    /** Whether the gradients stay on the device (residentGradients on WebGPU). */
    readonly resident: boolean,
  ) {}

  /** `frozen`: the graph's frozen weights by name (used, not copied). */
  static async create(graph: GradientsGraph, frozen: ReadonlyMap<string, Float32Array>, o: GradientSessionOptions = {}): Promise<GradientSession> {
    const placed = placeWeights(graph.frozen, frozen, placementFor(o.device, o.placement));
    const resident = (o.residentGradients ?? false) && o.device === 'webgpu';
    const { residentGradients: _, ...rest } = o;
    const options = resident ? { ...rest, residentOutputs: graph.params.map((p) => gradName(p.name)) } : rest;
    return new GradientSession(graph, await GraphSession.create(graph.bytes, options, placed.initializers), placed.feeds, resident);
  }

  private feeds(batch: Readonly<Tensors>, params: ReadonlyMap<string, FeedTensor | Float32Array>, rng?: Rng, lossScale?: number): Feeds {
    const bindings = bindBatchDims(this.graph.batchInputs, batch);
    const feeds: Feeds = { ...batch, ...this.frozenFeeds };
    for (const spec of this.graph.params) {
      const data = params.get(spec.name);
      if (!data) throw new VizWizError('INVALID_ARGUMENT', `parameter '${spec.name}' is missing`);
      feeds[spec.name] = data instanceof Float32Array ? Tensor.f32(data, spec.shape) : data;
    }
    if (this.graph.dropoutSites.length > 0) {
      if (!rng) throw new VizWizError('INVALID_ARGUMENT', 'dropout needs a random stream for its masks');
      Object.assign(feeds, drawDropoutMasks(this.graph.dropoutSites, bindings, rng));
    }
    if (this.graph.dtype) feeds[LOSS_SCALE] = Tensor.f32(Float32Array.of(lossScale ?? 1), []);
    else if (lossScale !== undefined)
      throw new Error('GradientSession.compute: a loss scale needs a mixed-precision graph (buildGradients { dtype: float16 })');
    return feeds;
  }

  private fetches(): string[] {
    return [...this.graph.lossNames, ...this.graph.params.map((p) => gradName(p.name)), ...(this.graph.dtype ? [GRADS_FINITE] : [])];
  }

  private scalars(host: Tensors): Omit<GradientResult, 'grads'> {
    const losses: Record<string, number> = {};
    for (const name of this.graph.lossNames) losses[name] = host[name]?.floats()[0] as number;
    return { losses, finite: !this.graph.dtype || host[GRADS_FINITE]?.floats()[0] === 1 };
  }

  /**
   * Loss and gradients of `batch` at `params`; with dropout sites, masks come from `rng` (required then). A
   * mixed-precision graph takes the loss scale `lossScale` (default 1) and returns unscaled gradients.
   */
  async compute(batch: Readonly<Tensors>, params: ReadonlyMap<string, Float32Array>, rng?: Rng, lossScale?: number): Promise<GradientResult> {
    if (this.resident) throw new Error('GradientSession.compute: the gradients are device-resident; use computeResident');
    const out = await this.session.run(this.feeds(batch, params, rng, lossScale), this.fetches());
    const grads = new Map<string, Float32Array>();
    for (const spec of this.graph.params) grads.set(spec.name, out[gradName(spec.name)]?.floats() as Float32Array);
    return { ...this.scalars(out), grads };
  }

  /**
   * `compute` with the gradients left on the device (residentGradients on WebGPU): `params` may be resident tensors
   * (fed without a copy); the losses and the finite flag come to the host. The caller disposes the gradients.
   */
  async computeResident(
    batch: Readonly<Tensors>,
    params: ReadonlyMap<string, FeedTensor>,
    rng?: Rng,
    lossScale?: number,
  ): Promise<GradientResult<DeviceTensor>> {
    if (!this.resident) throw new Error('GradientSession.computeResident needs residentGradients on webgpu');
    const r = await this.session.runResident(this.feeds(batch, params, rng, lossScale), this.fetches());
    const grads = new Map<string, DeviceTensor>();
    for (const spec of this.graph.params) {
      const t = r.device[gradName(spec.name)];
      if (!t) throw new Error(`GradientSession: '${gradName(spec.name)}' did not stay on the device`);
      grads.set(spec.name, t);
    }
    return { ...this.scalars(r.host), grads };
  }

  /** Bytes copied between host and device by this session's runs (GraphSession.transfers). */
  transfers(o: { reset?: boolean } = {}): TransferStats {
    return this.session.transfers(o);
  }

  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}
