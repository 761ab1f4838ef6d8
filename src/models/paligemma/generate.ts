/**
 * Greedy generation with PaliGemma, as transformers 4.44's generate(do_sample=False) on unpadded prompts:
 * 1. image features: SigLIP + projector graph (features-model.ts)                   (B, Np, D)
 * 2. prompt embeddings on the host: text rows from embed_tokens, <image> rows from the features in masked_scatter
 *    order, zeros at padding                                                         (B, T, D), unscaled
 * 3. prefill (Gemma graph on embeddings): bidirectional over the real prompt, 1-based positions counting real tokens;
 * 4. cached greedy decode (gemma/generate.ts): token k at position P + k, attending to the cache and itself; its
 *    embedding row looked up on the host, like the prompt's.
 * Steps 3 and 4 are runs of one graph and session (gemma/cache-graphs.ts). Left or right padding both work (each row
 * decodes as it would alone). All graphs read one shared weight map. Quantized, the tied embedding table is read
 * block-quantized too: dequantized row by row on the host, MatMulNBits for the output head.
 * `prefill` (steps 1-3) and `generateFrom` (step 4) are also separate, so one prefill can serve greedy decoding and
 * teacher-forced scoring of a fixed answer (score.ts). Greedy choices are the graph's ArgMax; logits come to the host
 * only where asked for (the prefill's by default - scoring reads them - and every step's with `keepStepLogits`).
 */

import type { SessionOptions } from '../../engine/graph-session.js';
import { buildInference, fusedFor, type ComputeDType } from '../../engine/inference.js';
import { InferenceRunner } from '../../engine/inference-runner.js';
import { selectionFor, type QuantizedSelection } from '../../engine/quantized-weights.js';
import type { WeightArray } from '../../engine/weights.js';
import type { ModelAdapters } from '../transformer/weights.js';
import { Tensor } from '../../engine/tensor.js';
import { VizWizError } from '../../errors.js';
import { greedyDecode, type DecodeStart, type GreedyOptions, type GreedyResult } from '../gemma/generate.js';
import { GemmaKvDecoder, type FetchOptions } from '../gemma/kv-decoder.js';

/** What a prefill fetches: its logits (default true), and the log-probability of a first token to score per row. */
export interface PrefillOptions extends FetchOptions {
  scoreTokens?: readonly number[];
}
import type { PaliGemmaConfig } from './config.js';
import { checkImageTokens, type PaliGemmaBatch } from './feeds.js';
import { imageFeaturesModel } from './features-model.js';
import { PIXEL_VALUES } from './inputs.js';
import { fullPrefixBias, paligemmaPositions } from './masks.js';
import type { PaliGemmaPrefixes } from './names.js';
import { hostEmbedding, type HostEmbedding } from '../transformer/host-embedding.js';

export interface PaliGemmaGeneratorOptions {
  /** Device, threads; the weights are placed per device by the engine (session.placement overrides). */
  session?: SessionOptions;
  /**
   * Linear weights of the vision tower, projector and decoder read block-quantized (MatMulNBits): the weight map then
   * holds their quantized parts (models/quantized/linear-weights.ts) instead of the float weights.
   */
  quantized?: QuantizedSelection;
  /**
   * LoRA applied on top of the weights in every graph, in float (with quantized weights there is nothing to merge
   * into); the weight map holds its A and B tensors.
   */
  adapters?: ModelAdapters;
  /**
   * The weight map is the generator's to thin out: the weights each session binds as initializers (the quantized
   * parts) leave it before the session loads them, so JavaScript holds no second copy (and the peak stays one copy
   * plus ORT's pre-packed one). `weights` must be a Map.
   */
  releaseBound?: boolean;
  /**
   * Compute dtype of both graphs (default float32): float16 needs a GPU device in practice (the CPU provider computes
   * most float16 ops in float32) and does not combine with `quantized`. Inputs, outputs and the KV cache between steps
   * stay float32 (docs/decisions/011-half-precision.md).
   */
  dtype?: ComputeDType;
  /** ONNX Runtime's fused kernels in both graphs (default: on WebGPU only, `fusedFor`; decision 012). */
  fused?: boolean;
}

export interface PaliGemmaGeneration extends GreedyResult {
  /** Prefill logits at each row's last real prompt token (B, V) = stepLogits[0] when kept. */
  prefillLogits: Float32Array;
}

/** A start whose prefill logits came to the host. */
export type StartWithLogits = DecodeStart & { logits: Float32Array };

export type GenerateRequest = Omit<PaliGemmaBatch, 'tokenTypeIds' | 'labels'>;

export class PaliGemmaGenerator {
  private constructor(
    readonly config: PaliGemmaConfig,
    private readonly embedTable: HostEmbedding,
    private readonly vision: InferenceRunner,
    readonly decoder: GemmaKvDecoder,
  ) {}

