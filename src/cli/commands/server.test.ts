import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from '../../core/util/errors.ts';
import { buildProgram } from '../main.ts';

test('fairway server refuses a node timeout too short for the agents\' lease, before starting anything', async () => {
  for (const ms of ['500', '999', '-1', 'soon']) {
    await assert.rejects(buildProgram().parseAsync(['node', 'fairway', 'server', '--node-timeout-ms', ms, '--data-dir', '/nonexistent/never-created', '--admin-token', 'admin-token-0123456789abcdef']),
      (e: unknown) => e instanceof InvalidInputError && /--node-timeout-ms must be/.test(e.message), ms);
  }
});
