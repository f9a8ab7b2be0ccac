import { z } from 'zod';
import { checkTaskOutputs } from './check-task-outputs.js';
import { checkLabelSpellings } from './label-spellings.js';
import { asArray, asRecord } from './loose-value.js';

/** A label the model may answer with, and the other spellings that mean the same thing. */
export const labelSchema = z.strictObject({
  value: z.string().min(1),
  description: z.string().optional(),
  /** Other spellings that mean this label: `true`, `1`, `class 1`, ... Matched case-insensitively. */
  aliases: z.array(z.string().min(1)).default([]),
});

const labelListSchema = z
  .array(z.preprocess((value) => (typeof value === 'string' ? { value } : value), labelSchema))
  .min(2);

const numberSpaceSchema = z.strictObject({
  type: z.literal('number'),
  integer: z.boolean().default(false),
  /**
   * How far an answer may be from the gold number and still count as right (absolute). Default:
   * exact for whole-number tasks; otherwise one part in a billion, so that float noise such as
   * 0.1 + 0.2 is not a wrong answer.
   */
  tolerance: z.number().min(0).optional(),
});

const textSpaceSchema = z.strictObject({
  type: z.literal('text'),
  maxWords: z.number().int().min(1).default(8),
});

export const answerSpaceSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('labels'), labels: labelListSchema }),
  numberSpaceSchema,
  textSpaceSchema,
]);

/**
 * The answer space of one output of a task with `outputs:`: as `answer:`, and labels may be
 * multi-choice (`multiple: true`): the answer is then a set of the labels, of `min` to `max` of
 * them (default 1 to all).
 */
export const outputAnswerSpaceSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('labels'),
    labels: labelListSchema,
    /** The answer is a set of labels (none, one or several) instead of exactly one. */
    multiple: z.boolean().default(false),
    /** Multi-choice: the fewest labels an answer may hold. @default 1 */
    min: z.number().int().min(0).optional(),
    /** Multi-choice: the most labels an answer may hold. @default all of them */
    max: z.number().int().min(1).optional(),
  }),
  numberSpaceSchema,
  textSpaceSchema,
]);

/** A name the prompt shows and the results use as a key: a letter or underscore, then letters, digits or underscores. */
function nameSchema(what: string) {
  return z
    .string()
    .regex(
      /^[A-Za-z_][A-Za-z0-9_]*$/,
      `${what} name is a letter or underscore followed by letters, digits or underscores`,
    );
}

/** One question of a task with `outputs:`: its name (its key in replies and its results column) and answers. */
export const outputSchema = z.strictObject({
  name: nameSchema('an output'),
  /** What the output means, shown to the model beside its name. */
  description: z.string().optional(),
  answer: outputAnswerSpaceSchema,
});

export const fieldSchema = z.strictObject({
  name: nameSchema('a field'),
  description: z.string().optional(),
});

export const exampleSchema = z.strictObject({
  fields: z.record(z.string(), z.string()),
  /** The answer of a task with `answer:`. */
  answer: z.union([z.string(), z.number()]).optional(),
  /** A task with `outputs:`: the answer of every output, by name (a list for a multi-choice one). */
  answers: z.record(z.string(), z.union([z.string(), z.number(), z.array(z.string())])).optional(),
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
    /** The answers that count, for a task that asks one question per item. */
    answer: answerSpaceSchema.optional(),
    /**
     * In place of `answer`: several questions asked about each item in one prompt, each with a name
     * and its own answers. Results then carry one column per output.
     */
    outputs: z.array(outputSchema).min(1).optional(),
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
  if (value.outputs !== undefined) {
    checkTaskOutputs(value, addIssue);
  } else {
    if (value.answer === undefined) {
      addIssue(['answer'], '`answer` is required here (or `outputs`, to ask several questions per item)');
    }
    checkLabelSpellings(value.answer, ['answer', 'labels'], addIssue);
    asArray(value.examples).forEach((entry, index) => {
      const example = asRecord(entry);
      if (example.answers !== undefined) {
        addIssue(
          ['examples', index, 'answers'],
          `example ${index} gives \`answers\`, which a task with \`outputs\` takes; this task has \`answer\`, so give \`answer\``,
        );
      } else if (example.answer === undefined) {
        addIssue(['examples', index, 'answer'], '`answer` is required here');
      }
    });
  }
  const fieldNames = asArray(value.fields).flatMap((field) => {
    const name = typeof field === 'string' ? field : asRecord(field).name;
    return typeof name === 'string' ? [name] : [];
  });
  const duplicateField = fieldNames.find((name, index) => fieldNames.indexOf(name) !== index);
  if (duplicateField !== undefined) addIssue(['fields'], `field \`${duplicateField}\` is listed twice`);
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

export type TaskInput = z.input<typeof taskSchema>;
export type Label = z.output<typeof labelSchema>;
export type AnswerSpace = z.output<typeof answerSpaceSchema>;
/** The answers of one output: as `AnswerSpace`, with labels that may be multi-choice. */
export type OutputAnswerSpace = z.output<typeof outputAnswerSpaceSchema>;
export type TaskOutput = z.output<typeof outputSchema>;

type ParsedExample = z.output<typeof exampleSchema>;
/** A worked example of a task with `answer:`. */
export type TaskExample = Omit<ParsedExample, 'answer' | 'answers'> & {
  answer: string | number;
  answers?: undefined;
};
/** A worked example of a task with `outputs:`: an answer per output, a list for a multi-choice one. */
export type OutputsExample = Omit<ParsedExample, 'answer' | 'answers'> & {
  answer?: undefined;
  answers: Record<string, string | number | string[]>;
};

type TaskCommon = Omit<z.output<typeof taskSchema>, 'answer' | 'outputs' | 'examples'>;
/** A task that asks one question per item (`answer:`). */
export type SingleOutputTask = TaskCommon & {
  answer: AnswerSpace;
  outputs?: undefined;
  examples: TaskExample[];
};
/** A task that asks several named questions per item in one prompt (`outputs:`). */
export type MultiOutputTask = TaskCommon & {
  answer?: undefined;
  outputs: TaskOutput[];
  examples: OutputsExample[];
};
/** A validated task (`defineTask`): one question per item, or several named outputs. */
export type Task = SingleOutputTask | MultiOutputTask;

/** Anything with an answer space: a task with `answer:`, or one output of a task with `outputs:`. */
export interface WithAnswerSpace {
  readonly answer: AnswerSpace | OutputAnswerSpace;
}

export { normalizeLabelText } from './label-spellings.js';
