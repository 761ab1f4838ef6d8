/**
 * The comparison's outputs: the report (results.json with every number, report.md, a self-contained report.html,
 * figures) through src/report, and a plain-text table of both metric variants for the terminal.
 */
import type { ImageSource } from '../data/image-source.js';
import { ANSWER_TYPES, type VizWizRecord } from '../data/types.js';
import type { Provenance } from '../provenance.js';
import { writeReport, type ReportDocument } from '../report/index.js';
import type { DatasetInfo } from './data.js';
import type { ModelRun } from './heads.js';
import type { QualityReportEntry } from '../report/quality-section.js';
import { QUANT_SCHEMES, type QuantScheme, type QuantSchemeName } from '../engine/block-quantize.js';

export interface ComparisonInputs {
  dataset: DatasetInfo;
  annotations: { train: string; val: string };
  records: readonly VizWizRecord[];
  images: ImageSource;
  runs: readonly ModelRun[];
  provenance: Provenance;
  seed: number;
  /** Photo-quality heads of the comparison (compare/quality.ts). */
  quality: QualityReportEntry[];
  /** compare --quantize: the scheme the quantized answers of `runs` were made with. */
  quantize?: QuantSchemeName;
}

/** The report's line on a --quantize comparison: the scheme, what was quantized, what was not. */
export function quantizationNote(scheme: QuantSchemeName): string {
  const s: QuantScheme = QUANT_SCHEMES[scheme];
  const how = s.channels
    ? `8-bit symmetric weights per output channel, activations quantized per row at run time (ONNX Runtime's integer GEMM, MatMulInteger)`
    : `weight-only block quantization (ONNX Runtime MatMulNBits, ${s.bits}-bit ${s.symmetric ? 'symmetric' : 'asymmetric with zero points'}, blocks of ${s.blockSize})`;
  return (
    `${how} of PaliGemma's Linear weights and tied embedding, its LoRA adapter applied on top in float32, and of CLIP's vision ` +
    'tower, whose validation features are extracted again for the heads trained on float32 features (not retrained); ' +
    'n/a: a model without quantizable weights (ResNet-50 convolutions, no image model, a server)'
  );
}

export interface ComparisonSummary {
  out: string;
  files: { resultsJson: string; reportMd: string; reportHtml: string };
  document: ReportDocument;
  table: string;
}

function signed(v: number): string {
  return `${v > 0 ? '+' : ''}${v.toFixed(2)}`;
}

function pct(v: number | null | undefined): string {
  return v === null || v === undefined ? '-' : v.toFixed(2);
}

/** One row per model: official overall (with its 95% interval), the seed variant, per type, answerability. */
function formatTable(doc: ReportDocument): string {
  const q = doc.quantization;
  const header = ['model', 'official', '95% CI', 'seed', ...ANSWER_TYPES, 'AP', 'F1', ...(q ? [q.scheme, 'diff'] : [])];
  const rows = doc.models.map((m) => [
    m.id,
    pct(m.accuracy.official.overall),
    `${pct(m.accuracy.official.ci.lower)}-${pct(m.accuracy.official.ci.upper)}`,
    pct(m.accuracy.seed.overall),
    ...ANSWER_TYPES.map((t) => pct(m.accuracy.official.perAnswerType[t])),
    pct(m.answerability?.average_precision),
    pct(m.answerability?.f1),
    ...(q ? [m.quantized ? pct(m.quantized.accuracy.official) : 'n/a', m.quantized ? signed(m.quantized.difference.official) : 'n/a'] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [
    `VizWiz accuracy on ${doc.questions} validation questions of ${doc.dataset.name} ` +
      '(official = leave-one-out over 10 annotators; seed = min(1, n/3) over all 10)',
    line(header),
    ...rows.map(line),
    ...(q ? [`${q.scheme} = official accuracy with quantized weights, diff = ${q.scheme} - float32 (points); ${q.description}`] : []),
  ].join('\n');
}

export async function writeComparison(out: string, c: ComparisonInputs): Promise<ComparisonSummary> {
  const { dataset } = c;
  const files = await writeReport(out, {
    title: 'VizWiz-VQA: ResNet-50 baseline vs CLIP + linear layers vs PaliGemma + LoRA',
    dataset: {
      name: dataset.name,
      path: dataset.path,
      hash: dataset.hash,
      splits: { train: dataset.train, val: dataset.val },
      ...(dataset.holdout !== null ? { holdout: { fraction: dataset.holdout, seed: c.seed } } : {}),
      annotations: c.annotations,
      smoke: dataset.smoke,
    },
    metricNote:
      `Validation split${dataset.holdout !== null ? ` held out of train (fraction ${dataset.holdout})` : ''}` +
      `${dataset.smoke ? ', smoke run (every split clipped to a few examples)' : ''}; predictions are normalised as the ` +
      'official evaluation does, ground truth as is.',
    models: c.runs.map((run) => ({
      id: run.id,
      label: run.label,
      description: run.description,
      config: run.config,
      seed: run.seed,
      ...(run.prompt ? { prompt: run.prompt } : {}),
      ...(run.answerSelection ? { answerSelection: run.answerSelection } : {}),
      run: run.run,
      ...(run.history ? { history: run.history } : {}),
      predictions: run.predictions,
      records: [...c.records],
      timings: run.timings,
      ...(run.quantized ? { quantized: { scheme: run.quantized.scheme, predictions: run.quantized.predictions, run: run.quantized.run } } : {}),
    })),
    provenance: c.provenance,
    images: c.images,
    quality: c.quality,
    ...(c.quantize !== undefined ? { quantization: { scheme: c.quantize, description: quantizationNote(c.quantize) } } : {}),
  });
  return {
    out,
    files: { resultsJson: files.resultsJson, reportMd: files.reportMd, reportHtml: files.reportHtml },
    document: files.document,
    table: formatTable(files.document),
  };
}
