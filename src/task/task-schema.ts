import { z } from 'zod';

/** A label the model may answer with, and the other spellings that mean the same thing. */
export const labelSchema = z.strictObject({
  value: z.string().min(1),
  description: z.string().optional(),
  /** Other spellings that mean this label: `true`, `1`, `class 1`, ... Matched case-insensitively. */
  aliases: z.array(z.string().min(1)).default([]),
});

export const answerSpaceSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('labels'),
    labels: z
      .array(z.preprocess((value) => (typeof value === 'string' ? { value } : value), labelSchema))
      .min(2),
  }),
  z.strictObject({
    type: z.literal('number'),
    integer: z.boolean().default(false),
    /**
     * How far an answer may be from the gold number and still count as right (absolute). Default:
     * exact for whole-number tasks; otherwise one part in a billion, so that float noise such as
     * 0.1 + 0.2 is not a wrong answer.
     */
    tolerance: z.number().min(0).optional(),
  }),
  z.strictObject({ type: z.literal('text'), maxWords: z.number().int().min(1).default(8) }),
]);

export const fieldSchema = z.strictObject({
  name: z
    .string()
    .regex(
      /^[A-Za-z_][A-Za-z0-9_]*$/,
      'a field name is a letter or underscore followed by letters, digits or underscores',
    ),
  description: z.string().optional(),
});

export const exampleSchema = z.strictObject({
  fields: z.record(z.string(), z.string()),
  answer: z.union([z.string(), z.number()]),
  confident: z.boolean().default(true),
  /** The worked solution shown before the answer; every example needs one when the task reasons. */
  reasoning: z.string().min(1).optional(),
});

export const taskSchema = z
  .strictObject({
    name: z.string().min(1),
    /** What the model must do for each input, in plain words. */
    instruction: z.string().min(1),
    /** The fields of one item, in the order they are shown to the model. */
    fields: z
      .array(z.preprocess((value) => (typeof value === 'string' ? { name: value } : value), fieldSchema))
      .min(1),
    answer: answerSpaceSchema,
    /** Worked examples shown before the batch. Never taken from the data being evaluated. */
    examples: z.array(exampleSchema).default([]),
    /** Column of the data that holds the gold answer, where there is one. */
    goldField: z.string().optional(),
    /**
     * Ask for a short worked solution before each item's answer (a block per item in the lines
     * format, a `reasoning` string in JSON). Costs output tokens; helps where an answer must be
     * worked out (arithmetic, multi-step questions) or where a justification is wanted.
     */
    reasoning: z.boolean().default(false),
  })
  // Runs even when other keys failed to parse, so that a file's every problem is reported at once;
  // it therefore reads the value as it came, checking each shape before use.
  .superRefine((task, context) => crossCheckTask(task, context), { when: () => true });

/** The checks that span keys: duplicate fields and label spellings, examples lacking a field. */
function crossCheckTask(task: unknown, context: z.RefinementCtx): void {
  const value = asRecord(task);
  const addIssue = (path: (string | number)[], message: string) =>
    context.addIssue({ code: 'custom', path, message });
  const fieldNames = asArray(value.fields).flatMap((field) => {
    const name = typeof field === 'string' ? field : asRecord(field).name;
    return typeof name === 'string' ? [name] : [];
  });
  const duplicateField = fieldNames.find((name, index) => fieldNames.indexOf(name) !== index);
  if (duplicateField !== undefined) addIssue(['fields'], `field \`${duplicateField}\` is listed twice`);
  const answer = asRecord(value.answer);
  if (answer.type === 'labels') {
    const seen = new Map<string, string>();
    for (const entry of asArray(answer.labels)) {
      const label = typeof entry === 'string' ? { value: entry } : asRecord(entry);
      if (typeof label.value !== 'string') continue;
      const aliases = asArray(label.aliases).filter((alias): alias is string => typeof alias === 'string');
      for (const spelling of [label.value, ...aliases]) {
        const key = normalizeLabelText(spelling);
        const owner = seen.get(key);
        if (owner !== undefined && owner !== label.value) {
          addIssue(
            ['answer', 'labels'],
            `the spelling \`${spelling}\` is used by both \`${owner}\` and \`${label.value}\``,
          );
        } else if (owner !== undefined && spelling === label.value) {
          addIssue(['answer', 'labels'], `label \`${label.value}\` is listed twice`);
        }
        seen.set(key, label.value);
      }
    }
  }
  asArray(value.examples).forEach((entry, index) => {
    const example = asRecord(entry);
    if (value.reasoning === true && example.reasoning === undefined) {
      addIssue(
        ['examples', index, 'reasoning'],
        `example ${index} lacks \`reasoning\`: a task with \`reasoning: true\` shows a worked solution in every example`,
      );
    }
    if (typeof example.fields !== 'object' || example.fields === null) return;
    const fields = asRecord(example.fields);
    for (const name of new Set(fieldNames)) {
      if (fields[name] === undefined) {
        addIssue(['examples', index, 'fields', name], `example ${index} lacks field \`${name}\``);
      }
    }
  });
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export type TaskInput = z.input<typeof taskSchema>;
export type Task = z.output<typeof taskSchema>;
export type Label = z.output<typeof labelSchema>;
export type AnswerSpace = z.output<typeof answerSpaceSchema>;
export type TaskExample = z.output<typeof exampleSchema>;

/** Lower case, no markup or punctuation at the edges, single spaces, `_` and `-` read as spaces. */
export function normalizeLabelText(text: string): string {
  return text
    .toLowerCase()
    .replace(/[_\-–]+/g, ' ')
    .replace(/[*`"'[\]{}()<>.,;:!?]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
