/** The registry of classifier heads: model id -> model and loss builders (one table, no if/else chains). */

import type { LossDef, ModelDef } from '../../engine/model.js';
import { baselineHead, baselineLoss, type BaselineConfig } from './baseline.js';
import { clipLinearHead, clipLinearLoss, type ClipLinearConfig } from './clip-linear.js';

export interface HeadConfigs {
  baseline: BaselineConfig;
  'clip-linear': ClipLinearConfig;
}

export type HeadId = keyof HeadConfigs;

export const HEADS: { readonly [K in HeadId]: { model(c: Partial<HeadConfigs[K]>): ModelDef; loss(c: Partial<HeadConfigs[K]>): LossDef } } = {
  baseline: { model: baselineHead, loss: baselineLoss },
  'clip-linear': { model: clipLinearHead, loss: clipLinearLoss },
};
