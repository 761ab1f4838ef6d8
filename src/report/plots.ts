/**
 * The report's figures as vega-lite specifications, rendered to SVG by vega on Node (no browser, no canvas: text is
 * measured by vega's built-in estimate, so the same input gives the same SVG bytes) and to PNG by sharp (librsvg):
 * - per model with a training history, the seed report's Figures 5-6: train and val loss per epoch, and val VizWiz
 *   accuracy per epoch (the history's metric: official), side by side;
 * - one overlay of val accuracy per epoch for every model with a history;
 * - overall accuracy of every model, both metric variants, with the bootstrap confidence intervals as error bars.
 * Text uses DejaVu Sans, falling back to the generic sans-serif family.
 */
import sharp from 'sharp';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import type { EpochRecord } from '../train/trainer.js';
import type { ModelResults } from './model-results.js';
import type { ReportResults } from './results.js';

export interface FigureSpec {
  /** File stem under figures/, e.g. "curves-baseline". */
  name: string;
  title: string;
  /** Text alternative of the figure. */
  description: string;
  spec: TopLevelSpec;
}

export interface RenderedFigure {
  svg: string;
  png: Buffer;
  /** PNG size in pixels. */
  width: number;
  height: number;
}

const FONT = 'DejaVu Sans, sans-serif';

const CONFIG = {
  font: FONT,
  background: 'white',
  padding: 8,
  axis: { labelFontSize: 11, titleFontSize: 12, labelColor: '#222222', titleColor: '#222222' },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 240 },
  title: { fontSize: 14, color: '#111111', anchor: 'start' as const },
  range: { category: { scheme: 'tableau10' } },
};

/** Whole-number epoch ticks: every epoch up to 15 of them, otherwise about 10 (d3 then picks integer steps). */
function epochAxis(epochs: readonly number[]): { title: string; format: string; values?: number[]; tickCount?: number } {
  const lo = Math.min(...epochs);
  const hi = Math.max(...epochs);
  if (epochs.length === 0 || hi - lo >= 15) return { title: 'epoch', format: 'd', tickCount: 10 };
  return { title: 'epoch', format: 'd', values: Array.from({ length: hi - lo + 1 }, (_, k) => lo + k) };
}

const finite = (v: number): boolean => typeof v === 'number' && Number.isFinite(v);

/** Epoch markers only while they stay readable. */
const MAX_EPOCHS_WITH_POINTS = 30;

/** Train and val loss, and val accuracy, per epoch of one model (Figures 5-6 of the seed report). */
export function trainingCurvesSpec(label: string, history: readonly EpochRecord[]): TopLevelSpec {
  const losses = history.flatMap((e) => [
    ...(finite(e.trainLoss) ? [{ epoch: e.epoch, series: 'train loss', loss: e.trainLoss }] : []),
    ...(finite(e.valLoss) ? [{ epoch: e.epoch, series: 'val loss', loss: e.valLoss }] : []),
  ]);
  const accuracy = history.filter((e) => finite(e.valAccuracy)).map((e) => ({ epoch: e.epoch, accuracy: e.valAccuracy }));
  const points = history.length <= MAX_EPOCHS_WITH_POINTS;
  const axis = epochAxis(history.map((e) => e.epoch));
  return {
    title: `${label}: training curves`,
    description: `${label}: train and validation loss, and validation VizWiz accuracy (official), per epoch`,
    config: CONFIG,
    hconcat: [
      {
        title: 'loss',
        width: 300,
        height: 200,
        data: { values: losses },
        mark: { type: 'line', point: points },
        encoding: {
          x: { field: 'epoch', type: 'quantitative', axis },
          y: { field: 'loss', type: 'quantitative', title: 'cross-entropy loss' },
          color: {
            field: 'series',
            type: 'nominal',
            title: null,
            sort: ['train loss', 'val loss'],
            legend: { orient: 'top-right', fillColor: 'white', padding: 4 },
          },
        },
      },
      {
        title: 'val VizWiz accuracy (official)',
        width: 300,
        height: 200,
        data: { values: accuracy },
        mark: { type: 'line', color: '#59a14f', point: points ? { color: '#59a14f' } : false },
        encoding: {
          x: { field: 'epoch', type: 'quantitative', axis },
          y: { field: 'accuracy', type: 'quantitative', title: 'accuracy (%)', scale: { zero: false } },
        },
      },
    ],
    resolve: { scale: { color: 'independent' } },
  };
}

