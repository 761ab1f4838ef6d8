/**
 * PEFT's tensor names in adapter_model.safetensors: `base_model.model.<module path>.lora_A.weight` [r, in] and
 * `.lora_B.weight` [out, r] (no adapter name), which are also the parameter names of the training graph.
 */

const PEFT_PREFIX = 'base_model.model.';

export const loraAName = (module: string): string => `${PEFT_PREFIX}${module}.lora_A.weight`;
export const loraBName = (module: string): string => `${PEFT_PREFIX}${module}.lora_B.weight`;

/** The module path of a PEFT LoRA tensor name, or null when the name is not one. */
export function moduleOfLoraName(name: string): { module: string; part: 'A' | 'B' } | null {
  const m = /^base_model\.model\.(.+)\.lora_([AB])\.weight$/u.exec(name);
  return m ? { module: m[1] as string, part: m[2] as 'A' | 'B' } : null;
}
