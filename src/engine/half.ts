/**
 * IEEE 754 binary16 (float16) on the host: float32 -> float16 bits with round-to-nearest-even (subnormals, overflow to
 * infinity, NaN kept quiet), and back. Half-precision tensors travel as raw bits in a Uint16Array (tensor.ts); weights
 * are converted once, when a half-precision graph's session is created (weights.ts).
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float16 bits nearest to `value` (as float32 first, like a float32 -> float16 Cast), ties to even. */
export function f32ToF16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0); // inf, or a quiet NaN keeping its top bits
  const e = exp - 127 + 15; // the float16 exponent field
  if (e >= 0x1f) return sign | 0x7c00; // past 65504 (after rounding, handled below): infinity
  if (e <= 0) {
    // Subnormal in float16 (or zero): the value is m * 2^-24, m = round(full mantissa >> shift).
    if (e < -10) return sign; // below half the smallest subnormal: +-0
    const full = mant | 0x800000; // 24 bits with the hidden 1
    const shift = 14 - e; // 14..24
    const half = 1 << (shift - 1);
    let m = full >>> shift;
    const rest = full & ((1 << shift) - 1);
    if (rest > half || (rest === half && m & 1)) m++;
    return sign | m; // m may reach 0x400: the smallest normal, which is exactly right
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++; // a carry into the exponent is right, up to infinity
  return sign | h;
}

/** The value of float16 bits. */
export function f16BitsToF32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** float32 values as float16 bits (a new array). */
export function toFloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = f32ToF16Bits(values[i] as number);
  return out;
}

/** float16 bits as float32 values (a new array; exact). */
export function fromFloat16(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = f16BitsToF32(bits[i] as number);
  return out;
}

/** The largest finite float16, 65504. */
export const F16_MAX = 65504;
