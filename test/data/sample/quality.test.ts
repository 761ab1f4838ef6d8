import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { alignQuality, QUALITY_FLAGS } from '../../../src/data/quality-labels.js';
import { loadSplitQuality } from '../../../src/data/quality-layout.js';
import { generateSample, planSample } from '../../../src/data/sample/index.js';
import { sampleQuality } from '../../../src/data/sample/quality.js';

const dirs: string[] = [];
after(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function scratch(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'vizwiz-sample-quality-'));
  dirs.push(d);
  return d;
}

describe('sample quality labels', () => {
  const plan = planSample({ n: 200, seed: 3 });
  const items = [...plan.splits.train, ...plan.splits.val];

  it('marks each defect by most workers and makes the photo unrecognizable; ordinary photos have no flag at 2 of 5', () => {
    const flagged = (item: (typeof items)[number]) => {
      const labels = alignQuality([item.image], [sampleQuality(item)]);
      return QUALITY_FLAGS.filter((_, k) => labels.targets[k] === 1);
    };
    const byDegradation = new Map<string, Set<string>>();
    for (const item of items) {
      const key = `${item.degradation}: ${flagged(item).join(',')}`;
      byDegradation.set(item.degradation, (byDegradation.get(item.degradation) ?? new Set()).add(key));
    }
    assert.deepEqual([...byDegradation.values()].flatMap((s) => [...s]).sort(), [
      'blur: blur,unrecognizable',
      'dark: too_dark,unrecognizable',
      'framing: framing,unrecognizable',
      'none: ',
    ]);
    const blurry = items.find((i) => i.degradation === 'blur')!;
    assert.deepEqual(sampleQuality(blurry), {
      image: blurry.image,
      unrecognizable: 3,
      flaws: { FRM: 0, BLR: 4, DRK: 0, BRT: 0, OBS: 0, ROT: 0, OTH: 0, NON: 1 },
    });
    const soft = items.find((i) => i.degradation === 'none' && i.scene.capture.blurSigma > 0)!;
    assert.equal(sampleQuality(soft).flaws.BLR, 1);
  });

  it('is written for train and val in both layouts and read back by loadSplitQuality', async () => {
    const folder = await generateSample({ out: await scratch(), n: 20, seed: 7 });
    const zipped = await generateSample({ out: await scratch(), n: 20, seed: 7, zip: true });
    const small = planSample({ n: 20, seed: 7 });
    for (const split of ['train', 'val'] as const) {
      const expected = small.splits[split].map(sampleQuality);
      assert.deepEqual(await loadSplitQuality(folder.out, split), expected);
      assert.deepEqual(await loadSplitQuality(zipped.out, split), expected);
    }
    const text = await readFile(path.join(folder.out, 'QualityIssues', 'val.json'), 'utf8');
    assert.match(
      text,
      /^\[\{"image":"VizWiz_val_00000000\.jpg","unrecognizable":\d,"flaws":\{"FRM":\d,"BLR":\d,"DRK":\d,"BRT":0,"OBS":0,"ROT":0,"OTH":0,"NON":\d\}\}/u,
    );
    await assert.rejects(loadSplitQuality(path.join(folder.out, 'train'), 'val'), {
      message: `${path.join(folder.out, 'train')}: no val quality annotations (looked for QualityIssues/val.json and QualityIssues.zip); put the VizWiz-QualityIssues files there, or regenerate the sample with \`vizwiz sample\``,
    });
  });
});
