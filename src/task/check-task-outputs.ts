import { checkLabelSpellings, normalizeLabelText } from './label-spellings.js';
import { asArray, asRecord } from './loose-value.js';

type AddIssue = (path: (string | number)[], message: string) => void;

/** The word a multi-choice answer gives for the empty set, in replies and worked examples. */
export const noLabelsWord = 'none';

/**
 * Output names that a JSON reply entry already uses for something else. Kept here, not beside the
 * schema, so the checks below need nothing from the schema's module.
 */
const reservedNames = new Set([
  'id',
  'code',
  'tag',
  'index',
  'input',
  'reasoning',
  'confident',
  'confidence',
  'answers',
]);

/**
 * The checks of a task with `outputs:`: names unique and free, each output's labels and its
 * multi-choice bounds, no single `answer` beside them, and worked examples that answer every
 * output with an answer it allows. Like the other cross-key checks, it reads the definition as it
 * came, so it reports what it can even where other keys failed.
 */
export function checkTaskOutputs(task: Record<string, unknown>, addIssue: AddIssue): void {
  if (task.answer !== undefined) {
    addIssue(
      ['answer'],
      'a task has `answer` (one question per item) or `outputs` (several), not both: move the answer into an output',
    );
  }
  if (task.goldField !== undefined) {
    addIssue(
      ['goldField'],
      'a task with `outputs` reads each output’s gold answers from the column named like the output; map another column with --label-field <output>=<column>',
    );
  }
  if (task.reasoning === true) {
    addIssue(
      ['reasoning'],
      'worked solutions (`reasoning: true`) are not available for a task with `outputs`',
    );
  }
  const outputs = asArray(task.outputs).map(asRecord);
  const seen = new Set<string>();
  outputs.forEach((output, index) => {
    const name = output.name;
    if (typeof name === 'string') {
      if (seen.has(name)) addIssue(['outputs', index, 'name'], `output \`${name}\` is listed twice`);
      if (reservedNames.has(name.toLowerCase())) {
        addIssue(
          ['outputs', index, 'name'],
          `\`${name}\` cannot name an output: replies use it for something else (reserved: ${[...reservedNames].join(', ')})`,
        );
      }
      seen.add(name);
    }
    checkLabelSpellings(output.answer, ['outputs', index, 'answer', 'labels'], addIssue);
    checkChoiceBounds(asRecord(output.answer), ['outputs', index, 'answer'], addIssue);
  });
  asArray(task.examples).forEach((entry, index) => {
    checkExampleAnswers(asRecord(entry), index, outputs, addIssue);
  });
}

function labelValues(space: Record<string, unknown>): string[] {
  return asArray(space.labels).flatMap((entry) => {
    const value = typeof entry === 'string' ? entry : asRecord(entry).value;
    return typeof value === 'string' ? [value] : [];
  });
}

/** `min` and `max` only with `multiple: true`, within the number of labels, and no label spelt `none`. */
function checkChoiceBounds(
  space: Record<string, unknown>,
  path: (string | number)[],
  addIssue: AddIssue,
): void {
  if (space.type !== 'labels') return;
  const count = labelValues(space).length;
  const { min, max } = space;
  if (space.multiple !== true) {
    for (const key of ['min', 'max'] as const) {
      if (space[key] !== undefined)
        addIssue(
          [...path, key],
          `\`${key}\` counts the labels of a multi-choice answer: add \`multiple: true\``,
        );
    }
    return;
  }
  if (typeof min === 'number' && typeof max === 'number' && min > max)
    addIssue([...path, 'min'], `\`min\` (${min}) is above \`max\` (${max})`);
  if (typeof min === 'number' && min > count)
    addIssue([...path, 'min'], `\`min\` (${min}) is above the number of labels (${count})`);
  if (typeof max === 'number' && max > count)
    addIssue([...path, 'max'], `\`max\` (${max}) is above the number of labels (${count})`);
  if (labelValues(space).some((value) => normalizeLabelText(value) === noLabelsWord)) {
    addIssue(
      [...path, 'labels'],
      `a multi-choice answer cannot have a label \`${noLabelsWord}\`: replies write \`${noLabelsWord}\` for an answer with no label`,
    );
  }
}

/** The problem with one example's answer to one output, or undefined when it is one the output allows. */
function describeExampleAnswer(space: Record<string, unknown>, value: unknown): string | undefined {
  if (space.type === 'number')
    return typeof value === 'number' ? undefined : `expected a number, got ${JSON.stringify(value)}`;
  if (space.type === 'text')
    return typeof value === 'string' ? undefined : `expected a text, got ${JSON.stringify(value)}`;
  if (space.type !== 'labels') return undefined;
  const spellings = new Set(
    asArray(space.labels).flatMap((entry) => {
      const label = typeof entry === 'string' ? { value: entry } : asRecord(entry);
      return [label.value, ...asArray(label.aliases)]
        .filter((spelling): spelling is string => typeof spelling === 'string')
        .map(normalizeLabelText);
    }),
  );
  const labels = labelValues(space).join(', ');
  const known = (text: unknown) => typeof text === 'string' && spellings.has(normalizeLabelText(text));
  if (space.multiple !== true) {
    return known(value) ? undefined : `${JSON.stringify(value)} is not one of the labels (${labels})`;
  }
  if (!Array.isArray(value)) return `expected a list of labels (${labels}), [] for none`;
  const unknown = value.find((text) => !known(text));
  if (unknown !== undefined) return `${JSON.stringify(unknown)} is not one of the labels (${labels})`;
  const min = typeof space.min === 'number' ? space.min : 1;
  const max = typeof space.max === 'number' ? space.max : labelValues(space).length;
  const count = new Set(value.map((text) => normalizeLabelText(String(text)))).size;
  if (count < min || count > max) return `holds ${count} label(s); this output takes ${min} to ${max}`;
  return undefined;
}

function checkExampleAnswers(
  example: Record<string, unknown>,
  index: number,
  outputs: readonly Record<string, unknown>[],
  addIssue: AddIssue,
): void {
  if (example.answer !== undefined) {
    addIssue(
      ['examples', index, 'answer'],
      `a task with \`outputs\` gives each example's answers by output: \`answers: { <output>: <answer>, ... }\`, not \`answer\``,
    );
    return;
  }
  if (example.answers === undefined) {
    addIssue(['examples', index, 'answers'], '`answers` is required here (an answer for every output)');
    return;
  }
  const answers = asRecord(example.answers);
  const names = new Set(outputs.map((output) => output.name).filter((name) => typeof name === 'string'));
  for (const key of Object.keys(answers)) {
    if (!names.has(key))
      addIssue(
        ['examples', index, 'answers', key],
        `\`${key}\` is not an output (the outputs are ${[...names].join(', ')})`,
      );
  }
  for (const output of outputs) {
    if (typeof output.name !== 'string') continue;
    const path = ['examples', index, 'answers', output.name];
    if (answers[output.name] === undefined) {
      addIssue(path, `example ${index} lacks an answer for output \`${output.name}\``);
      continue;
    }
    const problem = describeExampleAnswer(asRecord(output.answer), answers[output.name]);
    if (problem !== undefined) addIssue(path, `example ${index}, output \`${output.name}\`: ${problem}`);
  }
}
