/**
 * Quantized Linear weights in an inference graph: which weights a build reads block-quantized (a scheme and a set of
 * names), the graph inputs that replace each of them (`<name>.qweight` uint8 codes, `<name>.scales` float32,
 * `<name>.qzeros` uint8 when asymmetric - all bound as initializers so ONNX Runtime pre-packs them), and the arrays a
 * session is given for them. The float weight itself leaves the graph.
 */

import { blobBytes, blocksPerRow, zeroPointRowBytes, type QuantizedMatrix, type QuantScheme } from './block-quantize.js';
import type { Graph } from './graph.js';
import type { ModelDef, WeightSpec } from './model.js';
import type { QuantizedWeightValues } from './ops/quantized-matmul.js';

/** Which weights an inference graph reads quantized, and how. */
export interface QuantizedSelection {
  readonly scheme: QuantScheme;
  /** Names of 2-D Linear weights [out, in]. */
  readonly names: ReadonlySet<string>;
}

export interface QuantizedPartNames {
  readonly packed: string;
  readonly scales: string;
  readonly zeroPoints: string;
}

export function quantizedPartNames(name: string): QuantizedPartNames {
  return { packed: `${name}.qweight`, scales: `${name}.scales`, zeroPoints: `${name}.qzeros` };
}

/** The weight specs that replace the float weight `spec` [N, K] under `scheme`. */
export function quantizedSpecs(spec: WeightSpec, scheme: QuantScheme): WeightSpec[] {
  if (spec.shape.length !== 2) throw new Error(`quantized weight '${spec.name}' must be 2-D [out, in], got [${spec.shape.join(', ')}]`);
  const [n, k] = spec.shape as [number, number];
  const parts = quantizedPartNames(spec.name);
  if (scheme.channels) {
    return [
      { name: parts.packed, shape: [k, n], dtype: 'int8', bound: true },
      { name: parts.scales, shape: [n], bound: true },
    ];
  }
  const blocks = blocksPerRow(k, scheme.blockSize);
  const specs: WeightSpec[] = [
    { name: parts.packed, shape: [n, blocks, blobBytes(scheme)], dtype: 'uint8', bound: true },
    { name: parts.scales, shape: [n * blocks], bound: true },
  ];
  if (!scheme.symmetric) specs.push({ name: parts.zeroPoints, shape: [n * zeroPointRowBytes(scheme, k)], dtype: 'uint8', bound: true });
  return specs;
}

/** Graph inputs for the quantized form of `spec`. */
export function quantizedInputs(graph: Graph, spec: WeightSpec, scheme: QuantScheme): QuantizedWeightValues {
  const [packed, scales, zeroPoints] = quantizedSpecs(spec, scheme).map((s) => graph.input(s.name, s.dtype ?? 'float32', s.shape));
  const [n, k] = spec.shape as [number, number];
  return { scheme, n, k, packed: packed!, scales: scales!, zeroPoints: zeroPoints ?? null };
}

/** The arrays of a quantized matrix under the graph input names of weight `name`. */
export function quantizedArrays(name: string, q: QuantizedMatrix): [string, Float32Array | Uint8Array][] {
  const parts = quantizedPartNames(name);
  const out: [string, Float32Array | Uint8Array][] = [
    [parts.packed, q.packed],
    [parts.scales, q.scales],
  ];
  if (q.zeroPoints) out.push([parts.zeroPoints, q.zeroPoints]);
  return out;
}

/** `selection` restricted to the weights `model` has (one selection can then serve several graphs of a family). */
export function selectionFor(model: ModelDef, selection: QuantizedSelection | undefined): QuantizedSelection | undefined {
  if (!selection) return undefined;
  const own = new Set([...model.params, ...(model.frozen ?? [])].map((w) => w.name));
  return { scheme: selection.scheme, names: new Set([...selection.names].filter((n) => own.has(n))) };
}
