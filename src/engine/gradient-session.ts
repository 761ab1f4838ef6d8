/**
 * Runs a gradients-only graph (gradients-graph.ts): the caller's current parameters go in with every run, frozen
 * weights are placed once (weights.ts), dropout masks are drawn from the caller's random stream and sized from the
 * batch. Returns the loss terms and fresh d loss / d parameter arrays.
 */

import { VizWizError } from '../errors.js';
import { bindBatchDims } from './batch-dims.js';
import { drawDropoutMasks } from './dropout.js';
import { GraphSession, type SessionOptions } from './graph-session.js';
import type { GradientsGraph } from './gradients-graph.js';
import { GRADS_FINITE, LOSS_SCALE } from './mixed-precision.js';
import { gradName } from './names.js';
import type { Rng } from '../random/rng.js';
import { Tensor, type Tensors } from './tensor.js';
import { placementFor, placeWeights } from './weights.js';

export interface GradientResult {
  /** Loss values by name, the total first. */
  losses: Record<string, number>;
  /** d total loss / d parameter, by parameter name (fresh arrays). */
  grads: Map<string, Float32Array>;
  /** Whether every gradient is finite (mixed-precision graphs check it at the loss scale; float32 ones: true). */
  finite: boolean;
}

export class GradientSession {
  private constructor(
    readonly graph: GradientsGraph,
    private readonly session: GraphSession,
    private readonly frozenFeeds: Readonly<Tensors>,
  ) {}

  /** `frozen`: the graph's frozen weights by name (used, not copied). */
  static async create(graph: GradientsGraph, frozen: ReadonlyMap<string, Float32Array>, o: SessionOptions = {}): Promise<GradientSession> {
    const placed = placeWeights(graph.frozen, frozen, placementFor(o.device, o.placement));
    return new GradientSession(graph, await GraphSession.create(graph.bytes, o, placed.initializers), placed.feeds);
  }

  /**
   * Loss and gradients of `batch` at `params`; with dropout sites, masks come from `rng` (required then). A
   * mixed-precision graph takes the loss scale `lossScale` (default 1) and returns unscaled gradients.
   */
  async compute(batch: Readonly<Tensors>, params: ReadonlyMap<string, Float32Array>, rng?: Rng, lossScale?: number): Promise<GradientResult> {
    const bindings = bindBatchDims(this.graph.batchInputs, batch);
    const feeds: Tensors = { ...batch, ...this.frozenFeeds };
    for (const spec of this.graph.params) {
      const data = params.get(spec.name);
      if (!data) throw new VizWizError('INVALID_ARGUMENT', `parameter '${spec.name}' is missing`);
      feeds[spec.name] = Tensor.f32(data, spec.shape);
    }
    if (this.graph.dropoutSites.length > 0) {
      if (!rng) throw new VizWizError('INVALID_ARGUMENT', 'dropout needs a random stream for its masks');
      Object.assign(feeds, drawDropoutMasks(this.graph.dropoutSites, bindings, rng));
    }
    const fetch = [...this.graph.lossNames, ...this.graph.params.map((p) => gradName(p.name))];
    if (this.graph.dtype) {
      feeds[LOSS_SCALE] = Tensor.f32(Float32Array.of(lossScale ?? 1), []);
      fetch.push(GRADS_FINITE);
    } else if (lossScale !== undefined)
      throw new Error('GradientSession.compute: a loss scale needs a mixed-precision graph (buildGradients { dtype: float16 })');
    const out = await this.session.run(feeds, fetch);
    const losses: Record<string, number> = {};
    for (const name of this.graph.lossNames) losses[name] = out[name]?.floats()[0] as number;
    const grads = new Map<string, Float32Array>();
    for (const spec of this.graph.params) grads.set(spec.name, out[gradName(spec.name)]?.floats() as Float32Array);
    return { losses, grads, finite: !this.graph.dtype || out[GRADS_FINITE]?.floats()[0] === 1 };
  }

  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}