/** Val accuracy per epoch of every model with a history, one line each. */
export function accuracyOverlaySpec(models: readonly { label: string; history: readonly EpochRecord[] }[]): TopLevelSpec {
  const values = models.flatMap((m) =>
    m.history.filter((e) => finite(e.valAccuracy)).map((e) => ({ model: m.label, epoch: e.epoch, accuracy: e.valAccuracy })),
  );
  return {
    title: 'Validation VizWiz accuracy per epoch (official)',
    description: `validation VizWiz accuracy (official) per epoch of ${models.map((m) => m.label).join(', ')}`,
    config: CONFIG,
    width: 420,
    height: 240,
    data: { values },
    mark: { type: 'line', point: Math.max(...models.map((m) => m.history.length)) <= MAX_EPOCHS_WITH_POINTS },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', axis: epochAxis(values.map((v) => v.epoch)) },
      y: { field: 'accuracy', type: 'quantitative', title: 'accuracy (%)', scale: { zero: false } },
      color: { field: 'model', type: 'nominal', title: 'model', sort: models.map((m) => m.label) },
    },
  };
}

/** Overall accuracy of every model, both metric variants, with confidence-interval error bars. */
export function accuracyBarsSpec(models: readonly ModelResults[], level: number): TopLevelSpec {
  const values = models.flatMap((m) =>
    [m.accuracy.official, m.accuracy.seed].map((r) => ({ model: m.label, metric: r.metric, accuracy: r.overall, lower: r.ci.lower, upper: r.ci.upper })),
  );
  const shared = {
    x: { field: 'model', type: 'nominal' as const, sort: models.map((m) => m.label), axis: { labelAngle: 0, title: null } },
    xOffset: { field: 'metric', type: 'nominal' as const, sort: ['official', 'seed'] },
  };
  const ciName = `${Math.round(level * 100)}% CI`;
  return {
    title: `Overall VizWiz accuracy with ${ciName}`,
    description: `bar chart of overall VizWiz accuracy per model, official and seed metric, with ${ciName} error bars`,
    config: CONFIG,
    width: Math.max(240, 110 * models.length),
    height: 240,
    data: { values },
    layer: [
      {
        mark: 'bar',
        encoding: {
          ...shared,
          y: { field: 'accuracy', type: 'quantitative', title: 'accuracy (%)', scale: { domain: [0, 100] } },
          color: { field: 'metric', type: 'nominal', title: 'metric', sort: ['official', 'seed'] },
        },
      },
      {
        mark: { type: 'rule', color: '#111111', strokeWidth: 1.5 },
        encoding: { ...shared, y: { field: 'lower', type: 'quantitative' }, y2: { field: 'upper' } },
      },
      ...(['lower', 'upper'] as const).map((field) => ({
        mark: { type: 'tick' as const, color: '#111111', thickness: 1.5, size: 10 },
        encoding: { ...shared, y: { field, type: 'quantitative' as const } },
      })),
    ],
  };
}

/** Every figure of a report: curves per model with a history, the overlay (when any history), the CI bar chart. */
export function reportFigures(results: ReportResults): FigureSpec[] {
  const withHistory = results.models.flatMap((m) => (m.history && m.history.length > 0 ? [{ ...m, history: m.history }] : []));
  const figures: FigureSpec[] = withHistory.map((m) => {
    const spec = trainingCurvesSpec(m.label, m.history);
    return { name: `curves-${m.id}`, title: `${m.label}: training curves`, description: spec.description ?? '', spec };
  });
  if (withHistory.length > 0) {
    const spec = accuracyOverlaySpec(withHistory);
    figures.push({ name: 'accuracy-overlay', title: 'Validation accuracy per epoch, all models', description: spec.description ?? '', spec });
  }
  const bars = accuracyBarsSpec(results.models, results.statistics.level);
  figures.push({ name: 'accuracy-ci', title: 'Overall accuracy with confidence intervals', description: bars.description ?? '', spec: bars });
  return figures;
}

/** Renders a vega-lite spec to SVG text (vega, headless). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Renders a spec to SVG and PNG; `density` 72 keeps the SVG's pixel size (default 144: twice it). */
export async function renderFigure(spec: TopLevelSpec, density = 144): Promise<RenderedFigure> {
  const svg = await renderSvg(spec);
  const { data, info } = await sharp(Buffer.from(svg), { density }).png().toBuffer({ resolveWithObject: true });
  return { svg, png: data, width: info.width, height: info.height };
}
