import type { Answer } from './normalize-answer.js';

/** One answer-like line or JSON entry of a reply, before anything is attributed. */
export interface ReplyCandidate {
  source: 'line' | 'json';
  index: number;
  tag: string | undefined;
  rawAnswer: string;
  answer: Answer | undefined;
  confident: boolean;
  /** A JSON entry from an object that names a key twice: JSON.parse kept one of them, unseen. */
  duplicateKey?: boolean;
  /**
   * The last answer of a reply cut off at the output limit: its index was written, but its answer
   * may be cut short (`12` of `123`), so it is never used.
   */
  cutOff?: boolean;
}

const negativeConfidence =
  /[([]?\s*\b(?:not confident|not sure|unsure|unconfident|uncertain|low confidence|less confident)\b\s*[)\]]?/i;
const positiveConfidence = /[([]?\s*\b(?:confident|sure|certain|high confidence)\b\s*[)\]]?/i;

/** The confidence word of an answer's text, and the text without it. */
export function splitConfidence(text: string): { rest: string; confident: boolean } {
  const negative = negativeConfidence.exec(text);
  if (negative) return { rest: text.replace(negative[0], ' '), confident: false };
  const positive = positiveConfidence.exec(text);
  if (positive) return { rest: text.replace(positive[0], ' '), confident: true };
  // No tag at all counts as not confident: early stopping must never rest on a missing tag.
  return { rest: text, confident: false };
}
