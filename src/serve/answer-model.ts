/**
 * The contract between the service and a model it serves: a batch of decoded photos with questions in, one answer
 * per question out, with the model's probability that the question can be answered and, when the model has a
 * quality head, the probability of each quality flag (QUALITY_FLAGS order). Implementations: a trained head with its
 * encoder (head-model.ts) and PaliGemma (paligemma-model.ts). The photo-by-photo part of the work (preprocessing)
 * can be done beforehand through prepare(), so batches only hold the model calls.
 */
import type { Device } from '../engine/device.js';
import type { RgbImage } from '../images/rgb.js';

export interface AnswerInput {
  image: RgbImage;
  question: string;
  /** What the model's prepare() made of the photo, when the service called it (else answer() does that work). */
  prepared?: PreparedPhoto;
}

/** A photo's model inputs that need no batch (resized, normalised pixels), by the model's own names. */
export type PreparedPhoto = Readonly<Record<string, Float32Array | undefined>>;

export interface ModelAnswer {
  answer: string;
  /** Probability that the question can be answered from the photo. */
  answerable: number;
  /** Quality-flag probabilities (QUALITY_FLAGS order); absent without a quality head. */
  quality?: Float32Array;
  /** Top answer score minus the runner-up's (logits); how clear the choice was. */
  margin?: number;
}

export interface AnswerModel {
  /** Short id shown in responses and /v1/models (e.g. 'clip-linear'). */
  readonly id: string;
  /** One line for the start-up log: what is served and from where. */
  readonly description: string;
  readonly device: Device;
  /** Whether quality flags come with the answers. */
  readonly hasQuality: boolean;
  /**
   * Per-photo work done as each request arrives, outside the batch, so it overlaps with the batch running in the
   * model (ONNX Runtime computes on its own threads while JavaScript prepares the next photos).
   */
  prepare?(image: RgbImage): Promise<PreparedPhoto>;
  answer(inputs: readonly AnswerInput[]): Promise<ModelAnswer[]>;
  dispose(): Promise<void>;
}
