/**
 * Where the decoder's weights come from while a graph is built: each name resolves to a trainable parameter
 * (`ctx.param`) or to a constant graph input of the same name (`ctx.input`) - frozen weights stay out of the optimizer
 * and are never differentiated, which is how LoRA-style training keeps the base model fixed.
 */

import type { Value } from '../../engine/graph.js';
import type { BuildContext, InputSpec, ParamSpec } from '../../engine/model.js';

/** Resolves a weight name to its graph value. */
export type Weights = (name: string) => Value;

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
export function contextWeights(ctx: BuildContext, params: readonly ParamSpec[]): Weights {
  const trainable = new Set(params.map((p) => p.name));
  return (name) => (trainable.has(name) ? ctx.param(name) : ctx.input(name));
}
