// The state-space form of ARIMA that R's stats::arima uses (makeARIMA, ARIMA_Like, KalmanForecast, ARIMA_CSS),
// written again for typed arrays. Matrices are dense, row-major, rd x rd with rd = max(p, q + 1) + d (<= ~13).

/** The filter state: after `kalmanLikelihood` it holds the filtered state at the end of the series. */
export interface StateSpaceModel {
  readonly p: number;
  readonly q: number;
  readonly r: number;
  readonly d: number;
  readonly rd: number;
  readonly phi: Float64Array;
  readonly theta: Float64Array; // padded to r - 1
  readonly delta: Float64Array; // differencing polynomial: w = x - sum delta_i x_{t-i}
  readonly T: Float64Array;
  readonly V: Float64Array;
  readonly Z: Float64Array;
  a: Float64Array;
  P: Float64Array;
  Pn: Float64Array;
}

export interface LikelihoodSums {
  ssq: number;
  sumLog: number;
  nUsed: number;
}

/** Coefficients of (1 - B)^d, as R's Delta: x_t = sum_i delta_i x_{t-i} + w_t. */
export function differencingDelta(d: number): Float64Array {
  let poly = [1];
  for (let i = 0; i < d; i++) {
    const next = new Array<number>(poly.length + 1).fill(0);
    for (let j = 0; j < poly.length; j++) {
      next[j]! += poly[j]!;
      next[j + 1]! -= poly[j]!;
    }
    poly = next;
  }
  return Float64Array.from(poly.slice(1).map((v) => -v));
}

/**
 * Stationary covariance of the ARMA state (Q0): solves P = T P T' + R R' for the r x r block. R computes it with
 * Gardner et al. (1980); for the fixtures' models the two agree to the last bit (`loglik_at_coef_SSinit_Rossignol2011`),
 * and a direct solve of the symmetric Lyapunov system is exact as well.
 */
export function stationaryCovariance(phi: ArrayLike<number>, theta: ArrayLike<number>, r: number): Float64Array {
  const p = phi.length;
  const P = new Float64Array(r * r);
  const R = new Float64Array(r);
  R[0] = 1;
  for (let i = 1; i < r; i++) R[i] = i - 1 < theta.length ? theta[i - 1]! : 0;
  if (r === 1) {
    P[0] = p > 0 ? 1 / (1 - phi[0]! * phi[0]!) : 1;
    return P;
  }
  const ph = (i: number): number => (i < p ? phi[i]! : 0);
  if (p === 0) {
    // Pure MA: P_ij = sum_{k>=0} R_{i+k} R_{j+k}, by back-substitution from the last row.
    for (let i = r - 1; i >= 0; i--)
      for (let j = r - 1; j >= i; j--) {
        const v = R[i]! * R[j]! + (i + 1 < r && j + 1 < r ? P[(i + 1) * r + j + 1]! : 0);
        P[i * r + j] = v;
        P[j * r + i] = v;
      }
    return P;
  }
  // Unknowns: upper triangle (i <= j). Equation for (i, j):
  // P_ij - [phi_i phi_j P_00 + phi_i P_{0,j+1} + phi_j P_{i+1,0} + P_{i+1,j+1}] = R_i R_j.
  const np = (r * (r + 1)) / 2;
  const idx = (i: number, j: number): number => {
    const a = Math.min(i, j);
    const b = Math.max(i, j);
    return a * r - (a * (a - 1)) / 2 + (b - a);
  };
  const A = new Float64Array(np * np);
  const b = new Float64Array(np);
  for (let i = 0; i < r; i++)
    for (let j = i; j < r; j++) {
      const row = idx(i, j);
      A[row * np + row]! += 1;
      A[row * np + idx(0, 0)]! -= ph(i) * ph(j);
      if (j + 1 < r) A[row * np + idx(0, j + 1)]! -= ph(i);
      if (i + 1 < r) A[row * np + idx(i + 1, 0)]! -= ph(j);
      if (i + 1 < r && j + 1 < r) A[row * np + idx(i + 1, j + 1)]! -= 1;
      b[row] = R[i]! * R[j]!;
    }
  const x = solveLinear(A, b, np);
  for (let i = 0; i < r; i++)
    for (let j = i; j < r; j++) {
      const v = x[idx(i, j)]!;
      P[i * r + j] = v;
      P[j * r + i] = v;
    }
  return P;
}

