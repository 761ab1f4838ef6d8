/**
 * The loss scale of mixed-precision training (mixed-precision.ts), chosen on the host step by step as
 * torch.cuda.amp.GradScaler does: start at `init` (2^16); a step whose gradients are not finite is skipped by the
 * graph and halves the scale (`backoff` 0.5); after `interval` (2000) finite steps in a row it doubles (`growth` 2).
 * A static scale (`dynamic: false`) never changes; overflowing steps are still skipped. Float16 gradients underflow
 * below 6e-8 (2^-24); the scale lifts small ones into range, and backing off on overflow finds the largest that fits.
 */

import { VizWizError } from '../errors.js';

export interface LossScaleConfig {
  /** First scale (GradScaler: 2^16). */
  init: number;
  /** false: a static scale of `init`. */
  dynamic: boolean;
  /** Factor after `interval` finite steps in a row (2). */
  growth: number;
  /** Factor after a non-finite step (0.5). */
  backoff: number;
  /** Finite steps in a row before growing (2000). */
  interval: number;
}

export const LOSS_SCALE_DEFAULTS: Readonly<LossScaleConfig> = { init: 2 ** 16, dynamic: true, growth: 2, backoff: 0.5, interval: 2000 };

/** The scaler's state (what a checkpoint keeps to resume exactly). */
export interface LossScaleState {
  scale: number;
  /** Finite steps since the last change. */
  goodSteps: number;
}

export function lossScaleConfig(c: Partial<LossScaleConfig> = {}): LossScaleConfig {
  const out = { ...LOSS_SCALE_DEFAULTS, ...c };
  const bad = (what: string): never => {
    throw new VizWizError('INVALID_ARGUMENT', `loss scale: ${what}`);
  };
  if (!(out.init > 0) || !Number.isFinite(out.init)) bad(`init must be a finite number > 0, got ${out.init}`);
  if (!(out.growth >= 1) || !Number.isFinite(out.growth)) bad(`growth must be >= 1, got ${out.growth}`);
  if (!(out.backoff > 0 && out.backoff <= 1)) bad(`backoff must be in (0, 1], got ${out.backoff}`);
  if (!Number.isInteger(out.interval) || out.interval < 1) bad(`interval must be an integer >= 1, got ${out.interval}`);
  return out;
}

export class LossScaler {
  private state_: LossScaleState;
  readonly config: LossScaleConfig;

  constructor(c: Partial<LossScaleConfig> = {}, start?: LossScaleState) {
    this.config = lossScaleConfig(c);
    this.state_ = start ? { ...start } : { scale: this.config.init, goodSteps: 0 };
  }

  /** The scale to use for the next step. */
  get scale(): number {
    return this.state_.scale;
  }

  get state(): LossScaleState {
    return { ...this.state_ };
  }

  /** After a step: `finite` = its gradients were all finite (the step was applied). */
  update(finite: boolean): void {
    const c = this.config;
    if (!c.dynamic) return;
    if (!finite) {
      this.state_ = { scale: this.state_.scale * c.backoff, goodSteps: 0 };
      return;
    }
    const good = this.state_.goodSteps + 1;
    this.state_ = good >= c.interval ? { scale: this.state_.scale * c.growth, goodSteps: 0 } : { scale: this.state_.scale, goodSteps: good };
  }
}
