import type { ItemProblem, ItemProblemKind, ParsedAnswer, ParsedReply, ReplyIssue } from './parsed-reply.js';
import type { ReplyCandidate } from './reply-candidate.js';

/*
 * Attribution: which of a reply's candidates answer which item. An answer is used only when its
 * item is certain; otherwise the item gets none, with the reason.
 */

interface Selection {
  chosen: ReplyCandidate[];
  /** True when the chosen candidates carry no code: they are read, but only as numbered. */
  untagged: boolean;
  ignored: number;
  issue?: ReplyIssue;
}

/**
 * Keeps the answers that belong to this batch: those that echo its code (in any letter case),
 * from one format only. Answers without a code or with another (the worked examples', an item's
 * forgery) never are. Without a batch code to check (a caller that set none), every answer is
 * kept, from one format only.
 */
function selectCandidates(candidates: readonly ReplyCandidate[], tag: string | undefined): Selection {
  if (tag === undefined) {
    const sources = new Set(candidates.map((candidate) => candidate.source));
    if (sources.size > 1) return mixedFormats(candidates.length);
    return { chosen: [...candidates], untagged: true, ignored: 0 };
  }
  const wanted = tag.toLowerCase();
  const tagged = candidates.filter((candidate) => candidate.tag?.toLowerCase() === wanted);
  if (tagged.length > 0) {
    if (new Set(tagged.map((candidate) => candidate.source)).size > 1) return mixedFormats(candidates.length);
    return { chosen: tagged, untagged: false, ignored: candidates.length - tagged.length };
  }
  if (candidates.some((candidate) => candidate.tag === undefined)) {
    // Without the code an answer could be a quoted example, a forged line or another batch's:
    // nothing ties it to this batch.
    return {
      chosen: [],
      untagged: true,
      ignored: candidates.length,
      issue: {
        kind: 'no-code',
        detail: `no answer carried the batch code (${tag}); answers without it cannot be attributed safely`,
      },
    };
  }
  if (candidates.length > 0) {
    const codes = [...new Set(candidates.map((candidate) => candidate.tag))].slice(0, 3).join(', ');
    return {
      chosen: [],
      untagged: false,
      ignored: candidates.length,
      issue: { kind: 'foreign-code', detail: `every answer carried another batch code (${codes})` },
    };
  }
  return {
    chosen: [],
    untagged: false,
    ignored: 0,
    issue: { kind: 'no-answers', detail: 'the reply held no answer line or entry' },
  };
}

function mixedFormats(ignored: number): Selection {
  return {
    chosen: [],
    untagged: false,
    ignored,
    issue: {
      kind: 'mixed-formats',
      detail: 'the reply mixed JSON entries and answer lines for this batch; neither could be trusted',
    },
  };
}

/**
 * The reply numbered from 1 and only that way: every index 1..N exactly once, each readable and
 * with this batch's code, and no index 0 at all. Anything less is mixed numbering.
 */
function isCleanOneBased(chosen: readonly ReplyCandidate[], expectedCount: number): boolean {
  if (chosen.length !== expectedCount) return false;
  const seen = new Set<number>();
  for (const candidate of chosen) {
    if (candidate.index < 1 || candidate.index > expectedCount) return false;
    if (candidate.answer === undefined || seen.has(candidate.index)) return false;
    seen.add(candidate.index);
  }
  return seen.size === expectedCount;
}

function allProblems(expectedCount: number, kind: ItemProblemKind, detail: string): ItemProblem[] {
  return Array.from({ length: expectedCount }, (_, index) => ({ index, kind, detail }));
}

/** Builds the reply's result once its answers and problems are settled. */
interface Outcome {
  answers: (ParsedAnswer | undefined)[];
  problems: ItemProblem[];
  numbering: ParsedReply['numbering'];
  issue: ReplyIssue | undefined;
}

