// SQLite adapter of the StateStore port (better-sqlite3, WAL, versioned migrations).
//
// Durability: `synchronous=FULL` by default, so a commit is fsynced before `write` resolves and an acknowledged
// submission survives even a power loss, not only a `kill -9` (NORMAL in WAL mode survives a process crash but may
// lose the last commits on power loss). The fsync cost is paid once per *batch*: every `write` call made while the
// event loop is busy joins the same transaction (group commit), flushed on the next turn of the loop, so throughput
// grows with load instead of being bounded by one fsync per request. `sync: 'normal'` is available for tests.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import { FairwayError } from '../../core/util/errors.ts';
import type { JobState } from '../../core/domain/job.ts';
import { commitGroups, encodeGroups, type CommitError, type Stmt, type WriterInit, type WriterReply, type WriterRequest } from './sqlite-writer.worker.mjs';
import type {
  FairnessPoint, IdempotencyRecord, JobQuery, StateStore, StoredJob, StoredJobEvent, StoredLogLine, StoredNode, StoredTenant, WriteOp,
} from './state-store.ts';

export class StoreError extends FairwayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('store_failed', message, {}, options);
  }
}

/**
 * The state store cannot persist anything right now: the disk is full, a file grew past its size limit, the data
 * directory is not writable, or the disk reports I/O errors (code `store_unavailable`, HTTP 503). The write did not
 * take effect; nothing was acknowledged. It clears by itself once space returns: the next commit is tried afresh.
 */
export class StoreUnavailableError extends FairwayError {
  constructor(message: string, readonly sqliteCode: string | null) {
    super('store_unavailable', message, { ...(sqliteCode ? { sqliteCode } : {}) });
  }
}

/** SQLite result codes that say "the storage is not usable now" rather than "this write is wrong". */
const UNAVAILABLE_CODES = /^SQLITE_(FULL|IOERR|CANTOPEN|READONLY|NOMEM|BUSY|LOCKED)/;

function commitFailure(e: CommitError): FairwayError {
  if (e.code && UNAVAILABLE_CODES.test(e.code)) {
    return new StoreUnavailableError(`the state store cannot persist writes now (${e.code}: ${e.message}); nothing was saved`, e.code);
  }
  return new StoreError(`commit failed: ${e.message}`);
}

const MIGRATIONS: readonly string[] = [
  // 1: initial schema
  `CREATE TABLE tenants (id TEXT PRIMARY KEY, data TEXT NOT NULL, token_hash TEXT NOT NULL, created_ms INTEGER NOT NULL);
   CREATE TABLE nodes (id TEXT PRIMARY KEY, data TEXT NOT NULL, last_heartbeat_ms INTEGER);
   CREATE TABLE jobs (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, tenant_id TEXT NOT NULL, state TEXT NOT NULL,
     spec TEXT NOT NULL, command TEXT NOT NULL, env TEXT, node_ids TEXT NOT NULL, exit_code INTEGER, updated_ms INTEGER NOT NULL);
   CREATE INDEX jobs_tenant ON jobs (tenant_id, seq);
   CREATE INDEX jobs_state ON jobs (state, seq);
   CREATE TABLE job_events (seq INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT NOT NULL, at_ms INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL);
   CREATE INDEX job_events_job ON job_events (job_id, seq);
   CREATE TABLE idempotency (tenant_id TEXT NOT NULL, key TEXT NOT NULL, job_id TEXT NOT NULL, body_hash TEXT NOT NULL, PRIMARY KEY (tenant_id, key)) WITHOUT ROWID;
   CREATE TABLE logs (seq INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT NOT NULL, at_ms INTEGER NOT NULL, stream TEXT NOT NULL, line TEXT NOT NULL);
   CREATE INDEX logs_job ON logs (job_id, seq);
   CREATE TABLE fairness (at_ms INTEGER PRIMARY KEY, data TEXT NOT NULL);`,
];

interface JobRow { seq: number; id: string; tenant_id: string; state: string; spec: string; command: string; env: string | null; node_ids: string; exit_code: number | null; updated_ms: number }

