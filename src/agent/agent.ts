// The node agent: registers this node's capacity with the coordinator, long-polls it for commands (launch, stop,
// checkpoint, migrate, preempt), runs job processes, and pushes what happened (started/exited/checkpointed reports,
// log lines, /proc telemetry) in heartbeats. Two loops share the heartbeat endpoint: a long-poll that only waits for
// commands, and a push loop that sends reports promptly; both hand any commands they receive to the same handler.
import { constants as osConstants, hostname } from 'node:os';
import { join } from 'node:path';
import { FairwayError } from '../core/util/errors.ts';
import { AgentCommand as AgentCommandSchema, type AgentCommand, type AgentReport, type Heartbeat } from '../wire/schemas.ts';
import { parseProgressLine, type JobProgressEvent } from '../wire/job-progress.ts';
import { InsecureUrlError, makeFetch, UntrustedCertificateError, type FetchLike } from '../wire/http-transport.ts';
import type { NodeCapacity } from './capacity.ts';
import { FenceKeeperLink } from './fence-keeper-link.ts';
import type { FenceGroup } from './fence-keeper.ts';
import { JobPidFile, processStartTicks, reapStaleJobs } from './job-pids.ts';
import { JobProcess, whichSync } from './job-process.ts';
import { checkHeartbeatFitsLease, Lease, leaseTerms } from './lease.ts';
import { netBytes, RateMeter, treeUsage, CLOCK_TICKS_PER_S } from './proc-stats.ts';

export class AgentHttpError extends FairwayError {
  constructor(message: string, readonly status: number, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super('agent_http', message, { status, ...context }, options);
  }
}

export interface AgentOptions {
  readonly coordinatorUrl: string;
  readonly joinToken: string;
  /** PEM of the CA that signed the coordinator's certificate (https:// coordinators); with it, http:// is refused. */
  readonly ca?: string | undefined;
  readonly nodeId: string;
  readonly capacity: NodeCapacity;
  readonly labels?: Readonly<Record<string, string>>;
  /** How long one long-poll waits for commands. */
  readonly pollWaitMs?: number;
  /** Heartbeat period when there is nothing urgent to report. */
  readonly heartbeatMs?: number;
  /** /proc sampling period (telemetry and the memory watch). */
  readonly sampleMs?: number;
  /** How long start() keeps retrying to reach the coordinator. */
  readonly connectTimeoutMs?: number;
  /** Most live processes one job may have (a fork bomb past it is stopped); default DEFAULT_MAX_PROCESSES_PER_JOB. */
  readonly maxProcessesPerJob?: number;
  /** Working directory of job processes. */
  readonly cwd?: string;
  /**
   * The agent's own state directory: the pid file of its job processes (job-pids.ts), read at start to stop jobs a
   * crashed previous incarnation left behind. Undefined: no pid file.
   */
  readonly workDir?: string;
  readonly log?: (line: string) => void;
  /** Called for every progress line a job prints (in-process users: tests, `fairway up`). */
  readonly onProgress?: (jobId: string, event: JobProgressEvent) => void;
}

interface Running {
  readonly proc: JobProcess;
  readonly cpus: readonly number[];
  /**
   * Stopped because the coordinator took the job back (preempt, stop, cancel): it already counts the job as not
   * running here, so this incarnation's exit is not reported (it could be mistaken for a relaunch's exit).
   */
  takenBack: boolean;
  /** Stopped by this agent because its lease ran out: its exit asks the coordinator to resume it from a checkpoint. */
  fenced: boolean;
  /** Its process group as the fence keeper knows it (undefined: it never started). */
  group: FenceGroup | undefined;
}

type TelemetryItem = Heartbeat['telemetry'][number];
type LogItem = Heartbeat['logs'][number];

const MAX_LOGS_PER_HEARTBEAT = 2000;
/** Generous for training jobs (data loader workers are processes; threads do not count), far below a fork bomb. */
export const DEFAULT_MAX_PROCESSES_PER_JOB = 256;
const MIGRATED_EXITS = new Set([75, 76, 128 + osConstants.signals.SIGUSR2, 128 + osConstants.signals.SIGKILL]);

