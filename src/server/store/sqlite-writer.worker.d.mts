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

export interface WriterReply {
  readonly id: number;
  /** Per group: null when committed, else the error message. */
  readonly errors: readonly (string | null)[];
}

export function commitGroups(db: Database.Database, prepared: Map<string, Database.Statement>, groups: readonly (readonly Stmt[])[]): (string | null)[];
