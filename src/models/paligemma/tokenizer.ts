/**
 * The Gemma tokenizer of a PaliGemma checkpoint, run by @huggingface/tokenizers from its tokenizer.json (SentencePiece
 * BPE with byte fallback, spaces as '▁', no dummy prefix) and tokenizer_config.json. Text is encoded without special
 * tokens: the processor places <image>, <bos> and <eos> itself, as transformers' PaliGemmaProcessor does with
 * add_bos_token / add_eos_token turned off.
 */

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { VizWizError } from '../../errors.js';
import { specialTokenId } from '../special-tokens.js';

type Json = Record<string, unknown>;

export class GemmaTokenizer {
  private constructor(
    private readonly tokenizer: Tokenizer,
    readonly bosId: number,
    readonly eosId: number,
    readonly padId: number,
  ) {}

  static fromJson(tokenizerJson: object, tokenizerConfig: Readonly<Json> = {}): GemmaTokenizer {
    const tok = new Tokenizer(tokenizerJson, tokenizerConfig);
    const idOf = (key: string, dflt: string): number => specialTokenId(tok, tokenizerConfig, key, dflt);
    return new GemmaTokenizer(tok, idOf('bos_token', '<bos>'), idOf('eos_token', '<eos>'), idOf('pad_token', '<pad>'));
  }

  /** From a checkpoint folder: tokenizer.json, plus tokenizer_config.json when present. */
  static async fromFolder(dir: string): Promise<GemmaTokenizer> {
    const file = path.join(dir, 'tokenizer.json');
    if (!existsSync(file)) throw new VizWizError('NOT_FOUND', `${dir}: no tokenizer.json (the Gemma tokenizer is read from it)`);
    const configFile = path.join(dir, 'tokenizer_config.json');
    const config = existsSync(configFile) ? (JSON.parse(await readFile(configFile, 'utf8')) as Json) : {};
    return GemmaTokenizer.fromJson(JSON.parse(await readFile(file, 'utf8')) as object, config);
  }

  /** Token ids of `text`, no special tokens added (special tokens written in the text are still recognised). */
  encode(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  /** Text of `ids`; special tokens dropped by default. */
  decode(ids: readonly number[], skipSpecial = true): string {
    if (ids.length === 0) return ''; // the library rejects an empty list
    return this.tokenizer.decode([...ids], { skip_special_tokens: skipSpecial, clean_up_tokenization_spaces: false });
  }

  /** The id of a token string (e.g. '<image>'), or an error naming it. */
  tokenId(token: string): number {
    const id = this.tokenizer.token_to_id(token);
    if (id === undefined) throw new VizWizError('INVALID_CHECKPOINT', `tokenizer: '${token}' is not in the vocabulary`);
    return id;
  }
}
