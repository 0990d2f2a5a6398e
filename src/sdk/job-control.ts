// Requests a running job honours between steps: checkpoint now, or checkpoint and stop (preemption, migration).
// In a job process they arrive as signals (docs/sdk.md):
//   SIGTERM → stop for preemption · SIGUSR2 → stop for migration · SIGINT → stop · SIGUSR1 → checkpoint now.
// A library caller (or the agent's in-process runner) calls the methods directly.
/**
 * `orphaned`: the agent that launched the job is gone (parent-watch.ts); `lease-expired`: the agent's lease keepalives
 * stopped (it is frozen or cut off, parent-watch.ts). Both are stopped like a preemption.
 */
export type StopReason = 'preempt' | 'migrate' | 'stop' | 'orphaned' | 'lease-expired';

export class JobControl {
  private stop: StopReason | undefined;
  private checkpoint = false;

  requestStop(reason: StopReason = 'stop'): void {
    // The first reason wins: a SIGINT after a migration request must not turn it into a plain stop.
    this.stop ??= reason;
  }

  requestCheckpoint(): void {
    this.checkpoint = true;
  }

  get stopRequested(): StopReason | undefined {
    return this.stop;
  }

  /** True once per request: the trainer calls it after each step. */
  takeCheckpointRequest(): boolean {
    const requested = this.checkpoint;
    this.checkpoint = false;
    return requested;
  }

  /** Installs the signal handlers for a job process; returns a function that removes them. */
  installSignalHandlers(proc: NodeJS.Process = process): () => void {
    const handlers: [NodeJS.Signals, () => void][] = [
      ['SIGTERM', () => this.requestStop('preempt')],
      ['SIGUSR2', () => this.requestStop('migrate')],
      ['SIGINT', () => this.requestStop('stop')],
      ['SIGUSR1', () => this.requestCheckpoint()],
    ];
    for (const [signal, handler] of handlers) proc.on(signal, handler);
    return () => {
      for (const [signal, handler] of handlers) proc.off(signal, handler);
    };
  }
}

/**
 * Once a job process has its outcome (exit code decided, checkpoint written), a stop signal has nothing left to stop:
 * without a handler SIGTERM's default action would kill it with 143 on its way out, turning a clean fenced exit (75)
 * or a finished job (0) into what looks like a kill. This happens when a stop arrives late, e.g. the agent's fence
 * keeper (src/agent/fence-keeper.ts) signalling a job that already stopped itself. Such signals are noted and ignored;
 * the process ends with the code it chose. Returns a function that removes the handlers.
 */
export function ignoreLateStopSignals(onLate: (signal: NodeJS.Signals) => void, proc: NodeJS.Process = process): () => void {
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGUSR2', 'SIGINT', 'SIGUSR1'];
  const handlers = signals.map((sig) => [sig, () => onLate(sig)] as const);
  for (const [sig, h] of handlers) proc.on(sig, h);
  return () => { for (const [sig, h] of handlers) proc.off(sig, h); };
}
