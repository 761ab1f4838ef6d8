/**
 * The comparison's outputs: every model scored on the validation split with both metric variants, written to
 * OUT/results.json, with a plain-text table for the terminal.
 */
import { join } from 'node:path';
import type { ImageSource } from '../data/image-source.js';
import { ANSWER_TYPES, type VizWizRecord } from '../data/types.js';
import { evaluate } from '../eval/evaluate.js';
import { summarize, type EvaluationSummary } from '../eval/format.js';
import { writeJsonAtomic } from '../io/atomic-write.js';
import type { Provenance } from '../provenance.js';
import type { DatasetInfo } from './data.js';
import type { ModelRun } from './heads.js';

export interface ComparisonInputs {
  dataset: DatasetInfo;
  /** The validation annotations the predictions answer (score them with `vizwiz eval`). */
  valAnnotations: string;
  records: readonly VizWizRecord[];
  images: ImageSource;
  runs: readonly ModelRun[];
  options: unknown;
  provenance: Provenance;
  started: Date;
}

export interface ModelSummary {
  id: string;
  label: string;
  predictions: string;
  official: EvaluationSummary;
  seed: EvaluationSummary;
}

export interface ComparisonSummary {
  out: string;
  models: ModelSummary[];
  table: string;
}

function pct(v: number | null | undefined): string {
  return v === null || v === undefined ? '-' : v.toFixed(2);
}

export function formatTable(models: readonly ModelSummary[], dataset: DatasetInfo): string {
  const header = ['model', 'official', 'seed', ...ANSWER_TYPES, 'AP', 'F1'];
  const rows = models.map((m) => [
    m.id,
    pct(m.official.overall),
    pct(m.seed.overall),
    ...ANSWER_TYPES.map((t) => pct(m.official.perAnswerType[t])),
    pct(m.official.answerability?.average_precision),
    pct(m.official.answerability?.f1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [
    `VizWiz accuracy on ${dataset.val} validation questions of ${dataset.name} ` +
      '(official = leave-one-out over 10 annotators; seed = min(1, n/3) over all 10)',
    line(header),
    ...rows.map(line),
  ].join('\n');
}

export async function writeComparison(out: string, c: ComparisonInputs): Promise<ComparisonSummary> {
  const models = c.runs.map((run): ModelSummary => ({
    id: run.id,
    label: run.label,
    predictions: run.predictionsFile,
    official: summarize(evaluate(c.records, run.predictions, { metric: 'official' })),
    seed: summarize(evaluate(c.records, run.predictions, { metric: 'seed' })),
  }));
  await writeJsonAtomic(join(out, 'results.json'), {
    task: 'compare',
    dataset: { ...c.dataset, valAnnotations: c.valAnnotations },
    models: models.map((m, i) => ({ ...m, config: c.runs[i]!.config, history: c.runs[i]!.history, seconds: c.runs[i]!.seconds })),
    options: c.options,
    provenance: c.provenance,
    started: c.started.toISOString(),
  });
  return { out, models, table: formatTable(models, c.dataset) };
}
