/**
 * Loading a PaliGemma checkpoint for quantized generation (`int8` or `int4`, models/quantized/): every Linear weight
 * and the tied token embedding / output head (a quarter of Gemma-2B's weights) are block-quantized - the generator
 * dequantizes embedding rows on the host and runs the head with MatMulNBits. The quantized parts come from the cache
 * beside the checkpoint (computed and written on the first start), the other tensors (norms, biases, position
 * embeddings, the patch convolution) are read as float32. No float copy of the quantized weights is ever held.
 */

import { QUANT_SCHEMES, type QuantScheme, type QuantSchemeName } from '../../engine/block-quantize.js';
import type { WeightSpec } from '../../engine/model.js';
import type { QuantizedSelection } from '../../engine/quantized-weights.js';
import type { WeightArray } from '../../engine/weights.js';
import { defaultQuantizedCacheDir, loadOrQuantize } from '../quantized/cache.js';
import { linearSelection } from '../quantized/linear-weights.js';
import { checkpointFiles, readSpecs, withReaders } from '../sources/checkpoint-folder.js';
import type { PaliGemmaConfig } from './config.js';
import { detectPaligemmaPrefixes, paligemmaParamSpecs, type PaliGemmaPrefixes } from './names.js';
import { readPaligemmaConfig } from './weights.js';

export interface LoadedQuantizedPaliGemma {
  config: PaliGemmaConfig;
  prefixes: PaliGemmaPrefixes;
  /** Float tensors by name, and the quantized parts of every selected Linear weight. */
  weights: Map<string, WeightArray>;
  selection: QuantizedSelection;
  /** The cache file, and whether it was reused (false: quantized at this start). */
  cacheFile: string;
  reused: boolean;
}

/** What quantized generation reads block-quantized: every Linear weight and the tied embedding table. */
export function paligemmaQuantizedSelection(specs: readonly WeightSpec[], p: PaliGemmaPrefixes, scheme: QuantScheme): QuantizedSelection {
  const linear = linearSelection(specs, scheme);
  return { scheme, names: new Set([...linear.names, `${p.text}embed_tokens.weight`]) };
}

export async function loadQuantizedPaligemma(dir: string, scheme: QuantSchemeName, o: { cacheDir?: string } = {}): Promise<LoadedQuantizedPaliGemma> {
  const config = await readPaligemmaConfig(dir);
  const files = await checkpointFiles(dir);
  const prefixes = await withReaders(files, async (_, names) => detectPaligemmaPrefixes(names));
  const specs = paligemmaParamSpecs(config, prefixes);
  const selection = paligemmaQuantizedSelection(specs, prefixes, QUANT_SCHEMES[scheme]);
  const cacheDir = o.cacheDir ?? defaultQuantizedCacheDir(dir);
  const { cached, floats } = await withReaders(files, async (readers) => {
    const read = async (name: string, shape: readonly number[]): Promise<Float32Array> =>
      (await readSpecs(readers, [{ name, shape, init: { kind: 'constant', value: 0 } }])).get(name)!;
    const cached = await loadOrQuantize({ files, readF32: read, selection, schemeName: scheme, specs, cacheDir });
    return {
      cached,
      floats: await readSpecs(
        readers,
        specs.filter((s) => !selection.names.has(s.name)),
      ),
    };
  });
  const weights = new Map<string, WeightArray>([...floats, ...cached.parts]);
  return { config, prefixes, weights, selection, cacheFile: cached.file, reused: cached.reused };
}
