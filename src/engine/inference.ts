/**
 * The inference graph of a model: inputs = the model's batch inputs and its weights (parameters and frozen weights
 * alike: nothing trains here; Linear weights chosen for quantization enter as their block-quantized parts); outputs =
 * the forward outputs, optionally with the loss terms; no dropout.
 */

import { GraphContext } from './context.js';
import { Graph } from './graph.js';
import type { InputSpec, LossDef, ModelDef, WeightSpec } from './model.js';
import type { QuantizedWeightValues } from './ops/quantized-matmul.js';
import { quantizedInputs, quantizedSpecs, type QuantizedSelection } from './quantized-weights.js';

export interface InferenceGraph {
  readonly bytes: Uint8Array;
  readonly inputs: readonly InputSpec[];
  /** Every weight the graph reads (the model's parameters, then its frozen weights). */
  readonly weights: readonly WeightSpec[];
  readonly outputs: readonly string[];
}

export interface InferenceOptions {
  /** Outputs to keep (default: all the model returns). */
  outputs?: readonly string[];
  /** Also compute the loss terms: the loss's inputs become graph inputs too. */
  loss?: LossDef;
  /**
   * Linear weights to read block-quantized (MatMulNBits): each named weight is replaced by its quantized parts
   * (quantized-weights.ts), which the runner binds as initializers. Names the model lacks are an error.
   */
  quantized?: QuantizedSelection;
}

export function buildInference(model: ModelDef, o: InferenceOptions = {}): InferenceGraph {
  const g = new Graph(`${model.name}_inference`);
  const inputs = [...model.inputs, ...(o.loss?.inputs ?? [])];
  const all = [...model.params, ...(model.frozen ?? [])];
  const q = o.quantized;
  const isQuantized = (w: WeightSpec): boolean => q?.names.has(w.name) ?? false;
  if (q) {
    const missing = [...q.names].filter((n) => !all.some((w) => w.name === n));
    if (missing.length > 0) throw new Error(`model ${model.name}: quantized weights not in the model: ${missing.join(', ')}`);
  }
  const params = model.params.filter((w) => !isQuantized(w));
  const frozen = (model.frozen ?? []).filter((w) => !isQuantized(w));
  const quantized = all.filter(isQuantized);
  const values = new Map<string, QuantizedWeightValues>(quantized.map((w) => [w.name, quantizedInputs(g, w, q!.scheme)]));
  const ctx = new GraphContext(g, inputs, params, frozen, false, Infinity, values);
  const outputs = model.forward(ctx);
  const names = o.outputs ?? Object.keys(outputs);
  for (const name of names) {
    const v = outputs[name];
    if (!v) throw new Error(`model ${model.name} has no output '${name}'`);
    g.output(name, v);
  }
  const outputNames = [...names];
  if (o.loss) {
    const { total, terms } = o.loss.build(ctx, outputs);
    g.output(o.loss.totalName, total);
    outputNames.push(o.loss.totalName);
    for (const [name, v] of Object.entries(terms)) {
      g.output(name, v);
      outputNames.push(name);
    }
  }
  const weights = [...params, ...frozen, ...quantized.flatMap((w) => quantizedSpecs(w, q!.scheme))];
  return { bytes: g.encode(), inputs, weights, outputs: outputNames };
}
