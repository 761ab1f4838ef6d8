/**
 * The device the golden and trainer tests run on: `VIZWIZ_DEVICE` (cpu, cuda or webgpu; default cpu). `npm test` leaves
 * it unset; `npm run test:webgpu` (test/webgpu/run.ts) sets it to webgpu for the files in test/webgpu/tests.txt. This
 * is the one place tests read it: they take their session options from `onTestDevice` and their tolerances from
 * tolerance.ts, which keys them by this device.
 */
import { parseDevice, type Device } from '../../src/engine/device.js';

export const TEST_DEVICE: Device = parseDevice(process.env.VIZWIZ_DEVICE || 'cpu');

/** `o` (session options, or an encoder's / trainer's options) with the test device. */
export function onTestDevice<T extends object>(o: T = {} as T): T & { device: Device } {
  return { ...o, device: TEST_DEVICE };
}
