/** The hand-written ONNX encoder, decoded back with the protobufjs-generated onnx-proto messages. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** The decoded fields these tests read (onnx-proto types every field as optional). */
interface DAttr {
  name: string;
  i?: number | { toString(): string };
  f?: number;
  type: number;
  g?: DGraph;
}
interface DNode {
  opType: string;
  input: string[];
  output: string[];
  attribute: DAttr[];
}
interface DValueInfo {
  name: string;
  type?: { tensorType?: { shape?: { dim: { dimParam?: string; dimValue?: unknown }[] } } };
}
interface DTensor {
  name: string;
  dataType: number;
  rawData: Uint8Array;
}
interface DGraph {
  input: DValueInfo[];
  output: DValueInfo[];
  node: DNode[];
  initializer: DTensor[];
}
interface DModel {
  irVersion: unknown;
  opsetImport: { version: unknown }[];
  graph: DGraph;
}

function decode(bytes: Uint8Array): DModel {
  return onnx.ModelProto.decode(bytes) as unknown as DModel;
}
import { Graph } from '../../src/engine/graph.js';
import * as op from '../../src/engine/ops/index.js';

test('a graph with symbolic dims, attributes, initializers and a Loop subgraph decodes with onnx-proto', () => {
  const g = new Graph('enc');
  const x = g.input('x', 'float32', ['B', 3]);
  const w = g.constant('float32', [2, 3], Float32Array.of(1, 2, 3, 4, 5, 6), 'w');
  const y = op.gemm(x, w, null, { transB: true, alpha: 0.5 }); // (B, 2)
  const body = g.subgraph('body');
  const it = body.input('it', 'int64', []);
  const cond = body.input('cond', 'bool', []);
  const acc = body.input('acc', 'float32', ['B', 2]);
  body.output('cond_out', cond);
  body.output('acc_out', op.add(acc, y)); // reads `y` from the enclosing graph
  void it;
  const [looped] = g.addNode('Loop', [g.scalar(3, 'int64'), null, y], [{ dtype: 'float32', shape: ['B', 2] }], { body: { kind: 'subgraph', value: body } });
  g.output('out', looped!);
  const m = decode(g.encode());

  assert.equal(Number(m.irVersion), 9);
  assert.equal(Number(m.opsetImport[0]?.version), 20);
  const graph = m.graph;
  assert.deepEqual(
    graph.input.map((i) => i.name),
    ['x'],
  );
  const dims = graph.input[0]?.type?.tensorType?.shape?.dim ?? [];
  assert.equal(dims[0]?.dimParam, 'B');
  assert.equal(Number(dims[1]?.dimValue), 3);
  assert.deepEqual(
    graph.node.map((n) => n.opType),
    ['Gemm', 'Loop'],
  );
  const gemm = graph.node[0]!;
  const attrs = Object.fromEntries(gemm.attribute.map((a) => [a.name, a]));
  assert.equal(Number(attrs.transB?.i), 1);
  assert.equal(attrs.alpha?.f, 0.5);
  const init = graph.initializer.find((t) => t.name === w.name)!;
  assert.deepEqual(Array.from(new Float32Array(Uint8Array.from(init.rawData).buffer)), [1, 2, 3, 4, 5, 6]);
  const loop = graph.node[1]!;
  assert.deepEqual(loop.input, [graph.initializer.find((t) => t.dataType === 7)!.name, '', y.name]);
  const sub = loop.attribute[0]!.g!;
  assert.equal(loop.attribute[0]!.type, onnx.AttributeProto.AttributeType.GRAPH);
  assert.deepEqual(
    sub.input.map((i) => i.name),
    ['it', 'cond', 'acc'],
  );
  assert.deepEqual(
    sub.output.map((o) => o.name),
    ['cond_out', 'acc_out'],
  );
  assert.deepEqual(
    sub.node.map((n) => n.opType),
    ['Identity', 'Add'],
  );
  assert.equal(sub.node[1]!.input[1], y.name);
});

test('unused nodes and constants are pruned; unused optional outputs become empty names', () => {
  const g = new Graph('prune');
  const x = g.input('x', 'float32', [2, 4]);
  const w = g.input('w', 'float32', [4]);
  const b = g.input('b', 'float32', [4]);
  op.mul(x, 3); // dead
  const ln = op.layerNormFull(x, w, b);
  g.output('y', op.mul(ln.y, ln.invStd));
  const m = decode(g.encode());
  assert.deepEqual(
    m.graph.node.map((n) => n.opType),
    ['LayerNormalization', 'Mul'],
  );
  assert.deepEqual(m.graph.node[0]!.output, [ln.y.name, '', ln.invStd.name]);
  assert.equal(m.graph.initializer.length, 0);
});

test('names are unique across a model; a taken name is an error', () => {
  const g = new Graph('names');
  g.input('x', 'float32', [1]);
  assert.throws(() => g.input('x', 'float32', [1]), /already used/);
  const sub = g.subgraph('s');
  assert.throws(() => sub.input('x', 'float32', [1]), /already used/);
});
