/**
 * Runs the KV-cache graph (cache-graphs.ts) on ONNX Runtime - the prefill is a run over an empty cache, each decode
 * step a run over one new token per row, in one session - and carries the cache between steps as tensors (per layer
 * (B, KV, S, hd), keys after RoPE), fed back without copying. With token embeddings as input, the step's tokens are
 * looked up on the host (`embedTokens`).
 * On WebGPU the caches stay in the device's memory between steps (DeviceTensors: fed back without a copy; only the
 * step's tokens, positions and bias go up and its logits come down); `hostCache` brings a cache to the host and
 * `release` frees one that is no longer needed. On the CPU they are host tensors, as before.
 * Every run returns the graph's greedy choice per row (`argmax`) and the log-probability of the token the request
 * names for scoring (`scoreLogProb`), both computed on the device; on WebGPU the (B, V) logits stay on the device and
 * come down only when asked for (`{ logits: false }` frees them there: greedy decoding and teacher-forced scoring need
 * 12 bytes per row instead of 4 V).
 */

import type { SessionOptions } from '../../engine/graph-session.js';
import { ROPE_CACHE_POSITIONS } from './rope-cache.js';
import { buildInference, fusedFor, type ComputeDType } from '../../engine/inference.js';
import { InferenceRunner } from '../../engine/inference-runner.js';
import { selectionFor, type QuantizedSelection } from '../../engine/quantized-weights.js';
import type { WeightArray } from '../../engine/weights.js';
import type { ModelAdapters } from '../transformer/weights.js';
import { DeviceTensor, Tensor, type FeedTensor } from '../../engine/tensor.js';
import type { TransferStats } from '../../engine/graph-session.js';
import { VizWizError } from '../../errors.js';
import { gemmaCachedModel, LAST_ROW, LOGITS } from './cache-graphs.js';
import { NEXT_TOKEN, SCORE_LOGPROB, SCORE_TOKEN } from './decode-head.js';
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

/**
 * Per-layer keys and values: host tensors, or (on WebGPU) DeviceTensors that have no host data - read the values
 * through `GemmaKvDecoder.hostCache`.
 */
export interface KvCache<T extends FeedTensor = FeedTensor> {
  readonly batch: number;
  /** Cached positions S. */
  readonly length: number;
  readonly keys: readonly T[]; // per layer (B, KV, S, hd)
  readonly values: readonly T[]; // per layer (B, KV, S, hd)
}

/** A cache whose values are on the host. */
export type HostKvCache = KvCache<Tensor>;

export interface PrefillRequest {
  batch: number;
  length: number; // T
  inputIds?: BigInt64Array; // (B, T), for a decoder created with input 'ids'
  inputsEmbeds?: Float32Array; // (B, T, D) unscaled, for input 'embeds'
  positionIds: BigInt64Array; // (B, T)
  bias: Float32Array; // (B, T, T)
  /** Per row, the position t whose logits to return (the last real token). */
  lastIndex: readonly number[];
  /** Per row, a token whose log-probability after the prompt to return in `scoreLogProb` (default 0). */
  scoreTokens?: ArrayLike<number>;
}

export interface StepRequest {
  tokens: ArrayLike<number>; // (B) the token fed at this step
  positions: ArrayLike<number>; // (B) its position ids
  bias: Float32Array; // (B, 1, S + 1) over the cached positions and itself
  /** Per row, a token whose log-probability after this step's token to return in `scoreLogProb` (default 0). */
  scoreTokens?: ArrayLike<number>;
}

/** What a run fetches besides the greedy choice and the cache. */
export interface FetchOptions {
  /** Bring the (B, V) logits to the host (default true; false: only `argmax` comes down). */
  logits?: boolean;
}

export interface TokenResult {
  /** Per row, the index of the largest logit (the first one on ties, as torch.argmax), computed in the graph. */
  argmax: readonly number[];
  /** Per row, log softmax(logits)[scoreTokens[row]] (float32, computed in the graph). */
  scoreLogProb: Float32Array;
  logits?: Float32Array; // (B, V), when fetched
  cache: KvCache;
}

