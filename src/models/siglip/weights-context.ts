/**
 * A BuildContext view whose `param(name)` resolves through a Weights lookup, so the shared transformer blocks
 * (src/models/transformer/, which read weights with `ctx.param`) can run on frozen weights fed as graph inputs.
 */

import type { Value } from '../../engine/graph.js';
import type { BuildContext } from '../../engine/model.js';
import type { Weights } from '../gemma/weights-source.js';

export function weightsContext(ctx: BuildContext, w: Weights): BuildContext {
  return {
    graph: ctx.graph,
    dropoutActive: ctx.dropoutActive,
    input: (name: string): Value => ctx.input(name),
    param: (name: string): Value => w(name),
    paramBlocks: (name: string): Value[] => [w(name)],
    dropout: (x: Value, p: number): Value => ctx.dropout(x, p),
  };
}
