/**
 * Shape arithmetic at graph-build time: numpy broadcasting over static and symbolic dims, axis normalisation.
 * Symbolic dims (strings) are equal only to themselves; a symbolic dim broadcasts against 1 and is assumed to match a
 * fixed size other than 1 (the size is known only at run time).
 */

import type { Dim, Shape } from './graph.js';

export function normalizeAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new Error(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function broadcastDim(a: Dim, b: Dim): Dim {
  if (a === b) return a;
  if (a === 1) return b;
  if (b === 1) return a;
  if (typeof a === 'string' && typeof b === 'number') return b;
  if (typeof b === 'string' && typeof a === 'number') return a;
  throw new Error(`dims ${String(a)} and ${String(b)} do not broadcast`);
}

/** The numpy-broadcast shape of several shapes. */
export function broadcastShapes(...shapes: Shape[]): Shape {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let d: Dim = 1;
    for (const s of shapes) {
      const k = i - (rank - s.length);
      if (k >= 0) d = broadcastDim(d, s[k] as Dim);
    }
    out.push(d);
  }
  return out;
}

/** Shape string for error messages: "[B, 12]". */
export function showShape(s: Shape): string {
  return `[${s.join(', ')}]`;
}
