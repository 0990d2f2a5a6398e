// What one scheduling cycle decides (DESIGN.md §1.4, §1.6). A Plan is a value: the driver turns it into commands.
import type { Dimension } from './resources.ts';

/** Why something did not happen, or did: machine-readable (plugin, code) plus a sentence for people. */
export interface Reason {
  /** Plugin or component that produced it, e.g. `fit`, `gang`, `fairness`. */
  readonly plugin: string;
  /** Stable code, e.g. `insufficient`, `never-fits`, `tenant-cap`, `node-not-ready`. */
  readonly code: string;
  readonly message: string;
  /** The resource dimension concerned, where there is one. */
  readonly dimension?: Dimension;
  /** How many nodes this reason excluded, where it applies to nodes. */
  readonly nodes?: number;
}

export interface Placement {
  readonly jobId: string;
  /** One node id per task of the gang (a node may appear more than once). */
  readonly nodeIds: readonly string[];
}

export interface Preemption {
  readonly jobId: string;
  readonly reason: Reason;
}

export interface Migration {
  readonly jobId: string;
  readonly fromNodeIds: readonly string[];
  readonly toNodeIds: readonly string[];
  readonly reason: Reason;
}

export interface Postponement {
  readonly jobId: string;
  readonly reasons: readonly Reason[];
  /** True when no node of the cluster could ever hold the job as it stands (request larger than any node, gang larger than the cluster). */
  readonly neverFits?: boolean;
}

/**
 * Nodes held for a starving job (the aging guarantee): no other job is placed on them until the job starts, so they
 * drain and it fits there. Sticky across cycles when the caller passes them back in the next snapshot.
 */
export interface Reservation {
  readonly jobId: string;
  readonly nodeIds: readonly string[];
  readonly sinceMs: number;
}

export interface Plan {
  readonly placements: readonly Placement[];
  readonly preemptions: readonly Preemption[];
  readonly migrations: readonly Migration[];
  readonly postponed: readonly Postponement[];
  /** Reservations in force after this cycle (absent: none). */
  readonly reservations?: readonly Reservation[];
}

export const EMPTY_PLAN: Plan = Object.freeze({ placements: [], preemptions: [], migrations: [], postponed: [] });