function rowToJob(r: JobRow): StoredJob {
  return {
    seq: r.seq,
    spec: JSON.parse(r.spec) as StoredJob['spec'],
    command: JSON.parse(r.command) as string[],
    ...(r.env ? { env: JSON.parse(r.env) as Record<string, string> } : {}),
    state: r.state as JobState,
    nodeIds: JSON.parse(r.node_ids) as string[],
    exitCode: r.exit_code,
    updatedAtMs: r.updated_ms,
  };
}

export interface SqliteStoreOptions {
  readonly sync?: 'full' | 'normal';
  /** `worker` commits on a worker thread (the fsync leaves the event loop free); `inline` commits on this thread. */
  readonly writer?: 'worker' | 'inline';
}

/** Every write the store makes, by name: the worker prepares the same SQL on its own connection. */
const WRITE_SQL: Readonly<Record<string, string>> = {
  putTenant: 'INSERT INTO tenants (id, data, token_hash, created_ms) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data, token_hash = excluded.token_hash',
  insertJob: 'INSERT INTO jobs (seq, id, tenant_id, state, spec, command, env, node_ids, exit_code, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  insertIdem: 'INSERT INTO idempotency (tenant_id, key, job_id, body_hash) VALUES (?, ?, ?, ?)',
  updateJob: 'UPDATE jobs SET state = ?, node_ids = ?, exit_code = ?, updated_ms = ? WHERE id = ?',
  jobEvent: 'INSERT INTO job_events (job_id, at_ms, type, data) VALUES (?, ?, ?, ?)',
  putNode: 'INSERT INTO nodes (id, data, last_heartbeat_ms) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data, last_heartbeat_ms = excluded.last_heartbeat_ms',
  log: 'INSERT INTO logs (job_id, at_ms, stream, line) VALUES (?, ?, ?, ?)',
  fairness: 'INSERT OR REPLACE INTO fairness (at_ms, data) VALUES (?, ?)',
};

/** The statements one op turns into (pure, so the same list runs inline or on the worker). */
export function toStmts(op: WriteOp): Stmt[] {
  switch (op.type) {
    case 'putTenant':
      return [['putTenant', [op.tenant.tenant.id, JSON.stringify(op.tenant.tenant), op.tenant.tokenHash, op.tenant.createdAtMs]]];
    case 'insertJob': {
      const j = op.job;
      const out: Stmt[] = [['insertJob', [j.seq, j.spec.id, j.spec.tenantId, j.state, JSON.stringify(j.spec), JSON.stringify(j.command),
        j.env ? JSON.stringify(j.env) : null, JSON.stringify(j.nodeIds), j.exitCode, j.updatedAtMs]]];
      if (op.idempotency) out.push(['insertIdem', [j.spec.tenantId, op.idempotency.key, j.spec.id, op.idempotency.bodyHash]]);
      return out;
    }
    case 'updateJob':
      return [['updateJob', [op.state, JSON.stringify(op.nodeIds), op.exitCode, op.atMs, op.jobId]]];
    case 'jobEvent':
      return [['jobEvent', [op.jobId, op.atMs, op.event, JSON.stringify(op.data)]]];
    case 'putNode':
      return [['putNode', [op.node.node.id, JSON.stringify(op.node.node), op.node.lastHeartbeatMs]]];
    case 'logs':
      return op.lines.map((l): Stmt => ['log', [l.jobId, l.atMs, l.stream, l.line]]);
    case 'fairness':
      return [['fairness', [op.point.atMs, JSON.stringify(op.point.data)]]];
  }
}

interface Waiter { readonly stmts: Stmt[]; readonly resolve: () => void; readonly reject: (e: unknown) => void }

export class SqliteStore implements StateStore {
  private readonly db: Database.Database;
  private pending: Waiter[] = [];
  private flushScheduled = false;
  private inflight: Promise<void> | undefined;
  private closed = false;
  private readonly worker: Worker | undefined;
  private readonly prepared: Map<string, Database.Statement>;
  private readonly replies = new Map<number, (r: WriterReply) => void>();
  private nextId = 1;
  private writerFailure: string | undefined;
  private readonly st;
  /** Number of transactions and ops committed (for metrics and the benchmark). */
  readonly stats = { commits: 0, ops: 0, writes: 0, commitMsTotal: 0, failedWrites: 0 };