export class NodeAgent {
  readonly nodeId: string;
  private readonly url: string;
  private readonly headers: Record<string, string>;
  private readonly fetch: FetchLike;
  private readonly jobs = new Map<string, Running>();
  private reports: AgentReport[] = [];
  /** Reports in the heartbeat now in flight: a registration meanwhile carries them too (see register). */
  private inFlightReports: AgentReport[] = [];
  /** Reports a registration delivered: not sent again if the heartbeat that carried them fails. */
  private readonly deliveredReports = new WeakSet<AgentReport>();
  private logs: LogItem[] = [];
  private telemetry = new Map<string, TelemetryItem>();
  private stopping = false;
  private pushWake: (() => void) | undefined;
  /** Something urgent arrived while a push was in flight: push again at once instead of waiting a period. */
  private pushAgain = false;
  private sampleTimer: NodeJS.Timeout | undefined;
  private loops: Promise<void>[] = [];
  private readonly taskset: string | undefined = whichSync('taskset');
  private readonly meter = new RateMeter();
  private readonly pollAbort = new AbortController();
  /** Jobs per host CPU, to spread pinned jobs over this agent's cpu set. */
  private readonly cpuLoad = new Map<number, number>();

  private readonly pidFile: JobPidFile | undefined;
  /** The coordinator process we last heard from (its instance id in heartbeat replies). */
  private coordinatorInstance: string | undefined;
  private reRegistering = false;
  /** The lease that fences our jobs (lease.ts); undefined until a coordinator tells us its node timeout, or if it is 0. */
  private lease: Lease | undefined;
  private leaseTimer: NodeJS.Timeout | undefined;
  /** The lease ran out: jobs were told to stop, and none start until an exchange renews it. */
  private fenced = false;
  /** Stops our jobs if we freeze or die (fence-keeper.ts); running while we hold a lease. */
  private keeper: FenceKeeperLink | undefined;

  constructor(private readonly o: AgentOptions) {
    this.pidFile = o.workDir !== undefined ? new JobPidFile(join(o.workDir, 'job-pids.json')) : undefined;
    this.nodeId = o.nodeId;
    this.url = o.coordinatorUrl.replace(/\/+$/, '');
    this.headers = { authorization: `Bearer ${o.joinToken}`, 'content-type': 'application/json' };
    this.fetch = makeFetch({ ca: o.ca });
    for (const c of o.capacity.cpuSet) this.cpuLoad.set(c, 0);
  }

  private log(line: string): void {
    this.o.log?.(`[agent ${this.nodeId}] ${line}`);
  }

  private async call(path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    // The lease counts from when the request left (a reply read late, after a freeze, proves nothing about now).
    const sentAtMs = Date.now();
    let res: Response;
    try {
      res = await this.fetch(`${this.url}${path}`, { method: 'POST', headers: this.headers, body: JSON.stringify(body), ...(signal ? { signal } : {}) });
    } catch (err) {
      // An untrusted certificate or a plain-HTTP URL with a CA configured is final, not "unreachable yet".
      if (err instanceof UntrustedCertificateError || err instanceof InsecureUrlError) throw err;
      throw new AgentHttpError(`coordinator unreachable at ${this.url}: ${(err as Error).message}`, 0, { path }, { cause: err });
    }
    const text = await res.text();
    if (!res.ok) {
      // A coordinator that cannot store our heartbeat (full disk: 503 store_unavailable) still saw us and does not
      // count us lost, so that renews the lease too; 409 (declared lost), 404, 401 and the rest do not.
      if (res.status === 503 && /"store_unavailable"/.test(text)) this.lease?.renew(sentAtMs);
      throw new AgentHttpError(`POST ${path} → ${res.status}: ${text.slice(0, 300)}`, res.status, { path });
    }
    const parsed: unknown = text ? JSON.parse(text) : {};
    const timeout = (parsed as { nodeTimeoutMs?: unknown }).nodeTimeoutMs;
    if (typeof timeout === 'number') this.adoptNodeTimeout(timeout);
    this.lease?.renew(sentAtMs);
    return parsed;
  }

