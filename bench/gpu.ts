/**
 * GPU benchmark (issue 12): the toolkit on one device (default `webgpu`, the GPU provider onnxruntime-node ships),
 * against PyTorch on the same GPU. Each part runs in its own process under a time budget, so a crash, a hang or an
 * out-of-memory in one part costs that part only; all parts together stop by --deadline.
 *   probe             a MatMul on the device vs the CPU                                       (bench/_gpu-models.ts)
 *   goldens           the tiny golden models of test/fixtures on the device: max abs error per output (_gpu-goldens.ts)
 *   paligemma-train   PaliGemma-3B, random weights at the real size: one LoRA step at batch 8
 *   peer-paligemma    transformers' PaliGemma + PEFT LoRA, float32, CUDA: the same step, prefill and decode (gpu_peer.py)
 *   clip / peer-clip  CLIP ViT-L/14@336 vision tower images/s, ours / transformers' CLIPVisionModelWithProjection
 *   paligemma-decode  image features + prefill and greedy decode tokens/s at batch 1
 * stdout carries JSON lines only (also appended to --jsonl FILE): each golden, one line per measurement
 *   {"name":"gpu-...","ours_s":..,"peer_s":..,"ratio":ours/peer, ...}
 * (an "error" field says what is missing and why), the projected time of the seed report's fine-tuning (20,523
 * questions x 10 epochs at batch 8) from each side's step time, and a final "gpu-summary" line. Progress goes to stderr.
 * `--tiny` (or VIZWIZ_BENCH_TINY=1) runs every part with the fixtures' tiny shapes: a CPU check of the code paths.
 * `--dtype f16` runs our side in half precision (mixed-precision LoRA step, float16 CLIP tower and generation; decision
 * 011), still against the peer's float32; each of our lines says its `dtype`. The goldens stay float32.
 * `npm run bench -- gpu [--device webgpu|cpu|cuda] [--tiny] [--deadline 400] [--budget part=s,..] [--only a,b] [--dtype f32|f16]
 *   [--skip a,b] [--no-peer] [--python PATH] [--jsonl FILE] [--fixtures DIR]`
 */

import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { parseDevice, type Device } from '../src/engine/device.js';
import type { ComputeDType } from '../src/engine/inference.js';
import { findPython, root } from './_common.js';
import { runGoldens } from './_gpu-goldens.js';
import { clip, paligemmaDecode, paligemmaTrain, probe, type PartContext } from './_gpu-models.js';
import { BUDGET_S, emit, errorText, fixturesDir, log, PARTS, shapesFor, sig, type PartName, type Shapes } from './_gpu-protocol.js';

/** The seed report's fine-tuning: VizWiz train questions x epochs, at the bench's batch size. */
const SEED_QUESTIONS = 20523;
const SEED_EPOCHS = 10;

interface Options {
  device: Device;
  tiny: boolean;
  deadlineS: number;
  budgets: Record<PartName, number>;
  parts: PartName[];
  peer: boolean;
  /** Our compute dtype (the peer stays float32). */
  dtype: ComputeDType;
  python: string | null;
  jsonl: string | null;
  fixtures: string;
  /** Child mode: run this one part here. */
  part: PartName | null;
  partBudgetS: number;
}

function partName(s: string): PartName {
  if ((PARTS as readonly string[]).includes(s)) return s as PartName;
  throw new Error(`gpu bench: unknown part '${s}' (parts: ${PARTS.join(', ')})`);
}

