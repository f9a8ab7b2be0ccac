/** Edits (insert, delete, substitute) that turn `from` into `to`. */
function editDistance(from: string, to: string): number {
  let previous = Array.from({ length: to.length + 1 }, (_, index) => index);
  for (let row = 1; row <= from.length; row += 1) {
    const current = [row];
    for (let column = 1; column <= to.length; column += 1) {
      const substitution = previous[column - 1]! + (from[row - 1] === to[column - 1] ? 0 : 1);
      current.push(Math.min(previous[column]! + 1, current[column - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[to.length]!;
}

/**
 * The candidate a mistyped name most likely meant: the same letters in another case, one that
 * begins with the other, or the nearest within a third of the name's length in edits (`lables`
 * for `labels`), or none.
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const lowered = name.toLowerCase();
  const sameLetters = candidates.find((candidate) => candidate.toLowerCase() === lowered);
  if (sameLetters !== undefined) return sameLetters;
  // A name cut short or run on: `alias` for `aliases`, `examples_` for `examples`.
  const extended = candidates.find((candidate) => {
    const other = candidate.toLowerCase();
    return (
      Math.min(other.length, lowered.length) >= 3 && (other.startsWith(lowered) || lowered.startsWith(other))
    );
  });
  if (extended !== undefined) return extended;
  const limit = Math.max(1, Math.floor(name.length / 3));
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(lowered, candidate.toLowerCase());
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}
