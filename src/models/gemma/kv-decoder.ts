/**
 * Runs the prefill and decode graphs (cache-graphs.ts) on ONNX Runtime and carries the KV cache between steps as
 * tensors (per layer (B, KV, S, hd), keys after RoPE), fed back without copying. Both sessions read the same
 * weight arrays.
 */

import type { SessionOptions } from '../../engine/graph-session.js';
import { buildInference } from '../../engine/inference.js';
import { InferenceRunner } from '../../engine/inference-runner.js';
import { selectionFor, type QuantizedSelection } from '../../engine/quantized-weights.js';
import type { WeightArray } from '../../engine/weights.js';
import type { ModelAdapters } from '../transformer/weights.js';
import { Tensor } from '../../engine/tensor.js';
import { VizWizError } from '../../errors.js';
import { gemmaDecodeModel, gemmaPrefillModel, LAST_ROW } from './cache-graphs.js';
import type { GemmaConfig } from './config.js';
import {
  ATTENTION_BIAS,
  INPUT_IDS,
  INPUTS_EMBEDS,
  pastKeyName,
  pastValueName,
  POSITION_IDS,
  presentKeyName,
  presentValueName,
  type TokenInput,
} from './inputs.js';

export interface KvCache {
  readonly batch: number;
  /** Cached positions S. */
  readonly length: number;
  readonly keys: readonly Tensor[]; // per layer (B, KV, S, hd)
  readonly values: readonly Tensor[]; // per layer (B, KV, S, hd)
}

export interface PrefillRequest {
  batch: number;
  length: number; // T
  inputIds?: BigInt64Array; // (B, T), for a decoder created with prefillInput 'ids'
  inputsEmbeds?: Float32Array; // (B, T, D) unscaled, for prefillInput 'embeds'
  positionIds: BigInt64Array; // (B, T)
  bias: Float32Array; // (B, T, T)
  /** Per row, the position t whose logits to return (the last real token). */
  lastIndex: readonly number[];
}

export interface StepRequest {
  tokens: ArrayLike<number>; // (B) the token fed at this step
  positions: ArrayLike<number>; // (B) its position ids
  bias: Float32Array; // (B, 1, S + 1) over the cached positions and itself
}

export interface DecodeResult {
  logits: Float32Array; // (B, V)
  cache: KvCache;
}

export interface KvDecoderOptions {
  prefix?: string; // 'model.'
  prefillInput?: TokenInput; // 'ids'
  session?: SessionOptions;
  /** Linear weights read block-quantized (their parts in the weight map instead of the float weights). */
  quantized?: QuantizedSelection;
  /** LoRA applied on top of the (possibly quantized) weights, in float; its tensors are in the weight map. */
  adapters?: ModelAdapters;
}

/** A cache from per-layer arrays (B, KV, S, hd), e.g. one computed elsewhere. */
export function kvCacheFrom(c: GemmaConfig, batch: number, length: number, keys: readonly Float32Array[], values: readonly Float32Array[]): KvCache {
  const dims = [batch, c.kvHeads, length, c.headDim];
  const n = batch * c.kvHeads * length * c.headDim;
  const wrap = (a: Float32Array): Tensor => {
    if (a.length !== n) throw new VizWizError('INVALID_ARGUMENT', `KV cache entry has ${a.length} values, expected ${n} ([${dims.join(', ')}])`);
    return Tensor.f32(a, dims);
  };
  if (keys.length !== c.layers || values.length !== c.layers) throw new VizWizError('INVALID_ARGUMENT', `KV cache needs ${c.layers} layers`);
  return { batch, length, keys: keys.map(wrap), values: values.map(wrap) };
}

export class GemmaKvDecoder {
  private constructor(
    readonly config: GemmaConfig,
    readonly prefillInput: TokenInput,
    private readonly prefillRunner: InferenceRunner,
    private readonly decodeRunner: InferenceRunner,
  ) {}

