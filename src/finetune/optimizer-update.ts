/**
 * The optimizer update alone as an ONNX graph: given parameters, their (accumulated, clipped) gradients, optimizer
 * state, `lr` and the 1-based `step`, one session.run returns the new parameters and state. It is the engine's own
 * update (src/engine/optim.ts: torch's AdamW order of operations, float64 scalars), so a fine-tune whose gradients
 * are combined on the host still updates exactly as the fused training steps do.
 *   inputs  <param>, grad.<param>, <slot>.<param>, lr (float64), step (float64)
 *   outputs new.<param>, new.<slot>.<param>
 */

import * as ort from 'onnxruntime-node';
import { Graph } from '../engine/graph.js';
import type { ParamSpec } from '../engine/model.js';
import type { Optimizer } from '../engine/optim.js';
import { createSession, type SessionOptions } from '../engine/session.js';
import { gradName, newName, slotName } from '../engine/train-step.js';

export class OptimizerUpdate {
  private constructor(
    readonly params: readonly ParamSpec[],
    readonly optimizer: Optimizer,
    private readonly session: ort.InferenceSession,
  ) {}

  static async create(params: readonly ParamSpec[], optimizer: Optimizer, o: SessionOptions = {}): Promise<OptimizerUpdate> {
    const g = new Graph(`${optimizer.name}_update`);
    const lr = g.input('lr', 'float64', []);
    const step = g.input('step', 'float64', []);
    const scalars = optimizer.prepare(g, lr, step);
    for (const spec of params) {
      const p = g.input(spec.name, 'float32', spec.shape);
      const grad = g.input(gradName(spec.name), 'float32', spec.shape);
      const state = optimizer.slots.map((s) => g.input(slotName(s, spec.name), 'float32', spec.shape));
      const upd = optimizer.update(p, grad, state, scalars);
      g.output(newName(spec.name), upd.param);
      optimizer.slots.forEach((s, k) => g.output(newName(slotName(s, spec.name)), upd.state[k] as NonNullable<(typeof upd.state)[number]>));
    }
    return new OptimizerUpdate(params, optimizer, await createSession(g.encode(), o));
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
    const feeds: Record<string, ort.Tensor> = {
      lr: new ort.Tensor('float64', Float64Array.of(lr), []),
      step: new ort.Tensor('float64', Float64Array.of(step), []),
    };
    const tensor = (m: ReadonlyMap<string, Float32Array>, key: string, spec: ParamSpec): ort.Tensor => {
      const data = m.get(key);
      if (!data) throw new Error(`optimizer update: '${key}' is missing`);
      return new ort.Tensor('float32', data, [...spec.shape]);
    };
    for (const spec of this.params) {
      feeds[spec.name] = tensor(params, spec.name, spec);
      feeds[gradName(spec.name)] = tensor(grads, spec.name, spec);
      for (const s of this.optimizer.slots) feeds[slotName(s, spec.name)] = tensor(state, slotName(s, spec.name), spec);
    }
    const out = await this.session.run(feeds);
    const newParams = new Map<string, Float32Array>();
    const newState = new Map<string, Float32Array>();
    for (const spec of this.params) {
      newParams.set(spec.name, out[newName(spec.name)]?.data as Float32Array);
      for (const s of this.optimizer.slots) newState.set(slotName(s, spec.name), out[newName(slotName(s, spec.name))]?.data as Float32Array);
    }
    return { params: newParams, state: newState };
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
