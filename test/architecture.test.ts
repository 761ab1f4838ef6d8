/**
 * The house rules of the source tree, checked on every run: only src/engine imports onnxruntime-node; imports go
 * downward only through the layers (bottom: errors, text, io, data, eval, images, shards; then engine, models,
 * features, train, finetune and endpoint, report, compare and serve, cli, and the public index at the top); no import
 * cycle between folders or between files (type-only imports count too).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../src', import.meta.url));

/** Layer of each top-level folder or root file; a module may import only from its own layer or below. */
const LAYERS: Readonly<Record<string, number>> = {
  errors: 0,
  text: 0,
  random: 0,
  io: 1,
  provenance: 1,
  data: 2,
  images: 2,
  eval: 3,
  shards: 3,
  engine: 4,
  models: 5,
  features: 6,
  train: 7,
  finetune: 8,
  endpoint: 8,
  report: 9,
  compare: 10,
  serve: 10,
  cli: 11,
  index: 12,
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

const files = sourceFiles(src);
const rel = (p: string): string => path.relative(src, p).split(path.sep).join('/');
const unit = (p: string): string => rel(p).split('/')[0]!.replace(/\.ts$/, '');

interface Import {
  from: string;
  to: string;
  spec: string;
}

const imports: Import[] = files.flatMap((file) => {
  const text = readFileSync(file, 'utf8');
  const out: Import[] = [];
  for (const m of text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'/gm)) {
    const spec = m[1]!;
    const to = spec.startsWith('.') ? path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts') : spec;
    out.push({ from: file, to, spec });
  }
  return out;
});

test('only src/engine imports onnxruntime-node', () => {
  const leaks = imports.filter((i) => i.spec === 'onnxruntime-node' && !rel(i.from).startsWith('engine/')).map((i) => rel(i.from));
  assert.deepEqual(leaks, []);
});

test('every folder and root module of src/ has a layer', () => {
  const units = [...new Set(files.map(unit))].sort();
  assert.deepEqual(
    units.filter((u) => !(u in LAYERS)),
    [],
  );
});

test('imports go down the layers, never up', () => {
  const upward = imports
    .filter((i) => i.spec.startsWith('.'))
    .filter((i) => (LAYERS[unit(i.to)] ?? -1) > (LAYERS[unit(i.from)] ?? -1))
    .map((i) => `${rel(i.from)} -> ${rel(i.to)}`);
  assert.deepEqual(upward, []);
});

/** Strongly connected components with more than one member (Tarjan). */
function cycles(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

function graphOf(key: (file: string) => string): Map<string, Set<string>> {
  const g = new Map<string, Set<string>>();
  for (const i of imports.filter((x) => x.spec.startsWith('.'))) {
    const [a, b] = [key(i.from), key(i.to)];
    if (a === b) continue;
    if (!g.has(a)) g.set(a, new Set());
    g.get(a)!.add(b);
  }
  return g;
}

test('no import cycle between folders', () => {
  assert.deepEqual(cycles(graphOf(unit)), []);
});

test('no import cycle between files', () => {
  assert.deepEqual(cycles(graphOf(rel)), []);
});