  /** The coordinator's node timeout → our lease terms (checked: our heartbeats must renew it several times over). */
  private adoptNodeTimeout(nodeTimeoutMs: number): void {
    if (this.lease?.terms.nodeTimeoutMs === nodeTimeoutMs || (this.lease === undefined && nodeTimeoutMs === 0)) return;
    const terms = leaseTerms(nodeTimeoutMs);
    if (terms) checkHeartbeatFitsLease(this.o.heartbeatMs ?? 1000, terms);
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    this.leaseTimer = undefined;
    this.lease = terms ? new Lease(terms) : undefined;
    if (!terms) {
      void this.keeper?.close();
      this.keeper = undefined;
      this.log('the coordinator never declares nodes lost (node timeout 0): jobs run without a lease');
      return;
    }
    if (!this.keeper && !this.stopping) {
      this.keeper = new FenceKeeperLink(this.nodeId, (l) => this.log(l));
      this.keeper.start();
    }
    this.log(`lease ${terms.leaseMs} ms (coordinator node timeout ${nodeTimeoutMs} ms, stop grace ${terms.graceMs} ms): jobs stop if no exchange with the coordinator renews it in time`);
    this.leaseTimer = setInterval(() => this.checkLease(), terms.keepaliveMs);
  }

  /** Keepalives to the jobs while the lease is fresh; fencing when it has run out; back to normal once renewed. */
  private checkLease(): void {
    const lease = this.lease;
    if (!lease || this.stopping) return;
    const now = Date.now();
    if (lease.fresh(now)) {
      if (this.fenced) {
        this.fenced = false;
        this.log('lease renewed: the coordinator is reachable again; jobs may start');
        for (const [jobId, c] of [...this.deferredLaunches]) {
          if (this.jobs.has(jobId)) continue;
          this.deferredLaunches.delete(jobId);
          this.launch(c);
        }
      }
      const remaining = lease.terms.leaseMs - (lease.ageMs(now) ?? 0);
      for (const r of this.jobs.values()) r.proc.keepalive(remaining);
      this.feedKeeper(remaining);
      return;
    }
    if (this.fenced) return;
    this.fenced = true;
    const running = [...this.jobs.values()].filter((r) => !r.takenBack);
    const why = `lease expired: no exchange with the coordinator for ${lease.ageMs(now) ?? '?'} ms (lease ${lease.terms.leaseMs} ms, node timeout ${lease.terms.nodeTimeoutMs} ms)`;
    this.log(`${why}; checkpointing and stopping ${running.length} job(s) before the coordinator may run them elsewhere; no new job starts until the lease is renewed`);
    for (const r of running) {
      r.fenced = true;
      r.proc.stop('SIGTERM', why, lease.terms.graceMs);
    }
  }

  /** Tells the fence keeper the lease's time left and our job groups (only while the lease is fresh). */
  private feedKeeper(remainingMs: number): void {
    const lease = this.lease;
    if (!this.keeper || !lease) return;
    const groups = [...this.jobs.values()].filter((r) => !r.proc.done && r.group !== undefined).map((r) => r.group!);
    this.keeper.feed({ leftMs: remainingMs, graceMs: lease.terms.graceMs, groups });
  }

  private async register(): Promise<void> {
    const c = this.o.capacity;
    // What we have not had acknowledged yet (queued, or in a heartbeat still in flight): a job that exited while the
    // coordinator was away is then recorded as finished before our task list (which no longer has it) is compared.
    const reports = [...this.inFlightReports, ...this.reports];
    await this.call('/v1/nodes', {
      id: this.nodeId,
      capacity: { cpu: c.cpus, memoryMiB: c.memoryMiB, ...(c.gpus > 0 ? { gpu: c.gpus } : {}) },
      labels: { host: hostname().slice(0, 63).replace(/[^A-Za-z0-9._-]/g, '-'), ...this.o.labels },
      // The tasks we run, for the coordinator to re-adopt or stop (jobs it already took back are on their way out).
      jobs: [...this.jobs].filter(([, r]) => !r.takenBack).map(([id]) => id),
      ...(reports.length > 0 ? { reports } : {}),
    });
    for (const r of reports) this.deliveredReports.add(r);
    this.reports = this.reports.filter((r) => !this.deliveredReports.has(r));
  }

  /** The coordinator restarted (its instance id changed): register again with our task list so it can reconcile. */
  private reRegister(why: string): void {
    if (this.reRegistering || this.stopping) return;
    this.reRegistering = true;
    this.log(`${why}; registering again with ${this.jobs.size} running job(s)`);
    void this.register()
      .catch((e: unknown) => { this.coordinatorInstance = undefined; this.log(`re-register failed: ${(e as Error).message}`); })
      .finally(() => { this.reRegistering = false; });
  }

