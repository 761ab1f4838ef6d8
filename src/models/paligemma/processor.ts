/**
 * PaliGemma's processor, as transformers' PaliGemmaProcessor lays out a VQA example:
 *   prefix = numImageTokens x <image>, <bos>, tokens(prompt + "\n")      token type 0, label -100
 *   suffix = tokens(answer), <eos>                                       token type 1, label = the token (training)
 * with the prompt rendered from a versioned template (prompt.ts). Batches are padded to the longest row with the pad
 * id (attention_mask 0, token type 0, label -100), on the left by default (the Gemma tokenizer's side). Images go
 * through SigLIP's preprocessing (siglip/preprocess.ts).
 */

import type { RgbImage } from '../../images/rgb.js';
import { VizWizError } from '../../errors.js';
import { siglipPreprocess } from '../siglip/preprocess.js';
import type { PaliGemmaConfig } from './config.js';
import type { PaliGemmaBatch } from './feeds.js';
import { ANSWER_EN_V1, renderPrompt, type PromptTemplate } from './prompt.js';
import type { GemmaTokenizer } from './tokenizer.js';

export interface ProcessorOptions {
  template?: PromptTemplate; // answer-en-v1
  /** Ends the prefix (transformers: "\n"). */
  separator?: string;
  padding?: 'left' | 'right'; // 'left'
}

export interface VqaExample {
  /** An RGB image, or pixels already preprocessed (C x S x S). */
  image: RgbImage | Float32Array;
  question: string;
  /** The training target; absent at inference. */
  answer?: string;
}

export class PaliGemmaProcessor {
  readonly template: PromptTemplate;
  private readonly separator: string;
  private readonly padding: 'left' | 'right';

  constructor(
    readonly tokenizer: GemmaTokenizer,
    readonly config: PaliGemmaConfig,
    o: ProcessorOptions = {},
  ) {
    this.template = o.template ?? ANSWER_EN_V1;
    this.separator = o.separator ?? '\n';
    this.padding = o.padding ?? 'left';
    if (tokenizer.bosId !== config.text.bosTokenId || tokenizer.eosId !== config.text.eosTokenId || tokenizer.padId !== config.text.padTokenId) {
      throw new VizWizError(
        'INVALID_CHECKPOINT',
        `tokenizer special ids (bos ${tokenizer.bosId}, eos ${tokenizer.eosId}, pad ${tokenizer.padId}) differ from the model config's (${config.text.bosTokenId}, ${config.text.eosTokenId}, ${config.text.padTokenId})`,
      );
    }
  }

  /** The prompt text of a question (template applied, no separator). */
  prompt(question: string): string {
    return renderPrompt(this.template, question);
  }

  /** <image> x N, <bos>, tokens(prompt + separator). */
  prefixIds(question: string): number[] {
    const image = new Array<number>(this.config.numImageTokens).fill(this.config.imageTokenIndex);
    return [...image, this.tokenizer.bosId, ...this.tokenizer.encode(this.prompt(question) + this.separator)];
  }

  /** tokens(answer), <eos>. */
  suffixIds(answer: string): number[] {
    return [...this.tokenizer.encode(answer), this.tokenizer.eosId];
  }

  /** SigLIP pixels (B, C, S, S) of the examples' images. */
  pixels(examples: readonly VqaExample[]): Float32Array {
    const s = this.config.vision.imageSize;
    const plane = this.config.vision.channels * s * s;
    const out = new Float32Array(examples.length * plane);
    examples.forEach((e, i) => {
      const target = out.subarray(i * plane, (i + 1) * plane);
      if (e.image instanceof Float32Array) {
        if (e.image.length !== plane)
          throw new VizWizError('INVALID_ARGUMENT', `example ${i}: preprocessed image has ${e.image.length} values, expected ${plane}`);
        target.set(e.image);
      } else siglipPreprocess(e.image, s, target);
    });
    return out;
  }

  /**
   * A padded batch. With `train`, every example needs an answer and the batch carries token types and labels; without,
   * the rows are prefixes only (what generation starts from).
   */
  encode(examples: readonly VqaExample[], o: { train?: boolean } = {}): PaliGemmaBatch {
    if (examples.length === 0) throw new VizWizError('INVALID_ARGUMENT', 'cannot encode an empty batch');
    const train = o.train ?? false;
    const rows = examples.map((e, i) => {
      const prefix = this.prefixIds(e.question);
      if (!train) return { prefix, suffix: [] as number[] };
      if (e.answer === undefined) throw new VizWizError('INVALID_ARGUMENT', `example ${i} has no answer to train on`);
      return { prefix, suffix: this.suffixIds(e.answer) };
    });
    const length = Math.max(...rows.map((r) => r.prefix.length + r.suffix.length));
    const n = examples.length * length;
    const inputIds = new BigInt64Array(n).fill(BigInt(this.tokenizer.padId));
    const attentionMask = new BigInt64Array(n);
    const tokenTypeIds = new BigInt64Array(n);
    const labels = new BigInt64Array(n).fill(BigInt(this.config.ignoreIndex));
    rows.forEach((r, b) => {
      const used = r.prefix.length + r.suffix.length;
      const start = b * length + (this.padding === 'left' ? length - used : 0);
      [...r.prefix, ...r.suffix].forEach((id, k) => {
        inputIds[start + k] = BigInt(id);
        attentionMask[start + k] = 1n;
        if (k >= r.prefix.length) {
          tokenTypeIds[start + k] = 1n;
          labels[start + k] = BigInt(id);
        }
      });
    });
    const batch: PaliGemmaBatch = { batch: examples.length, length, inputIds, attentionMask, pixelValues: this.pixels(examples) };
    if (train) Object.assign(batch, { tokenTypeIds, labels });
    return batch;
  }

  /** The answer text of generated ids: up to the first eos (excluded), special tokens dropped, trimmed. */
  decodeAnswer(ids: readonly number[]): string {
    const end = ids.indexOf(this.tokenizer.eosId);
    return this.tokenizer.decode(end >= 0 ? ids.slice(0, end) : ids).trim();
  }
}
