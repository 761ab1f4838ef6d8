/**
 * Versioned prompt presets for hosted models: the text sent with each image. The preset's id goes into every results
 * file and cache key, so a number can always be traced to the exact wording; change the id whenever the text changes.
 *   paligemma  PaliGemma's own VQA prefix, "answer en {question}" - the prompt google/paligemma-3b-ft-vizwizvqa-* were
 *              trained with, and the toolkit's answer-en-v1 (src/models/paligemma/prompt.ts): the same question trimmed
 *   lmms-eval  lmms-eval's vizwiz_vqa prompt for chat models: the question capitalised as Python's str.capitalize
 *              does, then "When the provided information is insufficient, respond with 'Unanswerable'. Answer the
 *              question using a single word or phrase." on two lines
 *   raw        the question as written
 */
import { ANSWER_EN_V1, renderPrompt } from '../models/paligemma/prompt.js';

export const PRESET_NAMES = ['paligemma', 'lmms-eval', 'raw'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export interface PromptPreset {
  readonly name: PresetName;
  /** Stable identifier, e.g. 'paligemma-v1'. */
  readonly id: string;
  /** The text with `{question}` in it. */
  readonly template: string;
  /** What is done to the question before it is put in: trimmed, capitalised (Python's str.capitalize), or nothing. */
  readonly question: 'trim' | 'capitalize' | 'as-is';
}

export const PROMPT_PRESETS: Readonly<Record<PresetName, PromptPreset>> = {
  paligemma: { name: 'paligemma', id: 'paligemma-v1', template: ANSWER_EN_V1.template, question: 'trim' },
  'lmms-eval': {
    name: 'lmms-eval',
    id: 'lmms-eval-v1',
    template: "{question}\nWhen the provided information is insufficient, respond with 'Unanswerable'.\nAnswer the question using a single word or phrase.",
    question: 'capitalize',
  },
  raw: { name: 'raw', id: 'raw-v1', template: '{question}', question: 'as-is' },
};

/** Python's str.capitalize: the first character upper case, the rest lower case. */
export function pythonCapitalize(text: string): string {
  const [first = '', ...rest] = [...text];
  return first.toUpperCase() + rest.join('').toLowerCase();
}

export function renderPreset(preset: PromptPreset, question: string): string {
  if (preset.question === 'trim') return renderPrompt({ id: preset.id, template: preset.template }, question);
  const q = preset.question === 'capitalize' ? pythonCapitalize(question) : question;
  return preset.template.split('{question}').join(q);
}