/** Gaussian elimination with partial pivoting; A is n x n row-major and is overwritten. */
export function solveLinear(A: Float64Array, b: Float64Array, n: number): Float64Array {
  const x = Float64Array.from(b);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r * n + c]!) > Math.abs(A[piv * n + c]!)) piv = r;
    if (piv !== c) {
      for (let k = 0; k < n; k++) {
        const t = A[c * n + k]!;
        A[c * n + k] = A[piv * n + k]!;
        A[piv * n + k] = t;
      }
      const t = x[c]!;
      x[c] = x[piv]!;
      x[piv] = t;
    }
    const diag = A[c * n + c]!;
    for (let r = c + 1; r < n; r++) {
      const f = A[r * n + c]! / diag;
      if (f === 0) continue;
      for (let k = c; k < n; k++) A[r * n + k]! -= f * A[c * n + k]!;
      x[r]! -= f * x[c]!;
    }
  }
  for (let c = n - 1; c >= 0; c--) {
    let s = x[c]!;
    for (let k = c + 1; k < n; k++) s -= A[c * n + k]! * x[k]!;
    x[c] = s / A[c * n + c]!;
  }
  return x;
}

/** R's makeARIMA with SSinit = Gardner1980 (see stationaryCovariance) and an approximate diffuse prior kappa. */
export function makeStateSpace(phiIn: ArrayLike<number>, thetaIn: ArrayLike<number>, d: number, kappa = 1e6): StateSpaceModel {
  const p = phiIn.length;
  const q = thetaIn.length;
  const r = Math.max(p, q + 1);
  const delta = differencingDelta(d);
  const rd = r + d;
  const phi = Float64Array.from(phiIn as ArrayLike<number>);
  const theta = new Float64Array(Math.max(r - 1, q));
  for (let i = 0; i < q; i++) theta[i] = thetaIn[i]!;
  const Z = new Float64Array(rd);
  Z[0] = 1;
  for (let i = 0; i < d; i++) Z[r + i] = delta[i]!;
  const T = new Float64Array(rd * rd);
  for (let i = 0; i < p; i++) T[i * rd] = phi[i]!;
  for (let i = 1; i < r; i++) T[(i - 1) * rd + i] = 1;
  if (d > 0) {
    for (let j = 0; j < rd; j++) T[r * rd + j] = Z[j]!;
    for (let i = 1; i < d; i++) T[(r + i) * rd + (r + i - 1)] = 1;
  }
  const Rv = new Float64Array(rd);
  Rv[0] = 1;
  for (let i = 1; i < r; i++) Rv[i] = theta[i - 1] ?? 0;
  const V = new Float64Array(rd * rd);
  for (let i = 0; i < rd; i++) for (let j = 0; j < rd; j++) V[i * rd + j] = Rv[i]! * Rv[j]!;
  const Pn = new Float64Array(rd * rd);
  const Q0 = stationaryCovariance(phi, theta, r);
  for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) Pn[i * rd + j] = Q0[i * r + j]!;
  for (let i = 0; i < d; i++) Pn[(r + i) * rd + r + i] = kappa;
  return { p, q, r, d, rd, phi, theta, delta, T, V, Z, a: new Float64Array(rd), P: new Float64Array(rd * rd), Pn };
}

/**
 * R's ARIMA_Like: Kalman filter over y (already demeaned / de-drifted), sigma2 concentrated out. Innovations with
 * variance >= 1e4 (in sigma2 units: the diffuse start when d > 0) are left out of the sums. Leaves the filtered
 * state in `mod.a`, `mod.P` for forecasting. With `resid`, writes standardised innovations v_t / sqrt(F_t).
 * `continuing`: the model already holds a filtered state (online use), so the first step predicts from it.
 */
