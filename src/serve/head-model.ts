/**
 * A trained classifier head served with its encoder: a `vizwiz train` run folder (or one of `runs/compare/runs/`)
 * gives the head (model.json, best or last parameters) and names the encoder of its features; the encoder is
 * rebuilt from that record, so a photo and question go through exactly the feature path the head was trained on:
 * image features and CLIP question features (or the baseline's question bag-of-words), then the head's answer and
 * answerability logits through the same evaluator `vizwiz predict` uses.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SafetensorsReader } from '../engine/safetensors.js';
import { type Device } from '../engine/device.js';
import { VizWizError } from '../errors.js';
import { QuestionVocabulary } from '../data/question-encoding.js';
import { AnswerVocabulary, UNKNOWN_ANSWER } from '../data/vocabulary.js';
import type { RgbImage } from '../images/rgb.js';
import type { ImageTextEncoder } from '../models/encoder.js';
import { loadCheckpoint, loadParams } from '../train/checkpoint.js';
import { decodeAnswers, sigmoid } from '../train/decode.js';
import { encoderRecord, type EncoderRecord } from '../train/encoder-record.js';
import { HeadEvaluator } from '../train/evaluate-head.js';
import { TRAINABLE_HEADS } from '../train/head-registry.js';
import { readHeadDescription } from '../train/predict.js';
import type { HeadDescription } from '../train/prepare.js';
import type { AnswerInput, AnswerModel, ModelAnswer, PreparedPhoto } from './answer-model.js';
import { encodePhotos, preprocessPhoto } from './encode-photos.js';
import { PhotoQuality } from './photo-quality.js';
import { loadRecordedEncoder } from './recorded-encoder.js';

export interface HeadModelOptions {
  device: Device;
  threads?: number;
  offline?: boolean;
  /** Folders that may hold the encoder's relative weights source (see recorded-encoder.ts). */
  roots?: readonly string[];
  /** A quality head folder to run on the same photos. */
  quality?: string;
  /** Id in responses (default: the run folder's name). */
  id?: string;
}

/** The encoder record of a run made before model.json recorded it: the training feature file's metadata. */
async function recordFromResults(dir: string, d: HeadDescription): Promise<EncoderRecord> {
  const results = join(dir, 'results.json');
  const train = existsSync(results) ? ((JSON.parse(await readFile(results, 'utf8')) as { data?: { train?: string } }).data?.train ?? undefined) : undefined;
  if (!train || !existsSync(train)) {
    throw new VizWizError(
      'INVALID_CHECKPOINT',
      `${dir}: model.json does not record how to rebuild encoder ${d.encoder}, and the training features it came from are not at hand; retrain with this version of vizwiz`,
    );
  }
  const reader = await SafetensorsReader.open(train);
  try {
    return encoderRecord(reader.metadata);
  } finally {
    await reader.close();
  }
}

async function headParams(dir: string): Promise<Map<string, Float32Array>> {
  const best = join(dir, 'best', 'params.safetensors');
  if (existsSync(best)) return loadParams(best);
  const last = await loadCheckpoint(dir);
  if (!last) throw new VizWizError('INVALID_CHECKPOINT', `${dir}: no finished epoch to answer with`);
  return last.params;
}

/** Top score minus the runner-up's, per row of [rows, classes] logits (skipping class `skip`). */
function margins(logits: Float32Array, classes: number, skip: number): number[] {
  const out: number[] = [];
  for (let base = 0; base < logits.length; base += classes) {
    let first = -Infinity;
    let second = -Infinity;
    for (let c = 0; c < classes; c++) {
      if (c === skip) continue;
      const v = logits[base + c]!;
      if (v > first) [first, second] = [v, first];
      else if (v > second) second = v;
    }
    out.push(first - second);
  }
  return out;
}

export interface HeadModelParts {
  /** What model.json says about the head. */
  description: HeadDescription;
  params: ReadonlyMap<string, Float32Array>;
  /** The encoder of its features (owned by the model from now on: disposed with it). */
  encoder: ImageTextEncoder;
  /** A quality head (owned likewise). */
  quality?: PhotoQuality;
  device: Device;
  threads?: number;
  id: string;
  /** Where the head came from, for the start-up log. */
  origin: string;
}

