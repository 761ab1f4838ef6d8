/**
 * The BuildContext of a single-step or inference graph: declares batch inputs and parameters (whole, or as row blocks
 * when `maxBlock` is finite) as graph inputs and owns the dropout sites.
 */

import type { Graph, Value } from './graph.js';
import type { BuildContext, DropoutSite, InputSpec, ParamSpec } from './model.js';
import { mul } from './ops/elementwise.js';
import { joinShards, shardsOf } from './shards.js';

export class GraphContext implements BuildContext {
  readonly dropoutSites: DropoutSite[] = [];
  private readonly inputs = new Map<string, Value>();
  private readonly blocks = new Map<string, Value[]>();
  private readonly joined = new Map<string, Value>();

  constructor(
    readonly graph: Graph,
    inputs: readonly InputSpec[],
    params: readonly ParamSpec[],
    readonly dropoutActive: boolean,
    /** Largest parameter block in elements (Infinity = whole parameters). */
    maxBlock = Infinity,
  ) {
    for (const i of inputs) this.inputs.set(i.name, graph.input(i.name, i.dtype, i.shape));
    for (const p of params) {
      this.blocks.set(p.name, shardsOf(p, maxBlock).map((s) => graph.input(s.name, 'float32', s.shape)));
    }
  }

  input(name: string): Value {
    const v = this.inputs.get(name);
    if (!v) throw new Error(`no batch input '${name}' (declared: ${[...this.inputs.keys()].join(', ')})`);
    return v;
  }

  paramBlocks(name: string): Value[] {
    const b = this.blocks.get(name);
    if (!b) throw new Error(`no parameter '${name}'`);
    return b;
  }

  param(name: string): Value {
    let v = this.joined.get(name);
    if (!v) {
      v = joinShards(this.paramBlocks(name));
      this.joined.set(name, v);
    }
    return v;
  }

  dropout(x: Value, p: number): Value {
    if (!this.dropoutActive || p <= 0) return x;
    if (p >= 1) throw new Error(`dropout probability must be < 1, got ${p}`);
    const name = `dropout_mask.${this.dropoutSites.length}`;
    const mask = this.graph.input(name, x.dtype, x.shape); // (x), entries 0 or 1/(1-p)
    this.dropoutSites.push({ name, shape: x.shape, p });
    return mul(x, mask);
  }
}
