/**
 * Load on the service with the embedded default's tiny models: 32 concurrent loopback clients (autocannon) for 20 s
 * against /v1/answer, served in this process from runs/compare (or `--compare DIR`; without one, a smoke comparison
 * is made in a temporary folder first). Checks that every 5xx is a 503 with Retry-After and reports answers/s,
 * p50/p99 latency, status counts and the process's RSS at the start and at its peak (memory stays bounded because
 * the queue is).
 * `npm run bench -- serve-load [--compare DIR] [--connections 32] [--seconds 20] [--max-batch 8] [--max-queue 64]`
 * Human-readable lines on stderr; the final JSON line on stdout.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCompare } from '../src/compare/run.js';
import { DEFAULT_LIMITS } from '../src/serve/limits.js';
import { chooseServeTarget, DEFAULT_COMPARE_DIR, loadServeModel } from '../src/serve/serve-target.js';
import { startService } from '../src/serve/server.js';
import { round } from './_common.js';
import { loadRun } from './_serve.js';

interface Options {
  compare: string | undefined;
  connections: number;
  seconds: number;
  maxBatch: number;
  maxQueue: number;
}

function parseArgs(args: string[]): Options {
  const o: Options = { compare: undefined, connections: 32, seconds: 20, maxBatch: DEFAULT_LIMITS.maxBatch, maxQueue: DEFAULT_LIMITS.maxQueue };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = (): string => args[++i] ?? '';
    if (a === '--compare') o.compare = next();
    else if (a === '--connections') o.connections = Number(next());
    else if (a === '--seconds') o.seconds = Number(next());
    else if (a === '--max-batch') o.maxBatch = Number(next());
    else if (a === '--max-queue') o.maxQueue = Number(next());
    else throw new Error(`serve-load bench: unknown argument ${a}`);
  }
  return o;
}

export async function run(args: string[]): Promise<void> {
  const o = parseArgs(args);
  let scratch: string | undefined;
  let compare = o.compare ?? DEFAULT_COMPARE_DIR;
  if (!existsSync(path.join(compare, 'results.json'))) {
    scratch = await mkdtemp(path.join(tmpdir(), 'vizwiz-serve-load-'));
    compare = scratch;
    console.error(`serve-load: no comparison in ${o.compare ?? DEFAULT_COMPARE_DIR}; making a smoke one in ${scratch}`);
    await runCompare({ out: scratch, models: ['clip-linear'], device: 'cpu', smoke: true, augment: false, seed: 0, log: () => {} });
  }
  try {
    const model = await loadServeModel(await chooseServeTarget({ run: compare }), { device: 'cpu' });
    const service = await startService({
      host: '127.0.0.1',
      port: 0,
      limits: { ...DEFAULT_LIMITS, maxBatch: o.maxBatch, maxQueue: o.maxQueue },
      load: async () => model,
    });
    await service.ready;
    const valDir = path.join(compare, 'data', 'val');
    const photo = await readFile(path.join(valDir, (await readdir(valDir)).sort()[0]!));
    console.error(`serve-load: ${model.id} (${model.description}); ${o.connections} clients for ${o.seconds} s, max batch ${o.maxBatch}, queue ${o.maxQueue}`);
    const r = await loadRun({ url: service.url, connections: o.connections, seconds: o.seconds, photo, question: 'What colour is this?' });
    const sizes = service.state.service!.batcher.batchSizes;
    const meanBatch = sizes.reduce((a, b) => a + b, 0) / Math.max(1, sizes.length);
    await service.shutdown();
    console.error(
      `serve-load: ${r.rps.toFixed(1)} answers/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, statuses ${JSON.stringify(r.statuses)} ` +
        `(503 with Retry-After ${r.retryAfter503}, other 5xx ${r.bad5xx}, connection errors ${r.errors}), mean batch ${meanBatch.toFixed(2)}, ` +
        `RSS ${r.rssStartMb.toFixed(0)} MB at start, peak ${r.peakRssMb.toFixed(0)} MB`,
    );
    process.stdout.write(
      `${JSON.stringify({
        name: 'serve-load',
        model: model.id,
        connections: o.connections,
        seconds: o.seconds,
        rps: round(r.rps, 2),
        p50_ms: r.p50_ms,
        p99_ms: r.p99_ms,
        statuses: r.statuses,
        retry_after_503: r.retryAfter503,
        bad_5xx: r.bad5xx,
        errors: r.errors,
        mean_batch: round(meanBatch, 2),
        rss_start_mb: Math.round(r.rssStartMb),
        peak_rss_mb: Math.round(r.peakRssMb),
      })}\n`,
    );
    if (r.bad5xx > 0 || r.errors > 0) process.exitCode = 1;
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
}
