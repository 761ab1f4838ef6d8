/**
 * Where the fine-tune tests start from: the LoRA set they train (r 4, alpha 8, PEFT's default targets over the tiny
 * PaliGemma) and adapters with B drawn from N(0, scale^2) instead of PEFT's zeros, so that gradients reach A as well
 * as B and a step changes the model's outputs.
 */

import type { LoraSet } from '../../src/models/lora/adapters.js';
import { loraConfig } from '../../src/models/lora/config.js';
import { initAdapters, paligemmaLoraSet } from '../../src/models/lora/paligemma-lora.js';
import type { LoadedPaliGemma } from '../../src/models/paligemma/weights.js';
import { Rng } from '../../src/random/rng.js';

export function tinyLoraSet(m: LoadedPaliGemma): LoraSet {
  return paligemmaLoraSet(m.config, m.prefixes, loraConfig({ r: 4, alpha: 8 }));
}

/** PEFT's initial adapters (`seed`) with every lora_B drawn at `scale` from the stream `bSeed`. */
export function startAdapters(set: LoraSet, o: { seed: number; bSeed: number; scale?: number }): Map<string, Float32Array> {
  const adapters = initAdapters(set, o.seed);
  const rng = new Rng(o.bSeed);
  const scale = o.scale ?? 0.05;
  for (const [name, t] of adapters) if (name.endsWith('lora_B.weight')) for (let i = 0; i < t.length; i++) t[i] = rng.normal() * scale;
  return adapters;
}
