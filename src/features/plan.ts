/**
 * Which rows still need work: finished parts are row ranges; the gaps between them are cut into batches of
 * `batchSize` starting at each gap, so a resumed run with the same batch size recomputes exactly the batches an
 * uninterrupted run would have, with the same boundaries.
 */

/** Rows [start, end). */
export interface RowRange {
  readonly start: number;
  readonly end: number;
}

/** Batches covering [0, rows) minus `finished` (sorted, non-overlapping). */
export function planBatches(rows: number, batchSize: number, finished: readonly RowRange[]): RowRange[] {
  const batches: RowRange[] = [];
  let at = 0;
  const cut = (from: number, to: number): void => {
    for (let s = from; s < to; s += batchSize) batches.push({ start: s, end: Math.min(to, s + batchSize) });
  };
  for (const part of finished) {
    if (part.start > at) cut(at, part.start);
    at = Math.max(at, part.end);
  }
  cut(at, rows);
  return batches;
}

export function rowsIn(ranges: readonly RowRange[]): number {
  return ranges.reduce((n, r) => n + (r.end - r.start), 0);
}
