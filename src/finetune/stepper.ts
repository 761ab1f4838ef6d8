/**
 * One optimizer update of a LoRA fine-tune, in three parts: micro-batch gradients from the LoRA gradient graph
 * (src/models/lora/gradients.ts), their token-weighted accumulation and clipping by global norm on the host
 * (gradient-math.ts), and the engine's AdamW update graph (engine/optimizer-graph.ts). The stepper owns the adapters, the optimizer
 * state and the update count; they are what a checkpoint saves and what a resumed run starts from.
 * With `dtype: 'float16'` the gradients graph is mixed precision and the stepper holds a LossScaler (GradScaler's
 * rule): an update any of whose micro-batches overflowed at the scale is skipped - adapters, state and update count
 * unchanged - and the scale backs off; its state is saved with the checkpoint too.
 */

import type { SessionOptions } from '../engine/graph-session.js';
import { LossScaler, type LossScaleConfig, type LossScaleState } from '../engine/loss-scale.js';
import type { TrainDType } from '../engine/mixed-precision.js';
import { slotName } from '../engine/names.js';
import { adamw } from '../engine/optim.js';
import { buildOptimizerUpdate } from '../engine/optimizer-graph.js';
import { OptimizerSession } from '../engine/optimizer-session.js';
import type { Rng } from '../random/rng.js';
import type { LoraSet } from '../models/lora/adapters.js';
import { LoraGradients } from '../models/lora/gradients.js';
import type { PaliGemmaBatch } from '../models/paligemma/feeds.js';
import type { LoadedPaliGemma } from '../models/paligemma/weights.js';
import { clipByGlobalNorm, GradientAccumulator } from './gradient-math.js';

export interface StepperOptions {
  weightDecay: number;
  /** Largest global gradient norm; 0 = off. */
  clip: number;
  session?: SessionOptions;
  /** Compute dtype (default float32); float16 = mixed precision with loss scaling. */
  dtype?: TrainDType;
  /** float16: the loss scale's settings (default GradScaler's). */
  lossScale?: Partial<LossScaleConfig>;
}

export interface StepperStart {
  adapters: ReadonlyMap<string, Float32Array>;
  /** `<slot>.<param>` arrays (default zeros) and updates already taken (default 0), from a checkpoint. */
  optimizer?: ReadonlyMap<string, Float32Array>;
  steps?: number;
  /** float16: the loss scaler's state, from a checkpoint. */
  lossScale?: LossScaleState;
}

export interface UpdateResult {
  /** Token-weighted mean loss of the update's micro-batches. */
  loss: number;
  tokens: number;
  microBatches: number;
  /** Global gradient norm before clipping, and the factor clipping applied (1 = none). */
  gradNorm: number;
  clipScale: number;
  /** The gradient the optimizer received (accumulated, clipped), by PEFT name. */
  grads: Map<string, Float32Array>;
  /** false: a micro-batch's gradients overflowed at `lossScale` (float16) and the update was skipped. */
  applied: boolean;
  /** The loss scale of the update's micro-batches (1 in float32). */
  lossScale: number;
}

export class LoraStepper {
  private readonly acc = new GradientAccumulator();
  /** Whether every micro-batch since the last update had finite gradients. */
  private finite = true;

  private constructor(
    readonly set: LoraSet,
    private readonly gradients: LoraGradients,
    private readonly update_: OptimizerSession,
    private params: Map<string, Float32Array>,
    private state: Map<string, Float32Array>,
    private steps_: number,
    private readonly clip: number,
    /** float16 only. */
    readonly scaler?: LossScaler,
  ) {}

  static async create(m: LoadedPaliGemma, set: LoraSet, start: StepperStart, o: StepperOptions): Promise<LoraStepper> {
    const dtype = o.dtype ?? 'float32';
    const gradients = await LoraGradients.create(m.config, m.prefixes, m.weights, set, { session: o.session, ...(dtype === 'float16' ? { dtype } : {}) });
    const optimizer = adamw({ weightDecay: o.weightDecay });
    const update = await OptimizerSession.create(buildOptimizerUpdate(gradients.params, optimizer), o.session);
    const params = new Map([...start.adapters].map(([k, v]) => [k, v.slice()]));
    const state = new Map<string, Float32Array>();
    for (const spec of gradients.params) {
      const n = spec.shape.reduce((a, b) => a * b, 1);
      for (const s of optimizer.slots) state.set(slotName(s, spec.name), start.optimizer?.get(slotName(s, spec.name))?.slice() ?? new Float32Array(n));
    }
    const scaler = dtype === 'float16' ? new LossScaler(o.lossScale, start.lossScale) : undefined;
    return new LoraStepper(set, gradients, update, params, state, start.steps ?? 0, o.clip, scaler);
  }

  /** Adds one micro-batch's gradient (LoRA dropout masks drawn from `rng`). */
  async accumulate(batch: PaliGemmaBatch, rng?: Rng): Promise<{ loss: number; tokens: number }> {
    const r = await this.gradients.compute(batch, this.params, rng, this.scaler?.scale);
    this.finite &&= r.finite;
    this.acc.add(r.loss, r.tokens, r.grads);
    return { loss: r.loss, tokens: r.tokens };
  }

  /** Applies the accumulated gradient (clipped) with learning rate `lr`. */
  async update(lr: number): Promise<UpdateResult> {
    const microBatches = this.acc.microBatches;
    const { loss, tokens, grads } = this.acc.take();
    const lossScale = this.scaler?.scale ?? 1;
    const applied = this.finite;
    this.finite = true;
    this.scaler?.update(applied);
    if (!applied) return { loss, tokens, microBatches, gradNorm: Number.NaN, clipScale: 1, grads, applied, lossScale };
    const { norm, scale } = clipByGlobalNorm(grads, this.clip);
    const next = await this.update_.run(this.params, grads, this.state, lr, this.steps_ + 1);
    this.params = next.params;
    this.state = next.state;
    this.steps_++;
    return { loss, tokens, microBatches, gradNorm: norm, clipScale: scale, grads, applied, lossScale };
  }

  /** Current adapters by PEFT name (valid until the next update). */
  adapters(): ReadonlyMap<string, Float32Array> {
    return this.params;
  }

  /** Current optimizer state by `<slot>.<param>` (valid until the next update). */
  optimizerState(): ReadonlyMap<string, Float32Array> {
    return this.state;
  }

  /** Optimizer updates taken so far. */
  get steps(): number {
    return this.steps_;
  }

  async dispose(): Promise<void> {
    await this.gradients.dispose();
    await this.update_.dispose();
  }
}
