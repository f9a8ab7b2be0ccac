import { execFileSync } from 'node:child_process';
import fs, { mkdtempSync, readFileSync, rmdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { exitCodes } from '../src/cli/exit-codes.js';
import { type SimServer, startSimServer } from '../src/sim/serve.js';
import type { Store } from '../src/store/open-store.js';
import { boolqTask } from '../src/task/builtin-tasks.js';
import { useTempDir } from '../src/test/temp-dir.js';
import { cliFlags } from './harness/cli-flags.js';
import { itemRows, parityItems, writeJsonl } from './harness/data-files.js';
import { runCli } from './harness/run-cli.js';

/*
 * The store under pressure, through the command line against the simulator's HTTP server: a
 * write that fails mid-run (the driver's own SQLITE_FULL error, injected on the cache's writes),
 * a disk without room for SQLite to work (refused before any call), a cached reply damaged on
 * disk, and a store file emptied or cut short.
 */

/** Called with every store the command opens, to inject failures into it. */
let onStoreOpened: ((store: Store) => void) | undefined;

vi.mock('../src/store/open-store.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../src/store/open-store.js')>();
  return {
    ...original,
    openStore: (...args: Parameters<typeof original.openStore>) => {
      const store = original.openStore(...args);
      onStoreOpened?.(store);
      return store;
    },
  };
});

const temp = useTempDir();
const items = parityItems(64);
let server: SimServer;
let dataFile: string;
let counter = 0;

beforeAll(async () => {
  server = await startSimServer({ task: boolqTask, items, quiet: true });
  dataFile = writeJsonl(temp('data.jsonl'), itemRows(items));
});
afterAll(async () => {
  await server?.close();
});
afterEach(() => {
  onStoreOpened = undefined;
});

function runArgs(storeDir: string, extra: string[] = []): string[] {
  counter += 1;
  return [
    'run',
    ...cliFlags({
      task: 'boolq',
      data: dataFile,
      model: 'openai-compatible:sim-gpt-4',
      'base-url': server.url,
      'label-field': 'label',
      format: 'lines',
      'batch-size': 8,
      rounds: 2,
      'no-seas': true,
      concurrency: 2,
      'store-dir': storeDir,
      out: temp(`out-${counter}.jsonl`),
      json: true,
      quiet: true,
    }),
    ...extra,
  ];
}

async function requestsOf(run: () => Promise<unknown>): Promise<number> {
  const before = server.stats().requests;
  await run();
  return server.stats().requests - before;
}

function inspect<T>(storeDir: string, read: (database: Database.Database) => T): T {
  const database = new Database(`${storeDir}/store.sqlite`, { readonly: true });
  try {
    return read(database);
  } finally {
    database.close();
  }
}

let singleRunRequests: number;

