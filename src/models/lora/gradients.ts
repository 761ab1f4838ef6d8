/**
 * The LoRA gradients of PaliGemma: forward + backward to the adapters only, no optimizer update (the engine's
 * gradients-only graph of the LoRA model) - one run gives the mean token loss of a batch, the number of scored tokens
 * and d loss / d every adapter tensor. Fine-tuning loops that accumulate gradients over micro-batches or clip them by
 * their global norm before the update (src/finetune/) use it instead of the fused step of trainer.ts. The base
 * weights are frozen weights placed once by the engine; the adapters are fed with every run. With `dtype: 'float16'`
 * the graph is mixed precision (engine/mixed-precision.ts): each run takes a loss scale and returns unscaled float32
 * gradients and whether they are all finite. With `residentGradients` on WebGPU, `computeResident` takes resident
 * adapters and leaves the gradients on the device (src/finetune/device-update.ts accumulates and applies them there).
 */

import { buildGradients } from '../../engine/gradients-graph.js';
import { GradientSession, type GradientResult } from '../../engine/gradient-session.js';
import type { SessionOptions, TransferStats } from '../../engine/graph-session.js';
import type { TrainDType } from '../../engine/mixed-precision.js';
import type { ParamSpec } from '../../engine/model.js';
import type { DeviceTensor, FeedTensor, Tensors } from '../../engine/tensor.js';
import type { Rng } from '../../random/rng.js';
import { VizWizError } from '../../errors.js';
import type { PaliGemmaConfig } from '../paligemma/config.js';
import { paligemmaFeeds, type PaliGemmaBatch } from '../paligemma/feeds.js';
import { LOSS_ROWS } from '../paligemma/inputs.js';
import { selectedRowsLoss } from '../paligemma/loss.js';
import type { PaliGemmaPrefixes } from '../paligemma/names.js';
import type { LoraSet } from './adapters.js';
import { paligemmaLoraModel } from './paligemma-lora.js';

export interface LoraGradientResult<G = Float32Array> {
  /** Mean cross-entropy over the scored tokens. */
  loss: number;
  /** Scored (suffix) tokens in the batch: the loss's denominator. */
  tokens: number;
  /** d loss / d adapter tensor, by PEFT name (fresh arrays; unscaled). */
  grads: Map<string, G>;
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
    o: { session?: SessionOptions; dtype?: TrainDType; residentGradients?: boolean } = {},
  ): Promise<LoraGradients> {
    const dtype = o.dtype ?? 'float32';
    const graph = buildGradients(paligemmaLoraModel(c, p, set), selectedRowsLoss(), {
      dropout: set.config.dropout > 0,
      ...(dtype === 'float16' ? { dtype } : {}),
    });
    const session = { ...o.session, ...(o.residentGradients ? { residentGradients: true } : {}) };
    return new LoraGradients(c, set, await GradientSession.create(graph, weights, session));
  }

  get params(): readonly ParamSpec[] {
    return this.session.graph.params;
  }

  /**
   * Loss and adapter gradients of a training batch (processor.encode(.., { train: true })) at `adapters`. With LoRA
   * dropout, masks are drawn from `rng` (required then). A float16 graph takes `lossScale` (default 1).
   */
  async compute(batch: PaliGemmaBatch, adapters: ReadonlyMap<string, Float32Array>, rng?: Rng, lossScale?: number): Promise<LoraGradientResult> {
    const feeds = this.feeds(batch);
    return this.result(feeds, await this.session.compute(feeds, adapters, rng, lossScale));
  }

  /** `compute` with resident adapters in and the gradients left on the device (residentGradients on WebGPU). */
  async computeResident(
    batch: PaliGemmaBatch,
    adapters: ReadonlyMap<string, FeedTensor>,
    rng?: Rng,
    lossScale?: number,
  ): Promise<LoraGradientResult<DeviceTensor>> {
    const feeds = this.feeds(batch);
    return this.result(feeds, await this.session.computeResident(feeds, adapters, rng, lossScale));
  }

  private feeds(batch: PaliGemmaBatch): Tensors {
    if (!batch.labels || !batch.tokenTypeIds) throw new VizWizError('INVALID_ARGUMENT', 'a LoRA training batch needs token_type_ids and labels');
    return paligemmaFeeds(this.config, batch);
  }

  private result<G>(feeds: Tensors, r: GradientResult<G>): LoraGradientResult<G> {
    return { loss: r.losses.loss as number, tokens: feeds[LOSS_ROWS]?.dims[0] ?? 0, grads: r.grads, finite: r.finite };
  }

  /** Whether `computeResident` is the way to run (residentGradients on WebGPU). */
  get resident(): boolean {
    return this.session.resident;
  }

  /** Bytes copied between host and device by the gradient runs. */
  transfers(o: { reset?: boolean } = {}): TransferStats {
    return this.session.transfers(o);
  }

  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}
