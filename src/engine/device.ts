/**
 * Device selection: `cpu` (default), `cuda`, `webgpu` -> onnxruntime execution providers. A provider that this
 * onnxruntime-node install cannot load is a DEVICE_UNAVAILABLE error that says how to enable it; a provider that loads
 * but finds no usable GPU fails at session creation, which session.ts turns into the same error.
 */

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { VizWizError } from '../errors.js';

export type Device = 'cpu' | 'cuda' | 'webgpu';
export const DEVICES: readonly Device[] = ['cpu', 'cuda', 'webgpu'];

export function parseDevice(s: string): Device {
  if ((DEVICES as readonly string[]).includes(s)) return s as Device;
  throw new VizWizError('INVALID_ARGUMENT', `unknown device '${s}': use one of ${DEVICES.join(', ')}`);
}

const HOW_TO_ENABLE: Readonly<Record<Exclude<Device, 'cpu'>, string>> = {
  cuda:
    'install the CUDA 12 provider with `ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install` ' +
    '(needs network access, an NVIDIA driver, CUDA 12 and cuDNN 9), or use --device cpu',
  webgpu:
    "WebGPU needs a GPU adapter: on Linux a Vulkan loader (libvulkan1) and the GPU vendor's Vulkan driver (without a GPU: " +
    "Mesa 23 or later's lavapipe, package mesa-vulkan-drivers), on Windows Direct3D 12, on macOS Metal; or use --device cpu",
};

/** Folder of the native onnxruntime binding, where optional provider libraries are installed. */
function bindingDir(): string {
  const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
  return path.join(path.dirname(entry), '..', 'bin', 'napi-v6', process.platform, process.arch);
}

function cudaLibraryPresent(): boolean {
  const dir = bindingDir();
  return ['libonnxruntime_providers_cuda.so', 'onnxruntime_providers_cuda.dll'].some((f) => existsSync(path.join(dir, f)));
}

/** Throws DEVICE_UNAVAILABLE when `device` cannot be used by this install. */
export function checkDevice(device: Device): void {
  if (device === 'cpu') return;
  const backend = ort.listSupportedBackends().find((b) => b.name === device);
  const usable = backend !== undefined && (backend.bundled || (device === 'cuda' && cudaLibraryPresent()));
  if (!usable) {
    throw new VizWizError('DEVICE_UNAVAILABLE', `device '${device}' is not available in this onnxruntime-node install: ${HOW_TO_ENABLE[device]}`);
  }
}

/** Execution providers for `device`, most preferred first (CPU last as the fallback for unsupported ops). */
export function executionProviders(device: Device): string[] {
  checkDevice(device);
  return device === 'cpu' ? ['cpu'] : [device, 'cpu'];
}

/** Wraps a provider failure at session creation into the user-facing error. */
export function deviceFailure(device: Device, cause: unknown): VizWizError {
  const why = (cause instanceof Error ? cause.message : String(cause)).trim().replace(/\s+/g, ' ');
  const how = device === 'cpu' ? 'use a supported model' : HOW_TO_ENABLE[device];
  return new VizWizError('DEVICE_UNAVAILABLE', `device '${device}' could not start an onnxruntime session (${why}): ${how}`, { cause });
}
