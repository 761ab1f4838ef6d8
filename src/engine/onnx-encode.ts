/**
 * A minimal protobuf encoder for the handful of ONNX messages the engine emits (ModelProto, GraphProto, NodeProto,
 * AttributeProto (including subgraphs), TensorProto, ValueInfoProto). Field numbers follow onnx/onnx.proto. Writing these few messages
 * directly keeps model emission allocation-light and free of generated-code quirks; nothing here knows about graphs.
 */

import { ONNX_DTYPE, type DType } from './dtype.js';

/** Growable byte buffer with protobuf wire-format primitives. */
class Writer {
  private buf = new Uint8Array(256);
  private len = 0;

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  varint(value: number | bigint): void {
    // Negative int64 values are written as 10-byte two's complement varints, as protobuf requires.
    let v = BigInt.asUintN(64, BigInt(value));
    this.ensure(10);
    while (v >= 0x80n) {
      this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.len++] = Number(v);
  }

  private smallVarint(value: number): void {
    // Fast path for tags and lengths (non-negative, < 2^31).
    this.ensure(5);
    let v = value >>> 0;
    while (v >= 0x80) {
      this.buf[this.len++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.len++] = v;
  }

  tag(field: number, wire: number): void {
    this.smallVarint((field << 3) | wire);
  }

  bytes(field: number, data: Uint8Array): void {
    this.tag(field, 2);
    this.smallVarint(data.length);
    this.ensure(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
  }

  string(field: number, s: string): void {
    this.bytes(field, new TextEncoder().encode(s));
  }

  int(field: number, v: number | bigint): void {
    this.tag(field, 0);
    this.varint(v);
  }

  float(field: number, v: number): void {
    this.tag(field, 5);
    this.ensure(4);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 4).setFloat32(0, v, true);
    this.len += 4;
  }

  message(field: number, write: (w: Writer) => void): void {
    const inner = new Writer();
    write(inner);
    this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

/** Where an initializer's bytes lie in an external data file (TensorProto.external_data), relative to the model file. */
export interface ExternalRef {
  location: string;
  offset: number;
  length: number;
}

/**
 * A tensor stored in the model (an initializer or an attribute value), as raw little-endian bytes, or (`external`)
 * as a reference into a data file beside the model, in which case `raw` is not written.
 */
export interface TensorProtoSpec {
  name: string;
  dtype: DType;
  dims: readonly number[];
  raw: Uint8Array;
  external?: ExternalRef;
}

export type AttributeSpec =
  | { kind: 'graph'; value: GraphProtoSpec }
  | { kind: 'float'; value: number }
  | { kind: 'int'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'tensor'; value: TensorProtoSpec }
  | { kind: 'floats'; value: readonly number[] }
  | { kind: 'ints'; value: readonly number[] };

export interface NodeProtoSpec {
  opType: string;
  domain?: string;
  name: string;
  /** Empty string = omitted optional input/output. */
  inputs: readonly string[];
  outputs: readonly string[];
  attributes: Readonly<Record<string, AttributeSpec>>;
}

/** A graph input or output: name, element type and shape (numbers are fixed, strings symbolic). */
export interface ValueInfoSpec {
  name: string;
  dtype: DType;
  shape: readonly (number | string)[];
}

export interface GraphProtoSpec {
  name: string;
  nodes: readonly NodeProtoSpec[];
  initializers: readonly TensorProtoSpec[];
  inputs: readonly ValueInfoSpec[];
  outputs: readonly ValueInfoSpec[];
}

export interface ModelProtoSpec {
  irVersion: number;
  opsets: readonly { domain: string; version: number }[];
  producer: string;
  graph: GraphProtoSpec;
}

const ATTR_TYPE = { float: 1, int: 2, string: 3, tensor: 4, graph: 5, floats: 6, ints: 7 } as const;

function writeTensor(w: Writer, t: TensorProtoSpec): void {
  for (const d of t.dims) w.int(1, d);
  w.int(2, ONNX_DTYPE[t.dtype]);
  w.string(8, t.name);
  if (!t.external) {
    w.bytes(9, t.raw);
    return;
  }
  const entries: [string, string][] = [
    ['location', t.external.location],
    ['offset', String(t.external.offset)],
    ['length', String(t.external.length)],
  ];
  for (const [key, value] of entries) {
    w.message(13, (e) => {
      e.string(1, key);
      e.string(2, value);
    });
  }
  w.int(14, 1); // data_location = EXTERNAL
}

/** One TensorProto's bytes (for splicing initializers into an encoded graph). */
export function encodeTensor(t: TensorProtoSpec): Uint8Array {
  const w = new Writer();
  writeTensor(w, t);
  return w.finish();
}

function writeAttribute(w: Writer, name: string, a: AttributeSpec): void {
  w.string(1, name);
  switch (a.kind) {
    case 'float':
      w.float(2, a.value);
      break;
    case 'int':
      w.int(3, a.value);
      break;
    case 'string':
      w.string(4, a.value);
      break;
    case 'tensor':
      w.message(5, (inner) => writeTensor(inner, a.value));
      break;
    case 'graph':
      w.message(6, (inner) => writeGraph(inner, a.value));
      break;
    case 'floats':
      for (const f of a.value) w.float(7, f);
      break;
    case 'ints':
      for (const i of a.value) w.int(8, i);
      break;
  }
  w.int(20, ATTR_TYPE[a.kind]);
}

function writeNode(w: Writer, n: NodeProtoSpec): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name);
  w.string(4, n.opType);
  for (const [name, a] of Object.entries(n.attributes)) w.message(5, (inner) => writeAttribute(inner, name, a));
  if (n.domain) w.string(7, n.domain);
}

function writeValueInfo(w: Writer, v: ValueInfoSpec): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensorType) => {
      tensorType.int(1, ONNX_DTYPE[v.dtype]);
      tensorType.message(2, (shape) => {
        for (const d of v.shape) {
          shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
        }
      });
    }),
  );
}

function writeGraph(g: Writer, spec: GraphProtoSpec): void {
  for (const n of spec.nodes) g.message(1, (inner) => writeNode(inner, n));
  g.string(2, spec.name);
  for (const t of spec.initializers) g.message(5, (inner) => writeTensor(inner, t));
  for (const v of spec.inputs) g.message(11, (inner) => writeValueInfo(inner, v));
  for (const v of spec.outputs) g.message(12, (inner) => writeValueInfo(inner, v));
}

/** Serialises a model to ONNX protobuf bytes. */
export function encodeModel(m: ModelProtoSpec): Uint8Array {
  const w = new Writer();
  w.int(1, m.irVersion);
  w.string(2, m.producer);
  w.message(7, (g) => writeGraph(g, m.graph));
  for (const o of m.opsets) {
    w.message(8, (inner) => {
      if (o.domain) inner.string(1, o.domain);
      inner.int(2, o.version);
    });
  }
  return w.finish();
}
