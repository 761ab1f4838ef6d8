/**
 * Everything a head needs before its first step, derived from the configuration and the training data alone:
 * the answer vocabulary (from the selected training targets), labels for both splits, the graph inputs
 * (`image_feat`, and `text_feat` from the feature file or the baseline's question bag-of-words), the model and
 * loss, and the description written to `model.json` that lets `predict` rebuild the same head.
 */
import { createHash } from 'node:crypto';
import { VizWizError } from '../errors.js';
import { AnswerVocabulary, type VocabularyJson } from '../data/vocabulary.js';
import { QuestionVocabulary, type QuestionVocabularyJson } from '../data/question-encoding.js';
import type { VizWizQuestion, VizWizRecord } from '../data/types.js';
import type { FeatureMatrix, FeatureSet } from '../features/feature-file.js';
import type { FeatureInputs } from './batches.js';
import type { TrainConfig } from './config.js';
import { TRAINABLE_HEADS, type HeadDims, type HeadSpec, type TrainableHead } from './head-registry.js';
import { buildAnswerVocabulary, labelRecords, type Labels } from './labels.js';
import { encoderRecord, type EncoderRecord } from './encoder-record.js';

/** What `model.json` holds: enough to rebuild the head for prediction, and to refuse resuming a different run. */
export interface HeadDescription {
  format: 'vizwiz-head/1';
  head: TrainConfig['head'];
  /** The configuration minus what may change between resumptions (epochs, device, threads). */
  config: Omit<TrainConfig, 'epochs' | 'device' | 'threads'>;
  dims: HeadDims;
  /** The image features' encoder, as the feature file names it. */
  encoder: string;
  /** The training features' encoder metadata (source, commit, settings), enough to rebuild it for serving. */
  encoderMetadata?: EncoderRecord;
  answers: VocabularyJson;
  questions?: QuestionVocabularyJson;
  /** sha256 of the training annotations' image names, questions and answers. */
  trainDataHash: string;
}

export interface PreparedSplit {
  inputs: FeatureInputs;
  labels: Labels;
}

export interface PreparedHead {
  spec: HeadSpec;
  vocab: AnswerVocabulary;
  questionVocab: QuestionVocabulary | undefined;
  description: HeadDescription;
  train: PreparedSplit;
  val: PreparedSplit;
}

function dataHash(records: readonly VizWizRecord[]): string {
  const h = createHash('sha256');
  for (const r of records) h.update(JSON.stringify([r.image, r.question, r.answers]));
  return h.digest('hex');
}

function bagOfWords(vocab: QuestionVocabulary, questions: readonly VizWizQuestion[]): FeatureMatrix {
  return { data: vocab.encodeAll(questions.map((q) => q.question)), rows: questions.length, dim: vocab.size };
}

/** The graph inputs of one split: `image_feat` and the head's question input. */
export function splitInputs(
  head: TrainableHead,
  features: FeatureSet,
  questions: readonly VizWizQuestion[],
  questionVocab: QuestionVocabulary | undefined,
  source: string,
): FeatureInputs {
  if (head.question.source === 'bag-of-words') {
    if (!questionVocab) throw new Error('the baseline needs its question vocabulary');
    return { image_feat: features.image, [head.question.input]: bagOfWords(questionVocab, questions) };
  }
  if (!features.text) {
    throw new VizWizError('INVALID_FEATURES', `${source}: no tensor 'text' (this head needs question features)`);
  }
  return { image_feat: features.image, [head.question.input]: features.text };
}

function checkRows(split: { records: readonly VizWizQuestion[]; features: FeatureSet; source: string }): void {
  if (split.features.image.rows !== split.records.length) {
    throw new VizWizError(
      'INVALID_FEATURES',
      `${split.source}: ${split.features.image.rows} feature rows but the annotations have ${split.records.length} entries`,
    );
  }
}

export function prepareHead(
  config: TrainConfig,
  train: { records: readonly VizWizRecord[]; features: FeatureSet; source: string },
  val: { records: readonly VizWizRecord[]; features: FeatureSet; source: string },
): PreparedHead {
  checkRows(train);
  checkRows(val);
  const kind = TRAINABLE_HEADS[config.head];
  const { vocab, frequencies } = buildAnswerVocabulary(train.records, config.answers, config.answerSelection);
  const questionVocab =
    kind.question.source === 'bag-of-words'
      ? QuestionVocabulary.build(
          train.records.map((r) => r.question),
          config.questions,
        )
      : undefined;
  const trainInputs = splitInputs(kind, train.features, train.records, questionVocab, train.source);
  const valInputs = splitInputs(kind, val.features, val.records, questionVocab, val.source);
  for (const key of ['image_feat', kind.question.input]) {
    const a = trainInputs[key]!;
    const b = valInputs[key]!;
    if (a.dim !== b.dim) {
      throw new VizWizError('INVALID_FEATURES', `${val.source}: ${key} has ${b.dim} columns but ${train.source} has ${a.dim}`);
    }
  }
  const dims: HeadDims = { image: trainInputs.image_feat!.dim, text: trainInputs[kind.question.input]!.dim, answers: vocab.size };
  const { epochs: _e, device: _d, threads: _t, ...stable } = config;
  return {
    spec: kind.build(dims, config),
    vocab,
    questionVocab,
    description: {
      format: 'vizwiz-head/1',
      head: config.head,
      config: stable,
      dims,
      encoder: train.features.metadata.encoder ?? 'unknown',
      encoderMetadata: encoderRecord(train.features.metadata),
      answers: vocab.toJSON(),
      ...(questionVocab ? { questions: questionVocab.toJSON() } : {}),
      trainDataHash: dataHash(train.records),
    },
    train: { inputs: trainInputs, labels: labelRecords(train.records, vocab, frequencies, config.answerSelection) },
    val: { inputs: valInputs, labels: labelRecords(val.records, vocab, frequencies, config.answerSelection) },
  };
}
