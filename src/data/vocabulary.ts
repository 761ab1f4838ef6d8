/**
 * Answer vocabularies for the classifier heads. Classes are the selected training targets, kept by top-K or by a
 * minimum count, ordered by count (descending) then code point, so the same data always gives the same indices.
 * What happens to a target outside the vocabulary is an explicit policy:
 *   - 'skip': such records are left out of training (the usual choice; Deuser et al. keep 5,726 answers);
 *   - 'unk-class': an extra class `<unk>` (index = size - 1) is trained and predicted like any other.
 */
import { VizWizError } from '../errors.js';

export type UnknownPolicy = 'skip' | 'unk-class';

export const UNKNOWN_ANSWER = '<unk>';

export interface VocabularyOptions {
  /** Keep at most this many classes (the most frequent). */
  topK?: number;
  /** Keep only answers seen at least this many times (default 1). */
  minCount?: number;
  /** What to do with answers outside the vocabulary. Required: there is no silent default. */
  unknown: UnknownPolicy;
}

/** The serialised form, written next to checkpoints. */
export interface VocabularyJson {
  answers: string[];
  counts: number[];
  unknown: UnknownPolicy;
}

export class AnswerVocabulary {
  private readonly index: Map<string, number>;

  constructor(
    /** Class names; with 'unk-class' the last one is `<unk>`. */
    readonly answers: readonly string[],
    /** Training count of each class (for `<unk>`: how many targets it absorbed). */
    readonly counts: readonly number[],
    readonly unknown: UnknownPolicy,
  ) {
    this.index = new Map(answers.map((a, i) => [a, i]));
  }

  get size(): number {
    return this.answers.length;
  }

  /** Builds a vocabulary from the selected (normalised) training targets. */
  static build(targets: readonly string[], options: VocabularyOptions): AnswerVocabulary {
    const { topK, minCount = 1, unknown } = options;
    if (topK !== undefined && (!Number.isInteger(topK) || topK < 1)) {
      throw new VizWizError('INVALID_ARGUMENT', `vocabulary topK must be a positive integer, got ${topK}`);
    }
    if (!Number.isInteger(minCount) || minCount < 1) {
      throw new VizWizError('INVALID_ARGUMENT', `vocabulary minCount must be a positive integer, got ${minCount}`);
    }
    const counts = new Map<string, number>();
    for (const t of targets) counts.set(t, (counts.get(t) ?? 0) + 1);
    let ranked = [...counts.entries()].filter(([, c]) => c >= minCount).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    if (topK !== undefined) ranked = ranked.slice(0, topK);
    const answers = ranked.map(([a]) => a);
    const classCounts = ranked.map(([, c]) => c);
    if (unknown === 'unk-class') {
      const kept = classCounts.reduce((s, c) => s + c, 0);
      answers.push(UNKNOWN_ANSWER);
      classCounts.push(targets.length - kept);
    }
    if (answers.length === 0) {
      throw new VizWizError('INVALID_ARGUMENT', 'the answer vocabulary is empty: no target reaches minCount');
    }
    return new AnswerVocabulary(answers, classCounts, unknown);
  }

  /** Class index of an answer; outside the vocabulary: the `<unk>` class, or undefined under 'skip'. */
  indexOf(answer: string): number | undefined {
    const i = this.index.get(answer);
    if (i !== undefined && answer !== UNKNOWN_ANSWER) return i;
    return this.unknown === 'unk-class' ? this.answers.length - 1 : undefined;
  }

  answerAt(index: number): string {
    const a = this.answers[index];
    if (a === undefined) throw new RangeError(`class index ${index} outside vocabulary of ${this.size}`);
    return a;
  }

  toJSON(): VocabularyJson {
    return { answers: [...this.answers], counts: [...this.counts], unknown: this.unknown };
  }

  static fromJSON(json: VocabularyJson): AnswerVocabulary {
    return new AnswerVocabulary(json.answers, json.counts, json.unknown);
  }
}