function parseArgs(args: string[]): Options {
  const o: Options = {
    device: 'webgpu',
    tiny: process.env.VIZWIZ_BENCH_TINY === '1',
    deadlineS: 400,
    budgets: { ...BUDGET_S },
    parts: [...PARTS],
    peer: true,
    dtype: 'float32',
    python: null,
    jsonl: null,
    fixtures: fixturesDir(),
    part: null,
    partBudgetS: 0,
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = (): string => {
      const v = args[++i];
      if (v === undefined) throw new Error(`gpu bench: ${a} needs a value`);
      return v;
    };
    const list = (): PartName[] => next().split(',').filter(Boolean).map(partName);
    if (a === '--device') o.device = parseDevice(next());
    else if (a === '--tiny') o.tiny = true;
    else if (a === '--deadline') o.deadlineS = Number(next());
    else if (a === '--budget') {
      for (const kv of next().split(',')) {
        const [k, v] = kv.split('=');
        o.budgets[partName(k ?? '')] = Number(v);
      }
    } else if (a === '--only') o.parts = list();
    else if (a === '--skip') {
      const skip = new Set(list());
      o.parts = o.parts.filter((p) => !skip.has(p));
    } else if (a === '--no-peer') o.peer = false;
    else if (a === '--dtype') {
      const d = next();
      if (d !== 'f32' && d !== 'f16') throw new Error(`gpu bench: --dtype takes f32 or f16, got ${d}`);
      o.dtype = d === 'f16' ? 'float16' : 'float32';
    } else if (a === '--python') o.python = next();
    else if (a === '--jsonl') o.jsonl = path.resolve(next());
    else if (a === '--fixtures') o.fixtures = path.resolve(next());
    else if (a === '--part') o.part = partName(next());
    else if (a === '--part-budget') o.partBudgetS = Number(next());
    else throw new Error(`gpu bench: unknown argument ${a}`);
  }
  if (!(o.deadlineS > 0)) throw new Error('gpu bench: --deadline must be a positive number of seconds');
  return o;
}

/** Child mode: one part in this process; errors become an {"error"} line and exit code 1. */
async function runPart(o: Options, part: PartName): Promise<void> {
  const ctx: PartContext = {
    device: o.device,
    dtype: o.dtype,
    shapes: shapesFor(o.tiny, o.fixtures),
    tiny: o.tiny,
    endsAt: performance.now() + 0.9 * o.partBudgetS * 1000,
  };
  try {
    if (part === 'probe') await probe(ctx);
    else if (part === 'goldens') await runGoldens(o.fixtures, o.device);
    else if (part === 'paligemma-train') await paligemmaTrain(ctx);
    else if (part === 'paligemma-decode') await paligemmaDecode(ctx);
    else if (part === 'clip') await clip(ctx);
    else throw new Error(`part '${part}' is not ours to run`);
  } catch (e) {
    log(`${part} failed: ${errorText(e)}`);
    emit({ error: errorText(e) });
    process.exit(1);
  }
  process.exit(0); // a GPU provider can keep handles open after the sessions are released
}

interface PartResult {
  status: 'ok' | 'error' | 'timeout' | 'skipped';
  seconds: number;
  error?: string;
  /** Latest line per metric name. */
  metrics: Map<string, Record<string, unknown>>;
}

/** The peer's command line for a part, or null when it has no peer side. */
function peerArgs(part: PartName, s: Shapes, budgetS: number): string[] | null {
  const script = path.join(root, 'bench', 'gpu_peer.py');
  if (part === 'peer-paligemma') {
    return [
      script,
      '--part',
      'paligemma',
      '--config',
      s.paligemmaConfig,
      '--batch',
      String(s.trainBatch),
      '--text',
      String(s.text),
      '--answer',
      String(s.answer),
      '--r',
      String(s.loraR),
      '--new',
      String(s.newTokens),
      '--budget',
      String(budgetS),
    ];
  }
  if (part === 'peer-clip')
    return [script, '--part', 'clip', '--config', s.clipConfig, '--images', String(s.clipImages), '--batch', String(s.clipBatch), '--budget', String(budgetS)];
  return null;
}

class Bench {
  private readonly results = new Map<PartName, PartResult>();
  private readonly printed = new Set<string>();
  private goldensOk = 0;
  private goldensRun = 0;

  constructor(private readonly o: Options) {}

  out(line: Record<string, unknown>): void {
    const full = this.o.tiny ? { ...line, tiny: true } : line;
    emit(full);
    if (this.o.jsonl) appendFileSync(this.o.jsonl, `${JSON.stringify(full)}\n`);
  }

