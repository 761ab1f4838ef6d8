/**
 * Dynamic batching: requests that arrive while the model is busy, or within `waitMs` of each other, are answered by
 * one model call of up to `maxBatch` (one call at a time: the model already uses every core). The queue is bounded:
 * past `maxQueue` waiting requests a new one is refused at once with 503 and a Retry-After estimated from the recent
 * time per batch, instead of waiting without end. A request whose signal aborts (its timeout) leaves the queue, or,
 * when its batch is already running, gets its rejection at once (the batch's result for it is dropped).
 */
import { HttpError } from './http-error.js';

export interface BatcherOptions {
  maxBatch: number;
  maxQueue: number;
  waitMs: number;
}

interface Job<I, O> {
  item: I;
  resolve(value: O): void;
  reject(reason: unknown): void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export class DynamicBatcher<I, O> {
  private readonly queue: Job<I, O>[] = [];
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private idle: (() => void)[] = [];
  /** Moving average of seconds per batch (for Retry-After). */
  private batchSeconds = 0.5;
  /** Sizes of the batches run so far (most recent last, at most 1,000 kept): for tests and stats. */
  readonly batchSizes: number[] = [];

  constructor(
    private readonly run: (items: readonly I[]) => Promise<O[]>,
    private readonly o: BatcherOptions,
  ) {
    if (!(o.maxBatch >= 1 && o.maxQueue >= 1)) throw new Error('maxBatch and maxQueue must be >= 1');
  }

  /** Requests waiting for a batch. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Seconds a new request would likely wait: the batches ahead of it plus its own. */
  retryAfterSeconds(): number {
    return Math.max(1, Math.ceil((this.queue.length / this.o.maxBatch + 1) * this.batchSeconds));
  }

  submit(item: I, signal?: AbortSignal): Promise<O> {
    if (this.closed) return Promise.reject(new HttpError(503, 'shutting_down', 'the server is shutting down; try again shortly', 1));
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.queue.length >= this.o.maxQueue) {
      const wait = this.retryAfterSeconds();
      return Promise.reject(new HttpError(503, 'queue_full', `the server is busy (${this.queue.length} questions waiting); try again in ${wait} s`, wait));
    }
    return new Promise<O>((resolve, reject) => {
      const job: Job<I, O> = { item, resolve, reject };
      if (signal) {
        job.signal = signal;
        job.onAbort = () => {
          const at = this.queue.indexOf(job);
          if (at >= 0) this.queue.splice(at, 1);
          reject(signal.reason);
          this.notifyIdle();
        };
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.queue.push(job);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running || this.queue.length === 0) return;
    if (this.queue.length >= this.o.maxBatch || this.o.waitMs <= 0) {
      void this.flush();
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.o.waitMs);
  }

  private async flush(): Promise<void> {
    if (this.running || this.queue.length === 0) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.running = true;
    const jobs = this.queue.splice(0, this.o.maxBatch);
    const started = performance.now();
    try {
      const out = await this.run(jobs.map((j) => j.item));
      jobs.forEach((j, i) => j.resolve(out[i] as O));
    } catch (err) {
      for (const j of jobs) j.reject(err);
    } finally {
      this.batchSeconds = 0.8 * this.batchSeconds + 0.2 * ((performance.now() - started) / 1000);
      this.batchSizes.push(jobs.length);
      if (this.batchSizes.length > 1000) this.batchSizes.shift();
      for (const j of jobs) if (j.onAbort) j.signal?.removeEventListener('abort', j.onAbort);
      this.running = false;
      // Whoever queued during the batch has waited long enough: the next batch starts at once.
      if (this.queue.length > 0) void this.flush();
      else this.notifyIdle();
    }
  }

  private notifyIdle(): void {
    if (this.running || this.queue.length > 0) return;
    const waiters = this.idle;
    this.idle = [];
    for (const w of waiters) w();
  }

  /** Refuses new requests from now on (503 shutting_down); those already queued or running still complete. */
  close(): void {
    this.closed = true;
  }

  /** Resolves when nothing is queued or running. */
  drain(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }
}
