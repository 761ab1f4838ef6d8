/**
 * LoRA hyper-parameters and their PEFT `adapter_config.json` form (peft 0.12 field names):
 *   r, lora_alpha, lora_dropout, target_modules (a list of module-name suffixes, or one regex string), use_rslora
 * Scaling is alpha / r (alpha / sqrt(r) with rsLoRA). Features this toolkit does not implement (bias training, DoRA,
 * per-module rank/alpha patterns, fan_in_fan_out, modules_to_save, layer selection) are rejected when read, never
 * silently ignored.
 */

import { VizWizError } from '../../errors.js';

/** PEFT's q/k/v/o and MLP projections: the HF PaliGemma LoRA recipe (also hits SigLIP's q/k/v). */
export const DEFAULT_TARGET_MODULES = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;

export interface LoraConfig {
  r: number; // 8
  alpha: number; // 8
  dropout: number; // 0
  /** Module-name suffixes (PEFT list form) or a regex matched against the whole module path (PEFT string form). */
  targetModules: readonly string[] | string;
  useRslora: boolean; // false
  /** Recorded in adapter_config.json (base_model_name_or_path). */
  baseModel?: string;
}

export function loraConfig(c: Partial<LoraConfig> = {}): LoraConfig {
  const out: LoraConfig = {
    r: c.r ?? 8,
    alpha: c.alpha ?? 8,
    dropout: c.dropout ?? 0,
    targetModules: c.targetModules ?? [...DEFAULT_TARGET_MODULES],
    useRslora: c.useRslora ?? false,
    ...(c.baseModel !== undefined ? { baseModel: c.baseModel } : {}),
  };
  validateLoraConfig(out);
  return out;
}

export function validateLoraConfig(c: LoraConfig): void {
  if (!Number.isInteger(c.r) || c.r <= 0) throw new VizWizError('INVALID_ARGUMENT', `LoRA rank r must be a positive integer, got ${c.r}`);
  if (!(c.alpha > 0)) throw new VizWizError('INVALID_ARGUMENT', `LoRA alpha must be positive, got ${c.alpha}`);
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new VizWizError('INVALID_ARGUMENT', `LoRA dropout must be in [0, 1), got ${c.dropout}`);
  if (typeof c.targetModules !== 'string' && c.targetModules.length === 0) throw new VizWizError('INVALID_ARGUMENT', 'LoRA needs at least one target module');
}

/** The factor of the low-rank branch: alpha / r, or alpha / sqrt(r) with rsLoRA. */
export function loraScaling(c: LoraConfig): number {
  return c.useRslora ? c.alpha / Math.sqrt(c.r) : c.alpha / c.r;
}

type Json = Record<string, unknown>;

const isEmpty = (v: unknown): boolean =>
  v === undefined || v === null || v === false || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && Object.keys(v as object).length === 0);

/** Reads a parsed adapter_config.json. */
export function loraConfigFromPeft(raw: unknown, where = 'adapter_config.json'): LoraConfig {
  if (typeof raw !== 'object' || raw === null) throw new VizWizError('INVALID_CHECKPOINT', `${where}: expected a JSON object`);
  const o = raw as Json;
  if (o.peft_type !== undefined && o.peft_type !== 'LORA')
    throw new VizWizError('INVALID_CHECKPOINT', `${where}: peft_type ${JSON.stringify(o.peft_type)} is not LORA`);
  const unsupported: [string, boolean][] = [
    ['bias', o.bias !== undefined && o.bias !== 'none'],
    ['use_dora', !isEmpty(o.use_dora)],
    ['rank_pattern', !isEmpty(o.rank_pattern)],
    ['alpha_pattern', !isEmpty(o.alpha_pattern)],
    ['fan_in_fan_out', !isEmpty(o.fan_in_fan_out)],
    ['modules_to_save', !isEmpty(o.modules_to_save)],
    ['layers_to_transform', !isEmpty(o.layers_to_transform)],
    ['layer_replication', !isEmpty(o.layer_replication)],
  ];
  const bad = unsupported.filter(([, b]) => b).map(([k]) => k);
  if (bad.length > 0) throw new VizWizError('INVALID_CHECKPOINT', `${where}: unsupported LoRA options: ${bad.join(', ')}`);
  const t = o.target_modules;
  const targets = typeof t === 'string' ? t : Array.isArray(t) && t.every((x) => typeof x === 'string') ? (t as string[]) : null;
  if (targets === null) throw new VizWizError('INVALID_CHECKPOINT', `${where}: target_modules must be a string or a list of strings`);
  const num = (k: string, d: number): number => (typeof o[k] === 'number' ? (o[k] as number) : d);
  return loraConfig({
    r: num('r', 8),
    alpha: num('lora_alpha', 8),
    dropout: num('lora_dropout', 0),
    targetModules: targets,
    useRslora: o.use_rslora === true,
    ...(typeof o.base_model_name_or_path === 'string' ? { baseModel: o.base_model_name_or_path } : {}),
  });
}

/** adapter_config.json content as peft 0.12 writes it for a causal-LM LoRA. */
export function loraConfigToPeft(c: LoraConfig): Json {
  return {
    alpha_pattern: {},
    auto_mapping: null,
    base_model_name_or_path: c.baseModel ?? null,
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    layer_replication: null,
    layers_pattern: null,
    layers_to_transform: null,
    loftq_config: {},
    lora_alpha: c.alpha,
    lora_dropout: c.dropout,
    megatron_config: null,
    megatron_core: 'megatron.core',
    modules_to_save: null,
    peft_type: 'LORA',
    r: c.r,
    rank_pattern: {},
    revision: null,
    target_modules: typeof c.targetModules === 'string' ? c.targetModules : [...c.targetModules].sort(),
    task_type: 'CAUSAL_LM',
    use_dora: false,
    use_rslora: c.useRslora,
  };
}
