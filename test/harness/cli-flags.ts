export type FlagValue = string | number | boolean | undefined;

/**
 * Command-line words from flags written as data, in their order: `{ task: 'rte', 'batch-size': 16,
 * json: true }` gives `--task rte --batch-size 16 --json`; `false` and `undefined` give nothing.
 */
export function cliFlags(flags: Record<string, FlagValue>): string[] {
  return Object.entries(flags).flatMap(([name, value]) => {
    if (value === undefined || value === false) return [];
    return value === true ? [`--${name}`] : [`--${name}`, String(value)];
  });
}
