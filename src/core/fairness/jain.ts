// Jain's fairness index J = (Σx)² / (n·Σx²) over n values: 1 when all are equal, 1/n when one holds everything.
// All-zero input counts as perfectly fair (J = 1): nobody holds anything, nobody is favoured.
export function jainIndex(xs: readonly number[]): number {
  const n = xs.length;
  if (n === 0) return 1;
  let sum = 0;
  let sq = 0;
  for (const x of xs) {
    sum += x;
    sq += x * x;
  }
  if (sq === 0) return 1;
  const j = (sum * sum) / (n * sq);
  // Guard the float rounding at the ends of [1/n, 1].
  return Math.min(1, Math.max(1 / n, j));
}
