/** The questions that makeImageFolder writes, rebuilt from the row count (for the child process). */
import type { VizWizQuestion } from '../../src/data/types.js';

export function makeQuestions(rows: number): VizWizQuestion[] {
  return Array.from({ length: rows }, (_, i) => ({
    image: `img_${String(i).padStart(3, '0')}.${i % 5 === 0 ? 'png' : 'jpg'}`,
    question: `what colour is thing ${i % 4}?`,
  }));
}
