/**
 * Splices initializers into an already encoded ONNX model: the graph inputs they replace are dropped and the
 * TensorProtos are appended to the GraphProto (protobuf fields may come in any order). It reads only the top level of
 * ModelProto and GraphProto and the names of the graph inputs, so models built elsewhere (e.g. by a model module's
 * own buildInference call) can have their frozen weights bound without being rebuilt.
 */

const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const GRAPH_INPUT = 11;

interface Field {
  field: number;
  /** Whole field, tag included. */
  start: number;
  end: number;
  /** Payload of a length-delimited field. */
  payload?: [number, number];
}

function varint(b: Uint8Array, pos: number): [number, number] {
  let v = 0;
  let mul = 1;
  for (;;) {
    const byte = b[pos++];
    if (byte === undefined) throw new Error('onnx splice: truncated varint');
    v += (byte & 0x7f) * mul;
    if (byte < 0x80) return [v, pos];
    mul *= 128;
  }
}

function fields(b: Uint8Array, from = 0, to = b.length): Field[] {
  const out: Field[] = [];
  let pos = from;
  while (pos < to) {
    const start = pos;
    const [tag, p] = varint(b, pos);
    pos = p;
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    let payload: [number, number] | undefined;
    if (wire === 0) pos = varint(b, pos)[1];
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const [len, q] = varint(b, pos);
      payload = [q, q + len];
      pos = q + len;
    } else throw new Error(`onnx splice: unsupported wire type ${wire}`);
    out.push({ field, start, end: pos, ...(payload ? { payload } : {}) });
  }
  if (pos !== to) throw new Error('onnx splice: malformed message');
  return out;
}

function lengthDelimited(field: number, len: number): Uint8Array {
  const out: number[] = [];
  for (let v = field * 8 + 2; ; v = Math.floor(v / 128)) {
    if (v < 128) {
      out.push(v);
      break;
    }
    out.push((v % 128) | 0x80);
  }
  for (let v = len; ; v = Math.floor(v / 128)) {
    if (v < 128) {
      out.push(v);
      break;
    }
    out.push((v % 128) | 0x80);
  }
  return Uint8Array.from(out);
}

function inputName(b: Uint8Array, f: Field): string {
  const [from, to] = f.payload as [number, number];
  const name = fields(b, from, to).find((x) => x.field === 1)?.payload;
  return name ? new TextDecoder().decode(b.subarray(name[0], name[1])) : '';
}

/**
 * `model` with the graph inputs named in `drop` removed and `tensors` (encoded TensorProtos) added as initializers.
 * Every name in `drop` must be a graph input.
 */
export function spliceInitializers(model: Uint8Array, drop: ReadonlySet<string>, tensors: readonly Uint8Array[]): Uint8Array {
  const top = fields(model);
  const graphField = top.find((f) => f.field === MODEL_GRAPH);
  if (!graphField?.payload) throw new Error('onnx splice: the model has no graph');
  const graphParts: Uint8Array[] = [];
  const found = new Set<string>();
  for (const f of fields(model, ...graphField.payload)) {
    if (f.field === GRAPH_INPUT) {
      const name = inputName(model, f);
      if (drop.has(name)) {
        found.add(name);
        continue;
      }
    }
    graphParts.push(model.subarray(f.start, f.end));
  }
  const missing = [...drop].filter((n) => !found.has(n));
  if (missing.length > 0) throw new Error(`onnx splice: not graph inputs: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`);
  for (const t of tensors) graphParts.push(lengthDelimited(GRAPH_INITIALIZER, t.length), t);
  const graphLen = graphParts.reduce((a, p) => a + p.length, 0);
  const parts: Uint8Array[] = [];
  for (const f of top) {
    if (f === graphField) parts.push(lengthDelimited(MODEL_GRAPH, graphLen), ...graphParts);
    else parts.push(model.subarray(f.start, f.end));
  }
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}