  /** Runs one child under `budgetS`: metric lines are kept, finished lines passed on, other output goes to stderr. */
  private child(part: PartName, command: string, args: string[], budgetS: number): Promise<PartResult> {
    const t0 = performance.now();
    const res: PartResult = { status: 'ok', seconds: 0, metrics: new Map() };
    return new Promise((resolve) => {
      const proc = spawn(command, args, {
        cwd: process.cwd(),
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, PYTHONUNBUFFERED: '1', HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1' },
      });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        proc.kill('SIGKILL');
      }, budgetS * 1000);
      createInterface({ input: proc.stdout }).on('line', (text) => {
        let line: Record<string, unknown>;
        try {
          line = JSON.parse(text) as Record<string, unknown>;
        } catch {
          log(`  [${part}] ${text}`);
          return;
        }
        if (typeof line.metric === 'string') {
          res.metrics.set(line.metric, line);
          log(`  [${part}] ${JSON.stringify(line)}`);
        } else if (typeof line.name === 'string') {
          if (line.name.startsWith('gpu-golden-')) {
            this.goldensRun++;
            if (line.ok === true) this.goldensOk++;
          }
          this.out(line);
        } else if (line.error !== undefined) res.error = String(line.error);
        else log(`  [${part}] ${text}`);
      });
      proc.on('error', (e) => {
        res.status = 'error';
        res.error = `could not start ${command}: ${errorText(e)}`;
      });
      proc.on('close', (code, signal) => {
        clearTimeout(timer);
        res.seconds = (performance.now() - t0) / 1000;
        if (timedOut) {
          res.status = 'timeout';
          res.error = `stopped at its time budget of ${budgetS} s${res.error ? ` (${res.error})` : ''}`;
        } else if (res.status === 'ok' && (code !== 0 || res.error)) {
          res.status = 'error';
          res.error ??= signal ? `killed by ${signal}` : `exited with code ${code}`;
        }
        resolve(res);
      });
    });
  }

  async run(): Promise<void> {
    const o = this.o;
    const t0 = performance.now();
    const endAt = t0 + o.deadlineS * 1000;
    const shapes = shapesFor(o.tiny, o.fixtures);
    const python = o.peer ? (o.python ?? findPython('torch')) : null;
    log(`gpu bench: device ${o.device}${o.tiny ? ', tiny shapes' : ''}, deadline ${o.deadlineS} s, parts ${o.parts.join(', ')}; peer ${python ?? 'none'}`);
    for (const part of PARTS) {
      if (!o.parts.includes(part)) continue;
      const left = (endAt - performance.now()) / 1000;
      const budget = Math.min(o.budgets[part], left);
      let res: PartResult;
      const isPeer = part.startsWith('peer-');
      if (budget < 10) res = { status: 'skipped', seconds: 0, error: `not started: ${left.toFixed(0)} s left before the deadline`, metrics: new Map() };
      else if (isPeer && !o.peer) res = { status: 'skipped', seconds: 0, error: 'peer disabled (--no-peer)', metrics: new Map() };
      else if (isPeer && !python) res = { status: 'skipped', seconds: 0, error: 'no python3 (or .venv/bin/python) that imports torch', metrics: new Map() };
      else {
        log(`--- ${part} (budget ${budget.toFixed(0)} s)`);
        const peer = peerArgs(part, shapes, budget);
        const self = [
          ...process.execArgv,
          process.argv[1] as string,
          'gpu',
          '--part',
          part,
          '--part-budget',
          String(budget),
          '--device',
          o.device,
          '--fixtures',
          o.fixtures,
          ...(o.tiny ? ['--tiny'] : []),
          ...['--dtype', o.dtype === 'float16' ? 'f16' : 'f32'],
        ];
        res = peer ? await this.child(part, python as string, peer, budget) : await this.child(part, process.execPath, self, budget);
      }
      this.results.set(part, res);
      log(`--- ${part}: ${res.status} in ${res.seconds.toFixed(1)} s${res.error ? `: ${res.error}` : ''}`);
      if (part === 'goldens' && res.status !== 'ok' && res.status !== 'skipped') this.out({ name: 'gpu-goldens', device: o.device, error: res.error });
      if (part === 'probe' && res.status !== 'ok') this.out({ name: 'gpu-probe', device: o.device, error: res.error });
      this.compare();
    }
    this.compare(true);
    const parts = Object.fromEntries(
      [...this.results].map(([k, r]) => [k, { status: r.status, seconds: sig(r.seconds, 3), ...(r.error ? { error: r.error } : {}) }]),
    );
    this.out({
      name: 'gpu-summary',
      device: o.device,
      total_s: sig((performance.now() - t0) / 1000, 3),
      goldens_ok: `${this.goldensOk}/${this.goldensRun}`,
      parts,
    });
  }

  /** Prints each comparison whose two parts have run (all remaining ones when `final`). */
  private compare(final = false): void {
    const done = (p: PartName): boolean => this.results.has(p) || !this.o.parts.includes(p);
    for (const c of COMPARISONS) {
      if (this.printed.has(c.name) || !(final || (done(c.ours[0]) && done(c.peer[0])))) continue;
      this.printed.add(c.name);
      if (!this.o.parts.includes(c.ours[0]) && !this.o.parts.includes(c.peer[0])) continue; // neither side asked for
      const side = (where: readonly [PartName, string], who: string): { s: number | null; details: Record<string, unknown>; why?: string } => {
        const r = this.results.get(where[0]);
        const m = r?.metrics.get(where[1]);
        if (m && typeof m.value === 'number') {
          const { metric: _m, value: _v, ...details } = m;
          return { s: m.value, details };
        }
        const why = r ? (r.error ?? `${where[0]} printed no ${where[1]}`) : `${where[0]} was not run`;
        return { s: null, details: {}, why: `${who}: ${why}` };
      };
      const ours = side(c.ours, 'ours');
      const peer = side(c.peer, 'peer');
      const ratio = ours.s !== null && peer.s !== null ? ours.s / peer.s : null;
      const errors = [ours.why, peer.why].filter(Boolean);
      const rates = c.rate ? { [`ours_${c.rate}`]: ours.s ? sig(1 / ours.s) : null, [`peer_${c.rate}`]: peer.s ? sig(1 / peer.s) : null } : {};
      this.out({
        name: c.name,
        ours_s: sig(ours.s),
        peer_s: sig(peer.s),
        ratio: sig(ratio, 3),
        unit: c.unit,
        ...rates,
        device: this.o.device,
        dtype: this.o.dtype,
        ours: ours.details,
        peer: peer.details,
        ...(errors.length ? { error: errors.join('; ') } : {}),
      });
      if (c.name === 'gpu-paligemma-lora-step') this.projection(ours.s, peer.s);
    }
  }

  /** The seed report's fine-tuning at the measured step times. */
  private projection(ours: number | null, peer: number | null): void {
    const batch = shapesFor(this.o.tiny, this.o.fixtures).trainBatch;
    const steps = Math.ceil(SEED_QUESTIONS / batch) * SEED_EPOCHS;
    const hours = (s: number | null): number | null => (s === null ? null : sig((s * steps) / 3600, 3));
    this.out({
      name: 'gpu-projection-seed-finetune',
      ours_s: sig(ours === null ? null : ours * steps),
      peer_s: sig(peer === null ? null : peer * steps),
      ratio: sig(ours !== null && peer !== null ? ours / peer : null, 3),
      ours_h: hours(ours),
      peer_h: hours(peer),
      questions: SEED_QUESTIONS,
      epochs: SEED_EPOCHS,
      batch,
      steps,
      device: this.o.device,
      dtype: this.o.dtype,
      ...(ours === null && peer === null ? { error: 'no LoRA step time was measured' } : {}),
    });
  }
}

