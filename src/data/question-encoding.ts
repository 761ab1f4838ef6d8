/**
 * The baseline's question encoding: a word vocabulary built from the training questions and a bag-of-words
 * vector per question (the seed report's "one-hot encoding of the question text"). Slot 0 counts words outside
 * the vocabulary, so no question encodes to an all-zero vector by accident of spelling.
 */
import { VizWizError } from '../errors.js';

export type BagOfWordsMode = 'binary' | 'counts';

export interface QuestionVocabularyOptions {
  /** Keep at most this many words (the most frequent). */
  topK?: number;
  /** Keep words seen at least this often (default 1). */
  minCount?: number;
  /** 'binary' (multi-hot, default) or 'counts'. */
  mode?: BagOfWordsMode;
}

export interface QuestionVocabularyJson {
  words: string[];
  mode: BagOfWordsMode;
}

/** Lowercase words of a question: letters, digits and inner apostrophes (typographic ones folded to '). */
export function tokenizeQuestion(question: string): string[] {
  return question
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'")
    .split(/[^\p{L}\p{N}']+/u)
    .map((w) => w.replace(/^'+|'+$/g, ''))
    .filter((w) => w.length > 0);
}

const UNKNOWN_WORD = '<unk>';

export class QuestionVocabulary {
  private readonly index: Map<string, number>;

  /** `words[0]` is always `<unk>`. */
  constructor(
    readonly words: readonly string[],
    readonly mode: BagOfWordsMode,
  ) {
    if (words[0] !== UNKNOWN_WORD) throw new Error(`question vocabulary must start with ${UNKNOWN_WORD}`);
    this.index = new Map(words.map((w, i) => [w, i]));
  }

  /** Vector length. */
  get size(): number {
    return this.words.length;
  }

  static build(questions: readonly string[], options: QuestionVocabularyOptions = {}): QuestionVocabulary {
    const { topK, minCount = 1, mode = 'binary' } = options;
    if (topK !== undefined && (!Number.isInteger(topK) || topK < 1)) {
      throw new VizWizError('INVALID_ARGUMENT', `question vocabulary topK must be a positive integer, got ${topK}`);
    }
    const counts = new Map<string, number>();
    for (const q of questions) for (const w of tokenizeQuestion(q)) counts.set(w, (counts.get(w) ?? 0) + 1);
    let ranked = [...counts.entries()]
      .filter(([w, c]) => c >= minCount && w !== UNKNOWN_WORD)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    if (topK !== undefined) ranked = ranked.slice(0, topK);
    return new QuestionVocabulary([UNKNOWN_WORD, ...ranked.map(([w]) => w)], mode);
  }

  /** Writes the encoding of `question` into `out` (length `size`, zeroed here). */
  encodeInto(question: string, out: Float32Array): void {
    out.fill(0);
    for (const w of tokenizeQuestion(question)) {
      const i = this.index.get(w) ?? 0;
      out[i] = this.mode === 'binary' ? 1 : (out[i] ?? 0) + 1;
    }
  }

  /** Encodes questions into one row-major [N, size] matrix. */
  encodeAll(questions: readonly string[]): Float32Array {
    const out = new Float32Array(questions.length * this.size);
    questions.forEach((q, n) => this.encodeInto(q, out.subarray(n * this.size, (n + 1) * this.size)));
    return out;
  }

  toJSON(): QuestionVocabularyJson {
    return { words: [...this.words], mode: this.mode };
  }

  static fromJSON(json: QuestionVocabularyJson): QuestionVocabulary {
    return new QuestionVocabulary(json.words, json.mode);
  }
}
