import type { Answer } from './normalize-answer.js';

/*
 * What `parseReply` returns: one answer per item where the reply tied it to that item for certain,
 * and for every other item the reason it has none.
 */

export interface ParsedAnswer {
  answer: Answer;
  confident: boolean;
}

export type ItemProblemKind = 'missing' | 'conflicting' | 'unparseable' | 'numbering' | 'mixed';

/**
 * What kept a reply, or part of it, from being attributed: named so that a re-ask can tell the
 * model which convention failed.
 */
export type ReplyIssueKind =
  | 'no-answers'
  | 'foreign-code'
  | 'no-code'
  | 'mixed-formats'
  | 'numbering-from-1'
  | 'numbering-out-of-range'
  | 'numbering-gap'
  | 'unreadable'
  | 'repeated'
  | 'conflicting'
  | 'missing';

export interface ReplyIssue {
  kind: ReplyIssueKind;
  detail: string;
}

export interface ItemProblem {
  index: number;
  kind: ItemProblemKind;
  detail: string;
}

export interface ParsedReply {
  /** One slot per item of the batch, by index; `undefined` where there is no usable answer. */
  answers: (ParsedAnswer | undefined)[];
  /** Why each item without an answer has none. */
  problems: ItemProblem[];
  /** Indices the reply used that are not in the batch. */
  outOfRange: number[];
  /** Answer-like lines that were not used: a wrong batch code, or no code where others had it. */
  ignoredLines: number;
  /**
   * How the reply was numbered: `zero-based` as asked, `one-based` when every index 1..N was
   * written exactly once with the batch code (read shifted by one), `none` when nothing was used.
   */
  numbering: 'zero-based' | 'one-based' | 'none';
  /** The main reason some items got no answer; undefined when every item got one. */
  issue?: ReplyIssue;
  /** Reasoning replies: each item's worked solution, by index, where the reply gave one. */
  reasoning?: Map<number, string>;
}
