import type { Provider } from './provider.js';
import { providerTable } from './provider-table.js';

/** A table cell: pipes escaped; outside code, angle brackets too, or `<m>` would read as a tag. */
function proseCell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function keyCell(provider: Provider): string {
  const variable = provider.apiKey?.variable;
  if (variable === undefined) return 'none';
  return provider.apiKey?.required === true ? `\`${variable}\`` : `\`${variable}\` if the server needs one`;
}

function endpointCell(provider: Provider): string {
  const { endpoint } = provider;
  if (endpoint === undefined) return 'none (no server)';
  if (endpoint.defaultUrl === undefined) return '`--base-url`, required';
  const override =
    endpoint.variable === undefined ? '`--base-url`' : `\`--base-url\` or \`${endpoint.variable}\``;
  return `\`${endpoint.defaultUrl}\` (${override})`;
}

/**
 * The README's model table, written from the provider table: each provider's URI forms, what
 * answers, where its key and endpoint come from, and its batch API.
 */
export function renderProviderReference(): string {
  const lines = ['| URI | what answers | API key | endpoint | `--batch-api` |', '|---|---|---|---|---|'];
  for (const provider of providerTable) {
    const forms = provider.uriForms.map((form) => `\`${form}\``).join(', ');
    lines.push(
      `| ${forms} | ${proseCell(provider.description)} | ${keyCell(provider)} | ${endpointCell(provider)} | ${proseCell(provider.batch?.name ?? '-')} |`,
    );
  }
  return lines.join('\n');
}
