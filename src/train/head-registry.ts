/**
 * The classifier heads the trainer knows, as data: how each head's configuration follows from the training
 * configuration and the feature / vocabulary sizes, and where its question input comes from (CLIP question
 * embeddings in the feature file's `text`, or the baseline's own question bag-of-words).
 */
import { ANSWER_TYPES } from '../data/types.js';
import type { LossDef, ModelDef } from '../engine/model.js';
import { HEADS } from '../models/heads/registry.js';
import type { HeadName, TrainConfig } from './config.js';

export interface HeadDims {
  image: number;
  /** Question input size: text-feature columns, or the question vocabulary size. */
  text: number;
  answers: number;
}

export interface HeadSpec {
  model: ModelDef;
  loss: LossDef;
}

export interface TrainableHead {
  /** Graph input of the question: from the feature file's `text`, or the trainer's bag-of-words. */
  question: { input: string; source: 'features' | 'bag-of-words' };
  /** Hidden size when the configuration leaves it unset (0 = one linear layer). */
  defaultHidden: number;
  /** The head's graph and loss; `config.hidden` unset means `defaultHidden`. */
  build(dims: HeadDims, config: TrainConfig): HeadSpec;
}

/** A registry entry: `build` gets the hidden size already resolved against `defaultHidden`. */
interface HeadEntry extends Omit<TrainableHead, 'build'> {
  build(dims: HeadDims, config: TrainConfig, hidden: number): HeadSpec;
}

const ENTRIES: Readonly<Record<HeadName, HeadEntry>> = {
  'clip-linear': {
    question: { input: 'text_feat', source: 'features' },
    // Deuser et al.: 512 hidden units
    defaultHidden: 512,
    build(dims, c, hidden) {
      const config = {
        imageDim: dims.image,
        textDim: dims.text,
        hidden,
        numAnswers: dims.answers,
        numTypes: ANSWER_TYPES.length,
        answerableHidden: hidden,
        dropout: c.dropout,
        activation: c.activation,
        lossWeights: c.lossWeights,
      };
      return { model: HEADS['clip-linear'].model(config), loss: HEADS['clip-linear'].loss(config) };
    },
  },
  baseline: {
    question: { input: 'question_bow', source: 'bag-of-words' },
    // the seed report's baseline: one linear classifier over image features + question bag-of-words
    defaultHidden: 0,
    build(dims, c, hidden) {
      const config = {
        imageDim: dims.image,
        questionDim: dims.text,
        hidden,
        numAnswers: dims.answers,
        dropout: c.dropout,
        answerableWeight: c.lossWeights.answerable,
      };
      return { model: HEADS.baseline.model(config), loss: HEADS.baseline.loss(config) };
    },
  },
};

export const TRAINABLE_HEADS: Readonly<Record<HeadName, TrainableHead>> = Object.fromEntries(
  Object.entries(ENTRIES).map(([name, entry]) => [
    name,
    { ...entry, build: (dims: HeadDims, c: TrainConfig) => entry.build(dims, c, c.hidden ?? entry.defaultHidden) },
  ]),
) as Record<HeadName, TrainableHead>;

/** Whether the head reads question features (`text` in the feature file) rather than making its own. */
export function readsTextFeatures(head: HeadName): boolean {
  return TRAINABLE_HEADS[head].question.source === 'features';
}
