import { escapeHtml } from './escape-html.js';

/** A plain table: a header row and rows of cells, every cell escaped. */
export function htmlTable(head: readonly string[], rows: readonly (string | number)[][]): string {
  const header = `<tr>${head.map((cell) => `<th>${escapeHtml(cell)}</th>`).join('')}</tr>`;
  const body = rows
    .map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(String(cell))}</td>`).join('')}</tr>`)
    .join('');
  return `<table><thead>${header}</thead><tbody>${body}</tbody></table>`;
}

/** Terms and their values, every one escaped. */
export function htmlDefinitionList(rows: readonly [string, string][]): string {
  return `<dl class="summary">${rows.map(([term, value]) => `<dt>${escapeHtml(term)}</dt><dd>${escapeHtml(value)}</dd>`).join('')}</dl>`;
}
