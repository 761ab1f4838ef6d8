/**
 * Optimizers applied inside the training-step graph. Learning rate and step count are float64 graph inputs so that
 * schedules live outside the graph; the scalar arithmetic (bias corrections, step size, decay factor) runs in float64
 * and is cast to float32 once, as torch does with Python floats. The per-element update follows torch 1.13's
 * single-tensor Adam/AdamW order of operations so the result matches torch bit for bit where the kernels allow:
 *   [AdamW] p = p * (1 - lr * wd)          [Adam with wd] g = g + wd * p
 *   m = m * b1 + g * (1 - b1)
 *   v = v * b2 + (g * (1 - b2)) * g
 *   denom = sqrt(v) / sqrt(1 - b2^t) + eps
 *   p = p - (m * (lr / (1 - b1^t))) / denom
 */

import type { Graph, Value } from './graph.js';
import { add, div, mul, pow, sqrt, sub } from './ops/elementwise.js';
import { cast } from './ops/cast.js';

/** Per-graph scalars an optimizer computes once from `lr` and `step` and shares across parameters. */
export type OptimizerScalars = Readonly<Record<string, Value>>;

export interface Optimizer {
  readonly name: string;
  /** Per-parameter state slots, zero-initialised, shaped like the parameter. */
  readonly slots: readonly string[];
  prepare(g: Graph, lr: Value, step: Value): OptimizerScalars;
  update(param: Value, grad: Value, state: readonly Value[], s: OptimizerScalars): { param: Value; state: Value[] };
  /** Hyper-parameters, for checkpoints and results files. */
  readonly config: Readonly<Record<string, number | string | boolean>>;
}

export interface AdamConfig {
  beta1?: number; // 0.9
  beta2?: number; // 0.999
  eps?: number; // 1e-8
  /** L2 penalty added to the gradient (Adam) or decoupled decay (AdamW); applies to every parameter. */
  weightDecay?: number; // 0 for Adam, 0.01 for AdamW
}

function adamFamily(name: 'adam' | 'adamw', c: AdamConfig, decoupled: boolean): Optimizer {
  const beta1 = c.beta1 ?? 0.9;
  const beta2 = c.beta2 ?? 0.999;
  const eps = c.eps ?? 1e-8;
  const wd = c.weightDecay ?? (decoupled ? 0.01 : 0);
  return {
    name,
    slots: ['m', 'v'],
    config: { name, beta1, beta2, eps, weightDecay: wd },
    prepare(g, lr, step) {
      const bc1 = sub(g.scalar(1, 'float64'), pow(g.scalar(beta1, 'float64'), step)); // float64 ()
      const bc2 = sub(g.scalar(1, 'float64'), pow(g.scalar(beta2, 'float64'), step));
      const scalars: Record<string, Value> = {
        stepSize: cast(div(lr, bc1), 'float32'),
        bc2Sqrt: cast(sqrt(bc2), 'float32'),
      };
      if (decoupled && wd !== 0) scalars.decay = cast(sub(g.scalar(1, 'float64'), mul(lr, wd)), 'float32');
      return scalars;
    },
    update(p0, g0, [m0, v0], s) {
      if (!m0 || !v0) throw new Error(`${name}: missing state`);
      let p = p0;
      let g = g0;
      if (decoupled && s.decay) p = mul(p, s.decay); // (P)
      if (!decoupled && wd !== 0) g = add(g, mul(p, wd));
      const m = add(mul(m0, beta1), mul(g, 1 - beta1)); // (P)
      const v = add(mul(v0, beta2), mul(mul(g, 1 - beta2), g)); // (P)
      const denom = add(div(sqrt(v), s.bc2Sqrt as Value), eps); // (P)
      const next = sub(p, div(mul(m, s.stepSize as Value), denom)); // (P)
      return { param: next, state: [m, v] };
    },
  };
}

/** torch.optim.Adam (amsgrad off); `weightDecay` is the classic L2 term added to the gradient. */
export function adam(c: AdamConfig = {}): Optimizer {
  return adamFamily('adam', c, false);
}

/** torch.optim.AdamW: decoupled weight decay p *= 1 - lr * wd, applied to every parameter it is given. */
export function adamw(c: AdamConfig = {}): Optimizer {
  return adamFamily('adamw', c, true);
}
