/**
 * Where onnxruntime runs each node of a graph on a device: the placement report behind `vizwiz doctor --device`.
 * onnxruntime assigns every node to the first provider that implements it (the GPU provider, else the CPU) and prints
 * the assignment only at log severity 0, to the process's own stdout/stderr; so a child process (placement-child.ts)
 * creates the session - with the toolkit's session options and, as a GPU run places them, constant weights bound as
 * initializers (zeros: placement depends on op types, dtypes and constants, not values) - and this module parses what
 * it prints. Counts are nodes after onnxruntime's graph optimisations (fused nodes count once; the bodies of Loop
 * nodes are counted with the graph), including the Memcpy nodes it inserts where a value crosses between providers.
 */

import { spawn } from 'node:child_process';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkDevice, deviceFailure, type Device } from './device.js';
import { bindInitializers, MODEL_FILE } from './external-data.js';
import type { SessionOptions } from './graph-session.js';
import type { WeightSpec } from './model.js';
import { Tensor } from './tensor.js';
import { placementFor, type WeightPlacement } from './weights.js';

/** One graph to place: its ONNX bytes and the weights a session on the device would bind as initializers. */
export interface PlacementProbe {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly initializers: ReadonlyMap<string, Tensor>;
}

export interface PlacedNode {
  readonly opType: string;
  /** The node's name (ours, `n<id>_<op>_<graph>`, or one onnxruntime gave a node it made; may be empty). */
  readonly name: string;
}

/** What onnxruntime printed for one provider: how many nodes, and which (unlisted when all nodes went to it). */
export interface ProviderNodes {
  count: number;
  nodes: PlacedNode[];
}

export interface GraphPlacement {
  readonly graph: string;
  readonly device: Device;
  /** By provider, short names: 'webgpu', 'cuda', 'cpu'. */
  readonly providers: Readonly<Record<string, ProviderNodes>>;
}

/**
 * Op types that do the heavy work of a model and must never fall back to the CPU provider: products, convolutions,
 * attention, normalisation, softmax - as written by the toolkit or as onnxruntime fuses them.
 */
const HEAVY_OPS: ReadonlySet<string> = new Set([
  'MatMul',
  'Gemm',
  'FusedMatMul',
  'FusedGemm',
  'MatMulNBits',
  'Conv',
  'FusedConv',
  'ConvTranspose',
  'Attention',
  'MultiHeadAttention',
  'GroupQueryAttention',
  'RotaryEmbedding',
  'LayerNormalization',
  'SimplifiedLayerNormalization',
  'SkipLayerNormalization',
  'SkipSimplifiedLayerNormalization',
  'RMSNormalization',
  'BatchNormalization',
  'InstanceNormalization',
  'GroupNormalization',
  'Softmax',
  'LogSoftmax',
  'SoftmaxCrossEntropyLoss',
]);

/**
 * A probe of a graph whose `constants` (frozen weights; every weight of an inference graph) a session on `device`
 * would place with `placement` (default: weights.ts's rule for the device): as initializers they are bound, zero-filled.
 */
export function placementProbe(
  name: string,
  bytes: Uint8Array,
  constants: readonly WeightSpec[],
  device: Device,
  o: { placement?: WeightPlacement; mutable?: Iterable<string> } = {},
): PlacementProbe {
  const initializers = new Map<string, Tensor>();
  const all = placementFor(device, o.placement) === 'initializers';
  const mutable = new Set(o.mutable ?? []);
  for (const w of constants) {
    if ((!all && !w.bound) || mutable.has(w.name)) continue;
    const n = w.shape.reduce((a, b) => a * b, 1);
    const zeros =
      w.dtype === 'uint8'
        ? new Tensor('uint8', new Uint8Array(n), w.shape)
        : w.dtype === 'float16'
          ? new Tensor('float16', new Uint16Array(n), w.shape)
          : Tensor.f32(new Float32Array(n), w.shape);
    initializers.set(w.name, zeros);
  }
  return { name, bytes, initializers };
}

