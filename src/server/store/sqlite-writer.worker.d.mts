import type Database from 'better-sqlite3';

export interface WriterInit {
  readonly file: string;
  readonly sync: 'full' | 'normal';
  readonly statements: Readonly<Record<string, string>>;
}

export type Stmt = readonly [name: string, args: readonly (string | number | null)[]];

export interface WriterRequest {
  readonly id: number;
  /**
   * One group per caller: committed together, or (when that fails) each group in its own transaction. Flattened by
   * encodeGroups (one flat array clones across threads about twice as fast as nested arrays).
   */
  readonly flat: readonly (string | number | null)[];
}

/** [groups, then per group: statements, then per statement: name, argument count, arguments…] */
export function encodeGroups(groups: readonly (readonly Stmt[])[]): (string | number | null)[];
export function decodeGroups(flat: readonly (string | number | null)[]): Stmt[][];

/** Why a group did not commit: the message and SQLite's (extended) result code, e.g. SQLITE_FULL, when known. */
export interface CommitError {
  readonly message: string;
  readonly code: string | null;
}

export interface WriterReply {
  readonly id: number;
  /** Per group: null when committed, else why not. */
  readonly errors: readonly (CommitError | null)[];
}

export function commitGroups(db: Database.Database, prepared: Map<string, Database.Statement>, groups: readonly (readonly Stmt[])[]): (CommitError | null)[];
