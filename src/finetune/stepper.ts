/**
 * One optimizer update of a LoRA fine-tune, in three parts: micro-batch gradients from the LoRA gradient graph
 * (src/models/lora/gradients.ts), their token-weighted accumulation and clipping by global norm, and the AdamW update.
 * Two paths compute them:
 * - host (the CPU, or `resident: false`): gradients come to the host, are accumulated and clipped there in float64
 *   (gradient-math.ts), and the engine's AdamW update graph (engine/optimizer-graph.ts) runs over host arrays;
 * - device (default on WebGPU): adapters, gradients, their running sums and AdamW's state stay in the device's memory
 *   (engine/resident-optimizer.ts: accumulation, global norm, clipping and AdamW as graphs, in float32); per
 *   micro-batch only the batch and a few scalars cross, per update a few scalars. `pull()` brings adapters and state
 *   to the host before `adapters()` / `optimizerState()` are read (validation, checkpoints: once per epoch).
 * The stepper owns the adapters, the optimizer state and the update count; they are what a checkpoint saves and what
 * a resumed run starts from.
 * With `dtype: 'float16'` the gradients graph is mixed precision and the stepper holds a LossScaler (GradScaler's
 * rule): an update any of whose micro-batches overflowed at the scale is skipped - adapters, state and update count
 * unchanged - and the scale backs off; its state is saved with the checkpoint too.
 */

import type { SessionOptions, TransferStats } from '../engine/graph-session.js';
import { LossScaler, type LossScaleConfig, type LossScaleState } from '../engine/loss-scale.js';
import type { TrainDType } from '../engine/mixed-precision.js';
import { slotName } from '../engine/names.js';
import { adamw } from '../engine/optim.js';
import { buildOptimizerUpdate } from '../engine/optimizer-graph.js';
import { OptimizerSession } from '../engine/optimizer-session.js';
import { ResidentOptimizer } from '../engine/resident-optimizer.js';
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
  /** Keep adapters, gradients and optimizer state on the device (default: true on WebGPU; ignored elsewhere). */
  resident?: boolean;
  /** Device path: also bring each update's applied gradient to the host (`UpdateResult.grads`; for tests). */
  hostGradients?: boolean;
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
  /**
   * The gradient the optimizer received (accumulated, clipped), by PEFT name: on the host path (the accumulated
   * gradient also when skipped), on the device path only with `hostGradients` and an applied update.
   */
  grads?: Map<string, Float32Array>;
  /** false: a micro-batch's gradients overflowed at `lossScale` (float16) and the update was skipped. */
  applied: boolean;
  /** The loss scale of the update's micro-batches (1 in float32). */
  lossScale: number;
}

/** Host path: the adapters and AdamW state as host arrays, the update graph run over them. */
interface HostPath {
  kind: 'host';
  update: OptimizerSession;
  params: Map<string, Float32Array>;
  state: Map<string, Float32Array>;
}

/** Device path: adapters, gradient sums and AdamW state resident (WebGPU). */
interface DevicePath {
  kind: 'device';
  opt: ResidentOptimizer;
}

export class LoraStepper {
  /** Loss and tokens (and on the host path the gradients) of the micro-batches since the last update. */
  private readonly acc = new GradientAccumulator();
  /** Whether every micro-batch since the last update had finite gradients. */
  private finite = true;

  private constructor(
    readonly set: LoraSet,
    private readonly gradients: LoraGradients,
    private readonly path: HostPath | DevicePath,
    private steps_: number,
    private readonly clip: number,
    private readonly hostGradients: boolean,
    /** float16 only. */
    readonly scaler?: LossScaler,
  ) {}