export function kalmanLikelihood(y: ArrayLike<number>, mod: StateSpaceModel, resid?: Float64Array, continuing = false): LikelihoodSums {
  const { rd, T, V, Z } = mod;
  const n = y.length;
  const a = mod.a;
  const P = mod.P;
  const Pnew = mod.Pn;
  const anew = new Float64Array(rd);
  const M = new Float64Array(rd);
  const mm = new Float64Array(rd * rd);
  // T is sparse (companion form plus the differencing rows): keep each row's non-zeros, so that
  // T P T' costs O(nnz(T) * rd) instead of O(rd^3) per step.
  const rowStart = new Int32Array(rd + 1);
  const colList: number[] = [];
  const valList: number[] = [];
  for (let i = 0; i < rd; i++) {
    rowStart[i] = colList.length;
    for (let k = 0; k < rd; k++) {
      const t = T[i * rd + k]!;
      if (t !== 0) {
        colList.push(k);
        valList.push(t);
      }
    }
  }
  rowStart[rd] = colList.length;
  const cols = Int32Array.from(colList);
  const vals = Float64Array.from(valList);
  const zIdx = Int32Array.from(Array.from({ length: rd }, (_, i) => i).filter((i) => Z[i] !== 0));
  let ssq = 0;
  let sumLog = 0;
  let nUsed = 0;
  // Steady state: once the predicted covariance stops changing (relative change <= 1e-14, as for any stable
  // time-invariant filter after a few dozen steps) the gain is fixed and only the state needs updating. This makes
  // a likelihood O(n·rd) instead of O(n·rd²·nnz) and changes results by ~1e-13 at most.
  let steady = false;
  let gain = 0;
  let logGain = 0;
  let l = 0;
  for (; l < n && !steady; l++) {
    for (let i = 0; i < rd; i++) {
      let s = 0;
      for (let e = rowStart[i]!; e < rowStart[i + 1]!; e++) s += vals[e]! * a[cols[e]!]!;
      anew[i] = s;
    }
    {
      if (l > 0 || continuing) {
        // Pnew = T P T' + V (symmetric: upper triangle, then mirrored)
        for (let i = 0; i < rd; i++) {
          const e0 = rowStart[i]!;
          const e1 = rowStart[i + 1]!;
          for (let j = 0; j < rd; j++) {
            let s = 0;
            for (let e = e0; e < e1; e++) s += vals[e]! * P[cols[e]! * rd + j]!;
            mm[i * rd + j] = s;
          }
        }
        let change = 0;
        let scale = 0;
        for (let i = 0; i < rd; i++)
          for (let j = i; j < rd; j++) {
            let s = V[i * rd + j]!;
            for (let e = rowStart[j]!; e < rowStart[j + 1]!; e++) s += mm[i * rd + cols[e]!]! * vals[e]!;
            const dlt = Math.abs(s - Pnew[i * rd + j]!);
            if (dlt > change) change = dlt;
            if (Math.abs(s) > scale) scale = Math.abs(s);
            Pnew[i * rd + j] = s;
            Pnew[j * rd + i] = s;
          }
        if (l > 1 && change <= 1e-14 * scale) steady = true;
      }
      gain = 0;
      for (let i = 0; i < rd; i++) {
        let s = 0;
        for (const j of zIdx) s += Pnew[i * rd + j]! * Z[j]!;
        M[i] = s;
      }
      for (const i of zIdx) gain += Z[i]! * M[i]!;
      logGain = Math.log(gain);
    }
    let resid0 = y[l]!;
    for (const i of zIdx) resid0 -= Z[i]! * anew[i]!;
    if (gain < 1e4) {
      nUsed++;
      ssq += (resid0 * resid0) / gain;
      sumLog += logGain;
    }
    if (resid) resid[l] = resid0 / Math.sqrt(gain);
    const rg = resid0 / gain;
    for (let i = 0; i < rd; i++) a[i] = anew[i]! + M[i]! * rg;
    // Once steady, P stays the filtered covariance of the last update (it no longer changes).
    for (let i = 0; i < rd; i++) {
      const mi = M[i]! / gain;
      for (let j = i; j < rd; j++) {
        const v = Pnew[i * rd + j]! - mi * M[j]!;
        P[i * rd + j] = v;
        P[j * rd + i] = v;
      }
    }
  }
  if (l < n) {
    // Steady state: fixed gain; only the state moves (a small separate function, so V8 optimises it on its own).
    const K = new Float64Array(rd);
    for (let i = 0; i < rd; i++) K[i] = M[i]! / gain;
    const sums = steadyStateSteps(y, l, mod, a, anew, K, gain, resid);
    ssq += sums.ssq;
    if (gain < 1e4) {
      nUsed += n - l;
      sumLog += (n - l) * logGain;
    }
  }
  return { ssq, sumLog, nUsed };
}

