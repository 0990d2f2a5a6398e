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