interface Comparison {
  name: string;
  ours: readonly [PartName, string];
  peer: readonly [PartName, string];
  unit: string;
  /** The reciprocal's name when the number is a rate per second (tokens_per_s, images_per_s). */
  rate?: string;
}

const COMPARISONS: readonly Comparison[] = [
  {
    name: 'gpu-paligemma-lora-step',
    ours: ['paligemma-train', 'lora_step_s'],
    peer: ['peer-paligemma', 'lora_step_s'],
    unit: 's per LoRA step (AdamW, batch 8)',
  },
  {
    name: 'gpu-clip-vit-l14-336',
    ours: ['clip', 's_per_image'],
    peer: ['peer-clip', 's_per_image'],
    unit: 's per image (vision tower + projection)',
    rate: 'images_per_s',
  },
  {
    name: 'gpu-paligemma-prefill',
    ours: ['paligemma-decode', 'prefill_s'],
    peer: ['peer-paligemma', 'prefill_s'],
    unit: 's for image features + prefill (batch 1)',
  },
  {
    name: 'gpu-paligemma-decode',
    ours: ['paligemma-decode', 'decode_s_per_token'],
    peer: ['peer-paligemma', 'decode_s_per_token'],
    unit: 's per greedy token (batch 1, KV cache)',
    rate: 'tokens_per_s',
  },
];

export async function run(args: string[]): Promise<void> {
  const o = parseArgs(args);
  if (o.part) return runPart(o, o.part);
  await new Bench(o).run();
}