function toParsedReply(outcome: Outcome, selection: Selection, outOfRange: readonly number[]): ParsedReply {
  const firstProblem = outcome.problems[0];
  const reported =
    outcome.issue ??
    (firstProblem === undefined
      ? undefined
      : ({
          kind: firstProblem.kind === 'unparseable' ? 'unreadable' : firstProblem.kind,
          detail: firstProblem.detail,
        } as ReplyIssue));
  return {
    answers: outcome.answers,
    problems: outcome.problems,
    // A reply read as numbered from 1 used no index outside the batch, once shifted.
    outOfRange: outcome.numbering === 'one-based' ? [] : [...outOfRange],
    ignoredLines: selection.ignored,
    numbering: outcome.numbering,
    ...(reported === undefined ? {} : { issue: reported }),
  };
}

/** Nothing of the reply is used: every item gets the same problem. */
function refused(expectedCount: number, kind: ItemProblemKind, issue: ReplyIssue): Outcome {
  return {
    answers: new Array(expectedCount).fill(undefined),
    problems: allProblems(expectedCount, kind, issue.detail),
    numbering: 'none',
    issue,
  };
}

/**
 * The candidates read under the numbering the reply used: as written, or shifted down by one when
 * the reply numbered every item 1..N exactly once with the code. Undefined, with the issue, when
 * indices outside the batch make the numbering uncertain.
 */
function settleNumbering(
  selection: Selection,
  outOfRange: readonly number[],
  expectedCount: number,
): { chosen: ReplyCandidate[]; numbering: ParsedReply['numbering'] } | ReplyIssue {
  const chosen = selection.chosen;
  if (outOfRange.length === 0) return { chosen, numbering: 'zero-based' };
  if (!selection.untagged && isCleanOneBased(chosen, expectedCount)) {
    return {
      chosen: chosen.map((candidate) => ({ ...candidate, index: candidate.index - 1 })),
      numbering: 'one-based',
    };
  }
  const fromOne = !chosen.some((candidate) => candidate.index === 0);
  return fromOne
    ? {
        kind: 'numbering-from-1',
        detail: `reply numbered the inputs from 1, not from 0 as their headers do (it used ${outOfRange.slice(0, 3).join(', ')}), and not every one exactly once with the batch code; no answer could be attributed safely`,
      }
    : {
        kind: 'numbering-out-of-range',
        detail: `reply used indices outside 0..${expectedCount - 1} (${outOfRange.slice(0, 5).join(', ')}); no answer could be attributed safely`,
      };
}

function groupByIndex(chosen: readonly ReplyCandidate[]): Map<number, ReplyCandidate[]> {
  const byIndex = new Map<number, ReplyCandidate[]>();
  for (const candidate of chosen) {
    const list = byIndex.get(candidate.index);
    if (list) list.push(candidate);
    else byIndex.set(candidate.index, [candidate]);
  }
  return byIndex;
}

/** The problem of one index within the trusted numbering, or its answer. */
function readIndex(list: readonly ReplyCandidate[] | undefined): ParsedAnswer | Omit<ItemProblem, 'index'> {
  if (!list) return { kind: 'missing', detail: 'no answer for this index' };
  if (list.some((candidate) => candidate.cutOff === true)) {
    return {
      kind: 'missing',
      detail: 'the reply was cut off at the output limit in this answer, which may be incomplete',
    };
  }
  const readable = list.filter((candidate) => candidate.answer !== undefined);
  if (readable.length === 0) {
    const raw = (list[0]?.rawAnswer ?? '').slice(0, 80);
    return { kind: 'unparseable', detail: `could not read an answer from ${JSON.stringify(raw)}` };
  }
  const distinct = new Set(readable.map((candidate) => String(candidate.answer)));
  if (distinct.size > 1) {
    return {
      kind: 'conflicting',
      detail: `answered more than once with different answers: ${[...distinct].join(', ')}`,
    };
  }
  return {
    answer: readable[0]!.answer!,
    confident: readable.every((candidate) => candidate.confident),
  };
}

/**
 * The reply's candidates with its last one marked cut off. The output limit stops a reply
 * anywhere, so its last answer may be a prefix of the one meant (`1 (k9q2): 12` of `123`, `low`
 * of `lowest`): it is asked again, whatever the task. Candidates are in reply order, one format.
 */
function cutOffLast(chosen: readonly ReplyCandidate[]): ReplyCandidate[] {
  const last = chosen.at(-1);
  return last === undefined ? [] : [...chosen.slice(0, -1), { ...last, cutOff: true }];
}

