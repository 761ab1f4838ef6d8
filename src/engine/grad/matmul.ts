/**
 * Gradient rules of MatMul and Gemm. 2-D products differentiate into Gemm calls with transA/transB flags, so no
 * Transpose node is ever materialised (MLAS packs transposed operands itself); batched MatMul transposes the last two
 * axes and unbroadcasts the batch axes.
 */

import type { Value } from '../graph.js';
import { mul } from '../ops/elementwise.js';
import { gemm, matmul } from '../ops/matmul.js';
import { transpose } from '../ops/shape.js';
import { dy0, floatAttr, input, intAttr, type GradRule } from './types.js';
import { unbroadcast } from './unbroadcast.js';

function swapLast(x: Value): Value {
  const perm = x.shape.map((_, i) => i);
  const n = perm.length;
  [perm[n - 2], perm[n - 1]] = [n - 1, n - 2];
  return transpose(x, perm);
}

const matmulRule: GradRule = (ctx) => {
  const g = dy0(ctx); // (.., M, N)
  const a = input(ctx, 0); // (.., M, K)
  const b = input(ctx, 1); // (.., K, N)
  if (a.rank === 2 && b.rank === 2) {
    return [
      ctx.needs[0] ? gemm(g, b, null, { transB: true }) : null, // (M, N) @ (N, K)
      ctx.needs[1] ? gemm(a, g, null, { transA: true }) : null, // (K, M) @ (M, N)
    ];
  }
  return [ctx.needs[0] ? unbroadcast(matmul(g, swapLast(b)), a.shape) : null, ctx.needs[1] ? unbroadcast(matmul(swapLast(a), g), b.shape) : null];
};

/** Y = alpha * op(A) op(B) + beta * C. */
const gemmRule: GradRule = (ctx) => {
  const g = dy0(ctx); // (M, N)
  const a = input(ctx, 0);
  const b = input(ctx, 1);
  const c = ctx.node.inputs[2] ?? null;
  const tA = intAttr(ctx, 'transA', 0) === 1;
  const tB = intAttr(ctx, 'transB', 0) === 1;
  const alpha = floatAttr(ctx, 'alpha', 1);
  const beta = floatAttr(ctx, 'beta', 1);
  let da: Value | null = null;
  let db: Value | null = null;
  if (ctx.needs[0]) {
    // op(A) grad = g @ op(B)^T; A = op(A) or its transpose.
    da = tA ? gemm(b, g, null, { transA: tB, transB: true, alpha }) : gemm(g, b, null, { transB: !tB, alpha });
  }
  if (ctx.needs[1]) {
    // op(B) grad = op(A)^T @ g; B = op(B) or its transpose.
    db = tB ? gemm(g, a, null, { transA: true, transB: tA, alpha }) : gemm(a, g, null, { transA: !tA, alpha });
  }
  const dc = c && ctx.needs[2] ? unbroadcast(beta === 1 ? g : mul(g, beta), c.shape) : null;
  return [da, db, dc];
};

export const matmulRules: Readonly<Record<string, GradRule>> = { MatMul: matmulRule, Gemm: gemmRule };
