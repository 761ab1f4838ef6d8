/**
 * Block quantization of a Linear weight W [N, K] (torch layout: one row per output) into the layout of ONNX Runtime's
 * MatMulNBits contrib op: each row is cut into blocks of `blockSize` values along K (the last block zero-padded), and
 * each block stores unsigned `bits`-bit codes q with one float scale and one zero point z, value = (q - z) * scale.
 * - packed codes: uint8 [N, blocks, blockSize * bits / 8]; 4-bit codes two per byte, the even k in the low nibble;
 * - scales: float32 [N * blocks];
 * - zero points (asymmetric only): uint8, 8-bit one per block [N * blocks], 4-bit two per byte with each row padded to
 *   a whole byte [N * ceil(blocks / 2)]. Symmetric blocks have none: the op then uses z = 2^(bits-1).
 * Asymmetric blocks span [min, max] of the block (0 included), symmetric ones [-absmax, absmax]; either way a value
 * inside the span is reconstructed within scale / 2.
 * Per-channel schemes (`channels`, the integer-GEMM form) have one block per output channel instead: int8 codes
 * [K, N] (transposed, stored as their bytes), scales [N], no zero points.
 */

export type QuantBits = 4 | 8;

export interface QuantScheme {
  readonly bits: QuantBits;
  /** Values per block along K (a power of two >= 16; ORT's default 32). Not used with `channels`. */
  readonly blockSize: number;
  /** Symmetric blocks (no zero points) or asymmetric (min/max, with zero points). */
  readonly symmetric: boolean;
  /**
   * One symmetric 8-bit scale per output channel instead of blocks: codes int8 (two's complement bytes) in the
   * transposed layout [K, N] that an integer GEMM multiplies by, scales [N]; the activations are then quantized per row
   * at run time (ops/quantized-matmul.ts `matMulInt8Rows`).
   */
  readonly channels?: boolean;
}

/** A quantized [N, K] weight in MatMulNBits layout. */
export interface QuantizedMatrix {
  readonly scheme: QuantScheme;
  readonly n: number;
  readonly k: number;
  readonly packed: Uint8Array; // [N, blocks, blob]
  readonly scales: Float32Array; // [N * blocks]
  readonly zeroPoints: Uint8Array | null; // asymmetric only
}

export const DEFAULT_BLOCK_SIZE = 32;

/**
 * The schemes behind `--quantize`: int8 = 8-bit symmetric per output channel with activations quantized per row (ORT's
 * integer GEMM: 3-4x float32 at prefill size, where MatMulNBits is 1.7x - bench quant-kernels); int4 = 4-bit
 * asymmetric blocks of 32 (zero points pay off at 16 levels), MatMulNBits.
 */
export const QUANT_SCHEMES = {
  int8: { bits: 8, blockSize: DEFAULT_BLOCK_SIZE, symmetric: true, channels: true },
  int4: { bits: 4, blockSize: DEFAULT_BLOCK_SIZE, symmetric: false },
} as const satisfies Record<string, QuantScheme>;

export type QuantSchemeName = keyof typeof QUANT_SCHEMES;

export function blocksPerRow(k: number, blockSize: number): number {
  return Math.ceil(k / blockSize);
}

export function blobBytes(s: QuantScheme): number {
  return (s.blockSize * s.bits) / 8;
}

/** Bytes of one row's zero points: one per block (8-bit), or two per byte, rounded up (4-bit). */
export function zeroPointRowBytes(s: QuantScheme, k: number): number {
  const blocks = blocksPerRow(k, s.blockSize);
  return s.bits === 8 ? blocks : Math.ceil(blocks / 2);
}

export function checkScheme(s: QuantScheme): void {
  if (s.bits !== 4 && s.bits !== 8) throw new Error(`quantization: bits must be 4 or 8, got ${String(s.bits)}`);
  if (s.channels) {
    if (s.bits !== 8 || !s.symmetric) throw new Error('quantization: per-channel scales are 8-bit symmetric');
    return;
  }
  if (!Number.isInteger(s.blockSize) || s.blockSize < 16 || (s.blockSize & (s.blockSize - 1)) !== 0) {
    throw new Error(`quantization: block size must be a power of two >= 16, got ${s.blockSize}`);
  }
}

function writeCode(packed: Uint8Array, bits: QuantBits, base: number, j: number, q: number): void {
  if (bits === 8) packed[base + j] = q;
  else packed[base + (j >> 1)]! |= (j & 1) === 0 ? q : q << 4;
}

function readCode(packed: Uint8Array, bits: QuantBits, base: number, j: number): number {
  if (bits === 8) return packed[base + j]!;
  const byte = packed[base + (j >> 1)]!;
  return (j & 1) === 0 ? byte & 0x0f : byte >> 4;
}

