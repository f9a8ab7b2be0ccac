import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { taskJsonSchema } from './task-json-schema.js';
import { taskSchema } from './task-schema.js';

describe('task.schema.json', () => {
  it('is the schema the loader checks with, written out (else run scripts/write-task-schema.ts)', () => {
    const shipped = JSON.parse(readFileSync(new URL('../../task.schema.json', import.meta.url), 'utf8'));
    expect(shipped).toEqual(taskJsonSchema());
  });

  it('lists every key, refuses others, and takes a plain string for a field or a label', () => {
    const schema = taskJsonSchema() as {
      properties: Record<string, { description?: string; items?: { anyOf?: unknown[] } }>;
      additionalProperties: boolean;
      required: string[];
      oneOf: unknown[];
    };
    expect(Object.keys(schema.properties)).toEqual(Object.keys(taskSchema.shape));
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['name', 'instruction', 'fields']);
    expect(schema.oneOf).toEqual([{ required: ['answer'] }, { required: ['outputs'] }]);
    for (const property of Object.values(schema.properties)) expect(property.description).toBeTruthy();
    expect(schema.properties.fields?.items?.anyOf?.[0]).toEqual({ type: 'string', minLength: 1 });
    expect(JSON.stringify(schema.properties.answer)).toContain('"anyOf":[{"type":"string","minLength":1}');
    expect(JSON.stringify(schema.properties.outputs)).toContain('"anyOf":[{"type":"string","minLength":1}');
  });
});
