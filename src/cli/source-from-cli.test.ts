import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/harness/run-cli.js';
import { useTempDir } from '../test/temp-dir.js';
import { exitCodes } from './exit-codes.js';

const demoFile = fileURLToPath(new URL('../../examples/demo/yes-no.jsonl', import.meta.url));
const temp = useTempDir();

function run(trial: string[], name: string) {
  return runCli([
    'run',
    ...['--task', 'boolq', '--data', demoFile, '--model', 'sim', '--quiet'],
    ...['--store-dir', temp('store'), '--out', temp(`${name}.jsonl`), ...trial],
  ]);
}

describe('a trial larger than the data file', () => {
  // --sample 500 on a file of 64 rows is no trial: every row is answered (and, with a paid model,
  // paid for). The run goes on, and says so before the first call.
  it('says the whole file is answered, for --sample and --limit alike', async () => {
    const sampled = await run(['--sample', '500'], 'sampled');
    expect(sampled.code).toBe(exitCodes.ok);
    expect(sampled.stderr).toContain(
      'note: --sample 500 asks for more rows than the data file has (64): every row is answered',
    );
    const limited = await run(['--limit', '100'], 'limited');
    expect(limited.stderr).toContain(
      'note: --limit 100 asks for more rows than the data file has (64): every row is answered',
    );
    const trial = await run(['--sample', '20'], 'trial');
    expect(trial.stderr).not.toContain('note:');
  });
});
