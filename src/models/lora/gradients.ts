/**
 * The LoRA gradients of PaliGemma: forward + backward to the adapters only, no optimizer update (the engine's
 * gradients-only graph of the LoRA model) - one run gives the mean token loss of a batch, the number of scored tokens
 * and d loss / d every adapter tensor. Fine-tuning loops that accumulate gradients over micro-batches or clip them by
 * their global norm before the update (src/finetune/) use it instead of the fused step of trainer.ts. The base
 * weights are frozen weights placed once by the engine; the adapters are fed with every run. With `dtype: 'float16'`
 * the graph is mixed precision (engine/mixed-precision.ts): each run takes a loss scale and returns unscaled float32
 * gradients and whether they are all finite.
 */

import { buildGradients } from '../../engine/gradients-graph.js';
import { GradientSession } from '../../engine/gradient-session.js';
import type { SessionOptions } from '../../engine/graph-session.js';
import type { TrainDType } from '../../engine/mixed-precision.js';
import type { ParamSpec } from '../../engine/model.js';
import type { Rng } from '../../random/rng.js';
import { VizWizError } from '../../errors.js';
import type { PaliGemmaConfig } from '../paligemma/config.js';
import { paligemmaFeeds, type PaliGemmaBatch } from '../paligemma/feeds.js';
import { LOSS_ROWS } from '../paligemma/inputs.js';
import { selectedRowsLoss } from '../paligemma/loss.js';
import type { PaliGemmaPrefixes } from '../paligemma/names.js';
import type { LoraSet } from './adapters.js';
import { paligemmaLoraModel } from './paligemma-lora.js';

export interface LoraGradientResult {
  /** Mean cross-entropy over the scored tokens. */
  loss: number;
  /** Scored (suffix) tokens in the batch: the loss's denominator. */
  tokens: number;
  /** d loss / d adapter tensor, by PEFT name (fresh arrays; unscaled). */
  grads: Map<string, Float32Array>;
  /** Whether every gradient is finite (float16: at the loss scale of the run; float32: always true). */
  finite: boolean;
}

export class LoraGradients {
  private constructor(
    readonly config: PaliGemmaConfig,
    readonly set: LoraSet,
    private readonly session: GradientSession,
  ) {}

  /** `weights`: every base weight by name (used, not copied); placed per device (session.placement overrides). */
  static async create(
    c: PaliGemmaConfig,
    p: PaliGemmaPrefixes,
    weights: ReadonlyMap<string, Float32Array>,
    set: LoraSet,
    o: { session?: SessionOptions; dtype?: TrainDType } = {},
  ): Promise<LoraGradients> {
    const dtype = o.dtype ?? 'float32';
    const graph = buildGradients(paligemmaLoraModel(c, p, set), selectedRowsLoss(), {
      dropout: set.config.dropout > 0,
      ...(dtype === 'float16' ? { dtype } : {}),
    });
    return new LoraGradients(c, set, await GradientSession.create(graph, weights, o.session));
  }

  get params(): readonly ParamSpec[] {
    return this.session.graph.params;
  }

  /**
   * Loss and adapter gradients of a training batch (processor.encode(.., { train: true })) at `adapters`. With LoRA
   * dropout, masks are drawn from `rng` (required then). A float16 graph takes `lossScale` (default 1).
   */
  async compute(batch: PaliGemmaBatch, adapters: ReadonlyMap<string, Float32Array>, rng?: Rng, lossScale?: number): Promise<LoraGradientResult> {
    if (!batch.labels || !batch.tokenTypeIds) throw new VizWizError('INVALID_ARGUMENT', 'a LoRA training batch needs token_type_ids and labels');
    const feeds = paligemmaFeeds(this.config, batch);
    const { losses, grads, finite } = await this.session.compute(feeds, adapters, rng, lossScale);
    return { loss: losses.loss as number, tokens: feeds[LOSS_ROWS]?.dims[0] ?? 0, grads, finite };
  }

  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}
