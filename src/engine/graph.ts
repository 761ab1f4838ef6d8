/**
 * The graph builder's core: symbolic tensors (`Value`) with a dtype and a static-or-symbolic shape, the nodes that
 * produce them, graph inputs, constants and outputs, and emission to ONNX bytes. Op helpers (ops/*.ts) and gradient
 * rules (grad/*.ts) append nodes through `Graph.addNode`; nodes are kept in creation order, which is a topological order
 * because a node can only consume values that already exist. A subgraph (a Loop body) may read values of its
 * ancestors by name, as ONNX allows; all graphs of one model share one name registry so names never shadow.
 */

import type { DType } from './dtype.js';
import { f32ToF16Bits, toFloat16 } from './half.js';
import { encodeModel, type AttributeSpec, type GraphProtoSpec, type NodeProtoSpec, type TensorProtoSpec } from './onnx-encode.js';

/** A dimension: a fixed size, or a symbolic name such as 'B' (the batch) resolved at run time. */
export type Dim = number | string;
export type Shape = readonly Dim[];

/** Default opset: 20 brings the Gelu op and axes-as-input reductions; ORT 1.30 implements it on every provider. */
const DEFAULT_OPSET = 20;
/** IR version 9 is what opset 20 requires at least; ORT 1.30 reads up to 11. */
const IR_VERSION = 9;
/** Version of every non-default op domain a graph uses (com.microsoft contrib ops: version 1 is the only one). */
const CONTRIB_OPSET = 1;

export class Value {
  /** Emitted name; graph outputs may rename a value before emission. */
  name: string;

  constructor(
    readonly graph: Graph,
    name: string,
    readonly dtype: DType,
    readonly shape: Shape,
    readonly producer: Node | null,
  ) {
    this.name = name;
  }

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    return `${this.name}: ${this.dtype}[${this.shape.join(', ')}]`;
  }
}

/** A node attribute: an ONNX attribute, or a subgraph (emitted as a GRAPH attribute). */
export type NodeAttr = AttributeSpec | { kind: 'subgraph'; value: Graph };

export interface Node {
  readonly id: number;
  readonly opType: string;
  readonly domain: string;
  /** `null` = an omitted optional input. */
  readonly inputs: readonly (Value | null)[];
  readonly outputs: readonly Value[];
  readonly attrs: Readonly<Record<string, NodeAttr>>;
}

/** Names used anywhere in one model (root graph and subgraphs). */
class NameRegistry {
  readonly used = new Set<string>();
  counter = 0;
}

export interface OutputSpec {
  dtype: DType;
  shape: Shape;
}

type ConstData = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array | Uint16Array | Int8Array;

export class Graph {
  readonly nodes: Node[] = [];
  readonly inputs: Value[] = [];
  readonly outputs: Value[] = [];
  private readonly constants: { value: Value; data: ConstData }[] = [];
  private readonly scalarCache = new Map<string, Value>();
  private readonly names: NameRegistry;
  /** Nodes whose outputs autodiff treats as constants (ops/stop-gradient.ts). */
  private readonly gradientStops = new Set<Node>();

  constructor(
    readonly name = 'graph',
    readonly opset = DEFAULT_OPSET,
    /** The enclosing graph of a subgraph. */
    readonly parent: Graph | null = null,
  ) {
    this.names = parent ? parent.names : new NameRegistry();
  }

  /** A subgraph (e.g. a Loop body) that may read this graph's values. */
  subgraph(name: string): Graph {
    return new Graph(name, this.opset, this);
  }

  /** Whether values of `g` are visible here (g is this graph or an ancestor). */
  sees(g: Graph): boolean {
    for (let cur: Graph | null = this; cur; cur = cur.parent) if (cur === g) return true;
    return false;
  }

  private fresh(prefix: string): string {
    let name: string;
    do name = `${prefix}_${this.names.counter++}`;
    while (this.names.used.has(name));
    this.names.used.add(name);
    return name;
  }

  private claim(name: string): void {
    if (this.names.used.has(name)) throw new Error(`graph '${this.name}': the name '${name}' is already used`);
    this.names.used.add(name);
  }

  /** Declares a graph input (fed at run time). */
  input(name: string, dtype: DType, shape: Shape): Value {
    this.claim(name);
    const v = new Value(this, name, dtype, shape, null);
    this.inputs.push(v);
    return v;
  }

