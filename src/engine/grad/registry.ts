/** The table of gradient rules by ONNX op type, and the ops that pass no gradient (comparisons, shapes, one-hot). */

import { activationRules } from './activation.js';
import { elementwiseRules } from './elementwise.js';
import { lossRules } from './loss.js';
import { matmulRules } from './matmul.js';
import { normRules } from './norm.js';
import { reduceRules } from './reduce.js';
import { shapeRules } from './shape.js';
import { trigRules } from './trig.js';
import { gatherElementsRules } from './gather-elements.js';
import { inferenceOnlyRules } from './inference-only.js';
import type { GradRule } from './types.js';

export const gradRules: ReadonlyMap<string, GradRule> = new Map(
  Object.entries({
    ...elementwiseRules,
    ...matmulRules,
    ...reduceRules,
    ...normRules,
    ...activationRules,
    ...shapeRules,
    ...lossRules,
    ...trigRules,
    ...gatherElementsRules,
    ...inferenceOnlyRules,
  }),
);

/** Ops whose outputs carry no gradient to their inputs. */
export const nonDifferentiable: ReadonlySet<string> = new Set(['Shape', 'OneHot', 'Greater', 'Less', 'Equal', 'Sign', 'ConstantOfShape']);
