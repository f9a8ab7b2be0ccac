import { InputError } from '../spec/errors.js';

/** One element of a top-level JSON array, still as text. */
export interface JsonArrayElement {
  /** 1-based position of the element in the array. */
  index: number;
  /** 1-based line of the file where the element starts. */
  fileLine: number;
  text: string;
}

type State = 'beforeArray' | 'beforeElement' | 'inElement' | 'afterArray';

const openBracket = 0x5b;
const closeBracket = 0x5d;
const openBrace = 0x7b;
const closeBrace = 0x7d;
const comma = 0x2c;
const quote = 0x22;
const backslash = 0x5c;
const newline = 0x0a;

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

/**
 * Splits the text of a file holding one JSON array into the texts of its elements, without ever
 * holding more than one element and one chunk. It tracks only strings, escapes and nesting depth,
 * enough to find the commas that separate elements; each element is then checked by JSON.parse.
 */
export async function* splitJsonArray(
  texts: AsyncIterable<string>,
  file: string,
): AsyncGenerator<JsonArrayElement> {
  let state = 'beforeArray' as State;
  let fileLine = 1;
  let index = 0;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let elementLine = 1;
  let elementParts: string[] = [];

  for await (const text of texts) {
    // Where the element being read starts in this chunk (0 when it began in an earlier chunk).
    let elementStart = 0;
    for (let position = 0; position < text.length; position++) {
      const code = text.charCodeAt(position);
      if (code === newline) fileLine++;

      if (state === 'inElement') {
        if (inString) {
          if (escaped) escaped = false;
          else if (code === backslash) escaped = true;
          else if (code === quote) inString = false;
          continue;
        }
        if (code === quote) inString = true;
        else if (code === openBrace || code === openBracket) depth++;
        else if ((code === closeBrace || code === closeBracket) && depth > 0) depth--;
        else if (depth === 0 && (code === comma || code === closeBracket)) {
          elementParts.push(text.slice(elementStart, position));
          yield { index, fileLine: elementLine, text: elementParts.join('') };
          elementParts = [];
          state = code === comma ? 'beforeElement' : 'afterArray';
        }
        continue;
      }

      if (isWhitespace(code)) continue;

      if (state === 'beforeArray') {
        if (code !== openBracket) {
          throw new InputError(
            `expected a JSON array (\`[\`) at the top level, found \`${text[position]}\` on line ${fileLine}; for one object per line use a .jsonl file`,
            { file },
          );
        }
        state = 'beforeElement';
      } else if (state === 'beforeElement') {
        if (code === closeBracket && index === 0) {
          state = 'afterArray';
        } else if (code === closeBracket || code === comma) {
          throw new InputError(`empty element in the array (a stray comma on line ${fileLine})`, {
            file,
            line: index + 1,
          });
        } else {
          index++;
          state = 'inElement';
          elementLine = fileLine;
          elementStart = position;
          depth = 0;
          inString = false;
          escaped = false;
          // Read this character again, now as the element's first one (it is never a newline).
          position--;
        }
      } else {
        throw new InputError(
          `unexpected \`${text[position]}\` on line ${fileLine}, after the end of the array`,
          {
            file,
          },
        );
      }
    }
    if (state === 'inElement') elementParts.push(text.slice(elementStart));
  }

  if (state === 'beforeArray') throw new InputError('no rows: the file is empty', { file });
  if (state !== 'afterArray') {
    throw new InputError(
      `the file ends before the array is closed (element ${Math.max(index, 1)}, from line ${elementLine}); the file may be truncated`,
      { file },
    );
  }
}
