/**
 * The comparison report's "Photo quality" section: for each quality head (one per encoder whose features it reads),
 * the validation average precision of every flag, how many validation photos have it, and the mean over the flags
 * present, as a results.json entry, Markdown lines and an HTML fragment (the report's own escaping and number
 * format: percent, two decimals; "-" for a flag with no positive photo, whose AP is undefined).
 */
import type { QualityRunRecord } from '../train/quality.js';
import type { QualityEvaluation } from '../train/quality-eval.js';
import { escapeHtml, fmt2, mdCell } from './format.js';

/** One quality head as the report shows it. */
export interface QualityReportEntry {
  /** e.g. 'clip-vit-l14-336'. */
  id: string;
  /** e.g. 'Quality head on CLIP ViT-L/14@336 features'. */
  label: string;
  evaluation: QualityEvaluation;
  bestEpoch: number;
  epochs: number;
}

/** The report entry of a trained head (its results.json). */
export function qualityReportEntry(id: string, label: string, record: QualityRunRecord): QualityReportEntry {
  return { id, label, evaluation: record.evaluation, bestEpoch: record.bestEpoch, epochs: record.config.epochs };
}

const FLAG_NAMES: Readonly<Record<string, string>> = {
  blur: 'blur',
  too_dark: 'too dark',
  too_bright: 'too bright',
  framing: 'framing',
  obstruction: 'obstruction',
  rotation: 'rotation',
  unrecognizable: 'no recognisable content',
};

const pct = (v: number | null): string => fmt2(v === null ? null : 100 * v);

function rows(entry: QualityReportEntry): string[][] {
  return [
    ...entry.evaluation.flags.map((s) => [FLAG_NAMES[s.flag] ?? s.flag, String(s.positives), pct(s.average_precision)]),
    ['mean over flags present', '', pct(entry.evaluation.mean_average_precision)],
  ];
}

function caption(entry: QualityReportEntry): string {
  const e = entry.evaluation;
  return (
    `${entry.label}: ${e.rows} validation photos` +
    `${e.missing > 0 ? ` (${e.missing} without a quality entry left out)` : ''}, a flag present when at least ${e.threshold} of 5 workers marked it; ` +
    `best epoch ${entry.bestEpoch} of ${entry.epochs}`
  );
}

export function qualityMarkdown(entries: readonly QualityReportEntry[]): string[] {
  if (entries.length === 0) return [];
  const lines = ['## Photo quality', '', 'Average precision (%) of each quality flag on validation; "-": no validation photo has the flag.', ''];
  for (const entry of entries) {
    lines.push(`${mdCell(caption(entry))}.`, '', '| flag | photos with it | AP (%) |', '|---|---:|---:|');
    // Flag names, counts and numbers are the toolkit's own text: only the caption goes through mdCell.
    for (const r of rows(entry)) lines.push(`| ${r.join(' | ')} |`);
    lines.push('');
  }
  return lines;
}

export function qualityHtml(entries: readonly QualityReportEntry[]): string {
  if (entries.length === 0) return '';
  const tables = entries.map((entry) => {
    const body = rows(entry)
      .map(([flag, n, ap]) => `<tr><th scope="row">${escapeHtml(flag ?? '')}</th><td>${escapeHtml(n ?? '')}</td><td>${escapeHtml(ap ?? '')}</td></tr>`)
      .join('\n');
    return `<table>\n<caption>${escapeHtml(caption(entry))}</caption>\n<thead><tr><th scope="col">flag</th><th scope="col">photos with it</th><th scope="col">AP (%)</th></tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
  });
  return `<h2 id="quality">Photo quality</h2>\n<p class="note">Average precision (%) of each quality flag on validation; "-": no validation photo has the flag.</p>\n${tables.join('\n')}`;
}
