import { InvalidArgumentError } from 'commander';

/** A commander parser for an integer option, with a message naming what would be valid. */
export function integerAtLeast(minimum: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed) || parsed < minimum) {
      throw new InvalidArgumentError(`expected an integer >= ${minimum}, got \`${value}\``);
    }
    return parsed;
  };
}

/** A commander parser for a number option in a closed range. */
export function numberBetween(minimum: number, maximum: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isFinite(parsed) || parsed < minimum || parsed > maximum) {
      throw new InvalidArgumentError(`expected a number from ${minimum} to ${maximum}, got \`${value}\``);
    }
    return parsed;
  };
}

export function oneOf<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    if (!choices.includes(value as T)) {
      throw new InvalidArgumentError(`expected one of ${choices.join(', ')}, got \`${value}\``);
    }
    return value as T;
  };
}

/** `--map task_field=column`, repeatable. */
export function collectMapping(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const match = /^([^=]+)=(.+)$/.exec(value);
  if (!match) throw new InvalidArgumentError(`expected task_field=column, got \`${value}\``);
  return { ...previous, [match[1]!.trim()]: match[2]!.trim() };
}
