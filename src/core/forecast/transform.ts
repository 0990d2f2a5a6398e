// R's reparametrisation of the AR part (stats/src/arima.c partrans/invpartrans): tanh of unconstrained values are
// partial autocorrelations, mapped by the Durbin–Levinson recursion to a stationary AR polynomial.

export function arFromPacfRaw(raw: ArrayLike<number>, p: number): number[] {
  const out = new Array<number>(p);
  const work = new Array<number>(p);
  for (let j = 0; j < p; j++) out[j] = work[j] = Math.tanh(raw[j]!);
  for (let j = 1; j < p; j++) {
    const a = out[j]!;
    for (let k = 0; k < j; k++) work[k] = work[k]! - a * out[j - k - 1]!;
    for (let k = 0; k < j; k++) out[k] = work[k]!;
  }
  return out;
}

export function pacfRawFromAr(phi: ArrayLike<number>, p: number): number[] {
  const out = new Array<number>(p);
  const work = new Array<number>(p);
  for (let j = 0; j < p; j++) out[j] = work[j] = phi[j]!;
  for (let j = p - 1; j > 0; j--) {
    const a = out[j]!;
    for (let k = 0; k < j; k++) work[k] = (out[k]! + a * out[j - k - 1]!) / (1 - a * a);
    for (let k = 0; k < j; k++) out[k] = work[k]!;
  }
  for (let j = 0; j < p; j++) out[j] = Math.atanh(out[j]!);
  return out;
}