export interface DecodeResult extends TokenResult {
  logits: Float32Array; // (B, V)
}

export interface KvDecoderOptions {
  prefix?: string; // 'model.'
  /** The token input of the graph: 'ids' (looked up in the graph) or 'embeds' (with `embedTokens` for the steps). */
  input?: TokenInput; // 'ids'
  /** Unscaled embedding rows (n, D) of n token ids: required with input 'embeds'. */
  embedTokens?: (ids: ArrayLike<number>) => Float32Array;
  session?: SessionOptions;
  /** Linear weights read block-quantized (their parts in the weight map instead of the float weights). */
  quantized?: QuantizedSelection;
  /** LoRA applied on top of the (possibly quantized) weights, in float; its tensors are in the weight map. */
  adapters?: ModelAdapters;
  /** The weights bound into the session leave `weights` (a Map) before it loads them (InferenceRunner's `consume`). */
  consume?: boolean;
  /**
   * Keep the caches in the device's memory between steps (default true; WebGPU only - on the CPU there is nothing to
   * copy). false brings every step's cache to the host and sends it back (the former behaviour, for measurements).
   */
  residentCache?: boolean;
  /**
   * Compute dtype (default float32; decision 011). The graph's inputs and outputs stay float32 - the cache too: its
   * float16 values pass the boundary through exact Casts.
   */
  dtype?: ComputeDType;
  /** ONNX Runtime's fused kernels (buildInference `fused`; default: on WebGPU only, `fusedFor`; decision 012). */
  fused?: boolean;
}

/** The `score_token` feed (B, 1): the requested tokens, else 0 (any id will do when nobody reads the score). */
function scoreFeed(tokens: ArrayLike<number> | undefined, b: number): Tensor {
  if (tokens && tokens.length !== b) throw new VizWizError('INVALID_ARGUMENT', `scoreTokens has ${tokens.length} entries for ${b} rows`);
  return Tensor.i64(
    BigInt64Array.from({ length: b }, (_, i) => BigInt(tokens ? (tokens[i] as number) : 0)),
    [b, 1],
  );
}

