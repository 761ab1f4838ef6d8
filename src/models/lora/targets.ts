/**
 * Which Linear modules LoRA adapts, matched as PEFT does (check_target_module_exists): a list of names matches a
 * module whose path equals one of them or ends with `.<name>`; a string is a regex that must match the whole path.
 * The candidates are the model's nn.Linear modules (paligemmaLinears); the tied output head is not one of them.
 */

import { VizWizError } from '../../errors.js';
import type { PaliGemmaConfig } from '../paligemma/config.js';
import type { PaliGemmaPrefixes } from '../paligemma/names.js';
import type { LoraConfig } from './config.js';

/** A Linear module: its path (weight name without `.weight`) and sizes. */
export interface LinearModule {
  readonly module: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
}

export function matchesTarget(module: string, targets: LoraConfig['targetModules']): boolean {
  if (typeof targets === 'string') return new RegExp(`^(?:${targets})$`, 'u').test(module);
  return targets.some((t) => module === t || module.endsWith(`.${t}`));
}

/** Every nn.Linear of PaliGemmaForConditionalGeneration (no pooling head), in module order. */
export function paligemmaLinears(c: PaliGemmaConfig, p: PaliGemmaPrefixes): LinearModule[] {
  const out: LinearModule[] = [];
  const add = (module: string, inFeatures: number, outFeatures: number): void => void out.push({ module, inFeatures, outFeatures });
  const v = c.vision;
  for (let i = 0; i < v.layers; i++) {
    const l = `${p.vision}encoder.layers.${i}`;
    for (const n of ['k_proj', 'v_proj', 'q_proj', 'out_proj']) add(`${l}.self_attn.${n}`, v.hidden, v.hidden);
    add(`${l}.mlp.fc1`, v.hidden, v.intermediate);
    add(`${l}.mlp.fc2`, v.intermediate, v.hidden);
  }
  add(p.projector, v.hidden, c.projectionDim);
  const t = c.text;
  const [d, q, kv] = [t.hidden, t.heads * t.headDim, t.kvHeads * t.headDim];
  for (let i = 0; i < t.layers; i++) {
    const l = `${p.text}layers.${i}`;
    add(`${l}.self_attn.q_proj`, d, q);
    add(`${l}.self_attn.k_proj`, d, kv);
    add(`${l}.self_attn.v_proj`, d, kv);
    add(`${l}.self_attn.o_proj`, q, d);
    add(`${l}.mlp.gate_proj`, d, t.intermediate);
    add(`${l}.mlp.up_proj`, d, t.intermediate);
    add(`${l}.mlp.down_proj`, t.intermediate, d);
  }
  return out;
}

/** The modules `c` targets among `linears`; an error when none matches. */
export function selectTargets(linears: readonly LinearModule[], c: LoraConfig): LinearModule[] {
  const hit = linears.filter((l) => matchesTarget(l.module, c.targetModules));
  if (hit.length === 0) throw new VizWizError('INVALID_ARGUMENT', `LoRA target_modules ${JSON.stringify(c.targetModules)} match no Linear module of the model`);
  return hit;
}
