import fs from 'node:fs';
import type Database from 'better-sqlite3';
import { StoreError } from '../spec/errors.js';

/**
 * What SQLite needs on the store's disk besides the data it stores: the write-ahead log grows to
 * `wal_autocheckpoint` pages (1000 by default) of `page_size` bytes plus a 24-byte header each
 * before its first checkpoint folds it into the database, and keeps that size while the store is
 * open; the shared-memory index is 32 KiB. With the defaults that is 4.1 MB, whatever the run's size.
 */
export function sqliteWorkingBytes(database: Database.Database): number {
  const pageSize = Number(database.pragma('page_size', { simple: true }));
  const autocheckpoint = Number(database.pragma('wal_autocheckpoint', { simple: true }));
  const walHeader = 32;
  const frameHeader = 24;
  // The checkpoint runs after the commit that crosses the limit, so the log overshoots it by that
  // commit's pages: 2 for a stored reply, measured (1002 frames for a limit of 1000), more when a
  // page splits; 32 covers a commit of a whole round's journal rows.
  const overshoot = 32;
  const sharedMemory = 32 * 1024;
  return walHeader + (Math.max(autocheckpoint, 1) + overshoot) * (pageSize + frameHeader) + sharedMemory;
}

/**
 * Room asked for the replies themselves on top of SQLite's working space: the database grows by
 * what the first checkpoint folds into it while the log keeps its size. Measured with
 * `bench/store-room.ts` on tmpfs: 800 replies of 1 KB fit in 5.25 MB, 736 in 5 MB, 276 in 3 MB.
 */
export const storeHeadroomBytes = 1024 * 1024;

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** Bytes free to this process in the file system of `directory`, or undefined where it cannot say. */
export function freeBytesOf(directory: string): number | undefined {
  try {
    const stats = fs.statfsSync(directory);
    const free = Number(stats.bavail) * Number(stats.bsize);
    // Some file systems (network, FUSE) report no blocks at all: no figure rather than a wrong 0.
    return Number(stats.blocks) > 0 && Number.isFinite(free) ? free : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Refuses a store whose disk lacks the room SQLite needs to work, before any call is made: else a
 * run pays for replies, fills the disk with the write-ahead log and stops with them unstored. What
 * the store's own files already hold (a -wal file another process keeps) counts as room.
 */
export function checkStoreRoom(
  database: Database.Database,
  where: { file: string; directory: string },
  freeBytes: (directory: string) => number | undefined = freeBytesOf,
): void {
  const free = freeBytes(where.directory);
  if (free === undefined) return;
  const walBytes = sizeOf(`${where.file}-wal`) + sizeOf(`${where.file}-shm`);
  const needed = sqliteWorkingBytes(database) + storeHeadroomBytes - walBytes;
  if (free >= needed) return;
  throw new StoreError(
    `the store's folder ${where.directory} has ${megabytes(free)} free; the store needs at least ${megabytes(needed)} there (SQLite's write-ahead log and its index take up to ${megabytes(sqliteWorkingBytes(database))} before the log is folded into the database, and the replies need room of their own): free some space or use --store-dir with a folder on another disk. Nothing was sent`,
    { path: where.file },
  );
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
