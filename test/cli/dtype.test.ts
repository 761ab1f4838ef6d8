/**
 * `--dtype f32|f16` (docs/decisions/011-half-precision.md): f16 on the CPU and f16 with --quantize are usage errors
 * (exit 2) that name the flags and the way out, raised before any input is read or output written; encoders other
 * than CLIP refuse float16.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeDtype } from '../../src/cli/options.js';
import { loadEncoder } from '../../src/features/registry.js';
import { VizWizError } from '../../src/errors.js';
import { cliInProcess } from '../helpers/cli-in-process.js';

const out = join(tmpdir(), `vizwiz-dtype-${process.pid}.safetensors`);
const extract = (...extra: string[]): Promise<{ status: number; stderr: string }> =>
  cliInProcess(['extract', '--encoder', 'clip-vit-l14-336', '--annotations', 'missing.json', '--images', 'missing', '--out', out, ...extra]);

test('extract --dtype f16 on the CPU is a usage error naming --dtype and --device webgpu', async () => {
  const r = await extract('--dtype', 'f16');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--dtype f16 needs --device webgpu \(or cuda\)/);
  assert.ok(!existsSync(out), 'nothing written');
});

test('extract --dtype takes f32 or f16 only', async () => {
  const r = await extract('--dtype', 'bf16');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--dtype must be one of f32, f16, got "bf16"/);
});

test('--dtype f16 with --quantize is refused and says why; f32 is the default and combines with anything', () => {
  assert.throws(
    () => computeDtype('f16', 'webgpu', 'int8'),
    (e: unknown) => e instanceof VizWizError && e.code === 'USAGE' && /--dtype f16 and --quantize int8 do not combine/.test(e.message),
  );
  assert.equal(computeDtype('f16', 'webgpu', undefined), 'float16');
  assert.equal(computeDtype('f16', 'cuda', undefined), 'float16');
  assert.equal(computeDtype('f32', 'cpu', 'int4'), 'float32');
});

test('encoders without a CLIP tower refuse float16', async () => {
  await assert.rejects(
    loadEncoder('pixel-projection', { dtype: 'float16' }),
    (e: unknown) => e instanceof VizWizError && e.code === 'USAGE' && /--dtype f16 applies to the CLIP encoders/.test(e.message),
  );
});
