/**
 * A model's training history in one table row: epochs run, the best epoch and its val accuracy (the history's metric,
 * official), the last epoch's losses (4 decimals) and the summed epoch time. Models without a history show "-".
 */
import { fmt2 } from './format.js';
import type { ModelResults } from './results.js';

export interface HistorySummary {
  epochs: string;
  bestEpoch: string;
  bestAccuracy: string;
  trainLoss: string;
  valLoss: string;
  /** Seconds over all epochs, or null without a history. */
  seconds: number | null;
}

const loss = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(4));

export function historySummary(model: Pick<ModelResults, 'history' | 'bestEpoch'>): HistorySummary {
  const history = model.history ?? [];
  const last = history[history.length - 1];
  if (last === undefined) return { epochs: '-', bestEpoch: '-', bestAccuracy: '-', trainLoss: '-', valLoss: '-', seconds: null };
  return {
    epochs: String(history.length),
    bestEpoch: model.bestEpoch ? String(model.bestEpoch.epoch) : '-',
    bestAccuracy: fmt2(model.bestEpoch?.valAccuracy),
    trainLoss: loss(last.trainLoss),
    valLoss: loss(last.valLoss),
    seconds: history.reduce((s, e) => s + (Number.isFinite(e.seconds) ? e.seconds : 0), 0),
  };
}

/** A confidence level as a percentage name: 0.95 -> "95%". */
export function levelName(level: number): string {
  return `${Number((100 * level).toPrecision(6))}%`;
}