function steadyStateSteps(
  y: ArrayLike<number>,
  from: number,
  mod: StateSpaceModel,
  a: Float64Array,
  anew: Float64Array,
  K: Float64Array,
  gain: number,
  resid: Float64Array | undefined,
): { ssq: number } {
  // The ARIMA transition written out (as R's ARIMA_Like does): companion rows for the ARMA part, then the
  // differencing rows.
  const n = y.length;
  const { p, r, d, rd, phi, delta } = mod;
  const used = gain < 1e4;
  const sqrtGain = Math.sqrt(gain);
  let ssq = 0;
  for (let l = from; l < n; l++) {
    const a0 = a[0]!;
    for (let i = 0; i < r - 1; i++) anew[i] = (i < p ? phi[i]! * a0 : 0) + a[i + 1]!;
    anew[r - 1] = r - 1 < p ? phi[r - 1]! * a0 : 0;
    let resid0 = y[l]! - anew[0]!;
    if (d > 0) {
      let t = a0;
      for (let k = 0; k < d; k++) t += delta[k]! * a[r + k]!;
      for (let k = d - 1; k > 0; k--) anew[r + k] = a[r + k - 1]!;
      anew[r] = t;
      for (let k = 0; k < d; k++) resid0 -= delta[k]! * anew[r + k]!;
    }
    if (used) ssq += (resid0 * resid0) / gain;
    if (resid) resid[l] = resid0 / sqrtGain;
    for (let i = 0; i < rd; i++) a[i] = anew[i]! + K[i]! * resid0;
  }
  return { ssq };
}

/** R's KalmanForecast: h-step means and variances (in sigma2 units) from the filtered state; does not mutate mod. */
export function kalmanForecast(mod: StateSpaceModel, h: number): { mean: number[]; variance: number[] } {
  const { rd, T, V, Z } = mod;
  let a = Float64Array.from(mod.a);
  let P = Float64Array.from(mod.P);
  const mean: number[] = [];
  const variance: number[] = [];
  const mm = new Float64Array(rd * rd);
  for (let l = 0; l < h; l++) {
    const anew = new Float64Array(rd);
    let fc = 0;
    for (let i = 0; i < rd; i++) {
      let s = 0;
      for (let k = 0; k < rd; k++) s += T[i * rd + k]! * a[k]!;
      anew[i] = s;
      fc += s * Z[i]!;
    }
    a = anew;
    mean.push(fc);
    for (let i = 0; i < rd; i++)
      for (let j = 0; j < rd; j++) {
        let s = 0;
        for (let k = 0; k < rd; k++) s += T[i * rd + k]! * P[k * rd + j]!;
        mm[i * rd + j] = s;
      }
    const Pnew = new Float64Array(rd * rd);
    let v = 0;
    for (let i = 0; i < rd; i++)
      for (let j = 0; j < rd; j++) {
        let s = V[i * rd + j]!;
        for (let k = 0; k < rd; k++) s += mm[i * rd + k]! * T[j * rd + k]!;
        Pnew[i * rd + j] = s;
      }
    for (let i = 0; i < rd; i++) for (let j = 0; j < rd; j++) v += Z[i]! * Z[j]! * Pnew[i * rd + j]!;
    P = Pnew;
    variance.push(v);
  }
  return { mean, variance };
}

