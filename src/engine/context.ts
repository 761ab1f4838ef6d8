/**
 * BuildContexts: what model code sees while it emits a graph. `BlockParamsContext` holds what every context shares -
 * weights by name (trained parameters as row blocks joined on first use, frozen weights as plain values) and the
 * dropout sites; subclasses decide where batch inputs and dropout masks come from. `GraphContext` serves single-step,
 * gradient and inference graphs: inputs, parameters (whole, or as row blocks when `maxBlock` is finite), frozen
 * weights and masks are plain graph inputs.
 */

import type { Graph, Value } from './graph.js';
import type { BuildContext, DropoutSite, InputSpec, ParamSpec, WeightSpec } from './model.js';
import { mul } from './ops/elementwise.js';
import type { QuantizedWeightValues } from './ops/quantized-matmul.js';
import { joinShards, shardsOf } from './shards.js';

export abstract class BlockParamsContext implements BuildContext {
  readonly dropoutSites: DropoutSite[] = [];
  private readonly joined = new Map<string, Value>();

  constructor(
    readonly graph: Graph,
    /** Weight name -> its row blocks (one block when whole; always one for a frozen weight). */
    private readonly blocks: ReadonlyMap<string, readonly Value[]>,
    readonly dropoutActive: boolean,
    /** Linear weights read block-quantized (inference graphs only), by the float weight's name. */
    private readonly quantizedWeights: ReadonlyMap<string, QuantizedWeightValues> = new Map(),
  ) {}

  abstract input(name: string): Value;

  /** The mask value for a new dropout site called `name` over activations like `x`. */
  protected abstract dropoutMask(name: string, x: Value): Value;

  weightBlocks(name: string): Value[] {
    const b = this.blocks.get(name);
    if (!b && this.quantizedWeights.has(name)) {
      throw new Error(
        `weight '${name}' is block-quantized in this graph: only a Linear layer (dense, projectRows) can read it; leave it out of the quantized selection`,
      );
    }
    if (!b) throw new Error(`no weight '${name}' (neither a parameter nor a frozen weight of this model)`);
    return [...b];
  }

  weight(name: string): Value {
    let v = this.joined.get(name);
    if (!v) {
      v = joinShards(this.weightBlocks(name));
      this.joined.set(name, v);
    }
    return v;
  }

  quantized(name: string): QuantizedWeightValues | undefined {
    return this.quantizedWeights.get(name);
  }

  dropout(x: Value, p: number): Value {
    if (!this.dropoutActive || p <= 0) return x;
    if (p >= 1) throw new Error(`dropout probability must be < 1, got ${p}`);
    const name = `dropout_mask.${this.dropoutSites.length}`;
    const mask = this.dropoutMask(name, x); // (x), entries 0 or 1/(1-p)
    this.dropoutSites.push({ name, shape: x.shape, p });
    return mul(x, mask);
  }
}

/** Graph inputs of frozen weights, by name (float32 unless the spec says otherwise; static shapes). */
export function frozenInputs(graph: Graph, frozen: readonly WeightSpec[]): [string, Value[]][] {
  return frozen.map((w) => [w.name, [graph.input(w.name, w.dtype ?? 'float32', w.shape)]]);
}

export class GraphContext extends BlockParamsContext {
  private readonly inputs: ReadonlyMap<string, Value>;

  constructor(
    graph: Graph,
    inputs: readonly InputSpec[],
    params: readonly ParamSpec[],
    frozen: readonly WeightSpec[],
    dropoutActive: boolean,
    /** Largest parameter block in elements (Infinity = whole parameters). */
    maxBlock = Infinity,
    quantizedWeights: ReadonlyMap<string, QuantizedWeightValues> = new Map(),
  ) {
    const values = new Map(inputs.map((i) => [i.name, graph.input(i.name, i.dtype, i.shape)]));
    const blocks = new Map<string, Value[]>([
      ...params.map((p): [string, Value[]] => [p.name, shardsOf(p, maxBlock).map((s) => graph.input(s.name, 'float32', s.shape))]),
      ...frozenInputs(graph, frozen),
    ]);
    super(graph, blocks, dropoutActive, quantizedWeights);
    this.inputs = values;
  }

  input(name: string): Value {
    const v = this.inputs.get(name);
    if (!v) throw new Error(`no batch input '${name}' (declared: ${[...this.inputs.keys()].join(', ')})`);
    return v;
  }

  protected dropoutMask(name: string, x: Value): Value {
    return this.graph.input(name, x.dtype, x.shape);
  }
}
