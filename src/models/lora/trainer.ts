/**
 * LoRA training of PaliGemma on ONNX Runtime: one session.run = forward, backward to the adapters only, and the
 * optimizer update (AdamW by default). The frozen base weights are graph inputs bound once to ort.Tensors over the
 * loaded arrays and passed to every run as they are - never copied per step; adapters and optimizer state stay
 * resident in the TrainSession's double buffers.
 */

import type * as ort from 'onnxruntime-node';
import { frozenPlacement, type FrozenPlacement } from '../../engine/external-data.js';
import { adamw, type Optimizer } from '../../engine/optim.js';
import { Rng } from '../../engine/rng.js';
import { TrainSession, type SessionOptions } from '../../engine/session.js';
import { buildTrainStep, gradName } from '../../engine/train-step.js';
import { VizWizError } from '../../errors.js';
import type { PaliGemmaConfig } from '../paligemma/config.js';
import { paligemmaFeeds, weightFeeds, type PaliGemmaBatch } from '../paligemma/feeds.js';
import { selectedRowsLoss } from '../paligemma/loss.js';
import { paligemmaParamSpecs, type PaliGemmaPrefixes } from '../paligemma/names.js';
import type { LoraSet } from './adapters.js';
import { dropoutMasks } from './dropout-masks.js';
import { paligemmaLoraModel } from './paligemma-lora.js';

export interface LoraTrainerOptions {
  optimizer?: Optimizer; // adamw({ weightDecay: 1e-6 }) (the HF recipe)
  /** Also return d loss / d adapter tensor from each step (tests, debugging). */
  exposeGradients?: boolean;
  session?: SessionOptions;
  /** Base weights fed with every step or bound as initializers (default: inputs on the CPU, initializers on a GPU). */
  frozenAs?: FrozenPlacement;
  /** Seed of the dropout-mask stream (used only when dropout > 0). */
  seed?: number;
}

export interface LoraStepResult {
  loss: number;
  /** By PEFT tensor name, when exposeGradients. */
  grads: Map<string, Float32Array>;
}

export class LoraTrainer {
  private readonly rng: Rng;

  private constructor(
    readonly config: PaliGemmaConfig,
    readonly set: LoraSet,
    private readonly session: TrainSession,
    private readonly frozen: Readonly<Record<string, ort.Tensor>>,
    seed: number,
  ) {
    this.rng = new Rng(seed);
  }

  /** `weights`: every base weight by name (the arrays are bound, not copied); `adapters`: the initial A/B tensors. */
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
    const frozen = weightFeeds(paligemmaParamSpecs(c, p), weights);
    if (frozenPlacement(o.session?.device, o.frozenAs) === 'inputs') {
      return new LoraTrainer(c, set, await TrainSession.create(graph, adapters, o.session ?? {}), frozen, o.seed ?? 0);
    }
    const session = await TrainSession.create(graph, adapters, { ...o.session, initializers: new Map(Object.entries(frozen)) });
    return new LoraTrainer(c, set, session, {}, o.seed ?? 0);
  }

  /** One optimizer step on a training batch (processor.encode(.., { train: true })) at learning rate `lr`. */
  async step(batch: PaliGemmaBatch, lr: number): Promise<LoraStepResult> {
    if (!batch.labels || !batch.tokenTypeIds) throw new VizWizError('INVALID_ARGUMENT', 'a LoRA training batch needs token_type_ids and labels');
    const feeds = { ...paligemmaFeeds(this.config, batch), ...this.frozen };
    const masks = dropoutMasks(this.session.graph.dropoutSites, batch.batch, batch.length, this.rng);
    const res = await this.session.step(feeds, lr, { masks });
    const grads = new Map<string, Float32Array>();
    if (this.session.graph.exposesGradients) for (const spec of this.session.graph.params) grads.set(spec.name, res.extra[gradName(spec.name)]?.data as Float32Array);
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
