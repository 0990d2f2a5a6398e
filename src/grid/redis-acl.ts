// Redis ACLs that make tenant isolation hold at the server, not only in the grid library: a job process connects to
// Redis directly (docs/grid.md, data path) as its tenant's user and can then touch only `fw:{<tenant>}:*`, read the
// shared datasets, and add itself to the tenant registry. Scripts run with the caller's rights, so the grid's own
// Lua scripts are confined the same way. Admin and keyspace-wide commands (KEYS, FLUSHALL, CONFIG, ACL…) are denied.
import { SHARED_NAMESPACE } from './port.ts';

export function tenantAclUser(tenantId: string): string {
  return `fw-${tenantId}`;
}

/** Arguments for `ACL SETUSER <user> …`; `reset` first, so re-provisioning replaces older rules and passwords. */
export function tenantAclRules(tenantId: string, password: string): string[] {
  return [
    'reset', 'on', `>${password}`,
    `~fw:{${tenantId}}:*`, `%R~fw:{${SHARED_NAMESPACE}}:*`, '~fw:tenants',
    '-@all', '+@read', '+@write', '+@scripting', '+@connection', '-@dangerous',
    // ioredis's ready check and Cluster slot discovery.
    '+info', '+cluster|slots', '+cluster|shards', '+cluster|nodes', '+cluster|info',
  ];
}