describe('a store write that fails mid-run (disk full)', () => {
  beforeAll(async () => {
    singleRunRequests = await requestsOf(async () => {
      const result = await runCli(runArgs(temp('reference-store')));
      expect(result.code).toBe(exitCodes.ok);
    });
    expect(singleRunRequests).toBeGreaterThan(8);
  });

  it('stops the run with exit 5 naming the store, marks nothing completed, and stores every paid reply once space returns', async () => {
    const storeDir = temp('full-store');
    let diskFull = false;
    let failedWrites = 0;
    onStoreOpened = (store) => {
      const put = store.responses.put.bind(store.responses);
      let puts = 0;
      store.responses.put = (...args) => {
        puts += 1;
        if (puts === 4) {
          diskFull = true;
          // Space comes back a little later, while the run holds the replies it could not write.
          setTimeout(() => {
            diskFull = false;
          }, 300);
        }
        if (diskFull) {
          failedWrites += 1;
          throw new Database.SqliteError('database or disk is full', 'SQLITE_FULL');
        }
        return put(...args);
      };
    };
    let result: Awaited<ReturnType<typeof runCli>> | undefined;
    const paid = await requestsOf(async () => {
      result = await runCli(runArgs(storeDir));
    });
    expect(failedWrites).toBeGreaterThan(0);
    expect(result!.code).toBe(exitCodes.storage);
    expect(result!.stderr).toContain(`${storeDir}/store.sqlite`);
    expect(result!.stderr).toMatch(/SQLITE_FULL/);
    expect(result!.stderr).not.toMatch(/item failed|call failed/);
    // The requests sent are counted, never "0", and equal what the server saw.
    expect(result!.stderr).toContain(
      `${paid} request(s) reached the server (${paid} answered), every reply paid for is in the store`,
    );
    // It stopped paying: fewer calls than a whole run.
    expect(paid).toBeLessThan(singleRunRequests);
    const { statuses, replies } = inspect(storeDir, (database) => ({
      statuses: (database.prepare('SELECT status FROM runs').all() as { status: string }[]).map(
        (row) => row.status,
      ),
      replies: (database.prepare('SELECT count(*) AS count FROM responses').get() as { count: number }).count,
    }));
    expect(statuses).not.toContain('completed');
    expect(replies).toBe(paid);

    // The same command again finishes the job, paying only for what was never asked.
    onStoreOpened = undefined;
    const resumedPaid = await requestsOf(async () => {
      const resumed = await runCli(runArgs(storeDir));
      expect(resumed.code).toBe(exitCodes.ok);
    });
    expect(paid + resumedPaid).toBe(singleRunRequests);
  });

  it('says that no request reached the server when the store failed before the first was sent', async () => {
    const storeDir = temp('full-before-sending');
    let failedWrites = 0;
    onStoreOpened = (store) => {
      // The journal's note that a call starts is the first write of every call, before it is sent.
      store.journal.recordCallStarted = () => {
        failedWrites += 1;
        throw new Database.SqliteError('database or disk is full', 'SQLITE_FULL');
      };
    };
    let result: Awaited<ReturnType<typeof runCli>> | undefined;
    const paid = await requestsOf(async () => {
      result = await runCli(runArgs(storeDir));
    });
    expect(failedWrites).toBeGreaterThan(0);
    expect(paid).toBe(0);
    expect(result!.code).toBe(exitCodes.storage);
    expect(result!.stderr).toMatch(/SQLITE_FULL/);
    expect(result!.stderr).toContain('no request had reached the server, nothing was paid for');
    expect(result!.stderr).not.toMatch(/\d+ request\(s\) reached the server|model call\(s\) were made/);
    // The calls that never went out gave their claims back: none is left for another process to wait on.
    expect(
      inspect(storeDir, (database) => database.prepare('SELECT count(*) AS count FROM claims').get()),
    ).toEqual({ count: 0 });
  });
});

