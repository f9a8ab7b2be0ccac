import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StoreError } from '../spec/errors.js';
import { openStore } from './open-store.js';
import { checkStoreRoom, sqliteWorkingBytes, storeHeadroomBytes } from './store-room.js';

let directory: string;

beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'batchprompt-room-'));
});
afterEach(() => {
  vi.restoreAllMocks();
  fs.rmSync(directory, { recursive: true, force: true });
});

const size = (file: string) => (fs.existsSync(file) ? fs.statSync(file).size : 0);

describe("the room a store's disk needs", () => {
  it("covers what SQLite's log and index really reach before the first checkpoint, and not far more", () => {
    const store = openStore(path.join(directory, 'store'));
    try {
      const reply = { usage: { inputTokens: 100, outputTokens: 20 }, finishReason: 'stop' as const };
      let peak = 0;
      let checkpointed = false;
      // Replies of 1 KB, one commit each as a run stores them, until a checkpoint has folded the
      // log into the database (the database file grows past its first pages) and the log keeps its size.
      for (let index = 0; index < 5000 && !checkpointed; index += 1) {
        store.responses.put(
          `key-${index}`,
          { ...reply, text: `${index} ${'x'.repeat(1000)}` },
          { modelId: 'm' },
        );
        const wal = size(`${store.file}-wal`);
        checkpointed = wal > 0 && wal === peak && size(store.file) > 64 * 1024;
        peak = Math.max(peak, wal);
      }
      expect(checkpointed).toBe(true);
      const measured = peak + size(`${store.file}-shm`);
      const needed = sqliteWorkingBytes(store.database);
      // With SQLite's defaults (1000 pages of 4096 bytes): a 4.1 MB log and a 32 KiB index.
      expect(measured).toBeGreaterThan(4_000_000);
      expect(needed).toBeGreaterThanOrEqual(measured);
      expect(needed).toBeLessThan(measured * 1.05);
    } finally {
      store.close();
    }
  });

  it('refuses a store whose disk has less, naming the folder, what is free and what is needed, before anything is written', () => {
    const storeDirectory = path.join(directory, 'small-disk');
    let free = 1e12;
    vi.spyOn(fs, 'statfsSync').mockImplementation(
      () => ({ bavail: free, bsize: 1, blocks: 1_000_000_000 }) as unknown as fs.StatsFs,
    );
    const probe = openStore(path.join(directory, 'probe'));
    const needed = sqliteWorkingBytes(probe.database) + storeHeadroomBytes;
    probe.close();
    // Exactly what the figures say is needed, less one byte.
    free = needed - 1;
    let refusal: unknown;
    try {
      openStore(storeDirectory).close();
    } catch (error) {
      refusal = error;
    }
    expect(StoreError.isInstance(refusal)).toBe(true);
    const message = (refusal as StoreError).message;
    expect(message).toContain(`the store's folder ${storeDirectory} has ${(free / 1e6).toFixed(1)} MB free`);
    expect(message).toContain(`needs at least ${(needed / 1e6).toFixed(1)} MB there`);
    expect(message).toContain('--store-dir');
    // Nothing but the empty file the check opened: no log, no schema.
    expect(size(path.join(storeDirectory, 'store.sqlite'))).toBe(0);
    expect(fs.existsSync(path.join(storeDirectory, 'store.sqlite-wal'))).toBe(false);

    free = needed;
    const store = openStore(storeDirectory);
    store.close();
  });

  it('counts the log another process keeps open as room already taken, and says nothing where the disk gives no figure', () => {
    const keeper = openStore(path.join(directory, 'shared'));
    try {
      keeper.responses.put(
        'k',
        { text: 'x'.repeat(200_000), usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' },
        { modelId: 'm' },
      );
      const held = size(`${keeper.file}-wal`) + size(`${keeper.file}-shm`);
      expect(held).toBeGreaterThan(200_000);
      const where = { file: keeper.file, directory: keeper.directory };
      const needed = sqliteWorkingBytes(keeper.database) + storeHeadroomBytes;
      expect(() => checkStoreRoom(keeper.database, where, () => needed - held)).not.toThrow();
      expect(() => checkStoreRoom(keeper.database, where, () => needed - held - 1)).toThrow(
        /has \d+\.\d MB free/,
      );
      expect(() => checkStoreRoom(keeper.database, where, () => undefined)).not.toThrow();
    } finally {
      keeper.close();
    }
  });
});