  /** A constant tensor stored in the model as an initializer. */
  constant(dtype: DType, dims: readonly number[], data: ConstData, prefix = 'const'): Value {
    const n = dims.reduce((a, b) => a * b, 1);
    if (data.length !== n) throw new Error(`constant of shape [${dims.join(', ')}] needs ${n} elements, got ${data.length}`);
    const v = new Value(this, this.fresh(prefix), dtype, dims, null);
    this.constants.push({ value: v, data });
    return v;
  }

  /**
   * A float constant of `dtype` from float32 values: float32 as is, float16 rounded to nearest even on the host, so
   * model code builds tables (masks, position tables) once and gets them in the compute dtype of the graph.
   */
  floats(dtype: DType, dims: readonly number[], values: Float32Array, prefix = 'const'): Value {
    if (dtype === 'float32') return this.constant(dtype, dims, values, prefix);
    if (dtype === 'float16') return this.constant(dtype, dims, toFloat16(values), prefix);
    if (dtype === 'float64') return this.constant(dtype, dims, Float64Array.from(values), prefix);
    throw new Error(`floats: ${dtype} is not a float type`);
  }

  /** A cached scalar constant of `dtype` (rank 0; float16 rounded to nearest even, as a Cast would). */
  scalar(value: number, dtype: DType): Value {
    const key = `${dtype}:${Object.is(value, -0) ? '-0' : String(value)}`;
    const cached = this.scalarCache.get(key);
    if (cached) return cached;
    const v = this.constant(dtype, [], typedScalar(value, dtype), 'scalar');
    this.scalarCache.set(key, v);
    return v;
  }

  /** A 1-D int64 constant (axes, shapes, split sizes). */
  ints(values: readonly number[]): Value {
    return this.constant(
      'int64',
      [values.length],
      BigInt64Array.from(values, (x) => BigInt(x)),
      'ints',
    );
  }

  /** Whether `v` is a constant of this graph, and its data if so. */
  constantData(v: Value): ConstData | undefined {
    return this.constants.find((c) => c.value === v)?.data;
  }

  /**
   * Appends a node. It lands in the innermost graph among this one and its inputs' graphs (so an op mixing outer
   * values and a Loop body's values is built inside the body); all of them must lie on one chain of enclosing graphs.
   */
  addNode(
    opType: string,
    inputs: readonly (Value | null)[],
    outputs: readonly OutputSpec[],
    attrs: Readonly<Record<string, NodeAttr>> = {},
    domain = '',
  ): Value[] {
    let target: Graph = this;
    for (const i of inputs) if (i && i.graph !== target && i.graph.sees(target)) target = i.graph;
    for (const i of inputs) {
      if (i && !target.sees(i.graph)) throw new Error(`${opType}: input ${i.name} belongs to a graph not visible from '${target.name}'`);
    }
    const outs: Value[] = [];
    const node: Node = { id: target.nodes.length, opType, domain, inputs, outputs: outs, attrs };
    for (const o of outputs) outs.push(new Value(target, target.fresh(opType.toLowerCase()), o.dtype, o.shape, node));
    target.nodes.push(node);
    return outs;
  }

  /** Like addNode, for single-output ops. */
  op(opType: string, inputs: readonly (Value | null)[], out: OutputSpec, attrs: Readonly<Record<string, NodeAttr>> = {}): Value {
    const [v] = this.addNode(opType, inputs, [out], attrs);
    return v as Value;
  }

  /** Marks the node producing `v` as a gradient stop: autodiff passes no gradient through it (torch's detach). */
  stopGradientAt(v: Value): void {
    if (!v.producer || v.graph !== this) throw new Error(`stopGradientAt: ${v.name} is not produced by a node of graph '${this.name}'`);
    this.gradientStops.add(v.producer);
  }

  isGradientStop(n: Node): boolean {
    return this.gradientStops.has(n);
  }

  /** Marks `v` as a graph output called `name` (renaming it, or through an Identity when it cannot be renamed). */
  output(name: string, v: Value): Value {
    const renamable = v.graph === this && v.producer !== null && !this.outputs.includes(v) && !this.names.used.has(name);
    if (renamable) {
      this.names.used.add(name);
      v.name = name;
      this.outputs.push(v);
      return v;
    }
    this.claim(name);
    const id = this.op('Identity', [v], { dtype: v.dtype, shape: v.shape });
    id.name = name;
    this.outputs.push(id);
    return id;
  }

