/**
 * The inference graph of a model: inputs = the model's batch inputs and its weights (parameters and frozen weights
 * alike: nothing trains here; Linear weights chosen for quantization enter as their block-quantized parts); outputs =
 * the forward outputs, optionally with the loss terms (in float32 whatever the compute dtype); no dropout.
 */

import { GraphContext } from './context.js';
import type { Device } from './device.js';
import type { DType } from './dtype.js';
import { Graph, type Value } from './graph.js';
import type { InputSpec, LossDef, ModelDef, WeightSpec } from './model.js';
import { cast } from './ops/cast.js';
import type { QuantizedWeightValues } from './ops/quantized-matmul.js';
import { quantizedInputs, quantizedSpecs, type QuantizedSelection } from './quantized-weights.js';

export interface InferenceGraph {
  readonly bytes: Uint8Array;
  readonly inputs: readonly InputSpec[];
  /** Every weight the graph reads (the model's parameters, then its frozen weights). */
  readonly weights: readonly WeightSpec[];
  readonly outputs: readonly string[];
  /** The compute dtype: float weights enter in it (float16 ones as Uint16Array bits, converted once by the runner). */
  readonly dtype: ComputeDType;
}

/** The element type an inference graph computes in (float16: half precision, docs/decisions/011-half-precision.md). */
export type ComputeDType = 'float32' | 'float16';

/**
 * A context whose float32 batch inputs are Cast to the compute dtype on first use, so callers keep feeding float32 and
 * model code sees every float value in one dtype.
 */
class ComputeContext extends GraphContext {
  private readonly casts = new Map<string, Value>();
  computeDtype: DType = 'float32';
  fused = false;

  override input(name: string): Value {
    const v = super.input(name);
    if (v.dtype !== 'float32' || this.computeDtype === 'float32') return v;
    let c = this.casts.get(name);
    if (!c) {
      c = cast(v, this.computeDtype);
      this.casts.set(name, c);
    }
    return c;
  }
}

export interface InferenceOptions {
  /** Outputs to keep (default: all the model returns). */
  outputs?: readonly string[];
  /** Also compute the loss terms: the loss's inputs become graph inputs too. */
  loss?: LossDef;
  /**
   * Linear weights to read block-quantized (MatMulNBits): each named weight is replaced by its quantized parts
   * (quantized-weights.ts), which the runner binds as initializers. Names the model lacks are an error.
   */
  quantized?: QuantizedSelection;
  /**
   * The compute dtype (default float32). With 'float16' every float32 weight enters the graph as float16, float32 batch
   * inputs are Cast to float16 at the start and float16 outputs back to float32 at the end: callers feed and read
   * float32 as before. Not with `quantized` (MatMulNBits' scales and the quantized path are float32 here).
   */
  dtype?: ComputeDType;
  /**
   * Emit ONNX Runtime's fused inference kernels where the model's blocks have them (the context's `fused` flag:
   * RMS/Skip norms, rotary embedding, multi-head attention; docs/decisions/012-fused-ops.md). For the WebGPU provider,
   * whose kernels for these ops were checked against the goldens (`fusedFor(device)`); default false, which leaves
   * the graph byte for byte what it was.
   */
  fused?: boolean;
}

/** Whether inference graphs for `device` use the fused kernels: on WebGPU only (decision 012). */
export function fusedFor(device: Device): boolean {
  return device === 'webgpu';
}

export function buildInference(model: ModelDef, o: InferenceOptions = {}): InferenceGraph {
  const g = new Graph(`${model.name}_inference`);
  const inputs = [...model.inputs, ...(o.loss?.inputs ?? [])];
  const all = [...model.params, ...(model.frozen ?? [])];
  const q = o.quantized;
  const isQuantized = (w: WeightSpec): boolean => q?.names.has(w.name) ?? false;
  if (q) {
    const missing = [...q.names].filter((n) => !all.some((w) => w.name === n));
    if (missing.length > 0) throw new Error(`model ${model.name}: quantized weights not in the model: ${missing.join(', ')}`);
  }
  const params = model.params.filter((w) => !isQuantized(w));
  const frozen = (model.frozen ?? []).filter((w) => !isQuantized(w));
  const quantized = all.filter(isQuantized);
  const values = new Map<string, QuantizedWeightValues>(quantized.map((w) => [w.name, quantizedInputs(g, w, q!.scheme)]));
  const dtype = o.dtype ?? 'float32';
  if (dtype === 'float16' && q) {
    throw new Error(`model ${model.name}: float16 compute and block-quantized weights do not combine (the quantized path is float32)`);
  }
  // In float16, every float32 weight enters as float16 (all weights of an inference graph are constants alike).
  const inDtype = (w: WeightSpec): WeightSpec => (dtype !== 'float32' && (w.dtype ?? 'float32') === 'float32' ? { ...w, dtype } : w);
  const weightSpecs = [...params, ...frozen].map(inDtype);
  const ctx = new ComputeContext(g, inputs, dtype === 'float32' ? params : [], dtype === 'float32' ? frozen : weightSpecs, false, Infinity, values);
  ctx.computeDtype = dtype;
  ctx.fused = o.fused ?? false;
  const out = (name: string, v: Value): void => void g.output(name, v.dtype === 'float16' ? cast(v, 'float32') : v);
  const outputs = model.forward(ctx);
  const names = o.outputs ?? Object.keys(outputs);
  for (const name of names) {
    const v = outputs[name];
    if (!v) throw new Error(`model ${model.name} has no output '${name}'`);
    out(name, v);
  }
  const outputNames = [...names];
  if (o.loss) {
    // In float16 the loss computes in float32, as in mixed-precision training (mixed-precision.ts): the model's float16
    // outputs are Cast up and the loss's own inputs are read as fed.
    const up = dtype === 'float32' ? outputs : Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.dtype === 'float16' ? cast(v, 'float32') : v]));
    ctx.computeDtype = 'float32';
    const { total, terms } = o.loss.build(ctx, up);
    out(o.loss.totalName, total);
    outputNames.push(o.loss.totalName);
    for (const [name, v] of Object.entries(terms)) {
      out(name, v);
      outputNames.push(name);
    }
  }
  const weights = [...weightSpecs, ...quantized.flatMap((w) => quantizedSpecs(w, q!.scheme))];
  return { bytes: g.encode(), inputs, weights, outputs: outputNames, dtype };
}
