/**
 * Progress of long work on stderr: a cli-progress bar with images done, rate (images/s over this run, so resumed
 * rows do not inflate it) and ETA. Quiet when stderr is not a TTY or when CI is set, as the house rules ask.
 * Extraction talks to the small `ProgressReporter` interface, so tests can record progress instead of drawing it.
 */
import cliProgress from 'cli-progress';

export interface ProgressReporter {
  /** `done` of `total` units are finished before this run starts (resumed work). */
  start(total: number, done: number): void;
  update(done: number): void;
  stop(): void;
}

export const SILENT_PROGRESS: ProgressReporter = { start() {}, update() {}, stop() {} };

/** True when a bar should be drawn: stderr is a terminal and CI is not set. */
export function progressWanted(env: NodeJS.ProcessEnv = process.env, stream: NodeJS.WriteStream = process.stderr): boolean {
  return stream.isTTY === true && !env.CI;
}

export function createProgressBar(label: string, unit = 'images'): ProgressReporter {
  let bar: cliProgress.SingleBar | undefined;
  let startedAt = 0;
  let startDone = 0;
  const rate = (done: number): string => {
    const seconds = (Date.now() - startedAt) / 1000;
    return seconds > 0 ? ((done - startDone) / seconds).toFixed(1) : '0.0';
  };
  return {
    start(total, done) {
      startedAt = Date.now();
      startDone = done;
      bar = new cliProgress.SingleBar(
        {
          format: `${label} |{bar}| {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted}`,
          stream: process.stderr,
          hideCursor: true,
          etaBuffer: 20,
          fps: 5,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, done, { rate: '0.0' });
    },
    update(done) {
      bar?.update(done, { rate: rate(done) });
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}

/** `true` -> a bar, `false` -> silent, undefined -> a bar when progressWanted(), a reporter -> itself. */
export function resolveProgress(option: boolean | ProgressReporter | undefined, label: string): ProgressReporter {
  if (typeof option === 'object') return option;
  const wanted = option ?? progressWanted();
  return wanted ? createProgressBar(label) : SILENT_PROGRESS;
}
