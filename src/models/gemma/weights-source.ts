/**
 * Where the decoder's weights come from while a graph is built: each name resolves to a trainable parameter
 * (`ctx.param`) or to a constant graph input of the same name (`ctx.input`) - frozen weights stay out of the optimizer
 * and are never differentiated, which is how LoRA-style training keeps the base model fixed.
 */

import type { Value } from '../../engine/graph.js';
import type { BuildContext, InputSpec, ParamSpec } from '../../engine/model.js';

/**
 * A hook on every Linear: given the module path (the weight name without `.weight`), the input rows and the base
 * output, returns the output to use - LoRA adds its low-rank branch here (lora/adapters.ts). Absent = the base output.
 */
export type LinearAdapter = (module: string, x: Value, y: Value) => Value;

/** Resolves a weight name to its graph value; `adapt` (optional) rewrites Linear outputs. */
export interface Weights {
  (name: string): Value;
  readonly adapt?: LinearAdapter;
}

/** Which parameters train: all (default), a list of names, or a predicate. */
export type TrainableSelection = 'all' | 'none' | readonly string[] | ((name: string) => boolean);

export function isTrainable(sel: TrainableSelection, name: string): boolean {
  if (sel === 'all') return true;
  if (sel === 'none') return false;
  if (typeof sel === 'function') return sel(name);
  return sel.includes(name);
}

/** Splits parameter specs into trainable parameters and frozen graph inputs (float32, static shapes). */
export function splitWeights(specs: readonly ParamSpec[], sel: TrainableSelection): { params: ParamSpec[]; frozen: InputSpec[] } {
  const params: ParamSpec[] = [];
  const frozen: InputSpec[] = [];
  for (const s of specs) {
    if (isTrainable(sel, s.name)) params.push(s);
    else frozen.push({ name: s.name, dtype: 'float32', shape: s.shape });
  }
  if (Array.isArray(sel)) {
    const known = new Set(specs.map((s) => s.name));
    const unknown = (sel as readonly string[]).filter((n) => !known.has(n));
    if (unknown.length > 0) throw new Error(`trainable weights not in the model: ${unknown.join(', ')}`);
  }
  return { params, frozen };
}

/** A Weights lookup over a BuildContext: parameters by name, everything else as a graph input. */
export function contextWeights(ctx: BuildContext, params: readonly ParamSpec[], adapt?: LinearAdapter): Weights {
  const trainable = new Set(params.map((p) => p.name));
  const lookup = (name: string): Value => (trainable.has(name) ? ctx.param(name) : ctx.input(name));
  return adapt ? Object.assign(lookup, { adapt }) : lookup;
}

/** The module path of a weight name: `<module>.weight` -> `<module>`. */
export function moduleOf(weightName: string): string {
  return weightName.endsWith('.weight') ? weightName.slice(0, -'.weight'.length) : weightName;
}
