/**
 * `report.md`: the seed report's table (model -> VizWiz accuracy) in both metric variants with confidence intervals,
 * accuracy per answer type, answerability, the paired tests, training summary, links to the figures, the examples
 * gallery (thumbnails as relative image files when there are any) and provenance. Every number comes from the
 * report document (`results.json`) and every table says which metric variant it uses. Text that comes from data or
 * from the user (labels, questions, answers, paths, prompts) goes through mdCell or mdCode, so it can never become a
 * link, an image or HTML in the reader's viewer.
 */
import { SELECTION_RULES } from '../data/answer-selection.js';
import { ANSWER_TYPES } from '../data/types.js';
import { ACCURACY_METRICS, type AccuracyMetric } from '../eval/accuracy.js';
import type { ReportDocument } from './document.js';
import { fmt2, fmtInterval, fmtP, fmtSeconds, fmtSigned, fmtTimings, mdCell, mdCode } from './format.js';
import { answerCounts } from './gallery.js';
import { GALLERY_CATEGORIES, GALLERY_HEADINGS } from './gallery-groups.js';
import { qualityMarkdown } from './quality-section.js';
import { quantizationLine, quantizedColumns } from './quantized-columns.js';
import { decidedByLine, historySummary, levelName, SELECTION_STEP_NAMES, selectionCells } from './summary.js';

function table(header: readonly string[], align: readonly ('l' | 'r')[], rows: readonly (readonly string[])[]): string[] {
  return [`| ${header.join(' | ')} |`, `|${align.map((a) => (a === 'r' ? '---:' : '---')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

function labelOf(doc: ReportDocument, id: string): string {
  return doc.models.find((m) => m.id === id)?.label ?? id;
}

/** The seed's table: one row per model, both metric variants with their intervals (and quantized, when scored). */
function accuracyTable(doc: ReportDocument): string[] {
  const ci = `${levelName(doc.statistics.level)} CI`;
  const q = quantizedColumns(doc);
  return table(
    ['model', 'VizWiz accuracy, official (%)', ci, 'VizWiz accuracy, seed (%)', ci, ...q.header],
    ['l', 'r', 'r', 'r', 'r', ...q.header.map((): 'r' => 'r')],
    doc.models.map((m) => [
      mdCell(m.label),
      fmt2(m.accuracy.official.overall),
      fmtInterval(m.accuracy.official.ci),
      fmt2(m.accuracy.seed.overall),
      fmtInterval(m.accuracy.seed.ci),
      ...q.cells(m),
    ]),
  );
}

function perTypeTable(doc: ReportDocument, metric: AccuracyMetric): string[] {
  return table(
    ['model', ...ANSWER_TYPES.map((t) => `${t} (n=${doc.answerTypeCounts[t]})`)],
    ['l', ...ANSWER_TYPES.map((): 'r' => 'r')],
    doc.models.map((m) => [mdCell(m.label), ...ANSWER_TYPES.map((t) => fmt2(m.accuracy[metric].perAnswerType[t]))]),
  );
}

function pairwiseTable(doc: ReportDocument): string[] {
  return table(
    ['metric', 'model A', 'model B', 'A - B (points)', `${levelName(doc.statistics.level)} CI`, 'p-value', 'test', 'questions differing (A better / B better)'],
    ['l', 'l', 'l', 'r', 'r', 'r', 'l', 'r'],
    doc.pairwise.map((p) => [
      p.metric,
      mdCell(labelOf(doc, p.a)),
      mdCell(labelOf(doc, p.b)),
      fmtSigned(p.difference),
      fmtInterval(p.ci),
      fmtP(p.pValue),
      p.test,
      `${p.nonZero} (${p.aBetter} / ${p.bBetter})`,
    ]),
  );
}

function gallerySection(doc: ReportDocument): string[] {
  const out: string[] = [
    '## Examples',
    '',
    "Each model's answer with its per-question accuracy (official metric, 0-1). The ten crowd answers are listed with their counts.",
  ];
  for (const category of GALLERY_CATEGORIES) {
    const examples = doc.gallery.examples.filter((e) => e.category === category);
    out.push('', `### ${GALLERY_HEADINGS[category]} (${examples.length} of ${doc.gallery.counts[category]} shown)`, '');
    if (examples.length === 0) {
      out.push('None.');
      continue;
    }
    const header = ['image', 'question', 'answer type', 'the 10 answers', ...doc.models.map((m) => mdCell(m.label))];
    out.push(
      ...table(
        header,
        header.map((): 'l' => 'l'),
        examples.map((e) => [
          e.thumbnail ? `![${mdCell(e.image)}](${e.thumbnail})` : mdCell(e.image),
          mdCell(e.question),
          e.answer_type,
          mdCell(answerCounts(e.answers)),
          ...e.models.map((a) => `${mdCell(a.answer) || '(empty)'} (${a.accuracy.toFixed(2)})`),
        ]),
      ),
    );
  }
  return out;
}