  /** Registers (retrying while the coordinator starts) and starts the loops. */
  async start(): Promise<void> {
    if (this.pidFile) {
      // A previous incarnation of this agent that died hard may have left job processes running; the coordinator
      // has (or will have) rescheduled their jobs, so they must stop before we offer the node again.
      const stale = await reapStaleJobs(this.pidFile.readPrevious(), 10_000, (l) => this.log(l));
      if (stale.length > 0) this.log(`stopped ${stale.length} stale job process group(s) from a previous run`);
      this.pidFile.save();
    }
    const deadline = Date.now() + (this.o.connectTimeoutMs ?? 30_000);
    for (let attempt = 0; ; attempt++) {
      try {
        await this.register();
        break;
      } catch (err) {
        // Only "not reachable yet" is retried; a rejected token or capacity is final.
        if (!(err instanceof AgentHttpError) || err.status !== 0 || Date.now() > deadline) throw err;
        await sleep(Math.min(2000, 100 * 2 ** attempt));
      }
    }
    const c = this.o.capacity;
    this.log(`registered: ${c.cpus} CPU, ${c.memoryMiB} MiB, ${c.gpus} GPU (${c.notes.join('; ')}); taskset ${this.taskset ? 'on' : 'unavailable'}`);
    this.sampleTimer = setInterval(() => this.sample(), this.o.sampleMs ?? 500);
    this.sample();
    this.loops = [this.pollLoop(), this.pushLoop()];
  }

  /** Stops the loops, stops every job (SIGTERM, then SIGKILL) and sends the last reports. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.sampleTimer) clearInterval(this.sampleTimer);
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    // We stop our jobs ourselves, below: the keeper exits without signalling anything.
    await this.keeper?.close();
    this.pollAbort.abort();
    const exits = [...this.jobs.values()].map((r) => new Promise<void>((resolve) => {
      const t = setInterval(() => { if (r.proc.done) { clearInterval(t); resolve(); } }, 50);
      r.proc.stop('SIGTERM', 'agent shutting down');
    }));
    await Promise.all(exits);
    this.pushWake?.();
    await Promise.allSettled(this.loops);
    await this.push().catch((err: unknown) => this.log(`last heartbeat failed: ${(err as Error).message}`));
  }

  /** Stops every job without reporting its exit (the coordinator no longer counts them as running here). */
  private async dropAllJobs(): Promise<void> {
    this.deferredLaunches.clear();
    this.reports = this.reports.filter((r) => !this.jobs.has(r.jobId));
    const exits = [...this.jobs.values()].map((r) => new Promise<void>((resolve) => {
      r.takenBack = true;
      const t = setInterval(() => { if (r.proc.done) { clearInterval(t); resolve(); } }, 50);
      r.proc.stop('SIGTERM', 'node declared lost');
    }));
    await Promise.all(exits);
  }

  get runningJobs(): string[] {
    return [...this.jobs.keys()];
  }

  private async pollLoop(): Promise<void> {
    while (!this.stopping) {
      try {
        const reply = await this.call(`/v1/nodes/${this.nodeId}/heartbeat`, { waitMs: this.o.pollWaitMs ?? 5000 }, this.pollAbort.signal);
        this.handleReply(reply);
      } catch (err) {
        if (this.stopping) return;
        await this.onCallError(err, 'poll');
      }
    }
  }

  private async pushLoop(): Promise<void> {
    while (!this.stopping) {
      if (!this.pushAgain) await new Promise<void>((resolve) => {
        const t = setTimeout(done, this.o.heartbeatMs ?? 1000);
        function done(): void { clearTimeout(t); resolve(); }
        this.pushWake = done;
      });
      this.pushWake = undefined;
      this.pushAgain = false;
      if (this.stopping) return;
      try {
        await this.push();
      } catch (err) {
        await this.onCallError(err, 'heartbeat');
      }
    }
  }

