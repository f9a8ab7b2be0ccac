import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findImports, findImportViolations, readLayerTable } from '../scripts/check-import-direction.js';

const repoRoot = resolve(import.meta.dirname, '..');
const table = readLayerTable(readFileSync(join(repoRoot, 'ARCHITECTURE.md'), 'utf8'));

describe('import direction', () => {
  it("names every folder of src/ in ARCHITECTURE.md's module table", () => {
    const folders = readdirSync(join(repoRoot, 'src'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    expect(folders.filter((folder) => !table.has(folder))).toEqual([]);
    expect(table.get('spec')?.size).toBe(0);
  });

  it('finds no import that points up the layers', () => {
    expect(findImportViolations(repoRoot, table)).toEqual([]);
  });

  describe('on a planted tree', () => {
    const root = mkdtempSync(join(tmpdir(), 'batchprompt-layers-'));
    afterAll(() => rmSync(root, { recursive: true, force: true }));
    const write = (path: string, text: string) => {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), text);
    };
    write('src/spec/chat-model.ts', "import { x } from '../engine/run.js';\n");
    write(
      'src/engine/run.ts',
      "import type { ChatModel } from '../spec/chat-model.js';\nexport const x = 1;\n",
    );
    write('src/engine/run.test.ts', "import { y } from '../cli/main.js';\n");
    write(
      'src/cli/main.ts',
      "export { x } from '../engine/run.js';\nconst late = await import('../spec/chat-model.js');\n",
    );
    write('src/extra/thing.ts', 'export const thing = 1;\n');
    const planted = readLayerTable(
      [
        '| `spec/` | contract | - |',
        '| `engine/` | loop | spec |',
        '| `cli/` | commands | spec, engine |',
      ].join('\n'),
    );

    it('reports an upward import with its file and line, a folder missing from the table, and nothing else', () => {
      expect(findImportViolations(root, planted)).toEqual(
        expect.arrayContaining([
          {
            file: join('src', 'spec', 'chat-model.ts'),
            line: 1,
            specifier: '../engine/run.js',
            from: 'spec',
            to: 'engine',
          },
          {
            file: join('src', 'extra', 'thing.ts'),
            line: 1,
            specifier: '',
            from: 'extra',
            to: '(folder missing from the table)',
          },
        ]),
      );
      expect(findImportViolations(root, planted)).toHaveLength(2);
    });
  });

  it('reads static, re-export, multi-line and dynamic imports, and skips packages', () => {
    const source = [
      "import { a } from './a.js';",
      'import {',
      '  b,',
      "} from '../b/b.js';",
      "export * from '../c/c.js';",
      "const d = await import('../d/d.js');",
      "import { z } from 'zod';",
    ].join('\n');
    expect(findImports(source)).toEqual([
      { specifier: './a.js', line: 1 },
      { specifier: '../b/b.js', line: 4 },
      { specifier: '../c/c.js', line: 5 },
      { specifier: '../d/d.js', line: 6 },
    ]);
  });
});
