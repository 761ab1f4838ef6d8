/**
 * Ops that exist only in inference graphs: asking for their gradient is a build error that says what to do, not a
 * silent zero. MatMulNBits reads block-quantized weights (ops/quantized-matmul.ts); training graphs use float weights.
 */

import type { GradRule } from './types.js';

const quantizedMatmulRule: GradRule = () => {
  throw new Error('MatMulNBits (a block-quantized weight) is inference-only and has no gradient: build training and gradient graphs without quantized weights');
};

export const inferenceOnlyRules: Record<string, GradRule> = { MatMulNBits: quantizedMatmulRule };
