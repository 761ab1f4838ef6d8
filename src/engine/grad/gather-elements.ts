/**
 * Gradient rule of GatherElements: the output gradient scattered back into zeros shaped like `data`, at the gathered
 * indices, with ScatterElements reduction 'add' (an index picked twice receives both contributions).
 */

import { dy0, input, intAttr, type GradRule } from './types.js';
import { zerosLike } from './unbroadcast.js';

const gatherElementsRule: GradRule = (ctx) => {
  if (!ctx.needs[0]) return [null, null];
  const data = input(ctx, 0); // (.., D, ..)
  const indices = input(ctx, 1); // (.., K, ..)
  const g = dy0(ctx); // (.., K, ..)
  const dx = data.graph.op(
    'ScatterElements',
    [zerosLike(data), indices, g],
    { dtype: data.dtype, shape: data.shape },
    {
      axis: { kind: 'int', value: intAttr(ctx, 'axis', 0) },
      reduction: { kind: 'string', value: 'add' },
    },
  );
  return [dx, null];
};

export const gatherElementsRules: Readonly<Record<string, GradRule>> = { GatherElements: gatherElementsRule };