describe('a store on a disk without room for SQLite to work', () => {
  it('stops the run before any call, naming the folder and the free space (disk figures faked)', async () => {
    const storeDir = temp('faked-small-disk');
    // 3 MB free: the write-ahead log alone would fill it after a few hundred replies.
    const statfs = vi.spyOn(fs, 'statfsSync').mockReturnValue({
      bavail: 3_000_000 / 4096,
      bsize: 4096,
      blocks: 1_000_000,
    } as unknown as fs.StatsFs);
    let result: Awaited<ReturnType<typeof runCli>> | undefined;
    try {
      const paid = await requestsOf(async () => {
        result = await runCli(runArgs(storeDir));
      });
      expect(paid).toBe(0);
    } finally {
      statfs.mockRestore();
    }
    expect(result!.code).toBe(exitCodes.storage);
    expect(result!.stderr).toContain(
      `the store's folder ${storeDir} has 3.0 MB free; the store needs at least 5.3 MB there`,
    );
    expect(result!.stderr).toContain('Nothing was sent');
    // With room, the same command runs.
    const ok = await runCli(runArgs(storeDir));
    expect(ok.code, ok.stderr).toBe(exitCodes.ok);
  });

  // A real small file system where this machine lets us mount one (Linux, as root).
  const mountPoint = mkdtempSync(join(tmpdir(), 'batchprompt-tmpfs-'));
  const mounted = (() => {
    if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mountPoint], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  afterAll(() => {
    if (mounted) execFileSync('umount', [mountPoint]);
    rmdirSync(mountPoint);
  });

  it.skipIf(!mounted)('stops the run before any call on a real 3 MB file system', async () => {
    let result: Awaited<ReturnType<typeof runCli>> | undefined;
    const paid = await requestsOf(async () => {
      result = await runCli(runArgs(join(mountPoint, 'store')));
    });
    expect(paid).toBe(0);
    expect(result!.code).toBe(exitCodes.storage);
    expect(result!.stderr).toMatch(
      new RegExp(
        `the store's folder ${mountPoint}/store has [23]\\.\\d MB free; the store needs at least 5\\.3 MB`,
      ),
    );
  });
});

describe('a damaged store', () => {
  it('re-asks a cached reply whose bytes were changed on disk, and says so', async () => {
    const storeDir = temp('damaged-reply-store');
    expect((await runCli(runArgs(storeDir))).code).toBe(exitCodes.ok);
    // Checkpointed into store.sqlite on close; overwrite bytes inside one stored reply's text.
    const file = `${storeDir}/store.sqlite`;
    const bytes = readFileSync(file);
    const text = inspect(
      storeDir,
      (database) => (database.prepare('SELECT text FROM responses LIMIT 1').get() as { text: string }).text,
    );
    // Every copy: b-tree page splits leave stale copies of a row in freed pages.
    const needle = Buffer.from(text.slice(0, 40));
    let copies = 0;
    for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + 1)) {
      bytes.write('X'.repeat(40), at);
      copies += 1;
    }
    expect(copies).toBeGreaterThan(0);
    writeFileSync(file, bytes);
    expect(inspect(storeDir, (database) => database.pragma('quick_check', { simple: true }))).toBe('ok');

    let result: Awaited<ReturnType<typeof runCli>> | undefined;
    const paid = await requestsOf(async () => {
      result = await runCli(runArgs(storeDir));
    });
    expect(result!.code).toBe(exitCodes.ok);
    expect(paid).toBe(1);
    expect(result!.stderr).toMatch(/fails its checksum/);
    expect(result!.stderr).toMatch(/1 cached reply .* failed their checksum and were asked again/);
    expect(JSON.parse(result!.stdout)).toMatchObject({ calls: 1 });
  });

  it('refuses an emptied store instead of rebuilding it, saying what to do', async () => {
    const storeDir = temp('emptied-store');
    expect((await runCli(runArgs(storeDir))).code).toBe(exitCodes.ok);
    truncateSync(`${storeDir}/store.sqlite`, 0);
    rmSync(`${storeDir}/store.sqlite-wal`, { force: true });
    const paid = await requestsOf(async () => {
      const result = await runCli(runArgs(storeDir));
      expect(result.code).toBe(exitCodes.storage);
      expect(result.stderr).toContain(`the store ${storeDir}/store.sqlite has lost its content`);
      expect(result.stderr).toContain('--store-dir');
    });
    expect(paid).toBe(0);
  });

  it('refuses a store cut short, naming it and what to do', async () => {
    const storeDir = temp('cut-store');
    expect((await runCli(runArgs(storeDir))).code).toBe(exitCodes.ok);
    truncateSync(`${storeDir}/store.sqlite`, 6000);
    const result = await runCli(runArgs(storeDir));
    expect(result.code).toBe(exitCodes.storage);
    expect(result.stderr).toContain(`${storeDir}/store.sqlite`);
    expect(result.stderr).toMatch(/damaged; move it aside .*--store-dir/);
  });

  it('names the store when it is read-only', async () => {
    const storeDir = temp('read-only-store');
    expect((await runCli(runArgs(storeDir))).code).toBe(exitCodes.ok);
    // Root ignores file modes, so the read-only state is SQLite's own: every write is refused.
    onStoreOpened = (store) => store.database.pragma('query_only = ON');
    const result = await runCli(runArgs(storeDir, ['--no-cache']));
    expect(result.code).toBe(exitCodes.storage);
    expect(result.stderr).toContain(`${storeDir}/store.sqlite`);
    expect(result.stderr).toMatch(/readonly|read-only/);
  });
});