  private async onCallError(err: unknown, what: string): Promise<void> {
    // A coordinator that lost us (restarted without our row): register again; anything else: log and back off.
    if (err instanceof AgentHttpError && err.status === 404) {
      this.log(`${what}: coordinator does not know this node; registering again`);
      await this.register().catch((e: unknown) => this.log(`re-register failed: ${(e as Error).message}`));
    } else if (err instanceof AgentHttpError && err.status === 409) {
      // Declared lost (our heartbeats did not arrive in time): the coordinator has requeued our jobs elsewhere, so
      // running them on here would duplicate them. Stop them quietly, then join again as an empty node.
      this.log(`${what}: coordinator declared this node lost; stopping ${this.jobs.size} job(s) it requeued and registering again`);
      await this.dropAllJobs();
      await this.register().catch((e: unknown) => this.log(`re-register failed: ${(e as Error).message}`));
    } else {
      this.log(`${what} failed: ${(err as Error).message}`);
    }
    await sleep(500);
  }

  /** Sends pending reports, logs and the latest telemetry; on failure they are kept for the next try. */
  private async push(): Promise<void> {
    const reports = this.reports;
    const logs = this.logs.slice(0, MAX_LOGS_PER_HEARTBEAT);
    const telemetry = [...this.telemetry.values()];
    this.reports = [];
    this.logs = this.logs.slice(logs.length);
    this.inFlightReports = reports;
    try {
      this.handleReply(await this.call(`/v1/nodes/${this.nodeId}/heartbeat`, { reports, logs, telemetry, waitMs: 0 }));
    } catch (err) {
      this.reports = [...reports.filter((r) => !this.deliveredReports.has(r)), ...this.reports];
      this.logs = [...logs, ...this.logs];
      throw err;
    } finally {
      this.inFlightReports = [];
    }
    if (this.logs.length > 0) this.urgent();
  }

  private urgent(): void {
    if (this.pushWake) this.pushWake();
    else this.pushAgain = true;
  }

  private handleReply(reply: unknown): void {
    const instance = (reply as { coordinator?: unknown }).coordinator;
    if (typeof instance === 'string') {
      const before = this.coordinatorInstance;
      this.coordinatorInstance = instance;
      if (before !== undefined && before !== instance) this.reRegister(`the coordinator restarted (instance ${before.slice(0, 8)} → ${instance.slice(0, 8)})`);
    }
    const commands = (reply as { commands?: unknown }).commands;
    if (!Array.isArray(commands)) return;
    // A reply to an exchange older than the lease (read after a freeze): the coordinator may since have declared us
    // lost and placed its launches elsewhere, so they are not started (a launch it still counts on is sent again).
    const stale = this.lease !== undefined && !this.lease.fresh(Date.now());
    for (const raw of commands) {
      const parsed = AgentCommandSchema.safeParse(raw);
      if (!parsed.success) {
        this.log(`ignored a malformed command: ${parsed.error.message.slice(0, 300)}`);
        continue;
      }
      if (stale && parsed.data.type === 'LaunchJob') {
        this.log(`ignored a launch of ${parsed.data.jobId} from a reply older than the lease`);
        continue;
      }
      this.handle(parsed.data);
    }
  }

  handle(c: AgentCommand): void {
    const running = this.jobs.get(c.jobId);
    switch (c.type) {
      case 'LaunchJob':
        if (running) {
          // A relaunch here while the previous incarnation is still checkpointing on its way out: start it after.
          this.deferredLaunches.set(c.jobId, c);
          this.log(`launch of ${c.jobId} deferred until its previous process exits`);
          return;
        }
        if (this.fenced) {
          this.deferredLaunches.set(c.jobId, c);
          this.log(`launch of ${c.jobId} deferred until the lease is renewed`);
          return;
        }
        this.launch(c);
        return;
      case 'StopJob':
        if (running) running.takenBack = true;
        running?.proc.stop('SIGTERM', `stopped by the coordinator${c.reason ? `: ${c.reason.message}` : ''}`);
        return;
      case 'PreemptJob':
        if (running) running.takenBack = true;
        running?.proc.stop('SIGTERM', `preempted${c.reason ? `: ${c.reason.message}` : ''}`);
        return;
      case 'CheckpointJob':
        running?.proc.signal('SIGUSR1');
        return;
      case 'MigrateJob':
        // The job checkpoints and exits 75; the coordinator relaunches it on the target node, where it restores.
        running?.proc.stop('SIGUSR2', `migrating to ${(c.nodeIds ?? []).join(',')}`);
        if (running && c.nodeIds && c.nodeIds.length > 0) this.pendingMigrations.set(c.jobId, c.nodeIds);
        return;
    }
  }

