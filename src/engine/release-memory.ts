/**
 * Returning freed weight buffers to the system before a large native allocation. V8 frees an ArrayBuffer only at a
 * garbage collection, and collects on JavaScript allocations, not on native ones: while ONNX Runtime loads and
 * pre-packs a multi-gigabyte session, buffers that JavaScript has already let go of (weights bound into the model)
 * would otherwise stay resident and add to the peak. A full collection is asked for through V8's `gc` (exposed at
 * run time, as `--expose-gc` would); where that is not possible, nothing happens and the memory is freed later.
 */

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | null | undefined;

function collector(): (() => void) | null {
  if (collect !== undefined) return collect;
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    collect = typeof gc === 'function' ? () => (gc as () => void)() : null;
  } catch {
    collect = null;
  }
  return collect;
}

/** A full garbage collection, so that unreferenced weight buffers leave the process before a big native allocation. */
export function releaseFreedBuffers(): void {
  collector()?.();
}
