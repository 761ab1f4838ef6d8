/**
 * `--dtype f32|f16` (docs/decisions/011-half-precision.md): f16 on the CPU and f16 with --quantize are usage errors
 * (exit 2) that name the flags and the way out, raised before any input is read or output written; encoders other
 * than CLIP refuse float16. predict --model paligemma, serve and finetune take the same option through the same check.
 * bf16 is a usage error on every device that says why (no bfloat16 kernels in the WebGPU provider) and to use f16.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkQuantizeDevice, computeDtype } from '../../src/cli/options.js';
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

const BF16 =
  "--dtype bf16 is not supported: onnxruntime's WebGPU provider has no bfloat16 kernels (MatMul, Gemm, Add, Mul and Softmax in bfloat16 find no provider, on the CPU neither), so vizwiz builds no bfloat16 graphs; use --dtype f16 (--device webgpu or cuda) or --dtype f32";

test('extract --dtype takes f32 or f16 only; bf16 is refused with its reason and f16 as the way out', async () => {
  const r = await extract('--dtype', 'f64');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--dtype must be one of f32, f16, got "f64"/);
  for (const device of ['cpu', 'webgpu']) {
    const bf = await extract('--dtype', 'bf16', '--device', device);
    assert.equal(bf.status, 2, bf.stderr);
    assert.ok(bf.stderr.split('\n').includes(`vizwiz: ${BF16}`), bf.stderr);
    assert.ok(!existsSync(out), 'nothing written');
  }
  assert.throws(
    () => computeDtype('bf16', 'webgpu', undefined),
    (e: unknown) => e instanceof VizWizError && e.code === 'USAGE' && e.message === BF16,
  );
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

const CPU_REFUSAL =
  '--dtype f16 needs --device webgpu (or cuda): the CPU provider has no float16 kernels for most ops and would compute them in float32; use --dtype f32 on the CPU';
const paligemma = (...extra: string[]): Promise<{ status: number; stderr: string }> =>
  cliInProcess(['predict', '--model', 'paligemma', '--base', 'missing-base', '--annotations', 'missing.json', '--images', 'missing', '--out', out, ...extra]);

test('predict --model paligemma --dtype f16 --device cpu is refused with the extract message, before anything is read', async () => {
  const r = await paligemma('--dtype', 'f16', '--device', 'cpu');
  assert.equal(r.status, 2, r.stderr);
  assert.ok(r.stderr.includes(CPU_REFUSAL), r.stderr);
  assert.ok(!existsSync(out), 'nothing written');
});

test('predict --model paligemma --dtype f16 --quantize is refused; --dtype takes f32 or f16; heads and endpoints refuse f16', async () => {
  const q = await paligemma('--dtype', 'f16', '--device', 'webgpu', '--quantize', 'int4');
  assert.equal(q.status, 2, q.stderr);
  assert.match(q.stderr, /--dtype f16 and --quantize int4 do not combine/);
  const bad = await paligemma('--dtype', 'bf16', '--device', 'webgpu');
  assert.equal(bad.status, 2, bad.stderr);
  assert.ok(bad.stderr.includes(BF16), bad.stderr);
  const head = await cliInProcess(['predict', '--checkpoint', 'x', '--features', 'y', '--annotations', 'missing.json', '--out', out, '--dtype', 'f16']);
  assert.equal(head.status, 2, head.stderr);
  assert.match(head.stderr, /--dtype f16 does not apply to --model head/);
  const endpoint = await cliInProcess([
    'predict',
    '--endpoint',
    'http://127.0.0.1:9/v1',
    '--model',
    'm',
    '--images',
    'x',
    '--annotations',
    'missing.json',
    '--out',
    out,
    '--dtype',
    'f16',
  ]);
  assert.equal(endpoint.status, 2, endpoint.stderr);
  assert.match(endpoint.stderr, /--dtype f16 does not apply to --endpoint/);
});

test('serve --model paligemma --dtype f16 on the CPU is refused with the same message, before loading anything', async () => {
  const r = await cliInProcess(['serve', '--model', 'paligemma', '--base', 'missing-base', '--port', '0', '--dtype', 'f16']);
  assert.equal(r.status, 2, r.stderr);
  assert.ok(r.stderr.includes(CPU_REFUSAL), r.stderr);
  const q = await cliInProcess([
    'serve',
    '--model',
    'paligemma',
    '--base',
    'missing-base',
    '--port',
    '0',
    '--device',
    'webgpu',
    '--dtype',
    'f16',
    '--quantize',
    'int8',
  ]);
  assert.equal(q.status, 2, q.stderr);
  assert.match(q.stderr, /--dtype f16 and --quantize int8 do not combine/);
  const bf = await cliInProcess(['serve', '--model', 'paligemma', '--base', 'missing-base', '--port', '0', '--device', 'webgpu', '--dtype', 'bf16']);
  assert.equal(bf.status, 2, bf.stderr);
  assert.ok(bf.stderr.includes(BF16), bf.stderr);
});

test('--quantize int8 is refused on --device webgpu (no integer GEMM there) and says what to use; int4 and other devices pass', () => {
  assert.throws(
    () => checkQuantizeDevice('int8', 'webgpu'),
    (e: unknown) =>
      e instanceof VizWizError &&
      e.code === 'USAGE' &&
      e.message ===
        "--quantize int8 uses onnxruntime's integer GEMM (MatMulInteger), which the WebGPU provider does not have; on --device webgpu use --quantize int4 or --dtype f16",
  );
  for (const [q, d] of [
    ['int4', 'webgpu'],
    ['int8', 'cpu'],
    ['int8', 'cuda'],
    [undefined, 'webgpu'],
  ] as const)
    assert.doesNotThrow(() => checkQuantizeDevice(q, d), `${q} on ${d}`);
});

test('finetune --dtype f16 on the CPU is a usage error, raised before anything is read or written', async () => {
  const dir = join(tmpdir(), `vizwiz-dtype-finetune-${process.pid}`);
  const args = ['--train-annotations', 'missing.json', '--train-images', 'missing', '--val-annotations', 'missing.json', '--val-images', 'missing'];
  const r = await cliInProcess(['finetune', '--model', 'paligemma', '--base', 'missing', ...args, '--out', dir, '--dtype', 'f16']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--dtype f16 needs --device webgpu \(or cuda\)/);
  assert.ok(!existsSync(dir), 'no run folder');
});
