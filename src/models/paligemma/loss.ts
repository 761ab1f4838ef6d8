/**
 * PaliGemma's training loss: mean next-token cross-entropy over the suffix targets. `selectedRowsLoss` scores the
 * `selected_logits` (M, V) of a model built with `lossRows` against `loss_targets` (M) - the same value as the
 * shifted loss over full logits with -100 labels (gemma/loss.ts causalLmLoss), without the (B, T, V) logits.
 */

import type { LossDef } from '../../engine/model.js';
import { softmaxCrossEntropy } from '../../engine/ops/index.js';
import { LOSS_TARGETS } from './inputs.js';

export function selectedRowsLoss(): LossDef {
  return {
    inputs: [{ name: LOSS_TARGETS, dtype: 'int64', shape: ['M'] }],
    totalName: 'loss',
    build(ctx, out) {
      const logits = out.selected_logits;
      if (!logits) throw new Error("selectedRowsLoss: the model has no 'selected_logits' output (build it with lossRows)");
      return { total: softmaxCrossEntropy(logits, ctx.input(LOSS_TARGETS)), terms: {} };
    },
  };
}
