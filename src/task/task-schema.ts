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
  .superRefine((task, context) => {
    const fieldNames = task.fields.map((field) => field.name);
    const duplicateField = fieldNames.find((name, index) => fieldNames.indexOf(name) !== index);
    if (duplicateField !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['fields'],
        message: `field \`${duplicateField}\` is listed twice`,
      });
    }
    if (task.answer.type === 'labels') {
      const seen = new Map<string, string>();
      for (const label of task.answer.labels) {
        for (const spelling of [label.value, ...label.aliases]) {
          const key = normalizeLabelText(spelling);
          const owner = seen.get(key);
          if (owner !== undefined && owner !== label.value) {
            context.addIssue({
              code: 'custom',
              path: ['answer', 'labels'],
              message: `the spelling \`${spelling}\` is used by both \`${owner}\` and \`${label.value}\``,
            });
          } else if (owner !== undefined && spelling === label.value) {
            context.addIssue({
              code: 'custom',
              path: ['answer', 'labels'],
              message: `label \`${label.value}\` is listed twice`,
            });
          }
          seen.set(key, label.value);
        }
      }
    }
    task.examples.forEach((example, index) => {
      if (task.reasoning && example.reasoning === undefined) {
        context.addIssue({
          code: 'custom',
          path: ['examples', index, 'reasoning'],
          message: `example ${index} lacks \`reasoning\`: a task with \`reasoning: true\` shows a worked solution in every example`,
        });
      }
      for (const name of fieldNames) {
        if (example.fields[name] === undefined) {
          context.addIssue({
            code: 'custom',
            path: ['examples', index, 'fields', name],
            message: `example ${index} lacks field \`${name}\``,
          });
        }
      }
    });
  });

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
