// Writes task.schema.json, the JSON Schema of a task file for editors, from the loader's own
// schema, formatted as biome checks it. A test fails when the file is out of date: run
// `npx tsx scripts/write-task-schema.ts`.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { taskJsonSchema } from '../src/task/task-json-schema.js';

const file = fileURLToPath(new URL('../task.schema.json', import.meta.url));
writeFileSync(file, `${JSON.stringify(taskJsonSchema(), null, 2)}\n`);
execFileSync('npx', ['biome', 'format', '--write', file], { stdio: 'inherit' });
