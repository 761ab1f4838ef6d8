/**
 * The inference graph of a model: inputs = the model's batch inputs and its weights (parameters and frozen weights
 * alike: nothing trains here); outputs = the forward outputs, optionally with the loss terms; no dropout.
 */

import { GraphContext } from './context.js';
import { Graph } from './graph.js';
import type { InputSpec, LossDef, ModelDef, WeightSpec } from './model.js';

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
}

export function buildInference(model: ModelDef, o: InferenceOptions = {}): InferenceGraph {
  const g = new Graph(`${model.name}_inference`);
  const inputs = [...model.inputs, ...(o.loss?.inputs ?? [])];
  const frozen = model.frozen ?? [];
  const ctx = new GraphContext(g, inputs, model.params, frozen, false);
  const outputs = model.forward(ctx);
  const names = o.outputs ?? Object.keys(outputs);
  for (const name of names) {
    const v = outputs[name];
    if (!v) throw new Error(`model ${model.name} has no output '${name}'`);
    g.output(name, v);
  }
  const all = [...names];
  if (o.loss) {
    const { total, terms } = o.loss.build(ctx, outputs);
    g.output(o.loss.totalName, total);
    all.push(o.loss.totalName);
    for (const [name, v] of Object.entries(terms)) {
      g.output(name, v);
      all.push(name);
    }
  }
  return { bytes: g.encode(), inputs, weights: [...model.params, ...frozen], outputs: all };
}
