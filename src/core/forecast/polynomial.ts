// Complex roots of small polynomials (AR/MA lag polynomials, degree <= ~10) by the Durand–Kerner iteration,
// and the two uses R's arima makes of them: the stationarity check (arCheck) and MA root flipping (maInvert).

export interface Complex {
  re: number;
  im: number;
}

/** Roots of c[0] + c[1] z + ... + c[k] z^k (c[k] != 0). Returns k roots. */
export function polyRoots(coefs: readonly number[]): Complex[] {
  let k = coefs.length - 1;
  while (k > 0 && coefs[k] === 0) k--;
  if (k <= 0) return [];
  const lead = coefs[k]!;
  const a = coefs.slice(0, k + 1).map((c) => c / lead); // monic
  if (k === 1) return [{ re: -a[0]!, im: 0 }];
  // Durand–Kerner from the classic non-symmetric start points on a circle whose radius bounds the roots.
  let radius = 0;
  for (let i = 0; i < k; i++) radius = Math.max(radius, Math.abs(a[i]!));
  radius = 1 + radius;
  const zr = new Float64Array(k);
  const zi = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const ang = (2 * Math.PI * i) / k + 0.4;
    zr[i] = radius * 0.5 * Math.cos(ang);
    zi[i] = radius * 0.5 * Math.sin(ang);
  }
  for (let iter = 0; iter < 500; iter++) {
    let maxStep = 0;
    for (let i = 0; i < k; i++) {
      // p(z_i) by Horner (monic)
      let pr = 1;
      let pi = 0;
      const xr = zr[i]!;
      const xi = zi[i]!;
      for (let j = k - 1; j >= 0; j--) {
        const nr = pr * xr - pi * xi + a[j]!;
        const ni = pr * xi + pi * xr;
        pr = nr;
        pi = ni;
      }
      // prod (z_i - z_j)
      let dr = 1;
      let di = 0;
      for (let j = 0; j < k; j++) {
        if (j === i) continue;
        const er = xr - zr[j]!;
        const ei = xi - zi[j]!;
        const nr = dr * er - di * ei;
        const ni = dr * ei + di * er;
        dr = nr;
        di = ni;
      }
      const den = dr * dr + di * di;
      if (den === 0) continue;
      const sr = (pr * dr + pi * di) / den;
      const si = (pi * dr - pr * di) / den;
      zr[i] = xr - sr;
      zi[i] = xi - si;
      maxStep = Math.max(maxStep, Math.hypot(sr, si) / Math.max(1, Math.hypot(xr, xi)));
    }
    if (maxStep < 1e-15) break;
  }
  const out: Complex[] = [];
  for (let i = 0; i < k; i++) out.push({ re: zr[i]!, im: zi[i]! });
  return out;
}

/** Smallest root modulus of c[0] + c[1] z + ...; Infinity when the polynomial is constant. */
export function minRootModulus(coefs: readonly number[]): number {
  let m = Infinity;
  for (const r of polyRoots(coefs)) m = Math.min(m, Math.hypot(r.re, r.im));
  return m;
}

/** R's arCheck: all roots of 1 - phi_1 z - ... outside the unit circle. */
export function arIsStationary(ar: readonly number[]): boolean {
  let p = ar.length;
  while (p > 0 && ar[p - 1] === 0) p--;
  if (p === 0) return true;
  return minRootModulus([1, ...ar.slice(0, p).map((v) => -v)]) > 1;
}

/** R's maInvert: reflect MA roots inside the unit circle so that 1 + theta_1 z + ... is invertible. */
export function maInvert(ma: readonly number[]): number[] {
  const q = ma.length;
  let q0 = q;
  while (q0 > 0 && ma[q0 - 1] === 0) q0--;
  if (q0 === 0) return [...ma];
  const roots = polyRoots([1, ...ma.slice(0, q0)]);
  const inside = roots.map((r) => Math.hypot(r.re, r.im) < 1);
  if (!inside.some(Boolean)) return [...ma];
  if (q0 === 1) return [1 / ma[0]!, ...new Array<number>(q - q0).fill(0)];
  const rs = roots.map((r, i) => {
    if (!inside[i]) return r;
    const m2 = r.re * r.re + r.im * r.im;
    return { re: r.re / m2, im: -r.im / m2 };
  });
  // x <- 1; for (r in roots) x <- c(x, 0) - c(0, x) / r
  let xr = [1];
  let xi = [0];
  for (const r of rs) {
    const m2 = r.re * r.re + r.im * r.im;
    const nr = new Array<number>(xr.length + 1).fill(0);
    const ni = new Array<number>(xr.length + 1).fill(0);
    for (let j = 0; j < xr.length; j++) {
      nr[j]! += xr[j]!;
      ni[j]! += xi[j]!;
      // c(0, x) / r
      const dr = (xr[j]! * r.re + xi[j]! * r.im) / m2;
      const di = (xi[j]! * r.re - xr[j]! * r.im) / m2;
      nr[j + 1]! -= dr;
      ni[j + 1]! -= di;
    }
    xr = nr;
    xi = ni;
  }
  return [...xr.slice(1), ...new Array<number>(q - q0).fill(0)];
}
