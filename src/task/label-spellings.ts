import { asArray, asRecord } from './loose-value.js';

/** Lower case, no markup or punctuation at the edges, single spaces, `_` and `-` read as spaces. */
export function normalizeLabelText(text: string): string {
  return text
    .toLowerCase()
    .replace(/[_\-–]+/g, ' ')
    .replace(/[*`"'[\]{}()<>.,;:!?]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Reports two labels of one answer space spelt alike (value or alias, ignoring case and punctuation). */
export function checkLabelSpellings(
  space: unknown,
  path: (string | number)[],
  addIssue: (path: (string | number)[], message: string) => void,
): void {
  const answer = asRecord(space);
  if (answer.type !== 'labels') return;
  const seen = new Map<string, string>();
  for (const entry of asArray(answer.labels)) {
    const label = typeof entry === 'string' ? { value: entry } : asRecord(entry);
    if (typeof label.value !== 'string') continue;
    const aliases = asArray(label.aliases).filter((alias): alias is string => typeof alias === 'string');
    for (const spelling of [label.value, ...aliases]) {
      const key = normalizeLabelText(spelling);
      const owner = seen.get(key);
      if (owner !== undefined && owner !== label.value) {
        addIssue(path, `the spelling \`${spelling}\` is used by both \`${owner}\` and \`${label.value}\``);
      } else if (owner !== undefined && spelling === label.value) {
        addIssue(path, `label \`${label.value}\` is listed twice`);
      }
      seen.set(key, label.value);
    }
  }
}
