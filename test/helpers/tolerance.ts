/**
 * The golden tolerances (docs/decisions/005-golden-tolerances.md), shared by every golden test, per device (the test
 * device: test/helpers/device.ts): float32 outputs within 1e-5 absolute where the values are O(1), 1e-4 otherwise;
 * gradients within 1e-4 of the tensor's largest entry; bit-exact results asserted only where the arithmetic is the same
 * on every machine of that kind.
 */
import assert from 'node:assert/strict';
import type { Device } from '../../src/engine/device.js';
import { TEST_DEVICE } from './device.js';

export interface Tolerances {
  /** Absolute, for outputs whose values are O(1) (|max| <= 2). */
  unit: number;
  /** Absolute, for other outputs. */
  other: number;
  /** Relative to the largest |gradient| of the tensor. */
  gradient: number;
  /** Whether bit-exact ports (Adam's update from golden gradients) are asserted bit for bit. */
  bitExact: boolean;
}

/**
 * The same error bounds on every device: measured errors stay 20x or more below them on the CPU, on WebGPU over Mesa's
 * lavapipe and on an NVIDIA H200 (005 lists the numbers). GPUs drop bit-exactness: WGSL lets sqrt and division be
 * off by 2.5 ULP, and GPU matrix products sum in other orders.
 */
export const TOLERANCES: Readonly<Record<Device, Tolerances>> = {
  cpu: { unit: 1e-5, other: 1e-4, gradient: 1e-4, bitExact: true },
  webgpu: { unit: 1e-5, other: 1e-4, gradient: 1e-4, bitExact: false },
  cuda: { unit: 1e-5, other: 1e-4, gradient: 1e-4, bitExact: false },
};

/** The tolerances of the device the tests run on. */
export const TOL: Tolerances = TOLERANCES[TEST_DEVICE];

/** Largest |a - b|; Infinity when a NaN appears, so a NaN never passes a tolerance. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'length mismatch');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return Number.isNaN(m) ? Infinity : m;
}

export function absMax(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] as number));
  return m;
}

/** 1e-5 absolute where the values are O(1), 1e-4 otherwise (on the test device). */
export function outputTol(expected: ArrayLike<number>): number {
  return absMax(expected) <= 2 ? TOL.unit : TOL.other;
}

/**
 * Half precision (docs/decisions/011-half-precision.md): float16 keeps 11 significant bits (one rounding = 2^-11 =
 * 4.9e-4 relative), and a graph computing in it rounds every intermediate, so outputs are held to 1e-2 of the largest
 * |value| of the tensor (about 20 float16 units): measured errors on WebGPU (lavapipe) stay 4x or more below it.
 */
export const HALF_RELATIVE = 1e-2;

/** The float16 tolerance of a tensor: HALF_RELATIVE x its largest |golden value| (`scale` overrides that scale). */
export function halfTol(expected: ArrayLike<number>, scale = absMax(expected)): number {
  return HALF_RELATIVE * scale;
}

/**
 * Float16 training gradients (docs/decisions/011-half-precision.md, "LoRA training"): the backward pass rounds to
 * float16 at every op on its way down, on top of the forward's roundings, so adapter gradients are held to 3e-2 of the
 * tensor's largest |golden value| (about 60 float16 units): measured on WebGPU (lavapipe) at most 1.2e-2 (the first
 * layers' adapters, deepest in the backward), most between 4e-3 and 8e-3.
 */
export const HALF_GRADIENT_RELATIVE = 3e-2;