  /** Serialises to ONNX bytes (root graphs only). */
  encode(): Uint8Array {
    if (this.parent) throw new Error(`graph '${this.name}' is a subgraph; encode its root`);
    const spec = this.toSpec().spec;
    const extra = [...domainsOf(spec)].sort().map((domain) => ({ domain, version: CONTRIB_OPSET }));
    return encodeModel({ irVersion: IR_VERSION, opsets: [{ domain: '', version: this.opset }, ...extra], producer: 'vizwiz-engine', graph: spec });
  }

  /**
   * The GraphProto content, keeping only the nodes and constants the outputs depend on, plus the values of enclosing
   * graphs that this graph reads (`outer`), which keep those values alive in the enclosing graph.
   */
  toSpec(): { spec: GraphProtoSpec; outer: Set<Value> } {
    const live = new Set<Value>(this.outputs);
    const outer = new Set<Value>();
    const liveNodes: Node[] = [];
    const subSpecs = new Map<Graph, GraphProtoSpec>();
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const n = this.nodes[i] as Node;
      if (!n.outputs.some((o) => live.has(o))) continue;
      liveNodes.push(n);
      const reads: Value[] = n.inputs.filter((v): v is Value => v !== null);
      for (const a of Object.values(n.attrs)) {
        if (a.kind !== 'subgraph') continue;
        const sub = a.value.toSpec();
        subSpecs.set(a.value, sub.spec);
        reads.push(...sub.outer);
      }
      for (const v of reads) {
        if (v.graph === this) live.add(v);
        else outer.add(v);
      }
    }
    liveNodes.reverse();
    const nodes: NodeProtoSpec[] = liveNodes.map((n) => ({
      opType: n.opType,
      domain: n.domain,
      name: `n${n.id}_${n.opType}_${this.name}`,
      inputs: n.inputs.map((v) => (v ? v.name : '')),
      // Unused optional outputs (never the first) are emitted as '' so providers can skip computing them.
      outputs: trimTrailingEmpty(n.outputs.map((o, i) => (i === 0 || live.has(o) ? o.name : ''))),
      attributes: Object.fromEntries(
        Object.entries(n.attrs).map(([k, a]): [string, AttributeSpec] =>
          a.kind === 'subgraph' ? [k, { kind: 'graph', value: subSpecs.get(a.value) as GraphProtoSpec }] : [k, a],
        ),
      ),
    }));
    const initializers: TensorProtoSpec[] = this.constants
      .filter((c) => live.has(c.value))
      .map((c) => ({ name: c.value.name, dtype: c.value.dtype, dims: c.value.shape as number[], raw: toBytes(c.data) }));
    const spec: GraphProtoSpec = {
      name: this.name,
      nodes,
      initializers,
      inputs: this.inputs.map((v) => ({ name: v.name, dtype: v.dtype, shape: v.shape })),
      outputs: this.outputs.map((v) => ({ name: v.name, dtype: v.dtype, shape: v.shape })),
    };
    return { spec, outer };
  }
}

/** The non-default op domains that the nodes of `spec` and of its subgraphs use. */
function domainsOf(spec: GraphProtoSpec, into = new Set<string>()): Set<string> {
  for (const n of spec.nodes) {
    if (n.domain) into.add(n.domain);
    for (const a of Object.values(n.attributes)) if (a.kind === 'graph') domainsOf(a.value, into);
  }
  return into;
}

function trimTrailingEmpty(names: string[]): string[] {
  let end = names.length;
  while (end > 1 && names[end - 1] === '') end--;
  return names.slice(0, end);
}

function toBytes(data: ConstData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function typedScalar(value: number, dtype: DType): ConstData {
  switch (dtype) {
    case 'float32':
      return Float32Array.of(value);
    case 'float64':
      return Float64Array.of(value);
    case 'int64':
      return BigInt64Array.of(BigInt(value));
    case 'int32':
      return Int32Array.of(value);
    case 'int8':
      return Int8Array.of(value);
    case 'uint8':
    case 'bool':
      return Uint8Array.of(value);
    case 'float16':
      return Uint16Array.of(f32ToF16Bits(value));
  }
}
