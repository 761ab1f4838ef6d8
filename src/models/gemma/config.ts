/**
 * The typed configuration of a Gemma decoder, read from a Hugging Face config: a GemmaForCausalLM `config.json`, or
 * the `text_config` of a PaliGemma one. Fields a config leaves out take transformers' GemmaConfig defaults (PaliGemma
 * configs list only what differs: hidden 2048, 18 layers, 8 heads, 1 KV head, MLP 16384, vocab 257,216).
 */

import { VizWizError } from '../../errors.js';
import { configNumber, type Json } from '../hf-config.js';

/** 'tanh' = gelu_pytorch_tanh (Gemma's default), 'exact' = the erf form ('gelu'). */
export type GemmaActivation = 'tanh' | 'exact';

export interface GemmaConfig {
  vocab: number; // 257,216 (PaliGemma-3B; the tokenizer uses 257,152)
  hidden: number; // D: 2048
  layers: number; // 18
  heads: number; // H query heads: 8
  kvHeads: number; // KV heads: 1 (multi-query attention)
  headDim: number; // 256 (not necessarily hidden / heads)
  intermediate: number; // MLP width: 16384
  rmsNormEps: number; // 1e-6
  ropeTheta: number; // 10000
  activation: GemmaActivation;
  bosTokenId: number; // 2
  eosTokenId: number; // 1
  padTokenId: number; // 0
  initializerRange: number; // std of the normal init of matrices (fresh models only): 0.02
}

/** transformers' GemmaConfig defaults (gemma-7b sizes), used for fields a config omits. */
const HF_DEFAULTS = {
  vocab_size: 256000,
  hidden_size: 3072,
  intermediate_size: 24576,
  num_hidden_layers: 28,
  num_attention_heads: 16,
  num_key_value_heads: 16,
  head_dim: 256,
  rms_norm_eps: 1e-6,
  rope_theta: 10000,
  bos_token_id: 2,
  eos_token_id: 1,
  pad_token_id: 0,
  initializer_range: 0.02,
} as const;

const ACTIVATIONS: Readonly<Record<string, GemmaActivation>> = {
  gelu_pytorch_tanh: 'tanh',
  gelu_new: 'tanh',
  gelu_fast: 'tanh',
  gelu: 'exact',
};

function num(json: Json, key: keyof typeof HF_DEFAULTS): number {
  return configNumber(json, key, HF_DEFAULTS[key], 'Gemma config');
}

/** An id field that may be a list (eos_token_id: [1, 107]): its first entry. */
function tokenId(json: Record<string, unknown>, key: 'bos_token_id' | 'eos_token_id' | 'pad_token_id'): number {
  const v = json[key];
  if (Array.isArray(v) && typeof v[0] === 'number') return v[0];
  return num(json, key);
}

/**
 * A GemmaConfig from a parsed Hugging Face config. A PaliGemma config (with `text_config`) yields its language model;
 * its token ids come from the top level when the text config lacks them.
 */
export function gemmaConfigFromHf(raw: unknown): GemmaConfig {
  if (typeof raw !== 'object' || raw === null) throw new VizWizError('INVALID_CHECKPOINT', 'Gemma config: expected a JSON object');
  const top = raw as Record<string, unknown>;
  const text = typeof top.text_config === 'object' && top.text_config !== null ? (top.text_config as Record<string, unknown>) : null;
  const json: Record<string, unknown> = text
    ? { bos_token_id: top.bos_token_id, eos_token_id: top.eos_token_id, pad_token_id: top.pad_token_id, ...text }
    : top;
  const actName = (json.hidden_activation ?? json.hidden_act ?? 'gelu_pytorch_tanh') as string;
  const activation = ACTIVATIONS[actName];
  if (!activation)
    throw new VizWizError('INVALID_CHECKPOINT', `Gemma config: activation '${actName}' is not supported (known: ${Object.keys(ACTIVATIONS).join(', ')})`);
  const c: GemmaConfig = {
    vocab: num(json, 'vocab_size'),
    hidden: num(json, 'hidden_size'),
    layers: num(json, 'num_hidden_layers'),
    heads: num(json, 'num_attention_heads'),
    kvHeads: num(json, 'num_key_value_heads'),
    headDim: num(json, 'head_dim'),
    intermediate: num(json, 'intermediate_size'),
    rmsNormEps: num(json, 'rms_norm_eps'),
    ropeTheta: num(json, 'rope_theta'),
    activation,
    bosTokenId: tokenId(json, 'bos_token_id'),
    eosTokenId: tokenId(json, 'eos_token_id'),
    padTokenId: tokenId(json, 'pad_token_id'),
    initializerRange: num(json, 'initializer_range'),
  };
  validateGemmaConfig(c);
  return c;
}

function validateGemmaConfig(c: GemmaConfig): void {
  for (const k of ['vocab', 'hidden', 'layers', 'heads', 'kvHeads', 'headDim', 'intermediate'] as const) {
    if (!Number.isInteger(c[k]) || c[k] <= 0) throw new VizWizError('INVALID_CHECKPOINT', `Gemma config: ${k} must be a positive integer, got ${c[k]}`);
  }
  if (c.heads % c.kvHeads !== 0)
    throw new VizWizError('INVALID_CHECKPOINT', `Gemma config: ${c.heads} query heads are not a multiple of ${c.kvHeads} KV heads`);
  if (c.headDim % 2 !== 0) throw new VizWizError('INVALID_CHECKPOINT', `Gemma config: head_dim ${c.headDim} must be even for rotary embeddings`);
}
