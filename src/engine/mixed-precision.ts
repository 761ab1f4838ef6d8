/**
 * Mixed-precision training graphs (docs/decisions/011-half-precision.md, "LoRA training"), torch.cuda.amp's recipe
 * inside one graph:
 * - frozen float32 weights enter as float16 (converted once on the host by the session, weights.ts / half.ts), float32
 *   batch inputs and dropout masks are Cast to float16 where they enter, so activations compute in float16;
 * - trained parameters stay float32 graph inputs (the master copy) and are Cast to float16 where the model reads them;
 *   autodiff's Cast rule sends their gradients back to float32;
 * - the loss computes in float32: float16 model outputs are Cast before the loss (log-softmax, cross-entropy);
 * - loss scaling: the backward pass starts from the `loss_scale` input S instead of 1 (= the gradient of S x loss),
 *   the float32 gradients are multiplied by 1/S, and `grads_finite` (1 or 0) says whether every one is finite; a step
 *   graph keeps parameters and optimizer state unchanged when it is 0 (Where, bit for bit). The host picks S
 *   (loss-scale.ts, GradScaler's dynamic rule).
 * Float32 graphs never touch this module, so their bytes are what they were.
 */

import { GraphContext } from './context.js';
import type { Value } from './graph.js';
import type { BuildContext, InputSpec, LossDef, ParamSpec, WeightSpec } from './model.js';
import { cast } from './ops/cast.js';
import { abs, less, mul, reciprocal, sum, where } from './ops/elementwise.js';
import { reduceSum } from './ops/reduce.js';

/** The compute dtypes a training graph can have (float32 = no mixed precision). */
export type TrainDType = 'float32' | 'float16';

/** Graph input: the loss scale S (float32 scalar). */
export const LOSS_SCALE = 'loss_scale';
/** Graph output: 1 when every unscaled gradient is finite, else 0 (float32 scalar). */
export const GRADS_FINITE = 'grads_finite';

/** Frozen weights as a float16 graph reads them: float32 ones become float16, others (quantized codes) stay. */
export function halfFrozen(frozen: readonly WeightSpec[]): WeightSpec[] {
  return frozen.map((w) => ((w.dtype ?? 'float32') === 'float32' ? { ...w, dtype: 'float16' } : w));
}

/** A training-graph context computing in float16 over float32 parameters (see the module comment). */
export class MixedContext extends GraphContext {
  /** The loss scale S, a graph input. */
  readonly lossScale: Value;
  private readonly casts = new Map<Value, Value>();
  private lossPhase = false;

  constructor(
    graph: GraphContext['graph'],
    inputs: readonly InputSpec[],
    params: readonly ParamSpec[],
    frozen: readonly WeightSpec[],
    dropoutActive: boolean,
    maxBlock = Infinity,
  ) {
    super(graph, inputs, params, halfFrozen(frozen), dropoutActive, maxBlock);
    this.lossScale = graph.input(LOSS_SCALE, 'float32', []);
  }

  /** One Cast per float32 value, shared by every reader. */
  private half(v: Value): Value {
    if (v.dtype !== 'float32') return v;
    let c = this.casts.get(v);
    if (!c) {
      c = cast(v, 'float16');
      this.casts.set(v, c);
    }
    return c;
  }

  /** Float32 batch inputs as float16 in the forward pass; as fed (float32) while the loss is built. */
  override input(name: string): Value {
    const v = super.input(name);
    return this.lossPhase ? v : this.half(v);
  }

  /** Parameter blocks Cast to float16 (frozen weights are float16 already). */
  override weightBlocks(name: string): Value[] {
    return super.weightBlocks(name).map((b) => this.half(b));
  }

  /** The float32 graph inputs of a parameter (what gradients are taken with respect to). */
  masterBlocks(name: string): Value[] {
    return super.weightBlocks(name);
  }

  /** Masks are fed as float32 (the session draws them so) and Cast to the activations' dtype. */
  protected override dropoutMask(name: string, x: Value): Value {
    return cast(this.graph.input(name, 'float32', x.shape), x.dtype);
  }

  /** The loss in float32: float16 outputs Cast up, float inputs (targets) as fed. */
  buildLoss(loss: LossDef, outputs: Readonly<Record<string, Value>>): { total: Value; terms: Record<string, Value> } {
    const up = Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.dtype === 'float16' ? cast(v, 'float32') : v]));
    this.lossPhase = true;
    try {
      return loss.build(this as BuildContext, up);
    } finally {
      this.lossPhase = false;
    }
  }

  /**
   * Gradients taken with seed S, multiplied by 1/S, and the flag that every one is finite: the sum of |g| over all
   * gradients is below +infinity (an infinity or a NaN anywhere makes it infinite or NaN, and NaN < inf is false).
   */
  unscale(scaled: readonly Value[]): { grads: Value[]; finite: Value } {
    const inv = reciprocal(this.lossScale);
    const grads = scaled.map((g) => mul(g, inv));
    const sums = grads.map((g) =>
      reduceSum(
        abs(g),
        g.shape.map((_, i) => i),
      ),
    );
    const total = sums.length === 1 ? (sums[0] as Value) : sum(sums);
    return { grads, finite: less(total, Infinity) };
  }
}

/** `next` where `finite` (bool scalar), else `old`: a skipped step keeps the old tensor bit for bit. */
export function keepUnlessFinite(finite: Value, next: Value, old: Value): Value {
  return where(finite, next, old);
}

/** The `grads_finite` output: the flag as float32 (1 or 0). */
export function finiteFlag(finite: Value): Value {
  return cast(finite, 'float32');
}
