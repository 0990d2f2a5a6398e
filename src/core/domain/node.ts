// A machine (or a declared slice of one) that runs tasks.
import { InvalidInputError } from '../util/errors.ts';
import { type Resources, validateResources } from './resources.ts';
import { validateId } from './tenant.ts';

export const NODE_STATUSES = ['ready', 'draining', 'down'] as const;
export type NodeStatus = (typeof NODE_STATUSES)[number];

export interface Node {
  readonly id: string;
  readonly capacity: Resources;
  readonly labels: Readonly<Record<string, string>>;
  readonly status: NodeStatus;
}

export function validateNode(n: Node): Node {
  validateId(n.id, 'node.id');
  validateResources(n.capacity, 'node.capacity');
  if (!NODE_STATUSES.includes(n.status)) {
    throw new InvalidInputError(`node.status must be one of ${NODE_STATUSES.join(', ')}, got ${JSON.stringify(n.status)}`, { field: 'node.status' });
  }
  return n;
}
