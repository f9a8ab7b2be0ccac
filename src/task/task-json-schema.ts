import { z } from 'zod';
import { taskSchema } from './task-schema.js';

type JsonSchema = Record<string, unknown>;

const descriptions: Record<string, string> = {
  name: 'A short name, shown in summaries and reports.',
  instruction: 'What the model must do for each item, in plain words.',
  fields: 'The columns of the data the model sees, in this order: a name, or { name, description }.',
  answer: 'The answers that count: type labels (one of a set), number, or text (a few words).',
  outputs:
    'In place of answer: several questions asked about each item in one pass, each { name, description, answer }; labels may be multi-choice (multiple: true, min, max). Examples then give answers: { <output>: <answer> }.',
  examples: 'Worked examples shown before every batch; never rows of the data being answered.',
  goldField: 'The column of the data holding the right answer, where there is one (as --label-field).',
  reasoning: 'Ask for a short worked solution before each answer; every example then needs reasoning.',
};

/** A string is shorthand for `{ <key>: string }` in the file; the schema must accept it too. */
function orString(schema: JsonSchema | undefined): JsonSchema | undefined {
  return schema === undefined ? undefined : { anyOf: [{ type: 'string', minLength: 1 }, schema] };
}

/** The labels of an answer space (its first option) may each be a plain string. */
function allowStringLabels(space: (JsonSchema & { oneOf?: JsonSchema[] }) | undefined): void {
  const labels = space?.oneOf?.[0]?.properties as
    | Record<string, JsonSchema & { items?: JsonSchema }>
    | undefined;
  if (labels?.labels?.items !== undefined)
    labels.labels.items = orString(labels.labels.items) ?? labels.labels.items;
}

/**
 * The JSON Schema of a task file, for editors (YAML and JSON language servers): the keys, their
 * types and defaults, with a line of description each. The loader stays the judge; this helps
 * while typing.
 */
export function taskJsonSchema(): JsonSchema {
  const schema = z.toJSONSchema(taskSchema, { io: 'input' }) as JsonSchema & {
    properties: Record<string, JsonSchema & { items?: JsonSchema; oneOf?: JsonSchema[] }>;
  };
  for (const [key, description] of Object.entries(descriptions)) {
    const property = schema.properties[key];
    if (property !== undefined) property.description = description;
  }
  const fields = schema.properties.fields;
  if (fields?.items !== undefined) fields.items = orString(fields.items) ?? fields.items;
  allowStringLabels(schema.properties.answer);
  const outputs = schema.properties.outputs?.items as { properties?: Record<string, JsonSchema> } | undefined;
  allowStringLabels(outputs?.properties?.answer);
  const { $schema, ...rest } = schema;
  // A task asks one question (`answer`) or several (`outputs`): exactly one of them.
  return {
    $schema,
    title: 'batchprompt task file',
    ...rest,
    oneOf: [{ required: ['answer'] }, { required: ['outputs'] }],
  };
}
