/**
 * Tests of the sample generator's building blocks: the seeded PRNG, the bitmap font, the rasteriser's shape
 * geometry, split sizing, per-split quotas and option validation.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VizWizError } from '../../../src/errors.js';
import { FONT_CHARACTERS, GLYPH_HEIGHT, GLYPH_WIDTH, glyph, textWidth } from '../../../src/data/sample/font.js';
import { mixSeed, Rng } from '../../../src/random/rng.js';
import { Canvas, insideDistance } from '../../../src/data/sample/raster.js';
import { resolveSampleOptions, slotQuotas, splitSizes } from '../../../src/data/sample/index.js';
import { PRODUCT_WORDS, SOUP_FLAVOURS } from '../../../src/data/sample/vocab.js';

describe('the random-number generator', () => {
  it('repeats exactly for a seed and differs between seeds', () => {
    const draw = (seed: number) => {
      const rng = new Rng(seed);
      return Array.from({ length: 5 }, () => rng.next());
    };
    const [a, b, c] = [draw(42), draw(42), draw(43)];
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    for (const v of a) assert.ok(v >= 0 && v < 1);
  });

  it('mixSeed separates nearby and negative inputs', () => {
    const seeds = new Set([mixSeed(0, 0, 0), mixSeed(0, 0, 1), mixSeed(0, 1, 0), mixSeed(1, 0, 0), mixSeed(-1, 0, 0), mixSeed(2 ** 40, 0, 0)]);
    assert.equal(seeds.size, 6);
  });

  it('between stays in range and weighted follows the weights', () => {
    const rng = new Rng(7);
    const counts = { a: 0, b: 0 };
    for (let i = 0; i < 4000; i++) {
      const v = rng.between(1, 5);
      assert.ok(Number.isInteger(v) && v >= 1 && v <= 5);
      counts[
        rng.weighted([
          ['a', 3],
          ['b', 1],
        ] as const)
      ]++;
    }
    assert.ok(counts.a / 4000 > 0.7 && counts.a / 4000 < 0.8, `a share ${counts.a / 4000}`);
  });
});

describe('font', () => {
  it('defines every glyph as 7 rows of 5 cells, with all label words covered', () => {
    for (const char of FONT_CHARACTERS) {
      const rows = glyph(char);
      assert.equal(rows.length, GLYPH_HEIGHT, char);
      for (const row of rows) assert.match(row, /^[# ]{5}$/, char);
    }
    for (const word of [...PRODUCT_WORDS, ...SOUP_FLAVOURS]) for (const char of word) assert.doesNotThrow(() => glyph(char));
    assert.throws(() => glyph('@'));
    assert.equal(textWidth('SOUP', 2), (4 * (GLYPH_WIDTH + 1) - 1) * 2);
  });
});

describe('raster', () => {
  it('triangle, square and circle contain their centre and exclude far points', () => {
    for (const kind of ['circle', 'square', 'triangle'] as const) {
      const o = { kind, cx: 10, cy: 10, r: 8 };
      assert.ok(insideDistance(o, 10, 10) > 0, kind);
      assert.ok(insideDistance(o, 30, 30) < 0, kind);
    }
  });

  it('fills a circle with the colour and leaves the corners alone', () => {
    const canvas = new Canvas(20, 20);
    canvas.fillOutline({ kind: 'circle', cx: 10, cy: 10, r: 6 }, [200, 0, 0]);
    const raw = canvas.toBuffer();
    const at = (x: number, y: number): number[] => [...raw.subarray((y * 20 + x) * 3, (y * 20 + x) * 3 + 3)];
    assert.deepEqual(at(10, 10), [200, 0, 0]);
    assert.deepEqual(at(0, 0), [0, 0, 0]);
  });
});

describe('split sizing and quotas', () => {
  it('splits ~70/15/15 with every split non-empty', () => {
    assert.deepEqual(splitSizes(300), { train: 210, val: 45, test: 45 });
    assert.deepEqual(splitSizes(20), { train: 12, val: 4, test: 4 });
    assert.deepEqual(splitSizes(4), { train: 2, val: 1, test: 1 });
    for (let n = 4; n <= 200; n++) {
      const s = splitSizes(n);
      assert.equal(s.train + s.val + s.test, n);
      assert.ok(s.train >= 1 && s.val >= 1 && s.test >= 1, `n=${n}`);
    }
  });

  it('gives every split of 4+ questions all four answer types', () => {
    for (let m = 4; m <= 60; m++) {
      const q = slotQuotas(m);
      assert.equal(q.colour + q.label + q.count + q.yesno + q.unanswerable, m);
      assert.ok(q.colour + q.label > 0 && q.count > 0 && q.yesno > 0 && q.unanswerable > 0, `m=${m}: ${JSON.stringify(q)}`);
    }
    const big = slotQuotas(1000);
    assert.ok(big.unanswerable >= 250 && big.unanswerable <= 300);
  });

  it('rejects bad options with INVALID_ARGUMENT', () => {
    for (const bad of [{ n: 3 }, { n: 4.5 }, { n: Number.NaN }, { seed: 0.5 }, { imageSize: 32 }, { ratios: { val: 0 } }]) {
      assert.throws(
        () => resolveSampleOptions({ out: 'x', ...bad }),
        (e: unknown) => e instanceof VizWizError && e.code === 'INVALID_ARGUMENT',
      );
    }
    assert.equal(resolveSampleOptions({ out: 'x' }).n, 300);
  });
});
