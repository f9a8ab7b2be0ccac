import {
  type CliOptionSpec,
  type CommandName,
  cliOptionTable,
  defaultText,
  descriptionFor,
  placeholderOf,
  tableCommands,
} from './option-table.js';

/** A table cell: pipes escaped; outside code, angle brackets too, or `<m>` would read as a tag. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

function proseCell(text: string): string {
  return cell(text).replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** One text for all the option's commands, or `run: ...; eval: ...` where they differ. */
function perCommand(spec: CliOptionSpec, text: (command: CommandName) => string): string {
  const texts = new Set(spec.commands.map(text));
  if (texts.size <= 1) return text(spec.commands[0]!);
  return spec.commands.map((command) => `${command}: ${text(command)}`).join('; ');
}

/**
 * The README's option reference, as a Markdown table written from `cliOptionTable`: one row per
 * option with its flag, default (per command where they differ), the commands that take it and
 * its description, the same text `--help` prints.
 */
export function renderOptionReference(): string {
  const lines = ['| option | default | commands | description |', '|---|---|---|---|'];
  for (const spec of cliOptionTable) {
    const placeholder = placeholderOf(spec.kind);
    const shownDefault =
      spec.required === true ? 'required' : perCommand(spec, (command) => defaultText(spec, command) ?? '-');
    lines.push(
      `| \`${cell(`${spec.flag}${placeholder === '' ? '' : ` ${placeholder}`}`)}\` | ${proseCell(shownDefault)} | ${tableCommands.filter((name) => spec.commands.includes(name)).join(', ')} | ${proseCell(perCommand(spec, (command) => descriptionFor(spec, command)))} |`,
    );
  }
  return lines.join('\n');
}
