/*
 * One number in a model's answer or a gold value, in the forms people write: `18`, `18.0`, `$18`,
 * `1,800`, `18 dollars`, `-4.5`, `−4.5` (a typographic minus), `-$5`, `$-5`, `.5`, `50%`, `3/4`.
 * Thousands separators are read only in groups of three (`1,800`), so `1,2` is not read as 12.
 */
const numberPattern =
  /(?<![\d.])([-−–]\s?)?[$€£¥]?\s?([-−–])?(\d{1,3}(?:,\d{3})+|\d+)?(?:\.(\d+))?(?:\s?\/\s?(\d+)(?![\d.,]))?/g;

/** `The answer is 18` or `= 18`: the number after the last such phrase is the answer. */
const answerPhrase = /(?:answer\s*(?:is|=|:)|result\s*(?:is|=|:)|total\s*(?:is|=|:)|=)\s*/gi;

function numbersIn(text: string): number[] {
  const values: number[] = [];
  for (const match of text.matchAll(numberPattern)) {
    const [, leadingSign, innerSign, whole, fraction, denominator] = match;
    if (whole === undefined && fraction === undefined) continue;
    let value = Number(`${(whole ?? '0').replace(/,/g, '')}.${fraction ?? '0'}`);
    if (denominator !== undefined) {
      const divisor = Number(denominator);
      if (divisor === 0 || fraction !== undefined) continue;
      value /= divisor;
    }
    if (leadingSign !== undefined || innerSign !== undefined) value = -value;
    // -0 reads as 0: a vote key or a comparison must not tell them apart.
    if (Number.isFinite(value)) values.push(value === 0 ? 0 : value);
  }
  return values;
}

/**
 * The number a text states, or `undefined` when it holds none: the first number, unless the text
 * names its answer (`... so the answer is 18`), in which case the number after the last such
 * phrase.
 */
export function readNumber(text: string): number | undefined {
  let start = -1;
  for (const match of text.matchAll(answerPhrase)) start = match.index + match[0].length;
  if (start >= 0) {
    const named = numbersIn(text.slice(start))[0];
    if (named !== undefined) return named;
  }
  return numbersIn(text)[0];
}
