/**
 * How much disk a store needs before it can keep replies: writes 1 KB replies into a fresh store,
 * one commit each as a run does, until `count` are stored or the disk is full, and prints how many
 * went in, the largest the write-ahead log grew, the most the store's files took together, and the
 * room `openStore` asks for. Run it on a small file system to see where a store fails:
 *
 *   mount -t tmpfs -o size=3m tmpfs /mnt/small     # as root, on Linux
 *   npx tsx bench/store-room.ts /mnt/small/store 800
 *
 * The room check itself is switched off here (the disk's figures are hidden from it): this
 * measures what happens without it, which is what the check's figure is taken from.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../src/store/open-store.js';
import { sqliteWorkingBytes, storeHeadroomBytes } from '../src/store/store-room.js';

const directory =
  process.argv[2] ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'store-room-')), 'store');
const count = Number(process.argv[3] ?? 3000);

fs.statfsSync = (() => {
  throw new Error('hidden from the room check by bench/store-room.ts');
}) as typeof fs.statfsSync;

const store = openStore(directory);
const size = (file: string) => (fs.existsSync(file) ? fs.statSync(file).size : 0);
let stored = 0;
let peakLog = 0;
let peakFiles = 0;
let failure: string | undefined;
try {
  for (let index = 0; index < count; index += 1) {
    store.responses.put(
      `key-${index}`,
      {
        text: `${index} ${'x'.repeat(1000)}`,
        usage: { inputTokens: 100, outputTokens: 20 },
        finishReason: 'stop',
      },
      { modelId: 'measure' },
    );
    stored += 1;
    const log = size(`${store.file}-wal`);
    peakLog = Math.max(peakLog, log);
    peakFiles = Math.max(peakFiles, log + size(`${store.file}-shm`) + size(store.file));
  }
} catch (error) {
  failure = (error as Error).message;
}
const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;
console.log(`store: ${directory}`);
console.log(
  `replies of 1 KB stored: ${stored} of ${count}${failure === undefined ? '' : ` (then: ${failure})`}`,
);
console.log(
  `largest write-ahead log: ${megabytes(peakLog)}; most the store's files took: ${megabytes(peakFiles)}`,
);
console.log(
  `openStore asks for: ${megabytes(sqliteWorkingBytes(store.database))} for SQLite + ${megabytes(storeHeadroomBytes)} for replies`,
);
store.close();
