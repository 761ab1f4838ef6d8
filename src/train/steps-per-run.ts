/**
 * How many training steps one session.run of the loop graph takes (engine/train-loop.ts): enough rows that the per-run
 * work - feeding the stacked batches, drawing dropout masks, fetching losses, onnxruntime's per-run planning - is
 * amortised. Measured on the clip-linear head at batch 256 (bench/heads.ts, 2-core EPYC): 8,192 rows per run (32
 * steps) made an epoch ~8% faster than 2,048 rows (8 steps); prefetching the next chunk's rows during a run gained
 * nothing there (it competes for the same cores). Capped at 64 steps, so small batches keep their earlier chunks.
 */

export const ROWS_PER_RUN = 8192;
export const MAX_STEPS_PER_RUN = 64;

export function stepsPerRun(batchSize: number): number {
  return Math.max(1, Math.min(MAX_STEPS_PER_RUN, Math.round(ROWS_PER_RUN / batchSize)));
}