/** Scale and zero point of one block of values (`lo`, `hi` = its min and max). */
function blockParams(s: QuantScheme, lo: number, hi: number): { scale: number; zero: number } {
  const qmax = (1 << s.bits) - 1;
  const mid = 1 << (s.bits - 1);
  if (s.symmetric) {
    const absmax = Math.max(Math.abs(lo), Math.abs(hi));
    // Codes mid-qmid..mid+qmid cover [-absmax, absmax]: 4-bit -7..7, 8-bit -127..127 (the lowest code stays unused).
    const scale = absmax / (mid - 1);
    return { scale, zero: mid };
  }
  const min = Math.min(lo, 0);
  const max = Math.max(hi, 0);
  const scale = (max - min) / qmax;
  const zero = scale === 0 ? mid : Math.min(qmax, Math.max(0, Math.round(-min / scale)));
  return { scale, zero };
}

/** Per output channel: scale = absmax / 127, codes round(w / scale) in -127..127, stored transposed [K, N]. */
function quantizeChannels(w: Float32Array, n: number, k: number, s: QuantScheme): QuantizedMatrix {
  const codes = new Int8Array(k * n);
  const scales = new Float32Array(n);
  for (let row = 0; row < n; row++) {
    let absmax = 0;
    for (let i = row * k; i < (row + 1) * k; i++) absmax = Math.max(absmax, Math.abs(w[i]!));
    const scale = absmax / 127;
    scales[row] = scale;
    const inv = scale === 0 ? 0 : 1 / scale;
    for (let i = 0; i < k; i++) codes[i * n + row] = Math.min(127, Math.max(-127, Math.round(w[row * k + i]! * inv)));
  }
  return { scheme: s, n, k, packed: new Uint8Array(codes.buffer), scales, zeroPoints: null };
}

/** Quantizes W [N, K] (row-major) with scheme `s`. */
export function quantizeMatrix(w: Float32Array, n: number, k: number, s: QuantScheme): QuantizedMatrix {
  checkScheme(s);
  if (w.length !== n * k) throw new Error(`quantization: a [${n}, ${k}] weight needs ${n * k} values, got ${w.length}`);
  if (s.channels) return quantizeChannels(w, n, k, s);
  const blocks = blocksPerRow(k, s.blockSize);
  const blob = blobBytes(s);
  const qmax = (1 << s.bits) - 1;
  const packed = new Uint8Array(n * blocks * blob);
  const scales = new Float32Array(n * blocks);
  const zpRow = zeroPointRowBytes(s, k);
  const zeroPoints = s.symmetric ? null : new Uint8Array(n * zpRow);
  for (let row = 0; row < n; row++) {
    for (let b = 0; b < blocks; b++) {
      const start = row * k + b * s.blockSize;
      const end = row * k + Math.min(k, (b + 1) * s.blockSize);
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = start; i < end; i++) {
        const v = w[i]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      const { scale, zero } = blockParams(s, lo, hi);
      const blockIndex = row * blocks + b;
      scales[blockIndex] = scale;
      if (zeroPoints) writeCode(zeroPoints, s.bits, row * zpRow, b, zero);
      const inv = scale === 0 ? 0 : 1 / scale;
      const base = blockIndex * blob;
      for (let j = 0; j < s.blockSize; j++) {
        const i = start + j;
        // Padding past K holds the zero point, so it decodes to 0.
        const q = i < end ? Math.min(qmax, Math.max(0, Math.round(w[i]! * inv) + zero)) : zero;
        writeCode(packed, s.bits, base, j, q);
      }
    }
  }
  return { scheme: s, n, k, packed, scales, zeroPoints };
}

/** Rows [rowStart, rowEnd) of a quantized matrix back as float32 (rowEnd - rowStart, K): reference and embedding rows. */
export function dequantizeRows(q: QuantizedMatrix, rowStart = 0, rowEnd = q.n, out = new Float32Array((rowEnd - rowStart) * q.k)): Float32Array {
  const { scheme: s, k } = q;
  if (s.channels) {
    const codes = new Int8Array(q.packed.buffer, q.packed.byteOffset, q.packed.length);
    for (let row = rowStart; row < rowEnd; row++) {
      const scale = q.scales[row]!;
      for (let i = 0; i < k; i++) out[(row - rowStart) * k + i] = codes[i * q.n + row]! * scale;
    }
    return out;
  }
  const blocks = blocksPerRow(k, s.blockSize);
  const blob = blobBytes(s);
  const zpRow = zeroPointRowBytes(s, k);
  const mid = 1 << (s.bits - 1);
  for (let row = rowStart; row < rowEnd; row++) {
    for (let b = 0; b < blocks; b++) {
      const blockIndex = row * blocks + b;
      const scale = q.scales[blockIndex]!;
      const zero = q.zeroPoints ? readCode(q.zeroPoints, s.bits, row * zpRow, b) : mid;
      const base = blockIndex * blob;
      const count = Math.min(s.blockSize, k - b * s.blockSize);
      const at = (row - rowStart) * k + b * s.blockSize;
      for (let j = 0; j < count; j++) out[at + j] = (readCode(q.packed, s.bits, base, j) - zero) * scale;
    }
  }
  return out;
}
