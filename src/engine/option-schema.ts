import { z } from 'zod';
import { InputError } from '../spec/errors.js';

/*
 * Options declared as zod schemas, each leaf registered with what a person reads about it. The
 * library's strategy options (`strategy-options.ts`) and the commands' own options
 * (`src/cli/command-options.ts`) are declared this way: zod gives the types and checks the values,
 * and the walk below gives every leaf with its dotted path, its kind and its metadata, from which
 * the command-line flags, `--help` and the README's option reference are built.
 */

/** The headings `--help` lists options under, in this order; the README's reference follows it. */
export const optionGroups = {
  essentials: 'Essentials:',
  strategy: 'Strategy:',
  rows: 'Rows and columns:',
  model: 'Model and limits:',
  output: 'Output:',
  adaptive: 'Adaptive tuning (--strategy adaptive):',
} as const;

export type OptionGroup = keyof typeof optionGroups;

/** What a strategy option says about itself, beside its schema. */
export interface OptionMeta {
  /** One line, used in `--help` and the README's option reference alike. */
  description: string;
  group: OptionGroup;
  /** The default as a sentence, where it follows from other options instead of being a value. */
  derivedDefault?: string;
  /** A deprecated alias: the dotted path of the option that replaces it. */
  replacedBy?: string;
}

/** How a value is checked, read off a leaf's zod schema; the flags parse by it too. */
export type OptionKind =
  | { type: 'integer'; minimum: number }
  | { type: 'number'; minimum: number; maximum?: number; open: { minimum: boolean; maximum: boolean } }
  | { type: 'choice'; choices: readonly string[] }
  | { type: 'text' }
  | { type: 'switch' }
  | { type: 'mapping' };

export interface OptionLeaf<Meta> {
  /** Dotted for nested options: `adaptive.confidence`. */
  path: string;
  schema: z.ZodType;
  meta: Meta;
}

/** Every registered leaf of an options schema, in declaration order. */
export function optionLeaves<Meta extends object>(
  schema: z.ZodType,
  registry: z.core.$ZodRegistry<Meta>,
  prefix = '',
): OptionLeaf<Meta>[] {
  const meta = registry.get(schema);
  if (meta !== undefined) return [{ path: prefix.slice(0, -1), schema, meta: meta as Meta }];
  const object = unwrapped(schema);
  if (!(object instanceof z.ZodObject)) return [];
  return Object.entries(object.shape as Record<string, z.ZodType>).flatMap(([key, child]) =>
    optionLeaves(child, registry, `${prefix}${key}.`),
  );
}

/** The schema under defaults, optionals and transforms. */
function unwrapped(schema: z.ZodType): z.ZodType {
  let inner: z.ZodType = schema;
  for (;;) {
    if (inner instanceof z.ZodDefault || inner instanceof z.ZodPrefault || inner instanceof z.ZodOptional) {
      inner = inner.unwrap() as z.ZodType;
    } else if (inner instanceof z.ZodPipe) inner = inner.in as z.ZodType;
    else return inner;
  }
}

/** A leaf's kind and default, from the JSON Schema zod writes for it. */
export function optionKind(schema: z.ZodType): OptionKind {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  if (Array.isArray(json.enum)) return { type: 'choice', choices: json.enum as string[] };
  if (json.type === 'integer') return { type: 'integer', minimum: Number(json.minimum ?? 0) };
  if (json.type === 'number') {
    const maximum = (json.maximum ?? json.exclusiveMaximum) as number | undefined;
    return {
      type: 'number',
      minimum: Number(json.minimum ?? json.exclusiveMinimum ?? Number.NEGATIVE_INFINITY),
      ...(maximum === undefined || maximum >= Number.MAX_SAFE_INTEGER ? {} : { maximum }),
      open: { minimum: json.exclusiveMinimum !== undefined, maximum: json.exclusiveMaximum !== undefined },
    };
  }
  if (json.type === 'boolean') return { type: 'switch' };
  if (json.type === 'object') return { type: 'mapping' };
  return { type: 'text' };
}

/** A leaf's default value, where zod fills one in. */
export function optionDefault(schema: z.ZodType): unknown {
  return (z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { default?: unknown }).default;
}

/** What a valid value of this kind is, for messages: `an integer >= 1`, `one of a, b`. */
export function expectedText(kind: OptionKind): string {
  switch (kind.type) {
    case 'integer':
      return `an integer >= ${kind.minimum}`;
    case 'number': {
      const { minimum, maximum, open } = kind;
      if (maximum === undefined) return `a number ${open.minimum ? '>' : '>='} ${minimum}`;
      if (open.minimum && open.maximum) return `a number above ${minimum} and below ${maximum}`;
      if (!open.minimum && !open.maximum) return `a number from ${minimum} to ${maximum}`;
      return `a number ${open.minimum ? 'above' : 'at least'} ${minimum} and ${open.maximum ? 'below' : 'at most'} ${maximum}`;
    }
    case 'choice':
      return `one of ${kind.choices.join(', ')}`;
    case 'text':
      return 'a text';
    case 'switch':
      return 'true or false';
    case 'mapping':
      return 'an object of field names to column names';
  }
}

/**
 * Parses options with their schema; a bad value is an `InputError` naming the option, what would
 * be valid and what was given: ``Expected `batchSize` to be an integer >= 1, got `0` ``.
 */
export function parseOptions<Schema extends z.ZodType>(schema: Schema, options: unknown): z.output<Schema> {
  const parsed = schema.safeParse(options);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const path = issue.path.join('.');
  const value = valueAtPath(options, path);
  const leaf = leafAt(schema, issue.path.map(String));
  const expected =
    leaf === undefined || unwrapped(leaf) instanceof z.ZodObject
      ? 'an object'
      : expectedText(optionKind(leaf));
  throw new InputError(`Expected \`${path}\` to be ${expected}, got \`${shown(value)}\``, { field: path });
}

function shown(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

/** The schema at a path of an options schema. */
function leafAt(schema: z.ZodType, path: readonly string[]): z.ZodType | undefined {
  let node: z.ZodType | undefined = schema;
  for (const key of path) {
    const object: z.ZodType | undefined = node === undefined ? undefined : unwrapped(node);
    if (!(object instanceof z.ZodObject)) return undefined;
    node = (object.shape as Record<string, z.ZodType>)[key];
  }
  return node;
}

/** The value at a dotted path of an options object, or undefined. */
export function valueAtPath(options: unknown, path: string): unknown {
  let value: unknown = options;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Sets the value at a dotted path, creating the objects on the way. */
export function setAtPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys.at(-1)!] = value;
}
