/**
 * Versioned prompt templates: the text PaliGemma sees before the separator. The id goes into every results file, so
 * a number can always be traced to the exact prompt; `{question}` is replaced by the (trimmed) question.
 */

import { VizWizError } from '../../errors.js';

export interface PromptTemplate {
  /** Stable identifier, e.g. 'answer-en-v1'; change it whenever the template text changes. */
  readonly id: string;
  readonly template: string;
}

/** The VQA prompt of PaliGemma's pretraining mix and of the HF VizWiz recipe. */
export const ANSWER_EN_V1: PromptTemplate = { id: 'answer-en-v1', template: 'answer en {question}' };

export const PROMPT_TEMPLATES: Readonly<Record<string, PromptTemplate>> = { [ANSWER_EN_V1.id]: ANSWER_EN_V1 };

export function promptTemplate(id: string): PromptTemplate {
  const t = PROMPT_TEMPLATES[id];
  if (!t) throw new VizWizError('INVALID_ARGUMENT', `unknown prompt template '${id}' (known: ${Object.keys(PROMPT_TEMPLATES).join(', ')})`);
  return t;
}

export function renderPrompt(t: PromptTemplate, question: string): string {
  if (!t.template.includes('{question}')) throw new VizWizError('INVALID_ARGUMENT', `prompt template '${t.id}' has no {question} placeholder`);
  return t.template.split('{question}').join(question.trim());
}
