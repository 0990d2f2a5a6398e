// Commands are intents in the imperative that the reducer returns and the driver executes through ports
// (DESIGN.md §1.2). Timers are commands too, so a replay of the event log reproduces a whole run.
import type { Reason } from './plan.ts';
import type { TimerPurpose } from './events.ts';

export type Command =
  | { readonly type: 'LaunchJob'; readonly jobId: string; readonly nodeIds: readonly string[]; readonly resumeFromCheckpointId?: string }
  | { readonly type: 'StopJob'; readonly jobId: string; readonly reason: Reason }
  | { readonly type: 'CheckpointJob'; readonly jobId: string; readonly reason: Reason }
  | { readonly type: 'MigrateJob'; readonly jobId: string; readonly fromNodeIds: readonly string[]; readonly toNodeIds: readonly string[]; readonly reason: Reason }
  | { readonly type: 'PreemptJob'; readonly jobId: string; readonly reason: Reason }
  | { readonly type: 'SetTimer'; readonly timerId: string; readonly atMs: number; readonly purpose: TimerPurpose };

export type CommandType = Command['type'];