function provenanceSection(doc: ReportDocument): string[] {
  const { dataset: d, provenance: p } = doc;
  const splits = Object.entries(d.splits)
    .map(([s, n]) => `${s} ${n}`)
    .join(', ');
  const out = [
    '## Provenance',
    '',
    `- dataset: ${mdCell(d.name)} at ${mdCode(d.path)}`,
    `- data hash: ${mdCode(d.hash)}`,
    `- splits: ${splits}` + (d.holdout ? `; validation held out of train: fraction ${d.holdout.fraction}, seed ${d.holdout.seed}` : ''),
    `- vizwiz ${p.vizwiz}, Node ${p.node}, git commit ${p.gitCommit ? mdCode(p.gitCommit) : 'unknown'}, created ${p.createdAt}`,
    `- packages: ${Object.entries(p.dependencies)
      .map(([n, v]) => `${n} ${v}`)
      .join(', ')}`,
    `- statistics: ${doc.statistics.interval}; ${doc.statistics.test}`,
  ];
  for (const m of doc.models) {
    out.push('', `### ${mdCell(m.label)} (${mdCode(m.id)})`, '', mdCell(m.description), '');
    out.push(`- seed: ${m.seed}`);
    out.push(`- prompt: ${m.prompt ? `${mdCode(m.prompt.id)}: ${mdCode(m.prompt.template.replace(/\n/g, '\\n'))}` : 'none'}`);
    const s = m.answerSelection;
    const selection = s ? `${mdCode(s.rule)} (${mdCell(s.description)}); training targets decided by ${decidedByLine(m)}` : 'none';
    out.push(`- answer selection: ${selection}`);
    if (m.run) out.push(`- run folder: ${mdCode(m.run.folder)}, inputs key ${mdCode(m.run.key)}`);
    const qr = m.quantized?.run;
    if (qr) out.push(`- ${m.quantized!.scheme} run folder: ${mdCode(qr.folder)}, inputs key ${mdCode(qr.key)}`);
    out.push(`- timings: ${fmtTimings(m.timings)}`);
    out.push('- configuration:', '', '```json', JSON.stringify(m.config ?? null, null, 2), '```');
  }
  return out;
}

/** The whole Markdown report. */
export function renderMarkdown(doc: ReportDocument): string {
  const counts = ANSWER_TYPES.map((t) => `${t} ${doc.answerTypeCounts[t]}`).join(', ');
  const lines: string[] = [
    `# ${mdCell(doc.title)}`,
    '',
    `Validation questions: ${doc.questions} (${counts}); dataset ${mdCell(doc.dataset.name)}.`,
    '',
    mdCell(doc.metricNote),
    '',
    'Metric variants:',
    ...ACCURACY_METRICS.map((m) => `- **${m}**: ${doc.metrics[m]}.`),
    '',
    '## VizWiz accuracy',
    '',
    ...accuracyTable(doc),
    '',
    `Accuracy in percent; intervals: ${doc.statistics.interval}.`,
    '',
    ...(doc.quantization ? [mdCell(quantizationLine(doc.quantization)), ''] : []),
    ...ACCURACY_METRICS.flatMap((metric) => [`## Accuracy per answer type (${metric} metric, %)`, '', ...perTypeTable(doc, metric), '']),
    '## Answerability (%)',
    '',
    'Unanswerable is the positive class; F1 at a confidence threshold of 0.5. "-": the model gives no answerability confidence.',
    '',
    ...table(
      ['model', 'average precision', 'F1'],
      ['l', 'r', 'r'],
      doc.models.map((m) => [mdCell(m.label), fmt2(m.answerability?.average_precision), fmt2(m.answerability?.f1)]),
    ),
    '',
    '## Paired comparisons',
    '',
    `Difference of mean accuracy (percentage points) with a paired bootstrap interval, and ${doc.statistics.test}.`,
    '',
    ...(doc.pairwise.length > 0 ? pairwiseTable(doc) : ['Only one model: nothing to compare.']),
    '',
    '## Training',
    '',
    'Validation accuracy per epoch as recorded during training (official metric, %).',
    '',
    ...table(
      ['model', 'epochs', 'best epoch', 'best val accuracy', 'last train loss', 'last val loss', 'total epoch time'],
      ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
      doc.models.map((m) => {
        const h = historySummary(m);
        return [mdCell(m.label), h.epochs, h.bestEpoch, h.bestAccuracy, h.trainLoss, h.valLoss, h.seconds === null ? '-' : fmtSeconds(h.seconds)];
      }),
    ),
    '',
    'Training targets: the answer-selection rule and how many targets each of its steps decided ("-": not a step of the rule).',
    '',
    ...table(
      ['model', 'answer selection', ...SELECTION_RULES.map((r) => SELECTION_STEP_NAMES[r])],
      ['l', 'l', ...SELECTION_RULES.map((): 'r' => 'r')],
      doc.models.map((m) => {
        const s = selectionCells(m);
        return [mdCell(m.label), s.rule, ...s.steps];
      }),
    ),
    '',
    '## Figures',
    '',
    ...doc.figures.flatMap((f) => [`### ${mdCell(f.title)}`, '', `![${mdCell(f.description)}](${f.png})`, '', `[SVG](${f.svg}) · [PNG](${f.png})`, '']),
    ...gallerySection(doc),
    '',
    ...qualityMarkdown(doc.quality),
    ...provenanceSection(doc),
    '',
  ];
  return lines.join('\n');
}
