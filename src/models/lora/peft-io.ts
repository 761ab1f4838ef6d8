/**
 * Saving and loading adapters in the PEFT format, so a Python PEFT user can load ours and vice versa:
 *   <dir>/adapter_config.json        config.ts loraConfigToPeft
 *   <dir>/adapter_model.safetensors  `base_model.model.<module>.lora_{A,B}.weight`, F32 (F16/BF16 accepted on load)
 * Loading checks the file against the model: the modules the config targets (matched like PEFT) must be exactly the
 * modules with tensors, with the right shapes. Both files are written atomically.
 */

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SafetensorsReader, writeSafetensors, type TensorToWrite } from '../../engine/safetensors.js';
import { VizWizError } from '../../errors.js';
import { writeJsonAtomic } from '../../io/atomic-write.js';
import type { LoraSet } from './adapters.js';
import { loraParamSpecs } from './adapters.js';
import { loraConfigFromPeft, loraConfigToPeft } from './config.js';
import { moduleOfLoraName } from './names.js';
import { selectTargets, type LinearModule } from './targets.js';

export const ADAPTER_CONFIG = 'adapter_config.json';
export const ADAPTER_WEIGHTS = 'adapter_model.safetensors';

export interface LoadedAdapter {
  set: LoraSet;
  /** Every A and B tensor by PEFT name. */
  tensors: Map<string, Float32Array>;
}

export async function saveAdapter(
  dir: string,
  set: LoraSet,
  tensors: ReadonlyMap<string, Float32Array>,
  metadata: Readonly<Record<string, string>> = {},
): Promise<void> {
  const out = new Map<string, TensorToWrite>();
  for (const spec of loraParamSpecs(set)) {
    const data = tensors.get(spec.name);
    if (!data) throw new VizWizError('INVALID_ARGUMENT', `adapter tensor '${spec.name}' is missing`);
    out.set(spec.name, { dtype: 'F32', shape: spec.shape, data });
  }
  await writeSafetensors(path.join(dir, ADAPTER_WEIGHTS), out, { format: 'pt', ...metadata });
  await writeJsonAtomic(path.join(dir, ADAPTER_CONFIG), loraConfigToPeft(set.config));
}

/** Reads an adapter folder for a model whose Linear modules are `linears`. */
export async function loadAdapter(dir: string, linears: readonly LinearModule[]): Promise<LoadedAdapter> {
  const configPath = path.join(dir, ADAPTER_CONFIG);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(configPath, 'utf8'));
  } catch (e) {
    throw new VizWizError('NOT_FOUND', `cannot read ${configPath}: ${(e as Error).message}`, { cause: e });
  }
  const config = loraConfigFromPeft(raw, configPath);
  const set: LoraSet = { config, modules: selectTargets(linears, config) };
  const reader = await SafetensorsReader.open(path.join(dir, ADAPTER_WEIGHTS));
  try {
    const expected = new Set(set.modules.map((m) => m.module));
    const stray = [...reader.tensors.keys()].filter((n) => {
      const m = moduleOfLoraName(n);
      return m === null || !expected.has(m.module);
    });
    if (stray.length > 0)
      throw new VizWizError(
        'INVALID_CHECKPOINT',
        `${reader.path}: tensors not targeted by the config or not LoRA weights of this model: ${stray.slice(0, 5).join(', ')}`,
      );
    const tensors = new Map<string, Float32Array>();
    for (const spec of loraParamSpecs(set)) {
      if (!reader.tensors.has(spec.name)) throw new VizWizError('INVALID_CHECKPOINT', `${reader.path}: no tensor '${spec.name}'`);
      const shape = reader.info(spec.name).shape;
      if (shape.length !== spec.shape.length || shape.some((d, i) => d !== spec.shape[i])) {
        throw new VizWizError('INVALID_CHECKPOINT', `${reader.path}: '${spec.name}' is [${shape.join(', ')}], expected [${spec.shape.join(', ')}]`);
      }
      tensors.set(spec.name, await reader.readF32(spec.name));
    }
    return { set, tensors };
  } finally {
    await reader.close();
  }
}