  private readonly pendingMigrations = new Map<string, string[]>();
  private readonly netSeen = new Map<string, { bytes: number; atMs: number; mbps: number }>();
  private readonly deferredLaunches = new Map<string, AgentCommand>();

  private pickCpus(cpuMilli: number): number[] {
    const want = Math.min(this.cpuLoad.size, Math.max(1, Math.ceil(cpuMilli / 1000)));
    return [...this.cpuLoad.entries()].sort((a, b) => a[1] - b[1] || a[0] - b[0]).slice(0, want).map(([cpu]) => cpu).sort((a, b) => a - b);
  }

  private launch(c: AgentCommand): void {
    const jobId = c.jobId;
    const request = c.request;
    const cpus = this.taskset && request && request.cpuMilli > 0 ? this.pickCpus(request.cpuMilli) : [];
    const gpuWant = request ? Math.ceil(request.gpuMilli / 1000) : 0;
    const proc = new JobProcess({
      jobId,
      command: c.command ?? [],
      // The job's own variables first: what the cluster sets (which job and node this is) always wins.
      // FAIRWAY_LEASE_MS: the SDK stops the job itself when our keepalives stop for that long (we are frozen).
      env: {
        ...c.env, FAIRWAY_JOB_ID: jobId, FAIRWAY_NODE_ID: this.nodeId, ...(c.resumeFromCheckpointId ? { FAIRWAY_RESUME_FROM: c.resumeFromCheckpointId } : {}),
        ...(this.lease ? { FAIRWAY_LEASE_MS: String(this.lease.terms.leaseMs) } : {}),
      },
      cpuSet: cpus,
      ...(gpuWant > 0 ? { gpuIndices: this.o.capacity.gpuIndices.slice(0, gpuWant) } : {}),
      ...(request && request.memMiB > 0 ? { memLimitMiB: request.memMiB } : {}),
      maxProcesses: this.o.maxProcessesPerJob ?? DEFAULT_MAX_PROCESSES_PER_JOB,
      ...(this.o.cwd ? { cwd: this.o.cwd } : {}),
      ...(this.taskset ? { taskset: this.taskset } : {}),
    }, {
      onLine: (stream, line) => this.onLine(jobId, stream, line),
      onExit: (exitCode, reason) => this.onExit(jobId, exitCode, reason),
    });
    const running: Running = { proc, cpus, takenBack: false, fenced: false, group: undefined };
    this.jobs.set(jobId, running);
    for (const cpu of cpus) this.cpuLoad.set(cpu, (this.cpuLoad.get(cpu) ?? 0) + 1);
    this.reports.push({ type: 'started', jobId });
    this.log(`launch ${jobId}: ${(c.command ?? []).join(' ').slice(0, 200)}${cpus.length ? ` on CPUs ${cpus.join(',')}` : ''}`);
    proc.start();
    const startTicks = proc.pid !== undefined ? processStartTicks(proc.pid) : undefined;
    if (startTicks !== undefined) running.group = { pgid: proc.pid!, startTicks };
    if (proc.pid !== undefined) this.pidFile?.add(jobId, proc.pid);
    if (this.lease) {
      const now = Date.now();
      const remaining = this.lease.terms.leaseMs - (this.lease.ageMs(now) ?? 0);
      proc.keepalive(remaining);
      // The keeper learns of the new group at once, not a keepalive tick later (only a fresh lease feeds it).
      if (this.lease.fresh(now)) this.feedKeeper(remaining);
    }
    this.urgent();
  }

  private onLine(jobId: string, stream: 'stdout' | 'stderr', line: string): void {
    this.logs.push({ jobId, stream, line });
    if (stream !== 'stdout') return;
    const p = parseProgressLine(line);
    if (!p || !('event' in p)) return;
    const e = p.event;
    if (e.netBytes !== undefined) this.observeNetBytes(jobId, e.netBytes, e.atMs);
    // The job fenced itself (our keepalives stopped: we were frozen): its exit asks for a resume, not a failure.
    if (e.type === 'stopped' && e.reason === 'lease-expired') {
      const r = this.jobs.get(jobId);
      if (r) r.fenced = true;
    }
    if (e.type === 'checkpoint') {
      this.reports.push({ type: 'checkpointed', jobId, checkpointId: `v${e.version}@${e.step}`, sizeMiB: e.bytes / 2 ** 20 });
      this.urgent();
    }
    this.o.onProgress?.(jobId, e);
  }

