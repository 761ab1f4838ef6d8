/**
 * `report.html`: the same content as report.md in one self-contained page: inline CSS, the figures' SVG inlined,
 * thumbnails as data: URIs, no script, no external URL (a Content-Security-Policy meta forbids any fetch but data:
 * images and the inline style). Accessible: a language, one h1 and nested headings, tables with captions and header
 * cells with scope, alt text on images, labelled figures, dark text on white (contrast above 7:1).
 */
import { SELECTION_RULES } from '../data/answer-selection.js';
import { ANSWER_TYPES } from '../data/types.js';
import { ACCURACY_METRICS, type AccuracyMetric } from '../eval/accuracy.js';
import type { ReportDocument } from './document.js';
import { escapeHtml as e, fmt2, fmtInterval, fmtP, fmtSeconds, fmtSigned, fmtTimings } from './format.js';
import { answerCounts } from './gallery.js';
import { GALLERY_CATEGORIES, GALLERY_HEADINGS } from './gallery-groups.js';
import { qualityHtml } from './quality-section.js';
import { quantizationLine, quantizedColumns } from './quantized-columns.js';
import { decidedByLine, historySummary, levelName, SELECTION_STEP_NAMES, selectionCells } from './summary.js';

export interface HtmlAssets {
  /** SVG text of each figure, by figure name. */
  svgs: ReadonlyMap<string, string>;
  /** data: URI of each gallery example's thumbnail (same order as the examples), null when none. */
  thumbnails: readonly (string | null)[];
}

const CSS = `
:root { color-scheme: light; }
body { font-family: "DejaVu Sans", system-ui, sans-serif; color: #1a1a1a; background: #ffffff; margin: 0 auto;
  max-width: 72rem; padding: 1rem 1.5rem 3rem; line-height: 1.45; }
h1 { font-size: 1.8rem; } h2 { font-size: 1.4rem; margin-top: 2.2rem; border-bottom: 1px solid #8a8a8a; }
h3 { font-size: 1.15rem; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.92rem; }
caption { text-align: left; font-weight: bold; padding: 0.3rem 0; color: #1a1a1a; }
th, td { border: 1px solid #8a8a8a; padding: 0.3rem 0.55rem; vertical-align: top; }
thead th { background: #e8e8e8; }
tbody th { text-align: left; font-weight: normal; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
figure { margin: 1.2rem 0; } figcaption { color: #333333; font-size: 0.9rem; }
figure svg { max-width: 100%; height: auto; }
img.thumb { display: block; max-width: 128px; height: auto; }
code, pre { font-family: "DejaVu Sans Mono", monospace; font-size: 0.85rem; }
pre { background: #f4f4f4; border: 1px solid #cccccc; padding: 0.6rem; overflow-x: auto; }
.note { color: #333333; }
`;

const CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

