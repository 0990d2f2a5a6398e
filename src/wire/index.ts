export * from './schemas.ts';
export * from './parse.ts';
export * from './job-spec.ts';