  /**
   * A job's own socket byte count (SDK progress lines, src/sdk/net-counter.ts) → its network rate, held until the
   * next line. The first line's rate counts from the spawn, so the dataset read before training shows up.
   */
  private observeNetBytes(jobId: string, bytes: number, atMs: number): void {
    const prev = this.netSeen.get(jobId) ?? { bytes: 0, atMs: this.jobs.get(jobId)?.proc.startedAtMs ?? atMs, mbps: 0 };
    const dtS = (atMs - prev.atMs) / 1000;
    const mbps = dtS > 0 && bytes >= prev.bytes ? ((bytes - prev.bytes) * 8) / 1e6 / dtS : prev.mbps;
    this.netSeen.set(jobId, { bytes, atMs, mbps });
  }

  private onExit(jobId: string, exitCode: number, reason: string | undefined): void {
    const r = this.jobs.get(jobId);
    if (r) for (const cpu of r.cpus) this.cpuLoad.set(cpu, Math.max(0, (this.cpuLoad.get(cpu) ?? 1) - 1));
    this.jobs.delete(jobId);
    this.netSeen.delete(jobId);
    this.pidFile?.remove(jobId);
    this.telemetry.delete(jobId);
    this.meter.forget(jobId);
    const to = this.pendingMigrations.get(jobId);
    this.pendingMigrations.delete(jobId);
    // Asked to move, it stopped (75: checkpointed; 76: no checkpoint store, it restarts from scratch; 140 / 137: a
    // program without the SDK killed by SIGUSR2 or, past the grace period, SIGKILL): the coordinator resumes it on the
    // target. A clean exit 0 means it finished first; other codes are real failures.
    if (to && !r?.takenBack && MIGRATED_EXITS.has(exitCode)) this.reports.push({ type: 'migrated', jobId, toNodeIds: to });
    // Fenced (our lease ran out) and stopped short of finishing: resume it from its checkpoint, here if the
    // coordinator still counts the job on this node; if it has declared us lost meanwhile, it ignores the report.
    else if (r && !r.takenBack && exitCode !== 0 && (r.fenced || (this.lease !== undefined && !this.lease.fresh(Date.now())))) {
      this.reports.push({ type: 'migrated', jobId, toNodeIds: [this.nodeId] });
    }
    else if (!r?.takenBack) this.reports.push({ type: 'exited', jobId, exitCode, ...(reason ? { reason } : {}) });
    this.log(`${jobId} exited ${exitCode}${reason ? `: ${reason.split('\n')[0]}` : ''}`);
    const next = this.deferredLaunches.get(jobId);
    this.deferredLaunches.delete(jobId);
    if (next && !this.stopping && !this.fenced) this.launch(next);
    else if (next && this.fenced) this.deferredLaunches.set(jobId, next);
    this.urgent();
  }

  /** Per-job and per-node telemetry from /proc; also enforces memory limits (JobProcess.sample kills). */
  private sample(): void {
    const now = Date.now();
    let jobCpu = 0;
    let jobMiB = 0;
    for (const [jobId, r] of this.jobs) {
      const s = r.proc.sample(now);
      if (!s) continue;
      jobCpu += s.cpuCores;
      jobMiB += s.rssMiB;
      // Network: what the job measured on its own sockets (0 for programs without the SDK; see observeNetBytes).
      const netMbps = Math.round(this.netSeen.get(jobId)?.mbps ?? 0);
      this.telemetry.set(jobId, { jobId, cpu: round3(s.cpuCores), memoryMiB: s.rssMiB, gpu: 0, netMbps });
    }
    // The node's own figure: the jobs plus this agent process (its children are the jobs).
    const self = treeUsage(process.pid);
    const selfCpu = this.meter.rate('node-cpu', self.cpuTicks, now) / CLOCK_TICKS_PER_S;
    const net = this.meter.rate('node-net', netBytes(), now);
    this.telemetry.set('', {
      cpu: round3(Math.max(selfCpu, jobCpu)), memoryMiB: Math.max(Math.round(self.rssKiB / 1024), jobMiB), gpu: 0,
      netMbps: Math.round((net * 8) / 1e6),
    });
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
