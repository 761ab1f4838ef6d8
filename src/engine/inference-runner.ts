/**
 * Runs an inference graph (inference.ts) with its weights placed once (weights.ts: fed over the caller's arrays on the
 * CPU, initializers on a GPU): each run takes only the batch, checked against the graph's input shapes.
 */

import type { Device } from './device.js';
import { bindBatchDims } from './batch-dims.js';
import { GraphSession, type ResidentResults, type SessionOptions, type TransferStats } from './graph-session.js';
import type { InferenceGraph } from './inference.js';
import type { DeviceTensor, Feeds, Tensor, Tensors } from './tensor.js';
import { placementFor, placeWeights, type WeightArray } from './weights.js';

export class InferenceRunner {
  private constructor(
    readonly graph: InferenceGraph,
    private readonly session: GraphSession,
    private readonly weightFeeds: Readonly<Tensors>,
    /** Weights bound into the session as initializers: it holds its own copy, so the caller's arrays may go. */
    readonly boundWeights: ReadonlySet<string>,
  ) {}

  /**
   * `weights`: every weight of the graph by name (parameters and frozen alike, quantized parts as uint8/float32
   * arrays); the arrays are used, not copied.
   * `mutable`: weights the caller refreshes in place between runs - fed with every run on any device.
   * `consume`: `weights` is the runner's to thin out - the weights bound as initializers leave it (and JavaScript's
   * memory) before the session loads its own copy; needs a Map. If the session cannot be created they are gone.
   */
  static async create(
    graph: InferenceGraph,
    weights: ReadonlyMap<string, WeightArray>,
    o: SessionOptions & { mutable?: Iterable<string>; consume?: boolean } = {},
  ): Promise<InferenceRunner> {
    const placed = placeWeights(graph.weights, weights, placementFor(o.device, o.placement), new Set(o.mutable ?? []));
    const bound = new Set(placed.initializers.keys());
    if (o.consume) {
      if (!(weights instanceof Map)) throw new Error('InferenceRunner: consume needs the weights as a Map');
      for (const name of bound) weights.delete(name);
    }
    const session = await GraphSession.create(graph.bytes, { ...o, releaseInitializers: o.consume ?? false }, placed.initializers);
    return new InferenceRunner(graph, session, placed.feeds, bound);
  }

  /** Runs the batch; `outputs` (default all the graph's) selects what to fetch. */
  async run(batch: Readonly<Tensors>, outputs?: readonly string[]): Promise<Tensors> {
    bindBatchDims(this.graph.inputs, batch);
    return this.session.run({ ...batch, ...this.weightFeeds }, outputs ?? this.graph.outputs);
  }

  /**
   * Runs the batch (which may hold DeviceTensors of this device); the outputs named in the session's `residentOutputs`
   * stay on the device (WebGPU), the others come to the host.
   */
  async runResident(batch: Readonly<Feeds>, outputs?: readonly string[]): Promise<ResidentResults> {
    bindBatchDims(this.graph.inputs, batch);
    return this.session.runResident({ ...batch, ...this.weightFeeds }, outputs ?? this.graph.outputs);
  }

  /** A resident output's values on the host (GraphSession.download). */
  download(t: DeviceTensor): Promise<Tensor> {
    return this.session.download(t);
  }

  /** Bytes copied between host and device by this runner's runs (GraphSession.transfers). */
  transfers(o: { reset?: boolean } = {}): TransferStats {
    return this.session.transfers(o);
  }

  get device(): Device {
    return this.session.device;
  }

  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}