const SHORT_NAMES: Readonly<Record<string, string>> = {
  CPUExecutionProvider: 'cpu',
  WebGpuExecutionProvider: 'webgpu',
  CUDAExecutionProvider: 'cuda',
};

/**
 * The node placements in onnxruntime's verbose log: after each "Node(s) placed on [XExecutionProvider]. Number of
 * nodes: N" line come N lines "OpType (name)"; a graph wholly on one provider prints "All nodes placed on [X].
 * Number of nodes: N" and no list. Every session state (the graph and each Loop body) prints its own; they add up.
 */
export function parsePlacementLog(log: string): Record<string, ProviderNodes> {
  const out: Record<string, ProviderNodes> = {};
  let current: ProviderNodes | undefined;
  let expected = 0;
  // eslint-disable-next-line no-control-regex
  for (const raw of log.replace(/\u001b\[[0-9;]*m/g, '').split('\n')) {
    const line = raw.trimEnd();
    const header = /(Node\(s\)|All nodes) placed on \[(\w+)\]\. Number of nodes: (\d+)/.exec(line);
    if (header) {
      if (expected > 0) throw new Error(`onnxruntime's placement log lists ${expected} node(s) fewer than it announced`);
      const provider = SHORT_NAMES[header[2] as string] ?? (header[2] as string);
      current = out[provider] ??= { count: 0, nodes: [] };
      current.count += Number(header[3]);
      expected = header[1] === 'All nodes' ? 0 : Number(header[3]);
      continue;
    }
    const node = current && expected > 0 ? /VerifyEachNodeIsAssignedToAnEp\]\s+(\S+) \((.*)\)$/.exec(line) : null;
    if (node && current) {
      current.nodes.push({ opType: node[1] as string, name: node[2] as string });
      expected--;
    }
  }
  if (expected > 0) throw new Error(`onnxruntime's placement log lists ${expected} node(s) fewer than it announced`);
  return out;
}

/** Loader flags of this process (`--import tsx` when run from source), which the child needs to load the engine. */
function loaderFlags(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i] as string;
    if (/^--(import|loader|experimental-loader|require)=/.test(a)) out.push(a);
    else if (['--import', '--loader', '--experimental-loader', '--require', '-r'].includes(a) && execArgv[i + 1] !== undefined)
      out.push(a, execArgv[++i] as string);
  }
  return out;
}

/**
 * Runs the child with its stdout and stderr written to files in `dir`: onnxruntime writes its log with C stdio, and
 * into a pipe - which the child's Node runtime makes non-blocking - the writes that find it full are lost (seen: logs
 * cut short at random points).
 */
async function runChild(args: string[], dir: string, timeoutMs: number): Promise<{ code: number | null; output: string; timedOut: boolean }> {
  const [out, err] = await Promise.all([open(join(dir, 'stdout.log'), 'w'), open(join(dir, 'stderr.log'), 'w')]);
  try {
    const { code, timedOut } = await new Promise<{ code: number | null; timedOut: boolean }>((resolve, reject) => {
      const proc = spawn(process.execPath, args, { stdio: ['ignore', out.fd, err.fd] });
      let killed = false;
      const timer = setTimeout(() => {
        killed = true;
        proc.kill('SIGKILL');
      }, timeoutMs);
      proc.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      proc.on('close', (c) => {
        clearTimeout(timer);
        resolve({ code: c, timedOut: killed });
      });
    });
    const text = await Promise.all(['stdout.log', 'stderr.log'].map((f) => readFile(join(dir, f), 'utf8')));
    return { code, output: text.join('\n'), timedOut };
  } finally {
    await Promise.all([out.close(), err.close()]);
  }
}

/** The last error onnxruntime (or the child) printed, for a failure message. */
function lastError(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return [...lines].reverse().find((l) => /error|fail|exception/i.test(l)) ?? lines[lines.length - 1] ?? 'no output';
}

export interface MeasureOptions {
  device: Device;
  optimization?: SessionOptions['optimization'];
  /** Per graph (default 120 s: software Vulkan on a small CPU is slow to compile shaders). */
  timeoutMs?: number;
}

