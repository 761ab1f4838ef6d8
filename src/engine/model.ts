/**
 * How models and losses are described to the engine: parameters (name, shape, initialiser: what training updates),
 * frozen weights (name, shape: constants the engine places per device - fed as inputs on the CPU, initializers on a
 * GPU), batch inputs, and a forward function that builds graph nodes through a BuildContext. The same ModelDef yields
 * every graph kind (inference, training step, epoch loop, gradients); the context decides whether dropout is live (a
 * mask input) or exactly absent.
 */

import type { DType } from './dtype.js';
import type { Graph, Shape, Value } from './graph.js';
import type { QuantizedWeightValues } from './ops/quantized-matmul.js';

/** Parameter initialisers, as torch's defaults need them. */
export type ParamInit =
  | { kind: 'uniform'; bound: number } // U(-bound, bound): torch Linear weight (kaiming_uniform a=sqrt(5)) and bias
  | { kind: 'constant'; value: number } // LayerNorm weight (1) and bias (0)
  | { kind: 'normal'; std: number };

/** A named weight of static shape: float32 unless `dtype` says otherwise (uint8 codes of a quantized weight). */
export interface WeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype?: DType;
  /** Bound into the model as an initializer on every device (quantized weights: ORT pre-packs constant ones). */
  readonly bound?: boolean;
}

export interface ParamSpec extends WeightSpec {
  readonly init: ParamInit;
}

export interface InputSpec {
  readonly name: string;
  readonly dtype: DType;
  /** Symbolic 'B' = the batch dim. */
  readonly shape: Shape;
}

/** A dropout site in a training graph: `name` is a graph input holding the mask (0 or 1/(1-p)), shaped like the activations. */
export interface DropoutSite {
  readonly name: string;
  readonly shape: Shape;
  readonly p: number;
}

export interface BuildContext {
  readonly graph: Graph;
  /** True in training-step graphs with dropout on. */
  readonly dropoutActive: boolean;
  input(name: string): Value;
  /** A weight by name: a trained parameter or a frozen weight, whichever the model declares. */
  weight(name: string): Value;
  /**
   * The weight as row blocks (shards.ts): one block unless the graph shards the parameter. Ops that can work blockwise
   * (a Linear's weight) use this to avoid materialising the joined tensor.
   */
  weightBlocks(name: string): Value[];
  /**
   * The block-quantized form of a Linear weight when the graph reads it quantized (inference graphs built with
   * `quantized`), else undefined: Linear layers then use MatMulNBits instead of `weight(name)`.
   */
  quantized?(name: string): QuantizedWeightValues | undefined;
  /** Inverted dropout: x * mask while training, x itself (no node at all) otherwise. */
  dropout(x: Value, p: number): Value;
  /**
   * True in inference graphs built with `fused` (buildInference): blocks emit ONNX Runtime's fused contrib kernels
   * (ops/fused.ts) where they have them. Absent in every other graph, which then is byte for byte what it was.
   */
  readonly fused?: boolean;
}

export interface ModelDef {
  readonly name: string;
  /** What training updates (every weight of an inference graph may be a parameter too). */
  readonly params: readonly ParamSpec[];
  /** Weights that never train (a LoRA base model): graph inputs or initializers, as the session's device prefers. */
  readonly frozen?: readonly WeightSpec[];
  readonly inputs: readonly InputSpec[];
  /** Builds the forward pass; returns named outputs (logits and anything worth exposing). */
  forward(ctx: BuildContext): Record<string, Value>;
}

export interface LossDef {
  /** Extra batch inputs (labels, targets). */
  readonly inputs: readonly InputSpec[];
  /** Graph-output name of the total loss. */
  readonly totalName: string;
  build(ctx: BuildContext, outputs: Readonly<Record<string, Value>>): { total: Value; terms: Record<string, Value> };
}