  static async create(m: LoadedPaliGemma, set: LoraSet, start: StepperStart, o: StepperOptions): Promise<LoraStepper> {
    const dtype = o.dtype ?? 'float32';
    const onDevice = o.session?.device === 'webgpu' && (o.resident ?? true);
    const gradients = await LoraGradients.create(m.config, m.prefixes, m.weights, set, {
      session: o.session,
      ...(dtype === 'float16' ? { dtype } : {}),
      ...(onDevice ? { residentGradients: true } : {}),
    });
    try {
      const optimizer = adamw({ weightDecay: o.weightDecay });
      const params = new Map([...start.adapters].map(([k, v]) => [k, v.slice()]));
      const state = new Map<string, Float32Array>();
      for (const spec of gradients.params) {
        const n = spec.shape.reduce((a, b) => a * b, 1);
        for (const s of optimizer.slots) state.set(slotName(s, spec.name), start.optimizer?.get(slotName(s, spec.name))?.slice() ?? new Float32Array(n));
      }
      const path: HostPath | DevicePath = onDevice
        ? { kind: 'device', opt: await ResidentOptimizer.create(gradients.params, optimizer, { params, state }, o.session ?? {}) }
        : { kind: 'host', update: await OptimizerSession.create(buildOptimizerUpdate(gradients.params, optimizer), o.session), params, state };
      const scaler = dtype === 'float16' ? new LossScaler(o.lossScale, start.lossScale) : undefined;
      return new LoraStepper(set, gradients, path, start.steps ?? 0, o.clip, o.hostGradients ?? false, scaler);
    } catch (e) {
      await gradients.dispose();
      throw e;
    }
  }

  /** Whether adapters, gradients and optimizer state stay on the device (WebGPU's default path). */
  get resident(): boolean {
    return this.path.kind === 'device';
  }

  /** Adds one micro-batch's gradient (LoRA dropout masks drawn from `rng`). */
  async accumulate(batch: PaliGemmaBatch, rng?: Rng): Promise<{ loss: number; tokens: number }> {
    const scale = this.scaler?.scale;
    if (this.path.kind === 'host') {
      const r = await this.gradients.compute(batch, this.path.params, rng, scale);
      this.finite &&= r.finite;
      this.acc.add(r.loss, r.tokens, r.grads);
      return { loss: r.loss, tokens: r.tokens };
    }
    const { opt } = this.path;
    const r = await this.gradients.computeResident(batch, await opt.parameters(), rng, scale);
    this.finite &&= r.finite;
    // Once a micro-batch overflowed the update is skipped: the sums are not needed any more.
    if (this.finite) await opt.accumulate(r.grads, r.tokens);
    else for (const t of r.grads.values()) t.dispose();
    this.acc.add(r.loss, r.tokens, new Map());
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
    const base = { loss, tokens, microBatches, applied, lossScale };
    if (this.path.kind === 'host') {
      if (!applied) return { ...base, gradNorm: Number.NaN, clipScale: 1, grads };
      const { norm, scale } = clipByGlobalNorm(grads, this.clip);
      const next = await this.path.update.run(this.path.params, grads, this.path.state, lr, this.steps_ + 1);
      this.path.params = next.params;
      this.path.state = next.state;
      this.steps_++;
      return { ...base, gradNorm: norm, clipScale: scale, grads };
    }
    if (!applied) {
      this.path.opt.discard();
      return { ...base, gradNorm: Number.NaN, clipScale: 1 };
    }
    const r = await this.path.opt.apply(lr, this.steps_ + 1, this.clip, { hostGradients: this.hostGradients });
    this.steps_++;
    return { ...base, gradNorm: r.norm, clipScale: r.clipScale, ...(r.grads ? { grads: r.grads } : {}) };
  }

  /** Device path: brings the adapters and optimizer state to the host (no-op when current, and on the host path). */
  async pull(): Promise<void> {
    if (this.path.kind === 'device') await this.path.opt.pull();
  }

  /** Current adapters by PEFT name (valid until the next update; on the device path after `pull()`). */
  adapters(): ReadonlyMap<string, Float32Array> {
    return this.path.kind === 'host' ? this.path.params : this.path.opt.hostParameters();
  }

  /** Current optimizer state by `<slot>.<param>` (valid until the next update; on the device path after `pull()`). */
  optimizerState(): ReadonlyMap<string, Float32Array> {
    return this.path.kind === 'host' ? this.path.state : this.path.opt.hostState();
  }

  /** Optimizer updates taken so far. */
  get steps(): number {
    return this.steps_;
  }

  /** Bytes copied between host and device since creation or the last reset (every session of the stepper). */
  transfers(o: { reset?: boolean } = {}): TransferStats {
    const a = this.gradients.transfers(o);
    const b = this.path.kind === 'host' ? this.path.update.transfers(o) : this.path.opt.transfers(o);
    return { runs: a.runs + b.runs, toDevice: a.toDevice + b.toDevice, toHost: a.toHost + b.toHost };
  }

  async dispose(): Promise<void> {
    await this.gradients.dispose();
    if (this.path.kind === 'host') await this.path.update.dispose();
    else await this.path.opt.dispose();
  }
}
