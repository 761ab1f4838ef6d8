/**
 * The base PaliGemma of a fine-tune or a prediction: a checkpoint folder (config.json, safetensors, tokenizer.json;
 * what resolveModelSource gives for a local folder or hf:org/repo), or a model already in memory with its tokenizer.
 */

import { QUANT_SCHEMES, type QuantSchemeName } from '../engine/block-quantize.js';
import type { QuantizedSelection } from '../engine/quantized-weights.js';
import type { WeightArray } from '../engine/weights.js';
import { loadQuantizedPaligemma, paligemmaQuantizedSelection } from '../models/paligemma/quantized-weights.js';
import { paligemmaParamSpecs } from '../models/paligemma/names.js';
import { GemmaTokenizer } from '../models/paligemma/tokenizer.js';
import { loadPaligemmaCheckpoint, type LoadedPaliGemma } from '../models/paligemma/weights.js';
import { quantizeLinearWeights } from '../models/quantized/linear-weights.js';

export interface PaliGemmaBase {
  model: LoadedPaliGemma;
  tokenizer: GemmaTokenizer;
  /** Where it came from (recorded in results and adapter_config.json). */
  source: string;
}

/** A folder path, a folder with the source it was resolved from (e.g. hf:org/repo@rev), or a loaded base. */
export type BaseInput = string | { dir: string; source: string } | PaliGemmaBase;

export async function loadBase(base: BaseInput): Promise<PaliGemmaBase & { loaded: boolean }> {
  if (typeof base !== 'string' && 'model' in base) return { ...base, loaded: false };
  const { dir, source } = typeof base === 'string' ? { dir: base, source: base } : base;
  const model = await loadPaligemmaCheckpoint(dir);
  return { model, tokenizer: await GemmaTokenizer.fromFolder(dir), source, loaded: true };
}

/** The base as PEFT records it (base_model_name_or_path): the hub repo id of `hf:org/repo[@rev]`, else the path. */
export function peftBaseName(source: string): string {
  const m = /^hf:([^@]+)(@.*)?$/u.exec(source);
  return m ? (m[1] as string) : source;
}

/** A base with its Linear weights block-quantized: `base.model.weights` is empty then; `weights` is what runs. */
export interface QuantizedBase {
  base: PaliGemmaBase;
  weights: Map<string, WeightArray>;
  selection: QuantizedSelection;
  /** The cache file (a folder base), and whether it was reused; none for a base already in memory. */
  cacheFile?: string;
  reused: boolean;
}

/**
 * The base quantized with `scheme`: a folder through the cache beside it (or in `cacheDir`), never holding a float
 * copy of the quantized weights; a base already in memory quantized there (its own weights are left as they are).
 */
export async function loadQuantizedBase(input: BaseInput, scheme: QuantSchemeName, cacheDir?: string): Promise<QuantizedBase> {
  if (typeof input !== 'string' && 'model' in input) {
    const { config, prefixes, weights } = input.model;
    const specs = paligemmaParamSpecs(config, prefixes);
    const selection = paligemmaQuantizedSelection(specs, prefixes, QUANT_SCHEMES[scheme]);
    return { base: input, weights: quantizeLinearWeights(new Map(weights), specs, selection), selection, reused: false };
  }
  const { dir, source } = typeof input === 'string' ? { dir: input, source: input } : input;
  const q = await loadQuantizedPaligemma(dir, scheme, cacheDir !== undefined ? { cacheDir } : {});
  const model: LoadedPaliGemma = { config: q.config, prefixes: q.prefixes, weights: new Map() };
  return {
    base: { model, tokenizer: await GemmaTokenizer.fromFolder(dir), source },
    weights: q.weights,
    selection: q.selection,
    cacheFile: q.cacheFile,
    reused: q.reused,
  };
}
