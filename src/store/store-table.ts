import type Database from 'better-sqlite3';

/**
 * A part of the store that one class keeps (the run and job journals, the in-flight claims): its
 * database, the clock its rows are stamped with (injected, so that tests can fix it), and writes
 * that must not interleave with another process's.
 */
export abstract class StoreTable {
  readonly #database: Database.Database;
  readonly #now: () => Date;

  constructor(database: Database.Database, now: () => Date = () => new Date()) {
    this.#database = database;
    this.#now = now;
  }

  /**
   * The table's statements, prepared on its database: for a field initializer of the subclass,
   * which runs once this constructor has set the database.
   */
  protected prepareStatements<Statements>(prepare: (database: Database.Database) => Statements): Statements {
    return prepare(this.#database);
  }

  protected now(): Date {
    return this.#now();
  }

  /** Now, as the ISO text the tables hold. */
  protected timestamp(): string {
    return this.#now().toISOString();
  }

  /**
   * Runs `work` as one transaction that takes the write lock before its first read (BEGIN
   * IMMEDIATE): no other process writes between what it reads and what it writes, and after a
   * kill either all of its writes are in the store or none.
   */
  protected writeAtomically<T>(work: () => T): T {
    return this.#database.transaction(work).immediate();
  }
}
