import { optionGroups } from '../engine/option-schema.js';
import {
  commandFlags,
  defaultText,
  descriptionFor,
  type FlagSpec,
  isRequired,
  placeholderOf,
} from './command-flags.js';
import { type CommandName, schemaCommands } from './command-options.js';

/** A table cell: pipes escaped; outside code, angle brackets too, or `<m>` would read as a tag. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

function proseCell(text: string): string {
  return cell(text).replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/**
 * One text for all the option's commands, or `run, eval: ...; worker: ...` where they differ,
 * the commands that share a text named together.
 */
function perCommand(spec: FlagSpec, text: (command: CommandName) => string): string {
  const byText = new Map<string, CommandName[]>();
  for (const command of spec.commands)
    byText.set(text(command), [...(byText.get(text(command)) ?? []), command]);
  if (byText.size <= 1) return text(spec.commands[0]!);
  return [...byText].map(([shared, commands]) => `${commands.join(', ')}: ${shared}`).join('; ');
}

/**
 * The README's option reference, as Markdown tables written from the option schemas: one table
 * per help group, one row per flag with its default (per command where they differ), the commands
 * that take it and its description, the same text `--help` prints.
 */
export function renderOptionReference(): string {
  const lines: string[] = [];
  for (const [group, heading] of Object.entries(optionGroups)) {
    lines.push('', `**${heading.replace(/:$/, '')}**`, '');
    lines.push('| option | default | commands | description |', '|---|---|---|---|');
    for (const spec of commandFlags().filter((candidate) => candidate.group === group)) {
      const placeholder = placeholderOf(spec);
      const shownDefault = perCommand(spec, (command) =>
        isRequired(spec, command) ? 'required' : (defaultText(spec, command) ?? '-'),
      );
      lines.push(
        `| \`${cell(`${spec.flag}${placeholder === '' ? '' : ` ${placeholder}`}`)}\` | ${proseCell(shownDefault)} | ${schemaCommands.filter((name) => spec.commands.includes(name)).join(', ')} | ${proseCell(perCommand(spec, (command) => descriptionFor(spec, command)))} |`,
      );
    }
  }
  return lines.join('\n').trim();
}
