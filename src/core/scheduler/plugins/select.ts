// Select plugins: choose among scored candidates. The order must be total so plans are reproducible.
import type { SelectPlugin } from '../framework.ts';

/** Highest weighted score; ties go to the node with the smaller id. */
export const maxScoreSelect: SelectPlugin = {
  kind: 'select',
  name: 'max-score',
  better: (sA, nA, sB, nB, cycle) => sA > sB || (sA === sB && (cycle.nodes[nA]?.id ?? '') < (cycle.nodes[nB]?.id ?? '')),
};

export const SELECT_PLUGINS: readonly SelectPlugin[] = [maxScoreSelect];
