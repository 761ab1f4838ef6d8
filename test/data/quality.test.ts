import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseQualityAnnotations, parseQualityText } from '../../src/data/quality-annotations.js';
import { alignQuality, QUALITY_FLAGS, qualityTargets } from '../../src/data/quality-labels.js';

const released = {
  image: 'VizWiz_train_00000000.jpg',
  unrecognizable: 3,
  flaws: { FRM: 2, BLR: 4, DRK: 0, BRT: 1, OBS: 0, ROT: 2, OTH: 0, NON: 0 },
};

describe('QualityIssues annotations', () => {
  it('reads the release format (short codes under flaws)', () => {
    const [r] = parseQualityAnnotations([released], 'q.json');
    assert.deepEqual(r, released);
  });

  it('reads the captioning spelling (long names, nested or top level); absent flaws count 0', () => {
    const nested = {
      image: 'a.jpg',
      unrecognizable: 0,
      flaws: { framing: 1, blur: 2, 'too dark': 3, 'too bright': 4, obstruction: 5, rotation: 0, other: 1, 'no issue': 0 },
    };
    const top = { image: 'b.jpg', unrecognizable: 1, blur: 2, 'too dark': 5 };
    const [a, b] = parseQualityAnnotations([nested, top], 'q.json');
    assert.deepEqual(a?.flaws, { FRM: 1, BLR: 2, DRK: 3, BRT: 4, OBS: 5, ROT: 0, OTH: 1, NON: 0 });
    assert.deepEqual(b?.flaws, { FRM: 0, BLR: 2, DRK: 5, BRT: 0, OBS: 0, ROT: 0, OTH: 0, NON: 0 });
  });

  it('names the file, entry, image and field of every problem', () => {
    const bad = [
      released,
      { image: 'x.jpg', unrecognizable: -1, flaws: { BLR: 'two' } },
      { unrecognizable: 0, flaws: { BLR: 0 } },
      { image: 'y.jpg', unrecognizable: 0 },
      { ...released },
    ];
    assert.throws(() => parseQualityAnnotations(bad, 'q.json'), {
      name: 'VizWizError',
      message:
        'q.json: 5 problems: entry 1 (x.jpg): unrecognizable: expected a whole number of workers >= 0, got -1; ' +
        'entry 1 (x.jpg): flaws.BLR: expected a whole number of workers >= 0, got "two"; entry 2 (no image name): image: missing; ' +
        'entry 3 (y.jpg): flaws: missing (expected worker counts under FRM, BLR, DRK, BRT, OBS, ROT, OTH, NON or their long names); ' +
        'entry 4 (VizWiz_train_00000000.jpg): image: duplicate of entry 0',
    });
    assert.throws(() => parseQualityText('{"image": 1}', 'q.json'), { message: 'q.json: expected a JSON array of quality entries, got an object' });
    assert.throws(() => parseQualityText('[', 'q.json'), { message: /^q\.json: not valid JSON \(/u });
  });

  it('turns worker counts into flags at a threshold, in QUALITY_FLAGS order', () => {
    const [r] = parseQualityAnnotations([released], 'q.json');
    assert.deepEqual(QUALITY_FLAGS, ['blur', 'too_dark', 'too_bright', 'framing', 'obstruction', 'rotation', 'unrecognizable']);
    assert.deepEqual([...qualityTargets(r!, 2)], [1, 0, 0, 1, 0, 1, 1]);
    assert.deepEqual([...qualityTargets(r!, 3)], [1, 0, 0, 0, 0, 0, 1]);
    assert.deepEqual([...qualityTargets(r!, 1)], [1, 0, 1, 1, 0, 1, 1]);
    assert.throws(() => qualityTargets(r!, 0), { message: 'the quality threshold must be a whole number of workers >= 1, got 0' });
  });

  it('aligns labels to a split by image name and counts rows without an entry', () => {
    const records = parseQualityAnnotations([released, { image: 'b.jpg', unrecognizable: 0, flaws: { DRK: 5 } }], 'q.json');
    const aligned = alignQuality(['b.jpg', 'none.jpg', 'VizWiz_train_00000000.jpg'], records);
    assert.deepEqual([...aligned.rows], [0, 2]);
    assert.equal(aligned.missing, 1);
    assert.deepEqual([...aligned.targets], [0, 1, 0, 0, 0, 0, 0, ...new Array(7).fill(0), 1, 0, 0, 1, 0, 1, 1]);
  });
});
