/**
 * The answer pipeline of one request: the question checked, the photo checked and decoded (in parallel with other
 * requests, on libuv's threads) and preprocessed for the model, then queued for the model's call through the dynamic
 * batcher, under one deadline from arrival to answer; the model's output becomes the reply: the answer,
 * answerability, the likely quality issues with their advice, and the sentence to read aloud. The photo and question
 * are held in memory only, for this request.
 */
import { likelyIssues, spokenReply, type QualityIssue } from './advice.js';
import type { AnswerInput, AnswerModel, ModelAnswer } from './answer-model.js';
import { DynamicBatcher } from './batcher.js';
import { HttpError } from './http-error.js';
import { readPhoto } from './image-input.js';
import type { ServeLimits } from './limits.js';

export interface AnswerResult {
  answer: string;
  /** Probability that the question can be answered from the photo. */
  answerable: number;
  /** Likely quality issues, most likely first. */
  quality: QualityIssue[];
  /** What to read to the user: the answer, or why there is none and how to retake the photo. */
  message: string;
  model: string;
  latency_ms: number;
}

export class AnswerService {
  readonly batcher: DynamicBatcher<AnswerInput, ModelAnswer>;

  constructor(
    readonly model: AnswerModel,
    readonly limits: ServeLimits,
  ) {
    this.batcher = new DynamicBatcher((inputs) => model.answer(inputs), {
      maxBatch: limits.maxBatch,
      maxQueue: limits.maxQueue,
      waitMs: limits.batchWaitMs,
    });
  }

  checkQuestion(raw: string | undefined): string {
    const question = (raw ?? '').trim();
    if (question === '') throw new HttpError(422, 'missing_question', 'the question is empty; ask something about the photo', undefined, 'question');
    if (question.length > this.limits.maxQuestionChars) {
      throw new HttpError(
        422,
        'question_too_long',
        `the question has ${question.length} characters; the limit is ${this.limits.maxQuestionChars}`,
        undefined,
        'question',
      );
    }
    return question;
  }

  async answer(image: Uint8Array, rawQuestion: string | undefined, started = performance.now()): Promise<AnswerResult> {
    const question = this.checkQuestion(rawQuestion);
    const deadline = new AbortController();
    const seconds = this.limits.timeoutMs / 1000;
    const timer = setTimeout(
      () => {
        const wait = this.batcher.retryAfterSeconds();
        deadline.abort(new HttpError(503, 'timeout', `no answer within ${seconds} s: the server is busy; try again in ${wait} s`, wait));
      },
      Math.max(0, this.limits.timeoutMs - (performance.now() - started)),
    );
    try {
      const photo = await readPhoto(image, this.limits);
      // Preprocessing needs no batch: done now, while the model may be busy with the previous one.
      const prepared = this.model.prepare ? await this.model.prepare(photo) : undefined;
      if (deadline.signal.aborted) throw deadline.signal.reason;
      const out = await this.batcher.submit({ image: photo, question, ...(prepared ? { prepared } : {}) }, deadline.signal);
      const quality = likelyIssues(out.quality);
      return {
        answer: out.answer,
        answerable: out.answerable,
        quality,
        message: spokenReply(out.answer, out.answerable, quality),
        model: this.model.id,
        latency_ms: Math.round(performance.now() - started),
      };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops taking requests and waits for those queued or running. */
  async drain(): Promise<void> {
    this.batcher.close();
    await this.batcher.drain();
  }
}
