/**
 * CLIP's byte-level BPE tokenizer, run by @huggingface/tokenizers (the pure-JS tokenizers of transformers.js) from a
 * checkpoint's tokenizer.json, or from vocab.json + merges.txt turned into the same tokenizer.json object in memory
 * (what transformers' CLIPConverter writes: NFC, whitespace runs -> one space, lowercase; CLIP's word regex; byte-level
 * symbols; BPE with the '</w>' end-of-word suffix). This is the "fast" tokenizer transformers uses by default; the
 * original's ftfy/HTML-unescape clean-up is not applied.
 * Each text becomes [bos, content..., eos], the content cut to maxLength - 2 tokens (eos is always kept), as
 * transformers' truncation does; batches are right-padded with the pad token (attention_mask 0).
 */

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { VizWizError } from '../../errors.js';
import { specialTokenId, tokenText } from '../special-tokens.js';

/** CLIP's pre-tokenizer regex (letters runs, single digits, punctuation runs, English contractions). */
const CLIP_WORD_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+";
/** transformers' CLIPTokenizer keeps only the first 49152 - 256 - 2 merges of merges.txt. */
const MAX_MERGES = 49152 - 256 - 2;

type Json = Record<string, unknown>;

export interface ClipTokenizerOptions {
  /** Longest sequence, bos and eos included (default: tokenizer_config's model_max_length, else 77). */
  maxLength?: number;
}

export interface TokenBatch {
  /** (rows, length) row-major, right-padded with the pad id. */
  inputIds: BigInt64Array;
  /** (rows, length): 1 for tokens, 0 for padding. */
  attentionMask: BigInt64Array;
  rows: number;
  length: number;
}

/** The tokenizer.json object transformers writes for a CLIP vocab.json + merges.txt. */
function clipTokenizerJson(vocab: Readonly<Record<string, number>>, merges: readonly string[], specials: { bos: string; eos: string; unk: string }): Json {
  const id = (t: string): number => {
    const v = vocab[t];
    if (v === undefined) throw new VizWizError('INVALID_CHECKPOINT', `vocab.json has no special token '${t}'`);
    return v;
  };
  const added = (t: string): Json => ({ id: id(t), content: t, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [...new Set([specials.bos, specials.eos])].map(added),
    normalizer: {
      type: 'Sequence',
      normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Lowercase' }],
    },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: CLIP_WORD_PATTERN }, behavior: 'Removed', invert: true },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      ],
    },
    post_processor: {
      type: 'RobertaProcessing',
      sep: [specials.eos, id(specials.eos)],
      cls: [specials.bos, id(specials.bos)],
      trim_offsets: false,
      add_prefix_space: false,
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: specials.unk,
      continuing_subword_prefix: '',
      end_of_word_suffix: '</w>',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges,
    },
  };
}

/** merges.txt lines as transformers reads them: the '#version' header dropped, at most 48,894 merges. */
export function parseMerges(text: string): string[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const body = lines[0]?.startsWith('#') ? lines.slice(1) : lines;
  return body.filter((l) => l.length > 0).slice(0, MAX_MERGES);
}

export class ClipTokenizer {
  private constructor(
    private readonly tokenizer: Tokenizer,
    readonly bosId: number,
    readonly eosId: number,
    readonly padId: number,
    readonly maxLength: number,
  ) {
    if (maxLength < 2) throw new VizWizError('INVALID_ARGUMENT', `tokenizer maxLength ${maxLength} leaves no room for bos and eos`);
  }

  /** From a parsed tokenizer.json and tokenizer_config.json. */
  static fromJson(tokenizerJson: object, tokenizerConfig: Readonly<Json> = {}, o: ClipTokenizerOptions = {}): ClipTokenizer {
    const tok = new Tokenizer(tokenizerJson, tokenizerConfig);
    const idOf = (key: string, dflt: string): number => specialTokenId(tok, tokenizerConfig, key, dflt);
    const eos = idOf('eos_token', '<|endoftext|>');
    const bos = idOf('bos_token', '<|startoftext|>');
    const pad = tokenizerConfig.pad_token === undefined || tokenizerConfig.pad_token === null ? eos : idOf('pad_token', '<|endoftext|>');
    const configured = tokenizerConfig.model_max_length;
    const maxLength = o.maxLength ?? (typeof configured === 'number' && configured <= 1e6 ? configured : 77);
    return new ClipTokenizer(tok, bos, eos, pad, maxLength);
  }

  /** From vocab.json and merges.txt contents (a checkpoint without tokenizer.json). */
  static fromVocabMerges(
    vocab: Readonly<Record<string, number>>,
    mergesText: string,
    tokenizerConfig: Readonly<Json> = {},
    o: ClipTokenizerOptions = {},
  ): ClipTokenizer {
    const specials = {
      bos: tokenText(tokenizerConfig.bos_token, '<|startoftext|>'),
      eos: tokenText(tokenizerConfig.eos_token, '<|endoftext|>'),
      unk: tokenText(tokenizerConfig.unk_token, '<|endoftext|>'),
    };
    return ClipTokenizer.fromJson(clipTokenizerJson(vocab, parseMerges(mergesText), specials), tokenizerConfig, o);
  }

  /** From a checkpoint folder: tokenizer.json (else vocab.json + merges.txt) and tokenizer_config.json if present. */
  static async fromFolder(dir: string, o: ClipTokenizerOptions = {}): Promise<ClipTokenizer> {
    const file = (name: string): string => path.join(dir, name);
    const readJson = async (name: string): Promise<Json> => JSON.parse(await readFile(file(name), 'utf8')) as Json;
    const config = existsSync(file('tokenizer_config.json')) ? await readJson('tokenizer_config.json') : {};
    if (existsSync(file('tokenizer.json'))) return ClipTokenizer.fromJson(await readJson('tokenizer.json'), config, o);
    if (existsSync(file('vocab.json')) && existsSync(file('merges.txt'))) {
      return ClipTokenizer.fromVocabMerges((await readJson('vocab.json')) as Record<string, number>, await readFile(file('merges.txt'), 'utf8'), config, o);
    }
    throw new VizWizError('NOT_FOUND', `${dir}: no CLIP tokenizer files (tokenizer.json, or vocab.json and merges.txt)`);
  }

  /** Token ids of the text alone (no bos/eos, no truncation). */
  contentIds(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  /** [bos, content..., eos], the content cut to maxLength - 2 tokens. */
  encode(text: string): number[] {
    return [this.bosId, ...this.contentIds(text).slice(0, this.maxLength - 2), this.eosId];
  }

  /** Encodes and right-pads to the longest text ('longest', default) or to maxLength ('max_length'). */
  encodeBatch(texts: readonly string[], padding: 'longest' | 'max_length' = 'longest'): TokenBatch {
    const seqs = texts.map((t) => this.encode(t));
    const length = padding === 'max_length' ? this.maxLength : Math.max(2, ...seqs.map((s) => s.length));
    const inputIds = new BigInt64Array(seqs.length * length).fill(BigInt(this.padId));
    const attentionMask = new BigInt64Array(seqs.length * length);
    seqs.forEach((s, r) => {
      s.forEach((id, i) => {
        inputIds[r * length + i] = BigInt(id);
        attentionMask[r * length + i] = 1n;
      });
    });
    return { inputIds, attentionMask, rows: seqs.length, length };
  }
}
