import type Database from 'better-sqlite3';

export interface WriterInit {
  readonly file: string;
  readonly sync: 'full' | 'normal';
  readonly statements: Readonly<Record<string, string>>;
}

export type Stmt = readonly [name: string, args: readonly (string | number | null)[]];

export interface WriterRequest {
  readonly id: number;
  /** One group per caller: committed together, or (when that fails) each group in its own transaction. */
  readonly groups: readonly (readonly Stmt[])[];
}

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