  constructor(readonly file: string, opts: SqliteStoreOptions = {}) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    if (opts.writer === 'worker' && file === ':memory:') throw new StoreError('a worker writer needs a database file');
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${opts.sync === 'normal' ? 'NORMAL' : 'FULL'}`);
    this.db.pragma('foreign_keys = ON');
    this.migrate();
    const db = this.db;
    this.prepared = new Map(Object.entries(WRITE_SQL).map(([k, sql]) => [k, db.prepare(sql)]));
    if (opts.writer === 'worker') {
      const init: WriterInit = { file, sync: opts.sync ?? 'full', statements: WRITE_SQL };
      this.worker = new Worker(new URL('./sqlite-writer.worker.mjs', import.meta.url), { workerData: init });
      this.worker.on('message', (r: WriterReply) => {
        const cb = this.replies.get(r.id);
        this.replies.delete(r.id);
        cb?.(r);
      });
      const fail = (why: string): void => {
        // A dead writer would leave every caller hanging: fail them all, and every later write, loudly instead.
        this.writerFailure = why;
        for (const cb of this.replies.values()) cb({ id: 0, errors: [{ message: why, code: null }] });
        this.replies.clear();
      };
      this.worker.on('error', (err) => fail(`writer thread failed: ${err.message}`));
      this.worker.on('exit', (code) => { if (!this.closed) fail(`writer thread exited (${code})`); });
    }
    this.st = {
      getJob: db.prepare('SELECT * FROM jobs WHERE id = ?'),
      idem: db.prepare('SELECT job_id, body_hash FROM idempotency WHERE tenant_id = ? AND key = ?'),
      events: db.prepare('SELECT * FROM job_events WHERE job_id = ? ORDER BY seq'),
      logs: db.prepare('SELECT * FROM logs WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?'),
      fairHist: db.prepare('SELECT * FROM fairness WHERE at_ms >= ? ORDER BY at_ms DESC LIMIT ?'),
      maxSeq: db.prepare('SELECT COALESCE(MAX(seq), 0) AS m FROM jobs'),
      counts: db.prepare('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state'),
    };
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY, applied_ms INTEGER NOT NULL)');
    const row = this.db.prepare('SELECT COALESCE(MAX(version), 0) AS v FROM migrations').get() as { v: number };
    for (let v = row.v + 1; v <= MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v - 1]!);
        this.db.prepare('INSERT INTO migrations (version, applied_ms) VALUES (?, ?)').run(v, Date.now());
      })();
    }
  }

  write(ops: readonly WriteOp[]): Promise<void> {
    if (this.closed) return Promise.reject(new StoreError('the state store is closed'));
    if (this.writerFailure) return Promise.reject(new StoreError(this.writerFailure));
    let stmts: Stmt[];
    try {
      stmts = ops.flatMap(toStmts);
    } catch (err) {
      return Promise.reject(new StoreError(`cannot encode write: ${(err as Error).message}`, { cause: err }));
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ stmts, resolve, reject });
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.inflight) return;
    this.flushScheduled = true;
    // setImmediate runs after this loop turn's I/O callbacks, so requests that arrived together share a commit.
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flush();
    });
  }

  /** Commits everything queued as one batch (group commit); one batch is in flight at a time, to keep order. */
  private flush(): Promise<void> {
    if (this.inflight || this.pending.length === 0) return this.inflight ?? Promise.resolve();
    const batch = this.pending;
    this.pending = [];
    const groups = batch.map((b) => b.stmts);
    const t0 = performance.now();
    const settle = (errors: readonly (CommitError | null)[]): void => {
      this.stats.commits++;
      this.stats.writes += batch.length;
      this.stats.commitMsTotal += performance.now() - t0;
      batch.forEach((b, i) => {
        const e = errors[i] ?? (errors.length < batch.length ? errors[0] ?? null : null);
        if (e) {
          this.stats.failedWrites++;
          b.reject(commitFailure(e));
        }
        else {
          this.stats.ops += b.stmts.length;
          b.resolve();
        }
      });
    };
    if (!this.worker) {
      let errors: (CommitError | null)[];
      try {
        errors = commitGroups(this.db, this.prepared, groups);
      } catch (e) {
        // Never leave callers hanging (e.g. a rollback that itself failed on a full disk): each gets the error.
        const err = e as Error & { code?: unknown };
        errors = groups.map(() => ({ message: err.message, code: typeof err.code === 'string' ? err.code : null }));
      }
      settle(errors);
      return Promise.resolve();
    }
    const id = this.nextId++;
    this.inflight = new Promise<void>((done) => {
      this.replies.set(id, (r) => {
        settle(r.errors);
        this.inflight = undefined;
        done();
        // Whatever arrived during this commit goes out at once as the next batch.
        if (this.pending.length > 0) void this.flush();
      });
      this.worker!.postMessage({ id, flat: encodeGroups(groups) } satisfies WriterRequest);
    });
    return this.inflight;
  }

  loadTenants(): StoredTenant[] {
    return (this.db.prepare('SELECT * FROM tenants ORDER BY id').all() as { data: string; token_hash: string; created_ms: number }[])
      .map((r) => ({ tenant: JSON.parse(r.data) as StoredTenant['tenant'], tokenHash: r.token_hash, createdAtMs: r.created_ms }));
  }

  loadNodes(): StoredNode[] {
    return (this.db.prepare('SELECT * FROM nodes ORDER BY id').all() as { data: string; last_heartbeat_ms: number | null }[])
      .map((r) => ({ node: JSON.parse(r.data) as StoredNode['node'], lastHeartbeatMs: r.last_heartbeat_ms }));
  }

  loadActiveJobs(): StoredJob[] {
    return (this.db.prepare("SELECT * FROM jobs WHERE state NOT IN ('succeeded', 'failed', 'cancelled') ORDER BY seq").all() as JobRow[]).map(rowToJob);
  }

  getJob(id: string): StoredJob | undefined {
    const r = this.st.getJob.get(id) as JobRow | undefined;
    return r ? rowToJob(r) : undefined;
  }

  listJobs(q: JobQuery): StoredJob[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.tenantId !== undefined) { where.push('tenant_id = ?'); args.push(q.tenantId); }
    if (q.state !== undefined) { where.push('state = ?'); args.push(q.state); }
    if (q.beforeSeq !== undefined) { where.push('seq < ?'); args.push(q.beforeSeq); }
    const sql = `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, q.limit) as JobRow[]).map(rowToJob);
  }

  countJobs(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.st.counts.all() as { state: string; n: number }[]) out[r.state] = r.n;
    return out;
  }

  jobEvents(jobId: string): StoredJobEvent[] {
    return (this.st.events.all(jobId) as { seq: number; job_id: string; at_ms: number; type: string; data: string }[])
      .map((r) => ({ seq: r.seq, jobId: r.job_id, atMs: r.at_ms, type: r.type, data: JSON.parse(r.data) as Record<string, unknown> }));
  }

  logs(jobId: string, afterSeq: number, limit: number): StoredLogLine[] {
    return (this.st.logs.all(jobId, afterSeq, limit) as { seq: number; job_id: string; at_ms: number; stream: 'stdout' | 'stderr'; line: string }[])
      .map((r) => ({ seq: r.seq, jobId: r.job_id, atMs: r.at_ms, stream: r.stream, line: r.line }));
  }

  idempotency(tenantId: string, key: string): IdempotencyRecord | undefined {
    const r = this.st.idem.get(tenantId, key) as { job_id: string; body_hash: string } | undefined;
    return r ? { jobId: r.job_id, bodyHash: r.body_hash } : undefined;
  }

  fairnessHistory(sinceMs: number, limit: number): FairnessPoint[] {
    return (this.st.fairHist.all(sinceMs, limit) as { at_ms: number; data: string }[])
      .map((r) => ({ atMs: r.at_ms, data: JSON.parse(r.data) as Record<string, unknown> })).reverse();
  }

  maxJobSeq(): number {
    return (this.st.maxSeq.get() as { m: number }).m;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    while (this.inflight || this.pending.length > 0) await (this.inflight ?? this.flush());
    this.closed = true;
    if (this.worker) {
      const exited = new Promise((r) => this.worker!.once('exit', r));
      this.worker.postMessage('close');
      await exited;
    }
    this.db.close();
  }
}