function tableHtml(
  caption: string,
  header: readonly string[],
  rows: readonly { head: string; cells: readonly string[] }[],
  numeric: (col: number) => boolean,
): string {
  const head = header.map((h) => `<th scope="col">${h}</th>`).join('');
  const body = rows
    .map((r) => `<tr><th scope="row">${r.head}</th>${r.cells.map((c, i) => `<td${numeric(i) ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table>\n<caption>${caption}</caption>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

/** An SVG from vega prepared for inlining: namespace declarations dropped (HTML needs none), labelled as an image. */
export function inlineSvg(svg: string, label: string): string {
  return svg
    .replace(/\sxmlns(:\w+)?="[^"]*"/g, '')
    .replace(/:\/\//g, ':&#47;&#47;')
    .replace(/^<svg\b/, `<svg role="img" aria-label="${e(label)}"`);
}

function labelOf(doc: ReportDocument, id: string): string {
  return doc.models.find((m) => m.id === id)?.label ?? id;
}

function perType(doc: ReportDocument, metric: AccuracyMetric): string {
  return tableHtml(
    `Accuracy per answer type (${metric} metric, %)`,
    ['model', ...ANSWER_TYPES.map((t) => `${e(t)} (n=${doc.answerTypeCounts[t]})`)],
    doc.models.map((m) => ({ head: e(m.label), cells: ANSWER_TYPES.map((t) => fmt2(m.accuracy[metric].perAnswerType[t])) })),
    () => true,
  );
}

function gallery(doc: ReportDocument, thumbnails: readonly (string | null)[]): string {
  const parts = [
    '<h2 id="examples">Examples</h2>',
    '<p class="note">Each model\'s answer with its per-question accuracy (official metric, 0-1). The ten crowd answers are listed with their counts.</p>',
  ];
  for (const category of GALLERY_CATEGORIES) {
    const indexed = doc.gallery.examples.map((ex, i) => ({ ex, thumb: thumbnails[i] ?? null })).filter((x) => x.ex.category === category);
    const heading = `${GALLERY_HEADINGS[category]} (${indexed.length} of ${doc.gallery.counts[category]} shown)`;
    parts.push(`<h3>${e(heading)}</h3>`);
    if (indexed.length === 0) {
      parts.push('<p>None.</p>');
      continue;
    }
    parts.push(
      tableHtml(
        e(heading),
        ['image', 'question', 'answer type', 'the 10 answers', ...doc.models.map((m) => e(m.label))],
        indexed.map(({ ex, thumb }) => ({
          head: thumb ? `<img class="thumb" src="${thumb}" alt="${e(`photo ${ex.image} for the question: ${ex.question}`)}"><br>${e(ex.image)}` : e(ex.image),
          cells: [
            e(ex.question),
            e(ex.answer_type),
            e(answerCounts(ex.answers)),
            ...ex.models.map((a) => `${a.answer ? e(a.answer) : '<em>(empty)</em>'} (${a.accuracy.toFixed(2)})`),
          ],
        })),
        () => false,
      ),
    );
  }
  return parts.join('\n');
}

function provenance(doc: ReportDocument): string {
  const { dataset: d, provenance: p } = doc;
  const splits = Object.entries(d.splits)
    .map(([s, n]) => `${s} ${n}`)
    .join(', ');
  const items = [
    ['dataset', `${e(d.name)} at <code>${e(d.path)}</code>`],
    ['data hash', `<code>${e(d.hash)}</code>`],
    ['splits', e(splits) + (d.holdout ? `; validation held out of train: fraction ${d.holdout.fraction}, seed ${d.holdout.seed}` : '')],
    [
      'toolkit',
      `vizwiz ${e(p.vizwiz)}, Node ${e(p.node)}, git commit ${p.gitCommit ? `<code>${e(p.gitCommit)}</code>` : 'unknown'}, created ${e(p.createdAt)}`,
    ],
    [
      'packages',
      e(
        Object.entries(p.dependencies)
          .map(([n, v]) => `${n} ${v}`)
          .join(', '),
      ),
    ],
    ['statistics', `${e(doc.statistics.interval)}; ${e(doc.statistics.test)}`],
  ];
  const parts = ['<h2 id="provenance">Provenance</h2>', '<dl>', ...items.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`), '</dl>'];
  for (const m of doc.models) {
    parts.push(
      `<h3>${e(m.label)} (<code>${e(m.id)}</code>)</h3>`,
      `<p>${e(m.description)}</p>`,
      '<dl>',
      `<dt>seed</dt><dd>${m.seed}</dd>`,
      `<dt>prompt</dt><dd>${m.prompt ? `<code>${e(m.prompt.id)}</code>: <code>${e(m.prompt.template)}</code>` : 'none'}</dd>`,
      `<dt>answer selection</dt><dd>${
        m.answerSelection
          ? `<code>${e(m.answerSelection.rule)}</code> (${e(m.answerSelection.description)}); training targets decided by ${e(decidedByLine(m))}`
          : 'none'
      }</dd>`,
      ...(m.run ? [`<dt>run folder</dt><dd><code>${e(m.run.folder)}</code>, inputs key <code>${e(m.run.key)}</code></dd>`] : []),
      ...(m.quantized?.run
        ? [`<dt>${e(m.quantized.scheme)} run folder</dt><dd><code>${e(m.quantized.run.folder)}</code>, inputs key <code>${e(m.quantized.run.key)}</code></dd>`]
        : []),
      `<dt>timings</dt><dd>${e(fmtTimings(m.timings))}</dd>`,
      '</dl>',
      `<pre aria-label="${e(`configuration of ${m.label}`)}">${e(JSON.stringify(m.config ?? null, null, 2))}</pre>`,
    );
  }
  return parts.join('\n');
}

/** The whole HTML report. */
export function renderHtml(doc: ReportDocument, assets: HtmlAssets): string {
  const ci = `${levelName(doc.statistics.level)} CI`;
  const counts = ANSWER_TYPES.map((t) => `${t} ${doc.answerTypeCounts[t]}`).join(', ');
  const q = quantizedColumns(doc);
  const accuracy = tableHtml(
    `VizWiz accuracy on ${doc.questions} validation questions (%)`,
    ['model', 'VizWiz accuracy, official', ci, 'VizWiz accuracy, seed', ci, ...q.header.map((h) => e(h.replace(' (%)', '').replace(' (points)', ', points')))],
    doc.models.map((m) => ({
      head: e(m.label),
      cells: [
        fmt2(m.accuracy.official.overall),
        fmtInterval(m.accuracy.official.ci),
        fmt2(m.accuracy.seed.overall),
        fmtInterval(m.accuracy.seed.ci),
        ...q.cells(m),
      ],
    })),
    () => true,
  );
  const answerability = tableHtml(
    'Answerability (%): unanswerable is the positive class, F1 at threshold 0.5',
    ['model', 'average precision', 'F1'],
    doc.models.map((m) => ({ head: e(m.label), cells: [fmt2(m.answerability?.average_precision), fmt2(m.answerability?.f1)] })),
    () => true,
  );
  const pairwise =
    doc.pairwise.length === 0
      ? '<p>Only one model: nothing to compare.</p>'
      : tableHtml(
          'Paired comparisons (percentage points)',
          ['metric', 'model A', 'model B', 'A - B', ci, 'p-value', 'test', 'questions differing (A better / B better)'],
          doc.pairwise.map((p) => ({
            head: p.metric,
            cells: [
              e(labelOf(doc, p.a)),
              e(labelOf(doc, p.b)),
              fmtSigned(p.difference),
              fmtInterval(p.ci),
              fmtP(p.pValue),
              p.test,
              `${p.nonZero} (${p.aBetter} / ${p.bBetter})`,
            ],
          })),
          (i) => i >= 2 && i !== 5,
        );
  const training = tableHtml(
    'Training history (validation accuracy: official metric, %)',
    ['model', 'epochs', 'best epoch', 'best val accuracy', 'last train loss', 'last val loss', 'total epoch time'],
    doc.models.map((m) => {
      const h = historySummary(m);
      return { head: e(m.label), cells: [h.epochs, h.bestEpoch, h.bestAccuracy, h.trainLoss, h.valLoss, h.seconds === null ? '-' : fmtSeconds(h.seconds)] };
    }),
    () => true,
  );
  const targets = tableHtml(
    e('Training targets: the answer-selection rule and how many targets each of its steps decided ("-": not a step of the rule)'),
    ['model', 'answer selection', ...SELECTION_RULES.map((r) => SELECTION_STEP_NAMES[r])],
    doc.models.map((m) => {
      const s = selectionCells(m);
      return { head: e(m.label), cells: [e(s.rule), ...s.steps] };
    }),
    (i) => i >= 1,
  );
  const figures = doc.figures.map((f) => {
    const svg = assets.svgs.get(f.name) ?? '';
    return `<figure>\n${inlineSvg(svg, f.description)}\n<figcaption>${e(f.title)}: ${e(f.description)}.</figcaption>\n</figure>`;
  });
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<title>${e(doc.title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<h1>${e(doc.title)}</h1>
<p>Validation questions: ${doc.questions} (${e(counts)}); dataset ${e(doc.dataset.name)}.</p>
<p>${e(doc.metricNote)}</p>
<p>Metric variants:</p>
<ul>
${ACCURACY_METRICS.map((m) => `<li><strong>${m}</strong>: ${e(doc.metrics[m])}.</li>`).join('\n')}
</ul>
<h2 id="accuracy">VizWiz accuracy</h2>
${accuracy}
<p class="note">Intervals: ${e(doc.statistics.interval)}.</p>${doc.quantization ? `\n<p class="note">${e(quantizationLine(doc.quantization))}</p>` : ''}
<h2 id="per-type">Accuracy per answer type</h2>
${ACCURACY_METRICS.map((metric) => perType(doc, metric)).join('\n')}
<h2 id="answerability">Answerability</h2>
<p class="note">"-": the model gives no answerability confidence.</p>
${answerability}
<h2 id="paired">Paired comparisons</h2>
<p class="note">Difference of mean accuracy with a paired bootstrap interval, and ${e(doc.statistics.test)}.</p>
${pairwise}
<h2 id="training">Training</h2>
${training}
${targets}
<h2 id="figures">Figures</h2>
${figures.join('\n')}
${gallery(doc, assets.thumbnails)}
${qualityHtml(doc.quality)}
${provenance(doc)}
</main>
</body>
</html>
`;
}