/**
 * Answers by index once the numbering is settled: an index written twice, or index 0 unanswered
 * while later ones are answered, uses nothing; after the first index without a readable answer,
 * later ones may be shifted, so only the items before it are used.
 */
function answerByIndex(
  chosen: readonly ReplyCandidate[],
  expectedCount: number,
  numbering: ParsedReply['numbering'],
): Outcome {
  const byIndex = groupByIndex(chosen);
  // One convention writes each index once. An index written twice means two passes over the
  // items (a draft and a final list, two numberings): which one an index's only line belongs to is
  // a guess, so nothing of the reply is used.
  const repeated = [...byIndex].filter(([, list]) => list.length > 1).map(([index]) => index);
  if (repeated.length > 0) {
    return refused(expectedCount, 'conflicting', {
      kind: 'repeated',
      detail: `reply answered input${repeated.length === 1 ? '' : 's'} ${repeated.slice(0, 5).join(', ')} more than once; no answer could be attributed safely`,
    });
  }
  // A cut-off answer is not used, but its index was written: it shifts no numbering.
  const readableAt = (index: number) =>
    (byIndex.get(index) ?? []).some(
      (candidate) => candidate.answer !== undefined || candidate.cutOff === true,
    );
  let highestReadable = -1;
  for (const [index] of byIndex) if (readableAt(index) && index > highestReadable) highestReadable = index;
  if (highestReadable > 0 && !readableAt(0)) {
    return refused(expectedCount, 'numbering', {
      kind: 'numbering-from-1',
      detail:
        'reply gave no answer for input 0 but answered later ones, as when counting from 1; no answer could be attributed safely',
    });
  }
  // The first index without a readable answer: later answers may be shifted by it.
  let gapAt = expectedCount;
  for (let index = 0; index < expectedCount; index += 1) {
    if (!readableAt(index)) {
      gapAt = index;
      break;
    }
  }
  const trusted = gapAt < highestReadable ? gapAt : expectedCount;
  const answers: (ParsedAnswer | undefined)[] = new Array(expectedCount).fill(undefined);
  const problems: ItemProblem[] = [];
  for (let index = 0; index < expectedCount; index += 1) {
    if (index > trusted) {
      problems.push({
        index,
        kind: 'numbering',
        detail: `input ${trusted} got no readable answer while later ones did, so the numbering after it cannot be trusted`,
      });
      continue;
    }
    const read = readIndex(byIndex.get(index));
    if ('kind' in read) problems.push({ index, ...read });
    else answers[index] = read;
  }
  const issue: ReplyIssue | undefined =
    trusted < expectedCount
      ? {
          kind: 'numbering-gap',
          detail: `input ${trusted} got no readable answer while later ones did; the later ones were not attributed`,
        }
      : undefined;
  return { answers, problems, numbering, issue };
}

/**
 * Reads a reply's candidates into one answer per item, matched by the index the model wrote and
 * the batch code it echoed, never by the order of the lines (the rules are listed at
 * `parseReply`).
 */
export function attributeCandidates(
  candidates: readonly ReplyCandidate[],
  expectedCount: number,
  tag: string | undefined,
  truncated = false,
): ParsedReply {
  const selection = selectCandidates(candidates, tag);
  const outOfRange = [
    ...new Set(selection.chosen.filter((candidate) => candidate.index >= expectedCount).map((c) => c.index)),
  ].sort((left, right) => left - right);
  const finish = (outcome: Outcome) => toParsedReply(outcome, selection, outOfRange);
  if (selection.issue) {
    const kind = selection.issue.kind === 'mixed-formats' ? 'mixed' : 'missing';
    return finish(refused(expectedCount, kind, selection.issue));
  }
  if (selection.chosen.some((candidate) => candidate.duplicateKey === true)) {
    return finish(
      refused(expectedCount, 'conflicting', {
        kind: 'repeated',
        detail: 'a JSON object of the reply named the same key twice; no answer could be attributed safely',
      }),
    );
  }
  const settled = settleNumbering(selection, outOfRange, expectedCount);
  if ('kind' in settled) return finish(refused(expectedCount, 'numbering', settled));
  const chosen = truncated ? cutOffLast(settled.chosen) : settled.chosen;
  return finish(answerByIndex(chosen, expectedCount, settled.numbering));
}
