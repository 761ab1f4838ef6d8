/** Runs the optimizer-update graph (optimizer-graph.ts) over host arrays: new parameters and state in fresh arrays. */

import { GraphSession, type SessionOptions, type TransferStats } from './graph-session.js';
import { gradName, newName, slotName } from './names.js';
import type { OptimizerGraph } from './optimizer-graph.js';
import { Tensor, type Tensors } from './tensor.js';

export class OptimizerSession {
  private constructor(
    readonly graph: OptimizerGraph,
    private readonly session: GraphSession,
  ) {}

  static async create(graph: OptimizerGraph, o: SessionOptions = {}): Promise<OptimizerSession> {
    return new OptimizerSession(graph, await GraphSession.create(graph.bytes, o));
  }

  /**
   * One update at learning rate `lr`, as update number `step` (1-based). `state` holds `<slot>.<param>` arrays.
   * Returns fresh arrays; the inputs are left as they are.
   */
  async run(
    params: ReadonlyMap<string, Float32Array>,
    grads: ReadonlyMap<string, Float32Array>,
    state: ReadonlyMap<string, Float32Array>,
    lr: number,
    step: number,
  ): Promise<{ params: Map<string, Float32Array>; state: Map<string, Float32Array> }> {
    const { optimizer } = this.graph;
    const feeds: Tensors = { lr: Tensor.f64([lr], []), step: Tensor.f64([step], []) };
    const take = (m: ReadonlyMap<string, Float32Array>, key: string, shape: readonly number[]): Tensor => {
      const data = m.get(key);
      if (!data) throw new Error(`optimizer update: '${key}' is missing`);
      return Tensor.f32(data, shape);
    };
    for (const spec of this.graph.params) {
      feeds[spec.name] = take(params, spec.name, spec.shape);
      feeds[gradName(spec.name)] = take(grads, spec.name, spec.shape);
      for (const s of optimizer.slots) feeds[slotName(s, spec.name)] = take(state, slotName(s, spec.name), spec.shape);
    }
    const out = await this.session.run(feeds);
    const newParams = new Map<string, Float32Array>();
    const newState = new Map<string, Float32Array>();
    for (const spec of this.graph.params) {
      newParams.set(spec.name, out[newName(spec.name)]?.floats() as Float32Array);
      for (const s of optimizer.slots) newState.set(slotName(s, spec.name), out[newName(slotName(s, spec.name))]?.floats() as Float32Array);
    }
    return { params: newParams, state: newState };
  }

  /** Bytes copied between host and device by the update runs (GraphSession.transfers). */
  transfers(o: { reset?: boolean } = {}): TransferStats {
    return this.session.transfers(o);
  }

  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}
