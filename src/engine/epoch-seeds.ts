/**
 * Seeds of a training run's random streams (shuffling, dropout masks, drawn targets), derived from the run seed and
 * the epoch only - never from where a run was resumed - so a run killed and resumed draws the same numbers as an
 * uninterrupted one. Shared by the heads' trainer and the PaliGemma fine-tune.
 */

export const STREAMS = { shuffle: 1, dropout: 2, targets: 3 } as const;

export function epochSeed(seed: number, epoch: number, stream: number): number {
  return (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(epoch, 0x85ebca6b) + stream * 0x27d4eb2f) >>> 0;
}
