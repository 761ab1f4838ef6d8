/**
 * LoRA training of PaliGemma: one run = forward, backward to the adapters only, and the optimizer update (AdamW by
 * default), a training-step graph built by the engine from the LoRA model. The base weights are the model's frozen
 * weights - the engine places them (fed over the loaded arrays on the CPU, never copied; initializers on a GPU);
 * adapters and optimizer state stay resident in the TrainSession's double buffers; dropout masks come from the
 * session's seeded stream.
 */

import type { SessionOptions } from '../../engine/graph-session.js';
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
}

export interface LoraStepResult {
  loss: number;
  /** By PEFT tensor name, when exposeGradients. */
  grads: Map<string, Float32Array>;
}

export class LoraTrainer {
  private constructor(
    readonly config: PaliGemmaConfig,
    readonly set: LoraSet,
    private readonly session: TrainSession,
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
    const graph = buildTrainStep(paligemmaLoraModel(c, p, set), selectedRowsLoss(), o.optimizer ?? adamw({ weightDecay: 1e-6 }), {
      exposeGradients: o.exposeGradients ?? false,
      dropout: set.config.dropout > 0,
    });
    return new LoraTrainer(c, set, await TrainSession.create(graph, adapters, { ...o.session, frozen: weights, seed: o.seed ?? 0 }));
  }

  /** One optimizer step on a training batch (processor.encode(.., { train: true })) at learning rate `lr`. */
  async step(batch: PaliGemmaBatch, lr: number): Promise<LoraStepResult> {
    if (!batch.labels || !batch.tokenTypeIds) throw new VizWizError('INVALID_ARGUMENT', 'a LoRA training batch needs token_type_ids and labels');
    const res = await this.session.step(paligemmaFeeds(this.config, batch), lr);
    const grads = new Map<string, Float32Array>();
    if (this.session.graph.exposesGradients) for (const spec of this.session.graph.params) grads.set(spec.name, res.extra[gradName(spec.name)]!.floats());
    return { loss: res.losses.loss as number, grads };
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
