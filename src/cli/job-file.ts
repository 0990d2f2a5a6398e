// Reads a job spec written in YAML (or JSON, which is YAML too) and validates it with the wire schema, pointing
// errors at the field and its line: `job.yaml:4: request.cpu: Too small: expected number to be >=0`.
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isNode } from 'yaml';
import { InvalidInputError } from '../core/util/errors.ts';
import { JobSubmission } from '../wire/schemas.ts';
import { issuesOf } from '../wire/parse.ts';

export function parseJobYaml(text: string, file = 'job.yaml'): JobSubmission {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line ?? lc.linePos(e.pos[0]).line;
    throw new InvalidInputError(`${file}:${line}: ${e.message.split('\n')[0]}`, { file, line });
  }
  let value: unknown;
  try {
    // yaml stops expanding aliases past maxAliasCount (a "billion laughs" file) with a plain ReferenceError.
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new InvalidInputError(`${file}: ${(err as Error).message} (too many alias expansions)`, { file }, { cause: err });
  }
  const r = JobSubmission.safeParse(value);
  if (r.success) return r.data;
  const issues = issuesOf(r.error).map((issue, k) => {
    const raw = r.error.issues[k]!;
    // Point at the deepest node that exists on the path (an unknown key points at its own line).
    let path = [...raw.path] as (string | number)[];
    if (raw.code === 'unrecognized_keys') path = [...path, (raw as { keys: string[] }).keys[0]!];
    let line: number | undefined;
    for (let n = path.length; n >= 0 && line === undefined; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) line = lc.linePos(node.range[0]).line;
      else if (n > 0 && raw.code === 'unrecognized_keys') {
        const parent = doc.getIn(path.slice(0, n - 1), true) as { items?: { key?: { value?: unknown; range?: [number, number, number] } }[] } | undefined;
        const item = parent?.items?.find((it) => it.key?.value === path[n - 1]);
        if (item?.key?.range) line = lc.linePos(item.key.range[0]).line;
      }
    }
    return { ...issue, line };
  });
  const first = issues[0]!;
  const where = first.line !== undefined ? `${file}:${first.line}` : file;
  throw new InvalidInputError(`${where}: ${first.path}: ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`, { file, issues });
}

export function readJobFile(path: string): JobSubmission {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InvalidInputError(`cannot read ${path}: ${(err as Error).message}`, { file: path }, { cause: err });
  }
  return parseJobYaml(text, path);
}
