/**
 * Seeds of a fine-tune's random streams, derived from the run seed and the epoch only - never from where a run was
 * resumed - so a run killed and resumed draws the same shuffles, targets and dropout masks as an uninterrupted one.
 */

export const STREAMS = { shuffle: 1, dropout: 2, targets: 3 } as const;

export function epochSeed(seed: number, epoch: number, stream: number): number {
  return (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(epoch, 0x85ebca6b) + stream * 0x27d4eb2f) >>> 0;
}
