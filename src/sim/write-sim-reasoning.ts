import type { Answer } from '../parse/normalize-answer.js';
import { hashUniforms } from './sim-random.js';

export interface SimReasoningInput {
  /** The item's field values as the prompt shows them. */
  fields: Readonly<Record<string, string>>;
  /** The answer the block ends in, right or wrong: the solution leads to it. */
  answer: Answer;
  /** Keys the wording; the same request and item always give the same text. */
  drawKey: readonly (string | number)[];
}

const verbs = ['added to', 'taken from', 'multiplied with', 'divided into', 'compared with', 'combined with'];
const ordinals = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth'];

/** The question of an item: the sentence that ends in a question mark, else the last sentence. */
function askedPart(text: string): string {
  const sentences = text.split(/(?<=[.?!])\s+/).filter((sentence) => sentence.trim().length > 0);
  const asked = sentences.findLast((sentence) => sentence.trim().endsWith('?')) ?? sentences.at(-1) ?? '';
  return asked.trim().split(/\s+/).slice(0, 24).join(' ');
}

/**
 * A worked solution in the shape real models write for word problems: what is asked, one step
 * per figure of the problem (naming the figure, so solutions are full of numbers that are not the
 * answer), and a closing sentence with the answer. It is not arithmetic the simulator did: the
 * answer comes from the calibrated answer model, and the text only has to look, cost and parse
 * like a real solution. Its length grows with the number of figures in the problem (40 to 160
 * o200k tokens on GSM8K, where the reference solutions take 76 on average).
 */
export function writeSimReasoning(input: SimReasoningInput): string {
  const text = Object.values(input.fields).join(' ');
  const figures = [...new Set(text.match(/\$?\d[\d,]*(?:\.\d+)?%?/g) ?? [])].slice(0, ordinals.length);
  const draws = hashUniforms(8, 'reasoning', ...input.drawKey);
  const lines = [`The question asks: ${askedPart(text)}`];
  figures.forEach((figure, place) => {
    const verb = verbs[Math.floor((draws[place] ?? 0) * verbs.length)] ?? verbs[0];
    lines.push(
      place === 0
        ? `Start from the ${ordinals[place]} figure of the problem, ${figure}.`
        : `Step ${place}: the ${ordinals[place]} figure, ${figure}, is ${verb} what we have so far.`,
    );
  });
  lines.push(`So the answer is ${input.answer}.`);
  return lines.join('\n');
}
