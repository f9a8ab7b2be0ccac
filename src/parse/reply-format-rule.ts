import type { ReplyIssueKind } from './parsed-reply.js';

/** The two reply formats (as `prompt/render-batch.ts` names them). */
type OutputFormat = 'lines' | 'json';

/*
 * How `--format auto` picks a run's reply format, and when it leaves line replies for JSON in the
 * middle of a run. A line answer (`12 (kzuy): not_entailment sure`) costs about three quarters of the
 * output tokens of a JSON entry, and output tokens cost 4-5 times input tokens on most billed
 * models; line replies of frontier models parse as reliably as JSON ones. JSON earns its cost
 * where a grammar holds a model to it for free (a model run on the user's own machine) and where a
 * model keeps drifting from the line format: the run's own replies say when.
 */

/** What `auto` reads off a model: its URI and whether it takes a JSON schema. */
export interface ReplyFormatModel {
  /** The model URI (`openai:gpt-4.1-mini`, `local:model.gguf`); without one, a billed API model. */
  readonly id?: string;
  readonly supportsJsonSchema: boolean;
}

/**
 * URI prefixes of models run on the user's own machine: node-llama-cpp in process, and Ollama.
 * Both enforce a JSON schema with a grammar while generating, and nobody bills their tokens.
 */
const localModelPrefixes = ['local', 'ollama'] as const;

export function isLocalModel(model: ReplyFormatModel): boolean {
  const prefix = model.id?.split(':', 1)[0] ?? '';
  return (localModelPrefixes as readonly string[]).includes(prefix);
}

export interface AutoReplyFormat {
  format: OutputFormat;
  /** Why, in words for the summary and `plan`. */
  reason: string;
}

/** The format `auto` starts a run in for this model. */
export function autoReplyFormat(model: ReplyFormatModel): AutoReplyFormat {
  if (!model.supportsJsonSchema) return { format: 'lines', reason: 'the model takes no JSON schema' };
  if (isLocalModel(model)) {
    return {
      format: 'json',
      reason: 'a local model: a JSON grammar keeps it to the format and its tokens cost nothing',
    };
  }
  return {
    format: 'lines',
    reason: 'billed per output token: a line costs about three quarters of the output tokens of a JSON entry',
  };
}

/**
 * When a run in `auto` leaves line replies for JSON: once more than `maxUnreadableShare` of the
 * last `window` line replies (2 of 50) could not be read as lines. Only failures a JSON schema
 * rules out count (no answer line at all, answers without the batch code, answers outside the
 * allowed ones, JSON mixed into lines); skipped, repeated or misnumbered answers happen in either
 * format and a reply cut off at the output limit says nothing about the format, so they do not.
 */
export const formatSwitchRule = { window: 50, maxUnreadableShare: 0.02 } as const;

const lineFormatIssues: ReadonlySet<ReplyIssueKind> = new Set<ReplyIssueKind>([
  'no-answers',
  'no-code',
  'unreadable',
  'mixed-formats',
]);

/** True when a line reply with this issue failed as lines, in a way JSON with a schema would not. */
export function isLineFormatFailure(issue: ReplyIssueKind | undefined, truncated: boolean): boolean {
  return !truncated && issue !== undefined && lineFormatIssues.has(issue);
}

/** The switch, once made: after how many line replies, and what those replies showed. */
export interface FormatSwitch {
  to: 'json';
  /** Line replies read before the switch. */
  afterReplies: number;
  /** Of the last `of` line replies, how many could not be read as lines. */
  unreadable: number;
  of: number;
  /** The issue of the last unreadable reply. */
  issue: ReplyIssueKind;
}

/** A run's reply format as it goes: plain data, changed only by `observeReply`. */
export interface ReplyFormatState {
  /** `auto` when the run's format was chosen by the rule above, `given` when the caller chose it. */
  chosenBy: 'auto' | 'given';
  /** The format the run started in. */
  initial: OutputFormat;
  /** The format new calls are asked in. */
  current: OutputFormat;
  /** Whether a switch to JSON is allowed: `auto`, starting in lines, on a model with JSON schemas. */
  canSwitch: boolean;
  /** Line replies read so far. */
  lineReplies: number;
  /** For each of the last `formatSwitchRule.window` line replies, whether it was unreadable as lines. */
  recent: readonly boolean[];
  switched?: FormatSwitch;
}

export function startReplyFormat(
  format: OutputFormat,
  chosenBy: 'auto' | 'given',
  model: ReplyFormatModel,
): ReplyFormatState {
  return {
    chosenBy,
    initial: format,
    current: format,
    canSwitch: chosenBy === 'auto' && format === 'lines' && model.supportsJsonSchema,
    lineReplies: 0,
    recent: [],
  };
}

/** What the run learnt from one reply. */
export interface ReplyObservation {
  /** The format the call was asked in. */
  format: OutputFormat;
  /** The parser's issue with the reply, if any. */
  issue: ReplyIssueKind | undefined;
  truncated: boolean;
}

/**
 * The state after one more reply: line replies are counted, and the run switches to JSON when the
 * rule above holds. A switch is for the rest of the run; replies asked before it may still come
 * back in lines and are read as they were asked.
 */
export function observeReply(state: ReplyFormatState, reply: ReplyObservation): ReplyFormatState {
  if (reply.format !== 'lines' || state.switched !== undefined) return state;
  const failed = isLineFormatFailure(reply.issue, reply.truncated);
  const recent = [...state.recent, failed].slice(-formatSwitchRule.window);
  const next = { ...state, lineReplies: state.lineReplies + 1, recent };
  const unreadable = recent.filter(Boolean).length;
  const limit = formatSwitchRule.maxUnreadableShare * formatSwitchRule.window;
  if (!state.canSwitch || !failed || unreadable <= limit) return next;
  return {
    ...next,
    current: 'json',
    switched: {
      to: 'json',
      afterReplies: next.lineReplies,
      unreadable,
      of: recent.length,
      issue: reply.issue!,
    },
  };
}

/** What a run's summary keeps of its reply format. */
export type ReplyFormatSummary = Pick<ReplyFormatState, 'chosenBy' | 'initial' | 'current' | 'switched'>;

export function summarizeReplyFormat(state: ReplyFormatState): ReplyFormatSummary {
  const { chosenBy, initial, current, switched } = state;
  return { chosenBy, initial, current, ...(switched === undefined ? {} : { switched }) };
}

/** `lines (auto); switched to json after 14 line replies (2 of the last 14 unreadable as lines: no-code)`. */
export function describeReplyFormat(summary: ReplyFormatSummary): string {
  const chosen = `${summary.initial} (${summary.chosenBy === 'auto' ? 'auto' : 'as given'})`;
  const { switched } = summary;
  if (switched === undefined) return chosen;
  return `${chosen}; switched to ${switched.to} after ${switched.afterReplies} line replies (${switched.unreadable} of the last ${switched.of} unreadable as lines: ${switched.issue})`;
}
