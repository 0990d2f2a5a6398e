// Regenerates the golden decision logs ON PURPOSE, after a deliberate change of scheduling behaviour:
//   node --import tsx test/golden/regenerate.ts
// Review the diff (`git diff test/golden`) before committing it.
import { writeFileSync } from 'node:fs';
import { GOLDEN_POLICIES, goldenLog, goldenLogPath } from './golden-runs.ts';

for (const policy of GOLDEN_POLICIES) {
  const text = await goldenLog(policy);
  writeFileSync(goldenLogPath(policy), text);
  console.log(`${goldenLogPath(policy)}: ${text.split('\n').length - 1} records`);
}