/**
 * R's ARIMA_CSS: conditional residuals after d differences, the first nCond set to 0. Returns SSR / (n - nCond);
 * writes the residuals into `resid` when given.
 */
export function cssObjective(
  y: ArrayLike<number>,
  d: number,
  phi: ArrayLike<number>,
  theta: ArrayLike<number>,
  nCond: number,
  resid?: Float64Array,
  scratch?: Float64Array,
): number {
  const n = y.length;
  // Differencing in a caller-owned buffer when given: the optimiser calls this thousands of times.
  const w = scratch && scratch.length >= n ? scratch : new Float64Array(n);
  for (let l = 0; l < n; l++) w[l] = y[l]!;
  for (let i = 0; i < d; i++) for (let l = n - 1; l > 0; l--) w[l] = w[l]! - w[l - 1]!;
  const e = resid ?? (scratch && scratch.length >= 2 * n ? scratch.subarray(n, 2 * n) : new Float64Array(n));
  for (let l = 0; l < nCond && l < n; l++) e[l] = 0;
  const p = phi.length;
  const q = theta.length;
  let ssq = 0;
  let nu = 0;
  for (let l = nCond; l < n; l++) {
    let tmp = w[l]!;
    for (let j = 0; j < p; j++) tmp -= phi[j]! * w[l - j - 1]!;
    const jmax = l - nCond < q ? l - nCond : q;
    for (let j = 0; j < jmax; j++) tmp -= theta[j]! * e[l - j - 1]!;
    e[l] = tmp;
    if (tmp === tmp) {
      nu++;
      ssq += tmp * tmp;
    }
  }
  return ssq / nu;
}

/**
 * CSS objective 0.5 log(SSR / nu) and its exact gradient with respect to (phi, theta, beta), where beta is the
 * coefficient of a regressor whose d-th difference is `zDiff` (1 for a mean or a drift). Used where no R path has
 * to be reproduced (auto-ARIMA's approximate search): one pass replaces the 2k passes of a numerical gradient.
 */
export function cssValueAndGradient(
  w: Float64Array,
  phi: ArrayLike<number>,
  theta: ArrayLike<number>,
  nCond: number,
  zDiff: Float64Array | null,
  grad: Float64Array,
  work: Float64Array,
): number {
  const n = w.length;
  const p = phi.length;
  const q = theta.length;
  const k = p + q + (zDiff ? 1 : 0);
  // work layout: e[n], then de[k][n]
  const e = work.subarray(0, n);
  const de = work.subarray(n, n + k * n);
  e.fill(0);
  de.fill(0);
  let ssq = 0;
  let nu = 0;
  grad.fill(0);
  for (let l = nCond; l < n; l++) {
    let tmp = w[l]!;
    for (let j = 0; j < p; j++) tmp -= phi[j]! * w[l - j - 1]!;
    const jmax = l - nCond < q ? l - nCond : q;
    for (let j = 0; j < jmax; j++) tmp -= theta[j]! * e[l - j - 1]!;
    e[l] = tmp;
    for (let i = 0; i < k; i++) {
      let g: number;
      if (i < p) g = -w[l - i - 1]!;
      else if (i < p + q) g = i - p < jmax ? -e[l - (i - p) - 1]! : 0;
      else {
        g = -zDiff![l]!;
        for (let j = 0; j < p; j++) g += phi[j]! * zDiff![l - j - 1]!;
      }
      const row = i * n;
      for (let j = 0; j < jmax; j++) g -= theta[j]! * de[row + l - j - 1]!;
      de[row + l] = g;
      grad[i]! += tmp * g;
    }
    ssq += tmp * tmp;
    nu++;
  }
  for (let i = 0; i < k; i++) grad[i] = grad[i]! / ssq;
  return 0.5 * Math.log(ssq / nu);
}
