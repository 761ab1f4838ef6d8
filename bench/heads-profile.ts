/**
 * Where a heads training epoch spends its time: runs the clip-linear head's multi-step training graph (the same one
 * bench/heads.ts times) under onnxruntime's profiler and sums kernel time by phase (forward, loss, backward, optimizer
 * update, other) and by op type within each phase. Phases come from the Loop body's node ids: the model, loss and
 * optimizer are wrapped so the builder's node counter is read where each phase starts. The first (warm-up) run is left
 * out. `npm run bench -- heads-profile [--batch 256] [--threads 2] [--runs 6] [--rows 20523] [--optimization all] [--top N] [--shard ELEMENTS|off] [--trace FILE]`
 * Human-readable table on stderr; one JSON line on stdout.
 */

import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Graph } from '../src/engine/graph.js';
import { initParams } from '../src/engine/init.js';
import type { LossDef, ModelDef } from '../src/engine/model.js';
import { adam, type Optimizer } from '../src/engine/optim.js';
import { TrainSession } from '../src/engine/train-session.js';
import { buildTrainLoop } from '../src/engine/train-loop.js';
import { clipLinearHead, clipLinearLoss, CLIP_LINEAR_DEFAULTS, type ClipLinearConfig } from '../src/models/heads/clip-linear.js';
import { Rng } from '../src/random/rng.js';
import { round } from './_common.js';
import { gatherSteps, synthetic } from './heads.js';
import { stepsPerRun } from '../src/train/steps-per-run.js';

type Phase = 'forward' | 'loss' | 'backward' | 'optimizer' | 'other';

interface Options {
  batch: number;
  threads: number;
  runs: number;
  rows: number;
  optimization: 'disabled' | 'basic' | 'extended' | 'all';
  /** Also list the N slowest nodes (total over the profiled steps) with their input shapes. */
  top: number;
  /** The training graph's `shard` option (largest parameter block in elements; false = whole parameters). */
  shard: boolean | number;
  /** Keep onnxruntime's trace (Chrome trace JSON) at this path. */
  trace: string | null;
}

function parseArgs(args: string[]): Options {
  const o: Options = { batch: 256, threads: 2, runs: 6, rows: 20523, optimization: 'all', top: 0, shard: true, trace: null };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = (): string => args[++i] ?? '';
    if (a === '--batch') o.batch = Number(next());
    else if (a === '--threads') o.threads = Number(next());
    else if (a === '--runs') o.runs = Number(next());
    else if (a === '--rows') o.rows = Number(next());
    else if (a === '--shard') o.shard = next() === 'off' ? false : Number(args[i]);
    else if (a === '--trace') o.trace = next();
    else if (a === '--top') o.top = Number(next());
    else if (a === '--optimization') o.optimization = next() as Options['optimization'];
    else throw new Error(`heads-profile bench: unknown argument ${a}`);
  }
  return o;
}

/** Node-id boundaries in the Loop body: ids in [start of a phase, start of the next) belong to that phase. */
interface Marks {
  body: Graph | null;
  forward: number;
  loss: number;
  backward: number;
  optimizer: number;
}

function instrument(model: ModelDef, loss: LossDef, opt: Optimizer, marks: Marks): [ModelDef, LossDef, Optimizer] {
  const m: ModelDef = {
    ...model,
    forward(ctx) {
      marks.body = ctx.graph;
      marks.forward = ctx.graph.nodes.length;
      const out = model.forward(ctx);
      marks.loss = ctx.graph.nodes.length;
      return out;
    },
  };
  const l: LossDef = {
    ...loss,
    build(ctx, outputs) {
      const r = loss.build(ctx, outputs);
      marks.backward = ctx.graph.nodes.length;
      return r;
    },
  };
  const o: Optimizer = {
    ...opt,
    prepare(g, lr, step) {
      marks.optimizer = g.nodes.length;
      return opt.prepare(g, lr, step);
    },
  };
  return [m, l, o];
}

interface TraceEvent {
  cat: string;
  name: string;
  ts: number;
  dur: number;
  args?: { op_name?: string; input_type_shape?: Record<string, number[]>[] };
}

