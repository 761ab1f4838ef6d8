/**
 * The LoRA gradient graph of PaliGemma: forward + backward to the adapters only, no optimizer update - one
 * session.run gives the mean token loss of a batch, the number of scored tokens and d loss / d every adapter tensor.
 * Fine-tuning loops that accumulate gradients over micro-batches or clip them by their global norm before the update
 * (src/finetune/) use it instead of the fused step of trainer.ts. The frozen base weights are graph inputs bound once
 * to ort.Tensors over the loaded arrays (never copied per step); the adapters are fed with every run.
 */

import * as ort from 'onnxruntime-node';
import { gradients } from '../../engine/autodiff.js';
import { GraphContext } from '../../engine/context.js';
import { Graph, type Value } from '../../engine/graph.js';
import type { DropoutSite, ParamSpec } from '../../engine/model.js';
import type { Rng } from '../../engine/rng.js';
import { frozenPlacement, type FrozenPlacement } from '../../engine/external-data.js';
import { createSession, type SessionOptions } from '../../engine/session.js';
import { gradName } from '../../engine/train-step.js';
import { VizWizError } from '../../errors.js';
import type { PaliGemmaConfig } from '../paligemma/config.js';
import { paligemmaFeeds, weightFeeds, type PaliGemmaBatch } from '../paligemma/feeds.js';
import { LOSS_ROWS } from '../paligemma/inputs.js';
import { selectedRowsLoss } from '../paligemma/loss.js';
import { paligemmaParamSpecs, type PaliGemmaPrefixes } from '../paligemma/names.js';
import type { LoraSet } from './adapters.js';
import { dropoutMasks } from './dropout-masks.js';
import { paligemmaLoraModel } from './paligemma-lora.js';

export interface LoraGradientResult {
  /** Mean cross-entropy over the scored tokens. */
  loss: number;
  /** Scored (suffix) tokens in the batch: the loss's denominator. */
  tokens: number;
  /** d loss / d adapter tensor, by PEFT name (fresh arrays). */
  grads: Map<string, Float32Array>;
}

export class LoraGradients {
  private constructor(
    readonly config: PaliGemmaConfig,
    readonly set: LoraSet,
    readonly params: readonly ParamSpec[],
    readonly dropoutSites: readonly DropoutSite[],
    private readonly session: ort.InferenceSession,
    private readonly frozen: Readonly<Record<string, ort.Tensor>>,
  ) {}

  /**
   * `weights`: every base weight by name (bound, not copied). `frozenAs`: base weights fed with every run or bound as
   * initializers (default: inputs on the CPU, initializers on a GPU; see engine/external-data.ts).
   */
  static async create(
    c: PaliGemmaConfig,
    p: PaliGemmaPrefixes,
    weights: ReadonlyMap<string, Float32Array>,
    set: LoraSet,
    o: { session?: SessionOptions; frozenAs?: FrozenPlacement } = {},
  ): Promise<LoraGradients> {
    const model = paligemmaLoraModel(c, p, set);
    const loss = selectedRowsLoss();
    const g = new Graph('paligemma_lora_gradients');
    const ctx = new GraphContext(g, [...model.inputs, ...loss.inputs], model.params, set.config.dropout > 0);
    const { total } = loss.build(ctx, model.forward(ctx));
    const inputs = model.params.map((spec) => ctx.paramBlocks(spec.name)[0] as Value);
    const grads = gradients(total, inputs);
    g.output('loss', total);
    model.params.forEach((spec, i) => g.output(gradName(spec.name), grads.get(inputs[i] as Value) as Value));
    const frozen = weightFeeds(paligemmaParamSpecs(c, p), weights);
    if (frozenPlacement(o.session?.device, o.frozenAs) === 'inputs') {
      return new LoraGradients(c, set, model.params, ctx.dropoutSites, await createSession(g.encode(), o.session ?? {}), frozen);
    }
    const session = await createSession(g.encode(), { ...o.session, initializers: new Map(Object.entries(frozen)) });
    return new LoraGradients(c, set, model.params, ctx.dropoutSites, session, {});
  }

  /**
   * Loss and adapter gradients of a training batch (processor.encode(.., { train: true })) at `adapters`. With LoRA
   * dropout, masks are drawn from `rng` (required then).
   */
  async compute(batch: PaliGemmaBatch, adapters: ReadonlyMap<string, Float32Array>, rng?: Rng): Promise<LoraGradientResult> {
    if (!batch.labels || !batch.tokenTypeIds) throw new VizWizError('INVALID_ARGUMENT', 'a LoRA training batch needs token_type_ids and labels');
    const feeds: Record<string, ort.Tensor> = { ...paligemmaFeeds(this.config, batch), ...this.frozen };
    for (const spec of this.params) {
      const data = adapters.get(spec.name);
      if (!data) throw new VizWizError('INVALID_ARGUMENT', `adapter tensor '${spec.name}' is missing`);
      feeds[spec.name] = new ort.Tensor('float32', data, [...spec.shape]);
    }
    if (this.dropoutSites.length > 0) {
      if (!rng) throw new VizWizError('INVALID_ARGUMENT', 'LoRA dropout needs a random stream for its masks');
      Object.assign(feeds, dropoutMasks(this.dropoutSites, batch.batch, batch.length, rng));
    }
    const out = await this.session.run(feeds);
    const grads = new Map<string, Float32Array>();
    for (const spec of this.params) grads.set(spec.name, out[gradName(spec.name)]?.data as Float32Array);
    return { loss: (out.loss?.data as Float32Array)[0] as number, tokens: feeds[LOSS_ROWS]?.dims[0] ?? 0, grads };
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
