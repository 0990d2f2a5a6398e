// Where a job's checkpoints go. The grid (in-memory, tenant-namespaced, see ./grid-checkpoint-store.ts) is the
// normal place; a directory on disk is the fallback when no grid is reachable, and memory serves library use and
// tests. Every store keeps the previous checkpoint until a newer one is committed, and `loadLatest` skips a corrupt
// newest one (checksum) and returns the one before it.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSnapshot, encodeSnapshot, type TrainingSnapshot } from './snapshot.ts';
import { CheckpointCorruptError } from './errors.ts';

export type CheckpointStoreKind = 'grid' | 'disk' | 'memory';

export interface SavedCheckpoint {
  readonly version: number;
  readonly bytes: number;
}

export interface LoadedCheckpoint {
  readonly snapshot: TrainingSnapshot;
  readonly version: number;
  /** Newer versions that were corrupt and skipped, with why. */
  readonly skipped: readonly string[];
}

export interface CheckpointStore {
  readonly kind: CheckpointStoreKind;
  /** Where, for messages (a directory, a grid namespace). */
  readonly location: string;
  /** Commits a snapshot as the newest version; the previous one stays until then (no torn checkpoints). */
  save(snapshot: TrainingSnapshot): Promise<SavedCheckpoint>;
  /** The newest checkpoint that loads and verifies, or undefined when there is none. */
  loadLatest(): Promise<LoadedCheckpoint | undefined>;
}

/** How many committed versions a store keeps: the newest and one to fall back to. */
export const KEEP_VERSIONS = 2;

const FILE_PATTERN = /^ckpt-(\d{9})\.fwck$/;
const fileName = (version: number): string => `ckpt-${String(version).padStart(9, '0')}.fwck`;

/** Checkpoints as files `<dir>/<jobId>/ckpt-NNNNNNNNN.fwck`, written to a temporary name, fsynced, then renamed. */
export class DiskCheckpointStore implements CheckpointStore {
  readonly kind = 'disk' as const;
  readonly location: string;

  constructor(rootDir: string, jobId: string) {
    this.location = join(rootDir, jobId);
  }

  private versions(): number[] {
    let names: string[];
    try {
      names = readdirSync(this.location);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return names.flatMap((n) => {
      const m = FILE_PATTERN.exec(n);
      return m ? [Number(m[1])] : [];
    }).sort((a, b) => a - b);
  }

  async save(snapshot: TrainingSnapshot): Promise<SavedCheckpoint> {
    mkdirSync(this.location, { recursive: true });
    const existing = this.versions();
    const version = (existing.at(-1) ?? 0) + 1;
    const bytes = encodeSnapshot(snapshot);
    const final = join(this.location, fileName(version));
    const tmp = `${final}.tmp-${process.pid}`;
    writeFileSync(tmp, bytes);
    const fd = openSync(tmp, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, final);
    for (const old of existing.slice(0, Math.max(0, existing.length + 1 - KEEP_VERSIONS))) {
      rmSync(join(this.location, fileName(old)), { force: true });
    }
    return { version, bytes: bytes.length };
  }

  async loadLatest(): Promise<LoadedCheckpoint | undefined> {
    const skipped: string[] = [];
    for (const version of this.versions().reverse()) {
      const path = join(this.location, fileName(version));
      try {
        return { snapshot: decodeSnapshot(readFileSync(path), path), version, skipped };
      } catch (err) {
        if (!(err instanceof CheckpointCorruptError)) throw err;
        skipped.push(err.message);
      }
    }
    return undefined;
  }
}

/** Checkpoints kept as encoded bytes in this process (library use, tests); verifies like the others. */
export class MemoryCheckpointStore implements CheckpointStore {
  readonly kind = 'memory' as const;
  readonly location = 'memory';
  private readonly saved: { version: number; bytes: Uint8Array }[] = [];

  async save(snapshot: TrainingSnapshot): Promise<SavedCheckpoint> {
    const bytes = encodeSnapshot(snapshot);
    const version = (this.saved.at(-1)?.version ?? 0) + 1;
    this.saved.push({ version, bytes });
    while (this.saved.length > KEEP_VERSIONS) this.saved.shift();
    return { version, bytes: bytes.length };
  }

  async loadLatest(): Promise<LoadedCheckpoint | undefined> {
    const skipped: string[] = [];
    for (const entry of [...this.saved].reverse()) {
      try {
        return { snapshot: decodeSnapshot(entry.bytes, `memory checkpoint v${entry.version}`), version: entry.version, skipped };
      } catch (err) {
        if (!(err instanceof CheckpointCorruptError)) throw err;
        skipped.push(err.message);
      }
    }
    return undefined;
  }

  /** The stored bytes of each kept version (tests corrupt them to check the fallback). */
  rawVersions(): { version: number; bytes: Uint8Array }[] {
    return this.saved;
  }
}