/** A cache from per-layer arrays (B, KV, S, hd), e.g. one computed elsewhere. */
export function kvCacheFrom(c: GemmaConfig, batch: number, length: number, keys: readonly Float32Array[], values: readonly Float32Array[]): HostKvCache {
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
    readonly input: TokenInput,
    private readonly runner: InferenceRunner,
    private readonly embedTokens: ((ids: ArrayLike<number>) => Float32Array) | undefined,
    /** Position ids must stay below this: the fused graph's RoPE caches end there (rope-cache.ts). */
    private readonly positionLimit = Infinity,
  ) {}

  private checkPositions(what: string, positions: ArrayLike<number | bigint>): void {
    for (let i = 0; i < positions.length; i++) {
      const p = Number(positions[i]);
      if (p < 0 || p >= this.positionLimit)
        throw new VizWizError('INVALID_ARGUMENT', `${what}: position ${p} is outside [0, ${this.positionLimit}) (the fused graph's rotary caches)`);
    }
  }

  /** Builds the graph and its session; `weights` holds every decoder weight by (prefixed) name. */
  static async create(c: GemmaConfig, weights: ReadonlyMap<string, WeightArray>, o: KvDecoderOptions = {}): Promise<GemmaKvDecoder> {
    const input = o.input ?? 'ids';
    if (input === 'embeds' && !o.embedTokens)
      throw new VizWizError('INVALID_ARGUMENT', "GemmaKvDecoder: input 'embeds' needs embedTokens for the decode steps");
    const model = gemmaCachedModel(c, { prefix: o.prefix, input, adapters: o.adapters });
    const fused = o.fused ?? fusedFor(o.session?.device ?? 'cpu');
    const cache = Array.from({ length: c.layers }, (_, i) => [presentKeyName(i), presentValueName(i)]).flat();
    const runner = await InferenceRunner.create(buildInference(model, { quantized: selectionFor(model, o.quantized), dtype: o.dtype, fused }), weights, {
      ...o.session,
      // The logits stay on the device too, downloaded only when asked for: onnxruntime-node 1.30 cannot fetch a subset
      // of the outputs once some are resident (graph-session.ts), so every run fetches all and leaves the logits there.
      residentOutputs: [...((o.residentCache ?? true) ? cache : []), LOGITS],
      consume: o.consume ?? false,
    });
    return new GemmaKvDecoder(c, input, runner, o.embedTokens, fused ? ROPE_CACHE_POSITIONS : Infinity);
  }

  /** An empty cache (P = 0) for a batch of `batch` rows: what a prefill runs over. */
  private emptyCache(batch: number): KvCache {
    const empty = (): Tensor => Tensor.f32(new Float32Array(0), [batch, this.config.kvHeads, 0, this.config.headDim]);
    const layers = Array.from({ length: this.config.layers }, empty);
    return { batch, length: 0, keys: layers, values: layers.map(empty) };
  }

  private cacheOf(out: { host: Record<string, Tensor>; device: Record<string, DeviceTensor> }, batch: number, length: number): KvCache {
    const layers = Array.from({ length: this.config.layers }, (_, i) => i);
    const take = (name: string): FeedTensor => {
      const t = out.device[name] ?? out.host[name];
      if (!t) throw new Error(`graph output '${name}' is missing`);
      return t;
    };
    return { batch, length, keys: layers.map((i) => take(presentKeyName(i))), values: layers.map((i) => take(presentValueName(i))) };
  }

  /** The prompt's run over an empty cache: its greedy choices, logits (unless `{ logits: false }`) and cache. */
  prefill(r: PrefillRequest): Promise<DecodeResult>;
  prefill(r: PrefillRequest, o: FetchOptions): Promise<TokenResult>;
  async prefill(r: PrefillRequest, o: FetchOptions = {}): Promise<TokenResult> {
    const { batch: b, length: t } = r;
    if (r.lastIndex.length !== b) throw new VizWizError('INVALID_ARGUMENT', `prefill: lastIndex has ${r.lastIndex.length} entries for ${b} rows`);
    this.checkPositions('prefill', r.positionIds);
    const feeds: Record<string, FeedTensor> = {
      [POSITION_IDS]: Tensor.i64(r.positionIds, [b, t]),
      [ATTENTION_BIAS]: Tensor.f32(r.bias, [b, t, t]),
      [LAST_ROW]: Tensor.i64(
        BigInt64Array.from(r.lastIndex, (k, row) => BigInt(row * t + k)),
        [b],
      ),
      [SCORE_TOKEN]: scoreFeed(r.scoreTokens, b),
      ...this.cacheFeeds(this.emptyCache(b)),
    };
    if (this.input === 'ids') {
      if (!r.inputIds) throw new VizWizError('INVALID_ARGUMENT', 'prefill: this decoder takes inputIds');
      feeds[INPUT_IDS] = Tensor.i64(r.inputIds, [b, t]);
    } else {
      if (!r.inputsEmbeds) throw new VizWizError('INVALID_ARGUMENT', 'prefill: this decoder takes inputsEmbeds');
      feeds[INPUTS_EMBEDS] = Tensor.f32(r.inputsEmbeds, [b, t, this.config.hidden]);
    }
    return this.run(feeds, b, t, o);
  }

  /**
   * One token per row on top of `cache`; returns the greedy choices, the logits (unless `{ logits: false }`) and the
   * cache grown by one position.
   */
  step(cache: KvCache, r: StepRequest): Promise<DecodeResult>;
  step(cache: KvCache, r: StepRequest, o: FetchOptions): Promise<TokenResult>;
  async step(cache: KvCache, r: StepRequest, o: FetchOptions = {}): Promise<TokenResult> {
    const b = cache.batch;
    const s = cache.length + 1;
    if (r.tokens.length !== b || r.positions.length !== b) throw new VizWizError('INVALID_ARGUMENT', `step: expected ${b} tokens and positions`);
    if (r.bias.length !== b * s) throw new VizWizError('INVALID_ARGUMENT', `step: bias has ${r.bias.length} values, expected ${b} x ${s}`);
    this.checkPositions('step', r.positions);
    const feeds: Record<string, FeedTensor> = {
      [POSITION_IDS]: Tensor.i64(
        BigInt64Array.from({ length: b }, (_, i) => BigInt(r.positions[i] as number)),
        [b, 1],
      ),
      [ATTENTION_BIAS]: Tensor.f32(r.bias, [b, 1, s]),
      [LAST_ROW]: Tensor.i64(
        BigInt64Array.from({ length: b }, (_, i) => BigInt(i)),
        [b],
      ),
      [SCORE_TOKEN]: scoreFeed(r.scoreTokens, b),
      ...this.cacheFeeds(cache),
    };
    if (this.input === 'embeds') feeds[INPUTS_EMBEDS] = Tensor.f32(this.embedTokens!(r.tokens), [b, 1, this.config.hidden]);
    else
      feeds[INPUT_IDS] = Tensor.i64(
        BigInt64Array.from({ length: b }, (_, i) => BigInt(r.tokens[i] as number)),
        [b, 1],
      );
    return this.run(feeds, b, s, o);
  }

  /** Runs the graph, fetching the greedy choices, the caches and (when asked) the logits. */
  private async run(feeds: Record<string, FeedTensor>, batch: number, length: number, o: FetchOptions): Promise<TokenResult> {
    const out = await this.runner.runResident(feeds);
    const argmax = Array.from(out.host[NEXT_TOKEN]!.data as BigInt64Array, Number);
    const scoreLogProb = out.host[SCORE_LOGPROB]!.floats();
    const cache = this.cacheOf(out, batch, length);
    const onDevice = out.device[LOGITS];
    let logits: Float32Array | undefined;
    try {
      if (o.logits ?? true) logits = (onDevice ? await this.runner.download(onDevice) : out.host[LOGITS]!).floats();
    } catch (e) {
      this.release(cache);
      throw e;
    } finally {
      onDevice?.dispose();
    }
    return { argmax, scoreLogProb, ...(logits ? { logits } : {}), cache };
  }

  /** `cache` with its values on the host (downloaded from the device where resident; the same cache on the CPU). */
  async hostCache(cache: KvCache): Promise<HostKvCache> {
    const host = async (t: FeedTensor): Promise<Tensor> => (t instanceof DeviceTensor ? this.runner.download(t) : t);
    return {
      batch: cache.batch,
      length: cache.length,
      keys: await Promise.all(cache.keys.map(host)),
      values: await Promise.all(cache.values.map(host)),
    };
  }

  /** Frees a cache's device memory (nothing to do on the host); it cannot be fed or downloaded afterwards. */
  release(cache: KvCache): void {
    for (const t of [...cache.keys, ...cache.values]) if (t instanceof DeviceTensor) t.dispose();
  }

  /**
   * Bytes copied between host and device by this decoder's runs since creation or the last reset (zero on the CPU):
   * with the cache resident, a decode step moves its tokens, positions, bias, row index and score token up and its
   * greedy choices and scores (12 bytes a row) down, plus its (B, V) logits when fetched.
   */
  transfers(o: { reset?: boolean } = {}): TransferStats {
    return this.runner.transfers(o);
  }

  private cacheFeeds(cache: KvCache): Record<string, FeedTensor> {
    const feeds: Record<string, FeedTensor> = {};
    cache.keys.forEach((k, i) => (feeds[pastKeyName(i)] = k));
    cache.values.forEach((v, i) => (feeds[pastValueName(i)] = v));
    return feeds;
  }

  async dispose(): Promise<void> {
    await this.runner.dispose();
  }
}