export async function run(args: string[]): Promise<void> {
  const o = parseArgs(args);
  const c: ClipLinearConfig = { ...CLIP_LINEAR_DEFAULTS };
  const marks: Marks = { body: null, forward: 0, loss: 0, backward: 0, optimizer: 0 };
  const [model, loss, opt] = instrument(clipLinearHead(c), clipLinearLoss(c), adam(), marks);
  const graph = buildTrainLoop(model, loss, opt, { shard: o.shard });
  const bodyName = marks.body?.name ?? '';
  const phaseOf = (nodeName: string): Phase => {
    const m = /^n(\d+)_[A-Za-z]+_(.*)$/.exec(nodeName);
    if (!m || m[2] !== bodyName) return 'other';
    const id = Number(m[1]);
    if (id >= marks.optimizer) return 'optimizer';
    if (id >= marks.backward) return 'backward';
    if (id >= marks.loss) return 'loss';
    if (id >= marks.forward) return 'forward';
    return 'other';
  };

  const dir = mkdtempSync(path.join(tmpdir(), 'vizwiz-profile-'));
  const data = synthetic(o.rows, c);
  const rng = new Rng(3);
  const perRun = stepsPerRun(o.batch);
  if (perRun * o.batch > o.rows)
    throw new Error(
      `heads-profile: --rows ${o.rows} is less than one run of the loop graph (${perRun} steps x batch ${o.batch}); use --rows ${perRun * o.batch} or more`,
    );
  const lrs = new Array<number>(perRun).fill(5e-3);
  const session = await TrainSession.create(graph, initParams(graph.params, 0), {
    threads: o.threads,
    seed: 1,
    optimization: o.optimization,
    profile: path.join(dir, 'heads'),
  });
  const order = rng.permutation(o.rows);
  let start = 0;
  const next = (): ReturnType<typeof gatherSteps> => {
    if (start + perRun * o.batch > o.rows) start = 0;
    const feeds = gatherSteps(data, c, order, start, perRun, o.batch);
    start += perRun * o.batch;
    return feeds;
  };
  await session.steps(next(), lrs); // warm-up, left out below
  const t0 = performance.now();
  for (let i = 0; i < o.runs; i++) await session.steps(next(), lrs);
  const wall = (performance.now() - t0) / 1000;
  await session.dispose();
  const file = readdirSync(dir).find((f) => f.endsWith('.json'));
  if (!file) throw new Error(`heads-profile: onnxruntime wrote no profile in ${dir}`);
  const events = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as TraceEvent[];
  if (o.trace) copyFileSync(path.join(dir, file), o.trace);
  rmSync(dir, { recursive: true, force: true });

  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts - b.ts);
  const warm = runs[0];
  const afterWarmUp = warm ? warm.ts + warm.dur : 0;
  const kernels = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time') && e.ts >= afterWarmUp && e.args?.op_name !== 'Loop');
  const runUs = runs.slice(1).reduce((s, e) => s + e.dur, 0);
  const byPhase = new Map<Phase, number>();
  const byPhaseOp = new Map<string, number>();
  let kernelUs = 0;
  for (const e of kernels) {
    const phase = phaseOf(e.name.slice(0, -'_kernel_time'.length));
    const op = e.args?.op_name ?? '?';
    byPhase.set(phase, (byPhase.get(phase) ?? 0) + e.dur);
    byPhaseOp.set(`${phase}/${op}`, (byPhaseOp.get(`${phase}/${op}`) ?? 0) + e.dur);
    kernelUs += e.dur;
  }
  const steps = o.runs * perRun;
  const ms = (us: number): number => us / 1000 / steps;
  console.error(
    `heads-profile: batch ${o.batch}, ${steps} steps (${o.runs} runs of ${perRun}), ${o.threads} threads, optimization ${o.optimization}, shard ${o.shard}; wall ${((1000 * wall) / steps).toFixed(1)} ms/step, model_run ${ms(runUs).toFixed(1)} ms/step, kernels ${ms(kernelUs).toFixed(1)} ms/step`,
  );
  const phases: Phase[] = ['forward', 'loss', 'backward', 'optimizer', 'other'];
  for (const p of phases) {
    const us = byPhase.get(p) ?? 0;
    console.error(`  ${p.padEnd(10)} ${ms(us).toFixed(2).padStart(8)} ms/step  ${((100 * us) / kernelUs).toFixed(1).padStart(5)}%`);
    const ops = [...byPhaseOp].filter(([k]) => k.startsWith(`${p}/`)).sort((a, b) => b[1] - a[1]);
    for (const [k, v] of ops.slice(0, 8)) console.error(`      ${k.slice(p.length + 1).padEnd(22)} ${ms(v).toFixed(2).padStart(8)} ms/step`);
  }
  if (o.top > 0) {
    const byNode = new Map<string, { us: number; shapes: string }>();
    for (const e of kernels) {
      const node = e.name.slice(0, -'_kernel_time'.length);
      const cur = byNode.get(node) ?? { us: 0, shapes: (e.args?.input_type_shape ?? []).map((t) => JSON.stringify(Object.values(t)[0])).join(' ') };
      cur.us += e.dur;
      byNode.set(node, cur);
    }
    for (const [node, v] of [...byNode].sort((a, b) => b[1].us - a[1].us).slice(0, o.top)) {
      console.error(`  ${ms(v.us).toFixed(2).padStart(7)} ms/step  ${phaseOf(node).padEnd(9)} ${node}  ${v.shapes}`);
    }
  }
  console.log(
    JSON.stringify({
      name: 'heads-profile',
      batch: o.batch,
      steps,
      threads: o.threads,
      optimization: o.optimization,
      shard: o.shard,
      wall_ms_per_step: round((1000 * wall) / steps, 2),
      run_ms_per_step: round(ms(runUs), 2),
      kernel_ms_per_step: round(ms(kernelUs), 2),
      phase_ms_per_step: Object.fromEntries(phases.map((p) => [p, round(ms(byPhase.get(p) ?? 0), 2)])),
      phase_share: Object.fromEntries(phases.map((p) => [p, round((byPhase.get(p) ?? 0) / kernelUs, 3)])),
      op_ms_per_step: Object.fromEntries([...byPhaseOp].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, round(ms(v), 2)])),
    }),
  );
}
