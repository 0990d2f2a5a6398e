// What the dashboard knows, refreshed from the API and the event stream.
import type { ClusterView, FairnessView, JobView, NodeView, StreamEvent, TenantView } from '../../src/wire/schemas.ts';
import type { Api, Role } from './api.ts';
import type { JobProgress } from './progress.ts';

/** `/v1/cluster`: utilisation, counts, per-node load forecasts with band, the balancer's migrations. */
export type ClusterSummary = ClusterView;

export interface FairnessPoint {
  tMs: number;
  jainRaw: number;
  jainNormalised: number;
  utilisation: Record<string, number>;
  rho?: Record<string, number>;
}

export interface AppState {
  api: Api;
  role: Role;
  nodes: NodeView[];
  tenants: TenantView[];
  fairness: FairnessView | null;
  history: FairnessPoint[];
  cluster: ClusterSummary | null;
  jobs: JobView[];
  /** Full views (with the why-waiting part) of pending jobs. */
  pending: Map<string, JobView>;
  progress: Map<string, JobProgress>;
  events: StreamEvent[];
  live: 'connecting' | 'live' | 'reconnecting';
  error: string | null;
  filters: { tenant: string; state: string };
  lastRefresh: number;
  /** The job whose detail panel is open (from the URL: #jobs/<id>). */
  detail: JobDetail | null;
}

export interface JobDetail {
  jobId: string;
  job: JobView | null;
  events: { seq: number; at: string; type: string; data: Record<string, unknown> }[];
  logs: string[];
}
