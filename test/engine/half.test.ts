/**
 * float32 -> float16 conversion on the host (src/engine/half.ts) against the bits Python's struct 'e' format gives for
 * the same float32 values (`struct.pack('<e', v)`, round-to-nearest-even; values past the float16 range, where struct
 * raises OverflowError, are IEEE's infinity, as numpy.float16 gives), and back.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { f16BitsToF32, f32ToF16Bits, fromFloat16, toFloat16 } from '../../src/engine/half.js';

/** [float32 value, float16 bits] from Python 3: struct.unpack('<H', struct.pack('<e', float32(v))). */
const KNOWN: readonly [number, number][] = [
  [0, 0x0000],
  [-0, 0x8000],
  [1, 0x3c00],
  [-2, 0xc000],
  [0.1, 0x2e66],
  [1 / 3, 0x3555],
  [3.14159265, 0x4248],
  [-1e-5, 0x80a8], // subnormal
  [65504, 0x7bff], // largest finite
  [65519.99, 0x7bff], // just below the rounding boundary
  [6.103515625e-5, 0x0400], // smallest normal
  [6.097555160522461e-5, 0x03ff], // largest subnormal
  [5.960464477539063e-8, 0x0001], // smallest subnormal
  [2.9802322387695312e-8, 0x0000], // half of it: a tie, to even (0)
  [2.9802326e-8, 0x0001], // just above the tie
  [8.940696716308594e-8, 0x0002], // 1.5 x the smallest: a tie, to even (2)
  [4.57763671875e-5, 0x0300],
  [1e-8, 0x0000],
  [1.0009765625, 0x3c01], // 1 + 2^-10
  [1.00048828125, 0x3c00], // 1 + 2^-11: a tie, to even (down)
  [1.00146484375, 0x3c02], // 1 + 3 x 2^-11: a tie, to even (up)
  [2049, 0x6800], // a tie at integer spacing 2, to even
  [2051, 0x6802],
  [Infinity, 0x7c00],
  [-Infinity, 0xfc00],
];

/** Values struct refuses (OverflowError): they round past 65504, so IEEE (and numpy.float16) gives infinity. */
const OVERFLOW: readonly number[] = [65520, 1e5, 3.4028234663852886e38, -3.4028234663852886e38];

test('float32 -> float16 bits match Python struct "e" (round to nearest even, subnormals, infinities)', () => {
  for (const [v, bits] of KNOWN) assert.equal(f32ToF16Bits(v), bits, `${v}: 0x${f32ToF16Bits(v).toString(16)} != 0x${bits.toString(16)}`);
  for (const v of OVERFLOW) assert.equal(f32ToF16Bits(v), v > 0 ? 0x7c00 : 0xfc00, `${v} overflows to infinity`);
});

test('NaN stays NaN (quiet), and every float16 value survives the round trip exactly', () => {
  assert.equal(f32ToF16Bits(NaN), 0x7e00);
  assert.ok(Number.isNaN(f16BitsToF32(0x7e00)));
  assert.ok(Number.isNaN(f16BitsToF32(0x7c01)));
  for (let bits = 0; bits < 0x10000; bits++) {
    const v = f16BitsToF32(bits);
    if (Number.isNaN(v)) continue;
    assert.equal(f32ToF16Bits(v), bits, `0x${bits.toString(16)}`);
  }
});

test('arrays convert both ways; the error is at most half a unit in the last place (2^-11 relative)', () => {
  const values = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 10 ** ((i % 9) - 4));
  const back = fromFloat16(toFloat16(values));
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    const bound = Math.max(Math.abs(v) * 2 ** -11, 2 ** -25);
    assert.ok(Math.abs((back[i] as number) - v) <= bound, `${v} -> ${back[i]}`);
  }
});
