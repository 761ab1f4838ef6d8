/**
 * How every block reads its weights while a graph is built: a `Weights` lookup resolves a name to the context's
 * weight (a trained parameter or a frozen weight - the ModelDef decides which) and may carry a Linear hook, through
 * which LoRA adds its low-rank branch to any Linear of any model. Frozen weights stay out of the optimizer and are
 * never differentiated, which is how LoRA-style training keeps the base model fixed.
 */

import type { Value } from '../../engine/graph.js';
import type { BuildContext, ParamSpec, WeightSpec } from '../../engine/model.js';
import type { QuantizedWeightValues } from '../../engine/ops/quantized-matmul.js';

/**
 * A hook on every Linear: given the module path (the weight name without `.weight`), the input and the base output,
 * returns the output to use - LoRA adds its low-rank branch here (lora/adapters.ts). Absent = the base output.
 */
export type LinearAdapter = (module: string, x: Value, y: Value) => Value;

/** Extra tensors and the Linear hook that uses them (LoRA adapters), for any model that takes them. */
export interface ModelAdapters {
  readonly params: readonly ParamSpec[];
  hook(ctx: BuildContext): LinearAdapter;
}

/**
 * Resolves a weight name to its graph value; `adapt` (optional) rewrites Linear outputs; `quantized` (optional) gives
 * the block-quantized form of a Linear weight that the graph reads quantized (inference graphs built with
 * `quantized`), which Linear layers then multiply with MatMulNBits.
 */
export interface Weights {
  (name: string): Value;
  readonly adapt?: LinearAdapter;
  readonly quantized?: (name: string) => QuantizedWeightValues | undefined;
  /** The context's `fused` flag: emit ONNX Runtime's fused inference kernels (engine/ops/fused.ts). */
  readonly fused?: boolean;
}

/** The Weights of a build context, with an optional Linear hook. */
export function weightsOf(ctx: BuildContext, adapt?: LinearAdapter): Weights {
  const lookup = (name: string): Value => ctx.weight(name);
  const quantized = ctx.quantized ? (name: string): QuantizedWeightValues | undefined => ctx.quantized?.(name) : undefined;
  return Object.assign(lookup, { ...(adapt ? { adapt } : {}), ...(quantized ? { quantized } : {}), ...(ctx.fused ? { fused: true } : {}) });
}

/** Which weights train: all (default), none, a list of names, or a predicate. */
export type TrainableSelection = 'all' | 'none' | readonly string[] | ((name: string) => boolean);

function isTrainable(sel: TrainableSelection, name: string): boolean {
  if (sel === 'all') return true;
  if (sel === 'none') return false;
  if (typeof sel === 'function') return sel(name);
  return sel.includes(name);
}

/** Splits weight specs into trainable parameters and frozen weights. */
export function splitWeights(specs: readonly ParamSpec[], sel: TrainableSelection): { params: ParamSpec[]; frozen: WeightSpec[] } {
  const params: ParamSpec[] = [];
  const frozen: WeightSpec[] = [];
  for (const s of specs) {
    if (isTrainable(sel, s.name)) params.push(s);
    else frozen.push({ name: s.name, shape: s.shape });
  }
  if (Array.isArray(sel)) {
    const known = new Set(specs.map((s) => s.name));
    const unknown = (sel as readonly string[]).filter((n) => !known.has(n));
    if (unknown.length > 0) throw new Error(`trainable weights not in the model: ${unknown.join(', ')}`);
  }
  return { params, frozen };
}

/** The module path of a weight name: `<module>.weight` -> `<module>`. */
export function moduleOf(weightName: string): string {
  return weightName.endsWith('.weight') ? weightName.slice(0, -'.weight'.length) : weightName;
}
