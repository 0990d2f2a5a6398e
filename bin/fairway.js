#!/usr/bin/env node
// The `fairway` command. Sources are TypeScript, run through tsx's loader so a fresh clone needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
