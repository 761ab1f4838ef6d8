/**
 * A tiny, randomly initialised PaliGemma of the real architecture (SigLIP with a 2-layer tower on 32 px images, 16
 * image tokens, projector, 2-layer Gemma with multi-query attention), written as a Hugging Face checkpoint folder:
 * config.json, model.safetensors (transformers' legacy `language_model.model.*` names, as the hub checkpoints) and a
 * Gemma-style BPE tokenizer whose vocabulary is learnt on the questions and answers the caller gives (the sample
 * dataset's: src/data/sample/texts.ts) (tiny-tokenizer.ts). It is the embedded default's stand-in for google/paligemma-3b-pt-224 (no download,
 * deterministic for a seed) and the test suite's way to fine-tune and predict end to end in seconds.
 * Weights: matrices N(0, 0.05^2), the token embedding (also the tied output head) N(0, 0.25^2) so that logits
 * can grow large enough for a LoRA fine-tune to make one answer clearly win; norms as randomPaligemmaWeights.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeSafetensors, type TensorToWrite } from '../../engine/safetensors.js';
import { normalizeAnswer } from '../../text/normalize.js';
import { paligemmaConfigFromHf } from './config.js';
import { ANSWER_EN_V1, renderPrompt } from './prompt.js';
import { LEGACY_PREFIXES, paligemmaParamSpecs } from './names.js';
import { randomPaligemmaWeights } from './random.js';
import { buildTinyTokenizer, type TinyTokenizerFiles } from './tiny-tokenizer.js';

const EMBED_STD = 0.25;
const MATRIX_STD = 0.05;

/** What the tiny tokenizer learns from: questions with their raw answers. */
export interface TokenizerTexts {
  question: string;
  answers: readonly string[];
}

/** The corpus of the tiny tokenizer: the prompts of the questions and the normalised answers. */
function tinyTokenizerCorpus(texts: readonly TokenizerTexts[]): string[] {
  return texts.flatMap((t) => [`${renderPrompt(ANSWER_EN_V1, t.question)}\n`, ...t.answers.map((a) => normalizeAnswer(a))]);
}

const tokenizerCache = new Map<readonly TokenizerTexts[], TinyTokenizerFiles>();

/** The tiny tokenizer for `texts` (built once per process and texts array). */
export function tinyPaligemmaTokenizer(texts: readonly TokenizerTexts[]): TinyTokenizerFiles {
  let tok = tokenizerCache.get(texts);
  if (!tok) {
    tok = buildTinyTokenizer(tinyTokenizerCorpus(texts));
    tokenizerCache.set(texts, tok);
  }
  return tok;
}

/** The config.json of the tiny PaliGemma for a vocabulary of `vocab` ids with <image> at `imageTokenId`. */
export function tinyPaligemmaConfig(vocab: number, imageTokenId: number): Record<string, unknown> {
  return {
    architectures: ['PaliGemmaForConditionalGeneration'],
    model_type: 'paligemma',
    bos_token_id: 2,
    eos_token_id: 1,
    pad_token_id: 0,
    hidden_size: 64,
    projection_dim: 64,
    image_token_index: imageTokenId,
    ignore_index: -100,
    torch_dtype: 'float32',
    text_config: {
      model_type: 'gemma',
      hidden_size: 64,
      intermediate_size: 128,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      num_key_value_heads: 1,
      head_dim: 16,
      hidden_activation: 'gelu_pytorch_tanh',
      max_position_embeddings: 256,
      num_image_tokens: 16,
      vocab_size: vocab,
    },
    vision_config: {
      model_type: 'siglip_vision_model',
      hidden_size: 32,
      intermediate_size: 64,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      image_size: 32,
      patch_size: 8,
      projection_dim: 64,
      vision_use_head: false,
    },
  };
}

/** Writes the tiny PaliGemma checkpoint folder (deterministic for `seed` and `texts`) and returns its path. */
export async function writeTinyPaligemma(dir: string, texts: readonly TokenizerTexts[], seed = 1): Promise<string> {
  await mkdir(dir, { recursive: true });
  const tok = tinyPaligemmaTokenizer(texts);
  const rawConfig = tinyPaligemmaConfig(tok.vocabSize, tok.imageTokenId);
  const config = paligemmaConfigFromHf(rawConfig);
  const p = LEGACY_PREFIXES;
  const weights = randomPaligemmaWeights(config, p, seed, MATRIX_STD);
  const embed = weights.get(`${p.text}embed_tokens.weight`) as Float32Array;
  for (let i = 0; i < embed.length; i++) embed[i] = (embed[i] as number) * (EMBED_STD / MATRIX_STD);
  const tensors = new Map<string, TensorToWrite>();
  for (const spec of paligemmaParamSpecs(config, p)) tensors.set(spec.name, { dtype: 'F32', shape: spec.shape, data: weights.get(spec.name) as Float32Array });
  await writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt' });
  await writeFile(join(dir, 'config.json'), `${JSON.stringify(rawConfig, null, 2)}\n`);
  await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(tok.tokenizer));
  await writeFile(join(dir, 'tokenizer_config.json'), `${JSON.stringify(tok.config, null, 2)}\n`);
  return dir;
}
