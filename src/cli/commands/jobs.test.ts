import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../test/harness/run-cli.js';
import { openStore } from '../../store/open-store.js';
import { useTempDir } from '../../test/temp-dir.js';
import { exitCodes } from '../exit-codes.js';

const temp = useTempDir();

describe('jobs on a folder that holds no store', () => {
  // A mistyped --store-dir, or `jobs` run in the wrong folder: the listing said "no batch jobs in
  // this store" over a store it had just created there, hiding the folder the runs used.
  it('says so, lists nothing, and leaves the folder as it was', async () => {
    const nowhere = temp('no-store');
    const table = await runCli(['jobs', '--store-dir', nowhere]);
    expect(table.code).toBe(exitCodes.ok);
    expect(table.stdout).toContain(`no store in ${nowhere}`);
    const json = await runCli(['jobs', '--store-dir', nowhere, '--json']);
    expect(JSON.parse(json.stdout)).toEqual([]);
    const cancel = await runCli(['jobs', 'cancel', 'job-1', '--store-dir', nowhere]);
    expect(cancel.code).toBe(exitCodes.input);
    expect(cancel.stderr).toContain(`no store in ${nowhere}`);
    expect(existsSync(nowhere)).toBe(false);
  });

  it('still reports a store whose database was lost, as opening it does', async () => {
    const directory = temp('lost-store');
    openStore(directory).close();
    for (const suffix of ['', '-wal', '-shm'])
      rmSync(join(directory, `store.sqlite${suffix}`), { force: true });
    const listed = await runCli(['jobs', '--store-dir', directory]);
    expect(listed.code).toBe(exitCodes.storage);
    expect(listed.stderr).toContain('has lost its content');
  });

  it('lists a store without jobs as before', async () => {
    const directory = temp('empty-store');
    openStore(directory).close();
    const table = await runCli(['jobs', '--store-dir', directory]);
    expect(table.code).toBe(exitCodes.ok);
    expect(table.stdout).toBe('no batch jobs in this store\n');
  });
});
