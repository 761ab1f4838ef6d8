import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { qualityHtml, qualityMarkdown, type QualityReportEntry } from '../../src/report/quality-section.js';

const entry: QualityReportEntry = {
  id: 'clip-vit-l14-336',
  label: 'Quality head on CLIP | features',
  bestEpoch: 7,
  epochs: 40,
  evaluation: {
    rows: 90,
    missing: 2,
    threshold: 2,
    flags: [
      { flag: 'blur', positives: 9, average_precision: 0.253339 },
      { flag: 'too_dark', positives: 9, average_precision: 1 },
      { flag: 'too_bright', positives: 0, average_precision: null },
      { flag: 'framing', positives: 7, average_precision: 0.655234 },
      { flag: 'obstruction', positives: 0, average_precision: null },
      { flag: 'rotation', positives: 0, average_precision: null },
      { flag: 'unrecognizable', positives: 25, average_precision: 0.713135 },
    ],
    mean_average_precision: 0.655427,
  },
};

describe('quality report section', () => {
  it('writes one Markdown table per head: AP in percent, "-" for absent flags, the mean over flags present', () => {
    assert.deepEqual(qualityMarkdown([entry]), [
      '## Photo quality',
      '',
      'Average precision (%) of each quality flag on validation; "-": no validation photo has the flag.',
      '',
      'Quality head on CLIP \\| features: 90 validation photos (2 without a quality entry left out), a flag present when at least 2 of 5 workers marked it; best epoch 7 of 40.',
      '',
      '| flag | photos with it | AP (%) |',
      '|---|---:|---:|',
      '| blur | 9 | 25.33 |',
      '| too dark | 9 | 100.00 |',
      '| too bright | 0 | - |',
      '| framing | 7 | 65.52 |',
      '| obstruction | 0 | - |',
      '| rotation | 0 | - |',
      '| no recognisable content | 25 | 71.31 |',
      '| mean over flags present |  | 65.54 |',
      '',
    ]);
    assert.deepEqual(qualityMarkdown([]), []);
  });

  it('writes the same numbers as an escaped HTML table', () => {
    const html = qualityHtml([entry]);
    assert.ok(html.startsWith('<h2 id="quality">Photo quality</h2>'));
    assert.ok(html.includes('<caption>Quality head on CLIP | features: 90 validation photos'));
    assert.ok(html.includes('<tr><th scope="row">no recognisable content</th><td>25</td><td>71.31</td></tr>'));
    assert.ok(html.includes('<tr><th scope="row">too bright</th><td>0</td><td>-</td></tr>'));
    assert.equal(qualityHtml([]), '');
  });
});
