/**
 * The base PaliGemma of a fine-tune or a prediction: a checkpoint folder (config.json, safetensors, tokenizer.json;
 * what resolveModelSource gives for a local folder or hf:org/repo), or a model already in memory with its tokenizer.
 */

import { GemmaTokenizer } from '../models/paligemma/tokenizer.js';
import { loadPaligemmaCheckpoint, type LoadedPaliGemma } from '../models/paligemma/weights.js';

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
