import { readFileSync } from 'node:fs';
import type { Command } from 'commander';

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function registerVersion(program: Command): void {
  program.version(packageVersion(), '-V, --version', 'print the version');
  program
    .command('version')
    .description('print the version of fairway and of Node.js')
    .action(() => {
      console.log(`fairway ${packageVersion()} (node ${process.version})`);
    });
}
