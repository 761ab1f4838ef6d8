/**
 * Special tokens of a Hugging Face tokenizer_config.json (a string, or an AddedToken object with `content`) and
 * their ids in a loaded tokenizer. Shared by the CLIP and Gemma tokenizers.
 */
import type { Tokenizer } from '@huggingface/tokenizers';
import { VizWizError } from '../errors.js';

type Json = Record<string, unknown>;

/** The text of a special-token entry, or `dflt` when absent. */
export function tokenText(v: unknown, dflt: string): string {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as Json).content === 'string') return (v as Json).content as string;
  return dflt;
}

/** The id of the special token `key` of tokenizer_config.json (default text `dflt`); an error when not in the vocabulary. */
export function specialTokenId(tok: Tokenizer, tokenizerConfig: Readonly<Json>, key: string, dflt: string): number {
  const text = tokenText(tokenizerConfig[key], dflt);
  const id = tok.token_to_id(text);
  if (id === undefined) throw new VizWizError('INVALID_CHECKPOINT', `tokenizer: ${key} '${text}' is not in the vocabulary`);
  return id;
}
