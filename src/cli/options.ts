/**
 * Parsing of CLI option values shared by the subcommands (bad values are user errors that name the option), and the
 * `--verbose` switch of the commands that run onnxruntime sessions.
 */
import { QUANT_SCHEMES, type QuantSchemeName } from '../engine/block-quantize.js';
import { checkDevice, parseDevice, type Device } from '../engine/device.js';
import type { ComputeDType } from '../engine/inference.js';
import { VizWizError } from '../errors.js';

/**
 * The `--device` option's parser: an unknown device or one this install cannot use fails while the options are
 * parsed, before any stage runs or any output is written.
 */
export function availableDevice(raw: string): Device {
  let device: Device;
  try {
    device = parseDevice(raw);
  } catch (e) {
    throw e instanceof VizWizError ? new VizWizError('USAGE', `--device: ${e.message}`) : e;
  }
  checkDevice(device);
  return device;
}

/** Parses a whole decimal number option; throws a USAGE error naming the option and the raw value. */
export function parseWhole(raw: string, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const trimmed = raw.trim();
  const value = /^[+-]?\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new VizWizError('USAGE', `${flag} must be an integer ${range}, got "${raw}"`);
  }
  return value;
}

/** Parses a finite decimal number option, optionally bounded below (exclusive when `above` is set). */
export function parseNumber(raw: string, flag: string, bounds: { min?: number; above?: number; max?: number } = {}): number {
  const value = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  const { min, above, max } = bounds;
  const ok = Number.isFinite(value) && (min === undefined || value >= min) && (above === undefined || value > above) && (max === undefined || value <= max);
  if (!ok) {
    const parts = [min !== undefined ? `>= ${min}` : '', above !== undefined ? `> ${above}` : '', max !== undefined ? `<= ${max}` : ''].filter(Boolean);
    const range = parts.length > 0 ? ` ${parts.join(' and ')}` : '';
    throw new VizWizError('USAGE', `${flag} must be a number${range}, got "${raw}"`);
  }
  return value;
}

/** Checks that `raw` is one of `choices`. */
export function parseChoice<T extends string>(raw: string, flag: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(raw)) return raw as T;
  throw new VizWizError('USAGE', `${flag} must be one of ${choices.join(', ')}, got "${raw}"`);
}

/** The `--verbose` option of the commands that take --device. */
export const VERBOSE_OPTION = ['--verbose', "print onnxruntime's warnings (e.g. nodes a GPU provider leaves to the CPU)"] as const;

let savedVerbose: { value: string | undefined } | null = null;

/**
 * `--verbose`: the sessions the command creates print onnxruntime's warnings, through the engine's default
 * (VIZWIZ_VERBOSE=1, read at session creation) - a diagnostic switch, not a setting: it stays out of configs and keys.
 */
export function verboseSessions(on: boolean): void {
  if (!on || savedVerbose) return;
  savedVerbose = { value: process.env.VIZWIZ_VERBOSE };
  process.env.VIZWIZ_VERBOSE = '1';
}

/** Restores VIZWIZ_VERBOSE when the command ends. */
export function endVerboseSessions(): void {
  if (!savedVerbose) return;
  if (savedVerbose.value === undefined) delete process.env.VIZWIZ_VERBOSE;
  else process.env.VIZWIZ_VERBOSE = savedVerbose.value;
  savedVerbose = null;
}

/** The `--quantize` option's parser: a scheme name (int8, int4), else a usage error naming the flag. */
export function quantizeScheme(raw: string): QuantSchemeName {
  return parseChoice(raw, '--quantize', Object.keys(QUANT_SCHEMES) as QuantSchemeName[]);
}

/** `--quantize` and its cache folder, for the commands that load PaliGemma, SigLIP or CLIP. */
export const QUANTIZE_OPTION = [
  '--quantize <scheme>',
  'quantize the Linear weights for inference: int8 (per channel, integer GEMM) or int4 (blocks of 32, MatMulNBits); computed once, cached beside the checkpoint',
  quantizeScheme,
] as const;

/**
 * `--quantize int8` runs its products on ONNX Runtime's integer GEMM (MatMulInteger), which the WebGPU provider does not
 * have: every quantized product would fall back to the CPU with copies around it. Refused there (int4's MatMulNBits
 * and float16 run on WebGPU).
 */
export function checkQuantizeDevice(quantize: QuantSchemeName | undefined, device: Device): void {
  if (quantize === 'int8' && device === 'webgpu') {
    throw new VizWizError(
      'USAGE',
      "--quantize int8 uses onnxruntime's integer GEMM (MatMulInteger), which the WebGPU provider does not have; on --device webgpu use --quantize int4 or --dtype f16",
    );
  }
}

/** `--dtype`: the compute dtype of the inference graphs (docs/decisions/011-half-precision.md). */
export const DTYPE_OPTION = ['--dtype <dtype>', 'compute precision: f32, or f16 (half precision; --device webgpu or cuda); no bf16', 'f32'] as const;

/**
 * Why `--dtype bf16` is refused (decision 011): onnxruntime 1.30's WebGPU provider registers its kernels for float32,
 * float16 and integers only - a bfloat16 MatMul, Gemm, Add, Mul or Softmax finds no provider (the CPU provider has none
 * either) and a session cannot start.
 */
export const BF16_REFUSAL =
  "--dtype bf16 is not supported: onnxruntime's WebGPU provider has no bfloat16 kernels (MatMul, Gemm, Add, Mul and Softmax in bfloat16 find no provider, on the CPU neither), so vizwiz builds no bfloat16 graphs; use --dtype f16 (--device webgpu or cuda) or --dtype f32";

/**
 * The `--dtype` value as the engine's compute dtype, checked against the other options: f16 needs a GPU device
 * (onnxruntime's CPU provider has no float16 kernel for most ops and computes them in float32 behind inserted Casts:
 * slower than f32 and no longer the f16 numerics) and does not combine with --quantize (the block-quantized products
 * are float32 here, and quantizing already shrinks the weights further than f16 does). bf16 is refused on every device
 * (BF16_REFUSAL).
 */
export function computeDtype(raw: string, device: Device, quantize: QuantSchemeName | undefined): ComputeDType {
  if (raw === 'bf16') throw new VizWizError('USAGE', BF16_REFUSAL);
  const dtype = parseChoice(raw, '--dtype', ['f32', 'f16']) === 'f16' ? 'float16' : 'float32';
  if (dtype === 'float32') return dtype;
  if (device === 'cpu') {
    throw new VizWizError(
      'USAGE',
      '--dtype f16 needs --device webgpu (or cuda): the CPU provider has no float16 kernels for most ops and would compute them in float32; use --dtype f32 on the CPU',
    );
  }
  if (quantize !== undefined) {
    throw new VizWizError(
      'USAGE',
      `--dtype f16 and --quantize ${quantize} do not combine: quantized products run in float32 here, and ${quantize} weights are already smaller than f16 ones; choose one`,
    );
  }
  return dtype;
}