/** A served head from parts in memory (loadHeadModel reads them from a run folder; benchmarks make them up). */
export async function createHeadModel(p: HeadModelParts): Promise<AnswerModel> {
  const d = p.description;
  const head = TRAINABLE_HEADS[d.head];
  const fromFeatures = head.question.source === 'features';
  if (fromFeatures && !p.encoder.encodeTexts)
    throw new VizWizError('INVALID_CHECKPOINT', `${p.origin}: encoder ${d.encoder} has no text tower for the questions`);
  const vocab = AnswerVocabulary.fromJSON(d.answers);
  const questionVocab = d.questions ? QuestionVocabulary.fromJSON(d.questions) : undefined;
  const { model, loss } = head.build(d.dims, { ...d.config, epochs: 0, device: p.device });
  const evaluator = await HeadEvaluator.create(model, loss, vocab.size, p.params, { device: p.device, ...(p.threads ? { threads: p.threads } : {}) });
  const { encoder, quality } = p;
  const unk = vocab.unknown === 'unk-class' ? vocab.answers.indexOf(UNKNOWN_ANSWER) : -1;
  const source = d.encoderMetadata?.source;
  return {
    id: p.id,
    description: `${d.head} head (${p.origin}) on ${d.encoder} features${source ? ` from ${source}` : ''}${quality ? `, quality head ${quality.dir}` : ', no quality head'}`,
    device: p.device,
    hasQuality: quality !== undefined,
    async prepare(photo: RgbImage): Promise<PreparedPhoto> {
      const [pixels, qualityPixels] = await Promise.all([preprocessPhoto(encoder, photo), quality?.prepare(photo)]);
      return { encoder: pixels, quality: qualityPixels };
    },
    async answer(inputs: readonly AnswerInput[]): Promise<ModelAnswer[]> {
      const n = inputs.length;
      const photos = inputs.map((i) => i.image);
      const questions = inputs.map((i) => i.question);
      const image = await encodePhotos(
        encoder,
        photos,
        inputs.map((i) => i.prepared?.encoder),
      );
      const text = fromFeatures ? await encoder.encodeTexts!(questions) : questionVocab!.encodeAll(questions);
      const features = { image_feat: { data: image, rows: n, dim: d.dims.image }, [head.question.input]: { data: text, rows: n, dim: d.dims.text } };
      const out = await evaluator.run(features, n, undefined, n);
      const answers = decodeAnswers(out.answerLogits, vocab);
      const margin = margins(out.answerLogits, vocab.size, unk);
      const flags = quality
        ? await quality.assess(
            photos,
            image,
            inputs.map((i) => i.prepared?.quality),
          )
        : undefined;
      return answers.map((answer, i) => ({
        answer,
        answerable: sigmoid(out.answerableLogits[i]!),
        margin: margin[i]!,
        ...(flags ? { quality: flags[i]! } : {}),
      }));
    },
    async dispose(): Promise<void> {
      await evaluator.dispose();
      await encoder.dispose();
      await quality?.dispose();
    },
  };
}

export async function loadHeadModel(dir: string, o: HeadModelOptions): Promise<AnswerModel> {
  const d = await readHeadDescription(dir);
  const record = d.encoderMetadata ?? (await recordFromResults(dir, d));
  const fromFeatures = TRAINABLE_HEADS[d.head].question.source === 'features';
  const params = await headParams(dir);
  const encoder = await loadRecordedEncoder(record, { ...o, dims: { image: d.dims.image, ...(fromFeatures ? { text: d.dims.text } : {}) }, owner: dir });
  let quality: PhotoQuality | undefined;
  try {
    if (o.quality) quality = await PhotoQuality.load(o.quality, { ...o, shared: { record, encoder } });
    return await createHeadModel({
      description: { ...d, encoderMetadata: record },
      params,
      encoder,
      ...(quality ? { quality } : {}),
      device: o.device,
      ...(o.threads ? { threads: o.threads } : {}),
      id: o.id ?? d.head,
      origin: dir,
    });
  } catch (err) {
    await encoder.dispose();
    await quality?.dispose();
    throw err;
  }
}
