/** Where the store lives when no directory is named (its own module: option help shows it without SQLite). */
export const defaultStoreDirectory = '.batchprompt';
