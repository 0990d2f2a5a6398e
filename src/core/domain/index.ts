export * from './resources.ts';
export * from './tenant.ts';
export * from './node.ts';
export * from './job.ts';
export * from './plan.ts';
export * from './events.ts';
export * from './commands.ts';
