/**
 * Which weights of a model are read quantized, and the weight map that a quantized inference graph takes. The rule is
 * the same for every family: the 2-D `<module>.weight` tensors [out, in] of Linear layers - every projection of the
 * attention and MLP blocks and the projectors - but not embedding tables (`embed` in the name: token, position and
 * tied output embeddings are gathered by row, which MatMulNBits cannot do), nor anything not 2-D (norms, biases,
 * convolution kernels). LoRA's adapter weights are parameters of their own and stay float.
 */

import { quantizeMatrix, type QuantScheme } from '../../engine/block-quantize.js';
import type { WeightSpec } from '../../engine/model.js';
import { quantizedArrays, type QuantizedSelection } from '../../engine/quantized-weights.js';
import type { WeightArray } from '../../engine/weights.js';

/** The names among `specs` that a quantized build reads block-quantized. */
export function linearWeightNames(specs: readonly WeightSpec[]): string[] {
  return specs.filter((s) => s.shape.length === 2 && s.name.endsWith('.weight') && !/embed/.test(s.name)).map((s) => s.name);
}

/** The selection of every Linear weight among `specs` under `scheme`. */
export function linearSelection(specs: readonly WeightSpec[], scheme: QuantScheme): QuantizedSelection {
  return { scheme, names: new Set(linearWeightNames(specs)) };
}

/**
 * The weight map of a quantized graph: `weights` with each selected float weight replaced by its quantized parts,
 * quantized one tensor at a time. With `release`, each float weight leaves `weights` once quantized, so the peak stays
 * about one float copy (the caller's map is emptied of those names).
 */
export function quantizeLinearWeights(
  weights: Map<string, WeightArray>,
  specs: readonly WeightSpec[],
  selection: QuantizedSelection,
  o: { release?: boolean } = {},
): Map<string, WeightArray> {
  const out = new Map<string, WeightArray>();
  const shapes = new Map(specs.map((s) => [s.name, s.shape]));
  for (const [name, data] of weights) {
    if (!selection.names.has(name)) {
      out.set(name, data);
      continue;
    }
    const shape = shapes.get(name);
    if (!shape || shape.length !== 2 || !(data instanceof Float32Array))
      throw new Error(`cannot quantize '${name}': not a float32 [out, in] weight of the model`);
    for (const [part, values] of quantizedArrays(name, quantizeMatrix(data, shape[0]!, shape[1]!, selection.scheme))) out.set(part, values);
    if (o.release) weights.delete(name);
  }
  return out;
}
