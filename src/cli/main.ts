// The `fairway` command line: one file per command under ./commands, registered here.
import { Command, CommanderError } from 'commander';
import { FairwayError } from '../core/util/errors.ts';
import { registerForecast } from './commands/forecast.ts';
import { registerSim } from './commands/sim.ts';
import { registerVersion } from './commands/version.ts';
import { registerServer } from './commands/server.ts';
import { registerAgent } from './commands/agent.ts';
import { registerUp } from './commands/up.ts';
import { registerGrid } from './commands/grid.ts';
import { registerTenants } from './commands/tenants.ts';
import { registerSubmit } from './commands/submit.ts';
import { registerJobs } from './commands/jobs.ts';
import { registerJob } from './commands/job.ts';
import { registerLogs } from './commands/logs.ts';
import { registerCancel } from './commands/cancel.ts';
import { registerMigrate } from './commands/migrate.ts';
import { registerNodes } from './commands/nodes.ts';
import { registerFairness } from './commands/fairness.ts';

export function buildProgram(): Command {
  const program = new Command('fairway')
    .description('Fair, efficient multi-tenant scheduling for AI-training clusters')
    .showHelpAfterError()
    .exitOverride();
  registerVersion(program);
  registerServer(program);
  registerAgent(program);
  registerUp(program);
  registerGrid(program);
  registerForecast(program);
  registerSim(program);
  registerTenants(program);
  registerSubmit(program);
  registerJobs(program);
  registerJob(program);
  registerLogs(program);
  registerCancel(program);
  registerMigrate(program);
  registerNodes(program);
  registerFairness(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    if (err instanceof FairwayError) {
      console.error(`fairway: ${err.message} [${err.code}]`);
      process.exitCode = 2;
      return;
    }
    throw err;
  }
}
