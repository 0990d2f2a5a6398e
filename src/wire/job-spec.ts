// Maps the job submission people write (cores, GiB-free MiB, GPUs) to the core's JobSpec (integer milli-units).
import type { JobSpec } from '../core/domain/job.ts';
import { resources, type Resources } from '../core/domain/resources.ts';
import type { JobSubmission, ResourceRequest } from './schemas.ts';

export function toResources(r: ResourceRequest | undefined): Resources {
  if (!r) return resources();
  // Cores and GPUs may be fractional (0.5 cpu = 500 milli); round to the integer milli-units the core counts in.
  return resources({
    cpuMilli: Math.round((r.cpu ?? 0) * 1000),
    gpuMilli: Math.round((r.gpu ?? 0) * 1000),
    memMiB: r.memoryMiB ?? 0,
    netMbps: r.netMbps ?? 0,
  });
}

export function deadlineMs(d: string | number | undefined): number | undefined {
  if (d === undefined) return undefined;
  return typeof d === 'number' ? d : Date.parse(d);
}

/** The core's view of a submitted job; command and env stay in the server (the core does not need them). */
export function toJobSpec(sub: JobSubmission, id: string, tenantId: string, submittedAtMs: number): JobSpec {
  const spec: JobSpec = {
    id,
    tenantId,
    name: sub.name,
    request: toResources(sub.request),
    gangSize: sub.gangSize ?? 1,
    priorityClass: sub.priorityClass ?? 'normal',
    submittedAtMs,
    preemptible: sub.preemptible ?? true,
    migratable: sub.migratable ?? true,
    kind: sub.kind ?? 'train',
    ...(sub.deadline !== undefined ? { deadlineMs: deadlineMs(sub.deadline) } : {}),
    ...(sub.expectedDurationMs !== undefined ? { expectedDurationMs: sub.expectedDurationMs } : {}),
    ...(sub.dataset !== undefined ? { datasetRef: sub.dataset } : {}),
    ...(sub.nodeSelector !== undefined ? { nodeSelector: sub.nodeSelector } : {}),
  };
  return spec;
}
