/**
 * LoRA training of PaliGemma: one run = forward, backward to the adapters only, and the optimizer update (AdamW by
 * default), a training-step graph built by the engine from the LoRA model. The base weights are the model's frozen
 * weights - the engine places them (fed over the loaded arrays on the CPU, never copied; initializers on a GPU);
 * adapters and optimizer state stay resident in the TrainSession's double buffers; dropout masks come from the
 * session's seeded stream. With `dtype: 'float16'` the step is mixed precision (engine/mixed-precision.ts: float16 base
 * weights and activations, float32 adapters, AdamW state and loss) with a loss scale chosen per step by a LossScaler
 * (GradScaler's dynamic rule by default); a step whose gradients overflow is skipped in the graph.
 */

import type { SessionOptions } from '../../engine/graph-session.js';
import { LossScaler, type LossScaleConfig, type LossScaleState } from '../../engine/loss-scale.js';
import type { TrainDType } from '../../engine/mixed-precision.js';
import { gradName } from '../../engine/names.js';
import { adamw, type Optimizer } from '../../engine/optim.js';
import { TrainSession } from '../../engine/train-session.js';
import { buildTrainStep } from '../../engine/train-step.js';
import { VizWizError } from '../../errors.js';
import type { PaliGemmaConfig } from '../paligemma/config.js';
import { paligemmaFeeds, type PaliGemmaBatch } from '../paligemma/feeds.js';
import { selectedRowsLoss } from '../paligemma/loss.js';
import type { PaliGemmaPrefixes } from '../paligemma/names.js';
import type { LoraSet } from './adapters.js';
import { paligemmaLoraModel } from './paligemma-lora.js';

export interface LoraTrainerOptions {
  optimizer?: Optimizer; // adamw({ weightDecay: 1e-6 }) (the HF recipe)
  /** Also return d loss / d adapter tensor from each step (tests, debugging). */
  exposeGradients?: boolean;
  /** Device, threads; base-weight placement per device (session.placement overrides). */
  session?: SessionOptions;
  /** Seed of the dropout-mask stream (used only when dropout > 0). */
  seed?: number;
  /**
   * Compute dtype (default float32). 'float16': mixed precision - base weights (converted once, as given in float32)
   * and activations in float16, adapters and AdamW state in float32; meant for a GPU device (the CPU provider computes
   * most float16 ops in float32).
   */
  dtype?: TrainDType;
  /** float16 only: the loss scale (default dynamic from 2^16, loss-scale.ts) and where it resumes from. */
  lossScale?: Partial<LossScaleConfig>;
  lossScaleState?: LossScaleState;
  /**
   * WebGPU: keep the adapters and AdamW's state on the device between steps (only the batch and the loss cross); call
   * `pull()` before `adapters()` / `optimizerState()`. Ignored on other devices.
   */
  residentState?: boolean;
}

export interface LoraStepResult {
  loss: number;
  /** By PEFT tensor name, when exposeGradients (unscaled). */
  grads: Map<string, Float32Array>;
  /** false: a gradient overflowed at `lossScale` and the step was skipped (adapters and state unchanged). */
  applied: boolean;
  /** The loss scale the step used (1 in float32). */
  lossScale: number;
}

export class LoraTrainer {
  private constructor(
    readonly config: PaliGemmaConfig,
    readonly set: LoraSet,
    private readonly session: TrainSession,
    /** float16 only. */
    readonly scaler?: LossScaler,
  ) {}

  /** `weights`: every base weight by name (the arrays are used, not copied); `adapters`: the initial A/B tensors. */
  static async create(
    c: PaliGemmaConfig,
    p: PaliGemmaPrefixes,
    weights: ReadonlyMap<string, Float32Array>,
    set: LoraSet,
    adapters: ReadonlyMap<string, Float32Array>,
    o: LoraTrainerOptions = {},
  ): Promise<LoraTrainer> {
    const dtype = o.dtype ?? 'float32';
    if (dtype === 'float32' && (o.lossScale || o.lossScaleState)) {
      throw new VizWizError('INVALID_ARGUMENT', 'a loss scale is for float16 training: pass dtype: float16 or leave lossScale out');
    }
    const graph = buildTrainStep(paligemmaLoraModel(c, p, set), selectedRowsLoss(), o.optimizer ?? adamw({ weightDecay: 1e-6 }), {
      exposeGradients: o.exposeGradients ?? false,
      dropout: set.config.dropout > 0,
      ...(dtype === 'float16' ? { dtype } : {}),
    });
    const scaler = dtype === 'float16' ? new LossScaler(o.lossScale, o.lossScaleState) : undefined;
    return new LoraTrainer(
      c,
      set,
      await TrainSession.create(graph, adapters, {
        ...o.session,
        frozen: weights,
        seed: o.seed ?? 0,
        residentState: o.residentState ?? false,
      }),
      scaler,
    );
  }

  /** One optimizer step on a training batch (processor.encode(.., { train: true })) at learning rate `lr`. */
  async step(batch: PaliGemmaBatch, lr: number): Promise<LoraStepResult> {
    if (!batch.labels || !batch.tokenTypeIds) throw new VizWizError('INVALID_ARGUMENT', 'a LoRA training batch needs token_type_ids and labels');
    const lossScale = this.scaler?.scale ?? 1;
    const res = await this.session.step(paligemmaFeeds(this.config, batch), lr, this.scaler ? { lossScale } : {});
    this.scaler?.update(res.applied);
    const grads = new Map<string, Float32Array>();
    if (this.session.graph.exposesGradients) for (const spec of this.session.graph.params) grads.set(spec.name, res.extra[gradName(spec.name)]!.floats());
    return { loss: res.losses.loss as number, grads, applied: res.applied, lossScale };
  }

  /** Current optimizer state by `<slot>.<param>` (copies). */
  optimizerState(): Map<string, Float32Array> {
    return new Map([...this.session.optimizerState()].map(([k, v]) => [k, v.slice()]));
  }

  /** With `residentState`: brings the adapters and optimizer state to the host (before `adapters()`). */
  pull(): Promise<void> {
    return this.session.pull();
  }

  /** Bytes copied between host and device so far (WebGPU; GraphSession.transfers). */
  transfers(o: { reset?: boolean } = {}): ReturnType<TrainSession['transfers']> {
    return this.session.transfers(o);
  }

  /** Current adapter tensors (copies). */
  adapters(): Map<string, Float32Array> {
    return new Map([...this.session.parameters()].map(([k, v]) => [k, v.slice()]));
  }

  get stepsDone(): number {
    return this.session.stepsDone;
  }

  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}
