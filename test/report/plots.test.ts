/** Report figures: vega-lite specs render to the same SVG bytes every time and to a PNG of the stated size. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { accuracyOverlaySpec, renderFigure, renderSvg, trainingCurvesSpec } from '../../src/report/plots.js';
import type { EpochRecord } from '../../src/train/trainer.js';

const history: EpochRecord[] = [1, 2, 3, 4].map((epoch) => ({
  epoch,
  trainLoss: 2 / epoch,
  valLoss: epoch === 3 ? Number.NaN : 2.5 / epoch,
  valAccuracy: 40 + epoch,
  lr: 0.001,
  seconds: 1,
}));

test('training curves: same input, same SVG bytes; text in DejaVu Sans; non-finite points dropped', async () => {
  const spec = trainingCurvesSpec('CLIP <linear>', history);
  const a = await renderSvg(spec);
  const b = await renderSvg(trainingCurvesSpec('CLIP <linear>', history));
  assert.equal(a, b);
  assert.match(a, /font-family="DejaVu Sans, sans-serif"/);
  assert.match(a, /CLIP &lt;linear&gt;: training curves/);
  const losses = (spec as unknown as { hconcat: { data: { values: unknown[] } }[] }).hconcat[0]!.data.values;
  assert.equal(losses.length, 7, 'the NaN val loss of epoch 3 is left out');
});

test('PNG decodes to the stated size: 72 dpi keeps the SVG size, 144 doubles it', async () => {
  const spec = accuracyOverlaySpec([
    { label: 'a', history },
    { label: 'b', history: history.slice(0, 2) },
  ]);
  const one = await renderFigure(spec, 72);
  const two = await renderFigure(spec);
  const svgWidth = Number(/width="(\d+)"/.exec(one.svg)![1]);
  const svgHeight = Number(/height="(\d+)"/.exec(one.svg)![1]);
  assert.deepEqual([one.width, one.height], [svgWidth, svgHeight]);
  assert.deepEqual([two.width, two.height], [2 * svgWidth, 2 * svgHeight]);
  const meta = await sharp(two.png).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', two.width, two.height]);
  assert.equal(one.svg, two.svg);
});