  static async create(
    c: PaliGemmaConfig,
    p: PaliGemmaPrefixes,
    weights: ReadonlyMap<string, WeightArray>,
    o: PaliGemmaGeneratorOptions = {},
  ): Promise<PaliGemmaGenerator> {
    const dtype = o.dtype ?? 'float32';
    if (dtype !== 'float32' && o.quantized)
      throw new VizWizError(
        'INVALID_ARGUMENT',
        `a ${dtype} PaliGemma generator cannot read block-quantized weights: choose float16 compute or quantization, not both`,
      );
    const embedName = `${p.text}embed_tokens.weight`;
    const embed = hostEmbedding(weights, embedName, c.text.vocab, c.text.hidden, o.quantized?.names.has(embedName) ? o.quantized.scheme : undefined);
    const session = o.session ?? {};
    const fused = o.fused ?? fusedFor(session.device ?? 'cpu');
    const visionModel = imageFeaturesModel(c, p, undefined, o.adapters);
    const consume = o.releaseBound ?? false;
    const vision = await InferenceRunner.create(buildInference(visionModel, { quantized: selectionFor(visionModel, o.quantized), dtype, fused }), weights, {
      ...session,
      consume,
    });
    const decoder = await GemmaKvDecoder.create(c.text, weights, {
      prefix: p.text,
      input: 'embeds',
      embedTokens: (ids) => embed.lookup(ids),
      session,
      quantized: o.quantized,
      adapters: o.adapters,
      consume,
      dtype,
      fused,
    }).catch(async (e: unknown) => {
      await vision.dispose();
      throw e;
    });
    return new PaliGemmaGenerator(c, embed, vision, decoder);
  }

  /** Projected, scaled image features (B, Np, D) of preprocessed pixels (B, C, S, S). */
  async imageFeatures(pixels: Float32Array, batch: number): Promise<Float32Array> {
    const v = this.config.vision;
    const out = await this.vision.run({ [PIXEL_VALUES]: Tensor.f32(pixels, [batch, v.channels, v.imageSize, v.imageSize]) });
    return out.image_features!.floats();
  }

  /** Unscaled prompt embeddings (B, T, D): embed_tokens rows, image rows in order, zeros at padding. */
  promptEmbeddings(r: GenerateRequest, features: Float32Array): Float32Array {
    const d = this.config.text.hidden;
    const out = new Float32Array(r.batch * r.length * d);
    const image = BigInt(this.config.imageTokenIndex);
    const pad = BigInt(this.config.text.padTokenId);
    let k = 0;
    for (let i = 0; i < r.batch * r.length; i++) {
      const id = r.inputIds[i] as bigint;
      if (id === image) out.set(features.subarray(k * d, ++k * d), i * d);
      else if (id !== pad) this.embedTable.copyRow(Number(id), out, i * d);
    }
    return out;
  }

  /**
   * Image features, prompt embeddings and the prefill: where greedy decoding or teacher-forced scoring starts. Its
   * logits come to the host unless `{ logits: false }`: greedy decoding needs only the start's `argmax`, and scoring
   * only the log-probability of its first token, which `scoreTokens` asks for (`scored`).
   */
  prefill(r: GenerateRequest): Promise<StartWithLogits>;
  prefill(r: GenerateRequest, o: PrefillOptions): Promise<DecodeStart>;
  async prefill(r: GenerateRequest, o: PrefillOptions = {}): Promise<DecodeStart> {
    checkImageTokens(this.config, r);
    const { batch: b, length: t } = r;
    const embeds = this.promptEmbeddings(r, await this.imageFeatures(r.pixelValues, b));
    const keyValid = Uint8Array.from({ length: b * t }, (_, i) => (Number(r.attentionMask[i]) !== 0 ? 1 : 0));
    const rows = Array.from({ length: b }, (_, row) => keyValid.subarray(row * t, (row + 1) * t));
    if (rows.some((m) => m.every((x) => x === 0))) throw new VizWizError('INVALID_ARGUMENT', 'generate: a prompt row has no real tokens');
    const pre = await this.decoder.prefill(
      {
        batch: b,
        length: t,
        inputsEmbeds: embeds,
        positionIds: paligemmaPositions(keyValid, b, t),
        bias: fullPrefixBias(keyValid, b, t),
        lastIndex: rows.map((m) => m.lastIndexOf(1)),
        ...(o.scoreTokens ? { scoreTokens: o.scoreTokens } : {}),
      },
      { logits: o.logits ?? true },
    );
    const real = rows.map((m) => m.reduce((a, x) => a + x, 0));
    return {
      cache: pre.cache,
      argmax: pre.argmax,
      ...(pre.logits ? { logits: pre.logits } : {}),
      ...(o.scoreTokens ? { scored: { tokens: o.scoreTokens, logProb: pre.scoreLogProb } } : {}),
      keyValid,
      nextPosition: real.map((n) => n + 1),
    };
  }

  /** Prefill (its logits fetched: `prefillLogits`) and greedy decoding. */
  async generate(r: GenerateRequest, o: GreedyOptions): Promise<PaliGemmaGeneration> {
    const start = await this.prefill(r);
    const res = await this.generateFrom(start, o).catch((e: unknown) => {
      this.decoder.release(start.cache);
      throw e;
    });
    if (res.cache !== start.cache) this.decoder.release(start.cache); // this call's own, unless it is the kept result
    return { ...res, prefillLogits: start.logits };
  }

  /**
   * Greedy decoding from a prefill (it leaves its start untouched, so one start can serve several uses; on WebGPU the
   * start's cache is resident: free it with `decoder.release(start.cache)` when done); `prefillLogits` are the
   * start's logits when it has them.
   */
  async generateFrom(start: DecodeStart, o: GreedyOptions): Promise<GreedyResult & { prefillLogits?: Float32Array }> {
    const res = await greedyDecode(this.decoder, start, o);
    return { ...res, ...(start.logits ? { prefillLogits: start.logits } : {}) };
  }

  async dispose(): Promise<void> {
    await this.vision.dispose();
    await this.decoder.dispose();
  }
}
