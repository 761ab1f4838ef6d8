/**
 * Seeded random ResNet weights for tests and benchmarks, from a shape list: a parameter manifest like
 * test/fixtures/manifests/resnet50.json (`parameters` + `buffers`; integer buffers such as num_batches_tracked are
 * skipped) or `resnetStateShapes(config)`. Tensors are drawn in list order from one stream, so a seed gives the same
 * weights everywhere. Scales keep activations O(1) through the whole network (no overflow, no denormals that would
 * distort timings): convs N(0, 2 / fan_in) (Kaiming), BatchNorm gamma U(0.5, 1), beta N(0, 0.1^2), running mean
 * N(0, 0.1^2), running var U(0.5, 1.5), fc U(+-1/sqrt(in)) as torch's Linear.
 */

import { Rng } from '../../random/rng.js';

/** What `randomResnetWeights` needs from a manifest. */
export interface ShapeManifest {
  parameters: Readonly<Record<string, readonly number[]>>;
  buffers?: Readonly<Record<string, { shape: readonly number[]; dtype: string }>>;
}

/** Float tensors of a manifest (parameters, then float buffers), name -> shape, in manifest order. */
export function manifestShapes(m: ShapeManifest): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const [name, shape] of Object.entries(m.parameters)) out.set(name, [...shape]);
  for (const [name, b] of Object.entries(m.buffers ?? {})) if (b.dtype.startsWith('float')) out.set(name, [...b.shape]);
  return out;
}

export function randomResnetWeights(shapes: ReadonlyMap<string, readonly number[]>, seed = 0): Map<string, Float32Array> {
  const rng = new Rng(seed);
  const out = new Map<string, Float32Array>();
  for (const [name, shape] of shapes) {
    const n = shape.reduce((a, b) => a * b, 1);
    const a = new Float32Array(n);
    const draw = drawer(name, shape, rng);
    for (let i = 0; i < n; i++) a[i] = draw();
    out.set(name, a);
  }
  return out;
}

function drawer(name: string, shape: readonly number[], rng: Rng): () => number {
  if (name.startsWith('fc.')) {
    const bound = 1 / Math.sqrt(shape.length === 2 ? (shape[1] as number) : 1);
    return () => rng.uniform(-bound, bound);
  }
  if (shape.length === 4) {
    const std = Math.sqrt(2 / ((shape[1] as number) * (shape[2] as number) * (shape[3] as number)));
    return () => rng.normal() * std;
  }
  if (name.endsWith('.running_var')) return () => rng.uniform(0.5, 1.5);
  if (name.endsWith('.weight')) return () => rng.uniform(0.5, 1);
  return () => rng.normal() * 0.1; // BatchNorm bias, running_mean
}