  /** Builds both graphs and their sessions; `weights` holds every decoder weight by (prefixed) name. */
  static async create(c: GemmaConfig, weights: ReadonlyMap<string, WeightArray>, o: KvDecoderOptions = {}): Promise<GemmaKvDecoder> {
    const input = o.prefillInput ?? 'ids';
    const prefillModel = gemmaPrefillModel(c, { prefix: o.prefix, input, adapters: o.adapters });
    const decodeModel = gemmaDecodeModel(c, { prefix: o.prefix, input: 'ids', adapters: o.adapters });
    const prefill = await InferenceRunner.create(buildInference(prefillModel, { quantized: selectionFor(prefillModel, o.quantized) }), weights, o.session);
    const decode = await InferenceRunner.create(buildInference(decodeModel, { quantized: selectionFor(decodeModel, o.quantized) }), weights, o.session);
    return new GemmaKvDecoder(c, input, prefill, decode);
  }

  private cacheOf(out: Record<string, Tensor>, batch: number, length: number): KvCache {
    const layers = Array.from({ length: this.config.layers }, (_, i) => i);
    const take = (name: string): Tensor => {
      const t = out[name];
      if (!t) throw new Error(`graph output '${name}' is missing`);
      return t;
    };
    return { batch, length, keys: layers.map((i) => take(presentKeyName(i))), values: layers.map((i) => take(presentValueName(i))) };
  }

  async prefill(r: PrefillRequest): Promise<DecodeResult> {
    const { batch: b, length: t } = r;
    if (r.lastIndex.length !== b) throw new VizWizError('INVALID_ARGUMENT', `prefill: lastIndex has ${r.lastIndex.length} entries for ${b} rows`);
    const feeds: Record<string, Tensor> = {
      [POSITION_IDS]: Tensor.i64(r.positionIds, [b, t]),
      [ATTENTION_BIAS]: Tensor.f32(r.bias, [b, t, t]),
      [LAST_ROW]: Tensor.i64(
        BigInt64Array.from(r.lastIndex, (k, row) => BigInt(row * t + k)),
        [b],
      ),
    };
    if (this.prefillInput === 'ids') {
      if (!r.inputIds) throw new VizWizError('INVALID_ARGUMENT', 'prefill: this decoder takes inputIds');
      feeds[INPUT_IDS] = Tensor.i64(r.inputIds, [b, t]);
    } else {
      if (!r.inputsEmbeds) throw new VizWizError('INVALID_ARGUMENT', 'prefill: this decoder takes inputsEmbeds');
      feeds[INPUTS_EMBEDS] = Tensor.f32(r.inputsEmbeds, [b, t, this.config.hidden]);
    }
    const out = await this.prefillRunner.run(feeds);
    return { logits: out.logits!.floats(), cache: this.cacheOf(out, b, t) };
  }

  /** One token per row on top of `cache`; returns its logits and the cache grown by one position. */
  async step(cache: KvCache, r: StepRequest): Promise<DecodeResult> {
    const b = cache.batch;
    const s = cache.length + 1;
    if (r.tokens.length !== b || r.positions.length !== b) throw new VizWizError('INVALID_ARGUMENT', `step: expected ${b} tokens and positions`);
    if (r.bias.length !== b * s) throw new VizWizError('INVALID_ARGUMENT', `step: bias has ${r.bias.length} values, expected ${b} x ${s}`);
    const feeds: Record<string, Tensor> = {
      [INPUT_IDS]: Tensor.i64(
        BigInt64Array.from({ length: b }, (_, i) => BigInt(r.tokens[i] as number)),
        [b, 1],
      ),
      [POSITION_IDS]: Tensor.i64(
        BigInt64Array.from({ length: b }, (_, i) => BigInt(r.positions[i] as number)),
        [b, 1],
      ),
      [ATTENTION_BIAS]: Tensor.f32(r.bias, [b, 1, s]),
    };
    cache.keys.forEach((k, i) => (feeds[pastKeyName(i)] = k));
    cache.values.forEach((v, i) => (feeds[pastValueName(i)] = v));
    const out = await this.decodeRunner.run(feeds);
    return { logits: out.logits!.floats(), cache: this.cacheOf(out, b, s) };
  }

  async dispose(): Promise<void> {
    await this.prefillRunner.dispose();
    await this.decodeRunner.dispose();
  }
}