/** Creates a session for `probe` on the device in a child process and returns where each node went. */
export async function measurePlacement(probe: PlacementProbe, o: MeasureOptions): Promise<GraphPlacement> {
  checkDevice(o.device);
  const dir = await mkdtemp(join(tmpdir(), 'vizwiz-placement-'));
  try {
    const bound =
      probe.initializers.size > 0 ? await bindInitializers(probe.bytes, probe.initializers, { dir }) : ({ kind: 'bytes', bytes: probe.bytes } as const);
    let model = join(dir, MODEL_FILE);
    if (bound.kind === 'bytes') await writeFile(model, bound.bytes);
    else model = bound.path;
    const here = fileURLToPath(import.meta.url);
    const child = join(here, '..', `placement-child${extname(here)}`);
    const r = await runChild([...loaderFlags(process.execArgv), child, model, o.device, o.optimization ?? 'all'], dir, o.timeoutMs ?? 120_000);
    if (r.timedOut) throw new Error(`placing graph '${probe.name}' on ${o.device} took longer than ${(o.timeoutMs ?? 120_000) / 1000} s`);
    if (r.code !== 0) throw deviceFailure(o.device, new Error(lastError(r.output)));
    const providers = parsePlacementLog(r.output);
    if (Object.keys(providers).length === 0) throw new Error(`onnxruntime printed no node placements for graph '${probe.name}'`);
    return { graph: probe.name, device: o.device, providers };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Node counts by op type, most frequent first (then by name). */
export function opCounts(nodes: readonly PlacedNode[]): [string, number][] {
  const m = new Map<string, number>();
  for (const n of nodes) m.set(n.opType, (m.get(n.opType) ?? 0) + 1);
  return [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** "Sum x9, Gather x5, Where" */
export function formatOpCounts(counts: readonly [string, number][]): string {
  return counts.map(([op, n]) => (n > 1 ? `${op} x${n}` : op)).join(', ');
}

/** The nodes left to the CPU provider while another device was asked for. */
export function cpuNodes(p: GraphPlacement): PlacedNode[] {
  return p.device === 'cpu' ? [] : (p.providers.cpu?.nodes ?? []);
}

/** Nodes of a heavy op type (HEAVY_OPS) left to the CPU provider while another device was asked for. */
export function heavyOnCpu(p: GraphPlacement): PlacedNode[] {
  return cpuNodes(p).filter((n) => HEAVY_OPS.has(n.opType));
}

export interface PlacementSummary {
  graph: string;
  total: number;
  /** On the requested device (its provider), including the Memcpy nodes onnxruntime inserts. */
  onDevice: number;
  onCpu: number;
  /** MemcpyToHost / MemcpyFromHost nodes: values crossing between host and device inside each run. */
  copies: number;
  cpuOps: [string, number][];
}

export function summarizePlacement(p: GraphPlacement): PlacementSummary {
  const all = Object.values(p.providers);
  const cpu = cpuNodes(p);
  return {
    graph: p.graph,
    total: all.reduce((a, x) => a + x.count, 0),
    onDevice: p.providers[p.device]?.count ?? 0,
    onCpu: p.device === 'cpu' ? 0 : (p.providers.cpu?.count ?? 0),
    copies: all.flatMap((x) => x.nodes).filter((n) => n.opType.startsWith('Memcpy')).length,
    cpuOps: opCounts(cpu),
  };
}

/** A plain-text table: per graph, nodes in all, on the device, on the CPU (by op type), and host-device copies. */
export function formatPlacementTable(ps: readonly GraphPlacement[]): string {
  const device = ps[0]?.device ?? 'cpu';
  const rows = ps
    .map(summarizePlacement)
    .map((s) => [s.graph, String(s.total), String(s.onDevice), String(s.onCpu), String(s.copies), s.cpuOps.length ? formatOpCounts(s.cpuOps) : '-']);
  const head = ['graph', 'nodes', `on ${device}`, 'left to cpu', 'copies', 'ops left to the cpu'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}
