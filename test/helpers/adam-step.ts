/**
 * Parameters after one Adam(W) step taken by two computations whose gradients agree only up to float rounding (other
 * graphs, batchings, CPUs or thread counts). A first step moves each entry by lr * g / (|g| + eps) - about lr * sign(g)
 * whatever |g| - so where |g| is below the level at which the two gradients agree, its sign, and with it the step, is
 * decided by rounding. There only the step bound holds (the two results differ by at most 2 lr); everywhere else the
 * results must agree within the tolerance. (The golden head test treats the golden's first step the same way.)
 */
import assert from 'node:assert/strict';

export interface AfterStepOptions {
  lr: number;
  /** Entries whose reference gradient is below this (per tensor) are ill-conditioned. */
  floor: (name: string) => number;
  /** Allowed |got - want| for the well-conditioned entries of a tensor. */
  tol: (name: string) => number;
}

/** Asserts as described above; returns the worst well-conditioned difference and the ill-conditioned count. */
export function assertAfterFirstStep(
  label: string,
  got: ReadonlyMap<string, Float32Array>,
  want: ReadonlyMap<string, Float32Array>,
  grads: ReadonlyMap<string, Float32Array>,
  o: AfterStepOptions,
): { worst: number; illConditioned: number } {
  let worst = 0;
  let illConditioned = 0;
  assert.equal(got.size, want.size, `${label}: tensor count`);
  for (const [name, w] of want) {
    const p = got.get(name);
    const g = grads.get(name);
    assert.ok(p && p.length === w.length, `${label} ${name}: missing or wrong size`);
    assert.ok(g && g.length === w.length, `${label} ${name}: no gradient of the same size`);
    const [floor, tol] = [o.floor(name), o.tol(name)];
    for (let i = 0; i < w.length; i++) {
      const d = Math.abs((p[i] as number) - (w[i] as number));
      if (Math.abs(g[i] as number) < floor) {
        illConditioned++;
        assert.ok(d <= 2 * o.lr * (1 + 1e-6), `${label} ${name}[${i}]: ${p[i]} vs ${w[i]} differ by more than two steps`);
      } else {
        worst = Math.max(worst, d);
        assert.ok(d <= tol, `${label} ${name}[${i}]: ${p[i]} vs ${w[i]} (gradient ${g[i]})`);
      }
    }
  }
  return { worst, illConditioned };
}
