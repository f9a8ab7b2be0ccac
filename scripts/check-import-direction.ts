// Checks that every import in src/ points down the layers that ARCHITECTURE.md's module table
// declares: `npx tsx scripts/check-import-direction.ts` prints each violation and exits 1 if any.
// The table is read from ARCHITECTURE.md itself, so the document and the rule cannot drift apart.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Each folder of src/ and the folders its files may import from (besides itself). */
export type LayerTable = ReadonlyMap<string, ReadonlySet<string>>;

export interface ImportViolation {
  /** The importing file, relative to the repository root. */
  file: string;
  line: number;
  /** The import specifier as written. */
  specifier: string;
  from: string;
  to: string;
}

/**
 * The module table of ARCHITECTURE.md: rows `| \`folder/\` | job | may import |`, the last cell a
 * comma-separated list of folders (in backticks or not), or `-` for none.
 */
export function readLayerTable(markdown: string): LayerTable {
  const table = new Map<string, Set<string>>();
  for (const line of markdown.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    const folder = /^`([a-z-]+)\/`$/.exec(cells[1] ?? '')?.[1];
    const allowed = cells.at(-2);
    if (folder === undefined || allowed === undefined) continue;
    const names =
      allowed === '-'
        ? []
        : allowed.split(',').map((name) => name.replaceAll('`', '').replace(/\/$/, '').trim());
    table.set(folder, new Set(names.filter((name) => name !== '')));
  }
  return table;
}

const importPattern =
  /(?:^|\s)(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The relative import specifiers of a source text, with their line numbers. */
export function findImports(source: string): { specifier: string; line: number }[] {
  const found: { specifier: string; line: number }[] = [];
  for (const match of source.matchAll(importPattern)) {
    const specifier = match[1] ?? match[2];
    if (specifier === undefined || !specifier.startsWith('.')) continue;
    const line = source.slice(0, match.index + match[0].indexOf(specifier)).split('\n').length;
    found.push({ specifier, line });
  }
  return found;
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) ? [path] : [];
  });
}

/** The folder of src/ that a path lies in; undefined for files directly in src/ (the entry points). */
function folderOf(sourceRoot: string, path: string): string | undefined {
  const parts = relative(sourceRoot, path).split(sep);
  return parts.length > 1 ? parts[0] : undefined;
}

/**
 * Every import of a non-test file under `sourceRoot` that leaves its folder for one its row does
 * not list, and every file in a folder the table does not name. Tests (`*.test.ts`) may import
 * anything: they put layers together to check them. Files directly in src/ are the entry points
 * and may import every folder.
 */
export function findImportViolations(repositoryRoot: string, table: LayerTable): ImportViolation[] {
  const sourceRoot = join(repositoryRoot, 'src');
  const violations: ImportViolation[] = [];
  for (const file of sourceFiles(sourceRoot)) {
    const from = folderOf(sourceRoot, file);
    if (from === undefined) continue;
    const allowed = table.get(from);
    const where = relative(repositoryRoot, file);
    if (allowed === undefined) {
      violations.push({ file: where, line: 1, specifier: '', from, to: '(folder missing from the table)' });
      continue;
    }
    for (const { specifier, line } of findImports(readFileSync(file, 'utf8'))) {
      const target = resolve(dirname(file), specifier);
      const to =
        folderOf(sourceRoot, target) ??
        (relative(sourceRoot, target).startsWith('..') ? '(outside src)' : 'src');
      if (to !== from && !allowed.has(to)) violations.push({ file: where, line, specifier, from, to });
    }
  }
  return violations;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const table = readLayerTable(readFileSync(join(root, 'ARCHITECTURE.md'), 'utf8'));
  const violations = findImportViolations(root, table);
  for (const violation of violations) {
    console.log(
      `${violation.file}:${violation.line}: ${violation.from}/ imports ${violation.to}/ (${violation.specifier})`,
    );
  }
  console.log(`${violations.length} import(s) against the layers of ARCHITECTURE.md`);
  process.exitCode = violations.length === 0 ? 0 : 1;
}
