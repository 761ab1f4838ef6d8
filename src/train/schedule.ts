/**
 * Learning-rate schedules, evaluated outside the graph (the train-step graph takes `lr` as an input).
 * `step` counts optimizer updates from 0; `total` is the number of updates in the whole run.
 *   constant:          lr
 *   cosine:            linear warmup over `warmup` updates, then lr * 0.5 * (1 + cos(pi * progress)) down to `minLr`
 *   linear:            linear warmup, then linear decay to `minLr`
 */
import { VizWizError } from '../errors.js';

export const SCHEDULES = ['constant', 'cosine', 'linear'] as const;
export type ScheduleKind = (typeof SCHEDULES)[number];

export interface ScheduleConfig {
  kind: ScheduleKind;
  /** Peak learning rate. */
  lr: number;
  /** Warmup updates (default 0); also a fraction of the total when in (0, 1). */
  warmup?: number;
  /** Floor of the decaying schedules (default 0). */
  minLr?: number;
}

export function checkSchedule(config: ScheduleConfig): void {
  if (!(SCHEDULES as readonly string[]).includes(config.kind)) {
    throw new VizWizError('INVALID_ARGUMENT', `unknown schedule "${config.kind}"; use one of ${SCHEDULES.join(', ')}`);
  }
  if (!(config.lr > 0) || !Number.isFinite(config.lr)) {
    throw new VizWizError('INVALID_ARGUMENT', `learning rate must be a positive number, got ${config.lr}`);
  }
  if (config.warmup !== undefined && !(config.warmup >= 0)) {
    throw new VizWizError('INVALID_ARGUMENT', `warmup must be >= 0, got ${config.warmup}`);
  }
}

/** Warmup length in updates: a fraction in (0, 1) is taken of `total`. */
export function warmupSteps(config: ScheduleConfig, total: number): number {
  const w = config.warmup ?? 0;
  return w > 0 && w < 1 ? Math.round(w * total) : Math.floor(w);
}

export function learningRate(config: ScheduleConfig, step: number, total: number): number {
  const { kind, lr, minLr = 0 } = config;
  if (kind === 'constant') return lr;
  const warm = warmupSteps(config, total);
  if (step < warm) return (lr * (step + 1)) / warm;
  const span = Math.max(1, total - warm);
  const progress = Math.min(1, (step - warm) / span);
  const factor = kind === 'cosine' ? 0.5 * (1 + Math.cos(Math.PI * progress)) : 1 - progress;
  return minLr + (lr - minLr) * factor;
}
