// The write side of the SQLite store, run in a worker thread: it owns the write connection, so the fsync of each
// group commit happens off the event loop while the main thread keeps accepting requests (which then form the next
// batch). Messages carry statements by name with plain arguments; one message is one batch of callers' groups.
// Plain JavaScript on purpose: Node 20 workers do not inherit the tsx loader that runs the TypeScript sources.
// Types: sqlite-writer.worker.d.mts.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

/** An error as the worker reports it: the message, and SQLite's extended code (SQLITE_FULL, …) when there is one. */
function describe(e) {
  return { message: e instanceof Error ? e.message : String(e), code: typeof e?.code === 'string' ? e.code : null };
}

/** Runs the groups in one transaction, falling back to one transaction per group so one bad op sinks only its caller. */
export function commitGroups(db, prepared, groups) {
  const run = (stmts) => {
    for (const [name, args] of stmts) {
      const st = prepared.get(name);
      if (!st) throw new Error(`unknown statement ${name}`);
      st.run(...args);
    }
  };
  try {
    db.transaction(() => { for (const g of groups) run(g); })();
    return groups.map(() => null);
  } catch (_batchError) {
    // The batch failed as a whole; find out which caller's ops were at fault (their errors are reported per group).
    return groups.map((g) => {
      try {
        db.transaction(() => run(g))();
        return null;
      } catch (e) {
        return describe(e);
      }
    });
  }
}

/** Flattens groups of statements into one array (see the .d.mts): cheaper to clone to the writer thread. */
export function encodeGroups(groups) {
  const out = [groups.length];
  for (const g of groups) {
    out.push(g.length);
    for (const [name, args] of g) {
      out.push(name, args.length);
      for (const a of args) out.push(a);
    }
  }
  return out;
}

export function decodeGroups(flat) {
  let i = 0;
  const groups = [];
  for (let ng = flat[i++]; ng > 0; ng--) {
    const g = [];
    for (let ns = flat[i++]; ns > 0; ns--) {
      const name = flat[i++];
      const argc = flat[i++];
      g.push([name, flat.slice(i, i + argc)]);
      i += argc;
    }
    groups.push(g);
  }
  return groups;
}

if (parentPort && workerData) {
  const init = workerData;
  const db = new Database(init.file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${init.sync === 'normal' ? 'NORMAL' : 'FULL'}`);
  const prepared = new Map(Object.entries(init.statements).map(([k, sql]) => [k, db.prepare(sql)]));
  const port = parentPort;
  port.on('message', (msg) => {
    if (msg === 'close') {
      db.close();
      port.close();
      return;
    }
    let errors;
    const groups = decodeGroups(msg.flat);
    try {
      errors = commitGroups(db, prepared, groups);
    } catch (e) {
      // Never leave the waiting callers without an answer (e.g. a rollback that itself failed on a full disk).
      errors = groups.map(() => describe(e));
    }
    port.postMessage({ id: msg.id, errors });
  });
}
