// Variable-metric (BFGS) minimiser as in R's optim(method = "BFGS") (Nash's vmmin), with optim's central-difference
// gradient on scaled parameters (ndeps = 1e-3, parscale) and optimhess's numerical Hessian. Following R's steps
// closely matters: on flat or multimodal likelihoods (see the fixtures' stress cases) the optimum reached depends on
// the path, and the ARIMA fixtures were produced by exactly this algorithm.

export type Objective = (x: Float64Array) => number;

export interface MinimizeOptions {
  /** Scale of each parameter (R's parscale); the optimiser works on x / parscale. */
  readonly parscale?: readonly number[];
  readonly maxIterations?: number;
  readonly relTol?: number;
  /** Finite-difference step in scaled units (R's ndeps). */
  readonly ndeps?: number;
  /** Exact gradient (unscaled parameters) instead of optim's central differences. */
  readonly gradient?: (x: Float64Array, out: Float64Array) => void;
}

export interface MinimizeResult {
  readonly x: Float64Array;
  readonly value: number;
  /** 0 = converged, 1 = iteration limit reached (R's convergence codes). */
  readonly convergence: 0 | 1;
  readonly functionCalls: number;
  readonly gradientCalls: number;
}

export class NonFiniteGradientError extends Error {
  constructor(readonly index: number) {
    super(`non-finite finite-difference value [${index + 1}]`);
  }
}

export function numericGradient(fn: Objective, xScaled: Float64Array, parscale: readonly number[], ndeps: number, out: Float64Array): void {
  const n = xScaled.length;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = xScaled[i]! * parscale[i]!;
  for (let i = 0; i < n; i++) {
    const p = xScaled[i]!;
    x[i] = (p + ndeps) * parscale[i]!;
    const v1 = fn(x);
    x[i] = (p - ndeps) * parscale[i]!;
    const v2 = fn(x);
    const g = (v1 - v2) / (2 * ndeps);
    if (!Number.isFinite(g)) throw new NonFiniteGradientError(i);
    out[i] = g;
    x[i] = p * parscale[i]!;
  }
}

/** Minimise fn from x0 (unscaled). Throws when the initial value is not finite (as R does). */
export function minimizeBfgs(fn: Objective, x0: ArrayLike<number>, options: MinimizeOptions = {}): MinimizeResult {
  const n = x0.length;
  const parscale = options.parscale ?? new Array<number>(n).fill(1);
  const maxit = options.maxIterations ?? 100;
  const reltol = options.relTol ?? 1.490116119384765625e-8;
  const ndeps = options.ndeps ?? 1e-3;
  const stepredn = 0.2;
  const acctol = 0.0001;
  const reltest = 10.0;
  const xs = new Float64Array(n);
  for (let i = 0; i < n; i++) xs[i] = x0[i]! / parscale[i]!;
  const unscaled = new Float64Array(n);
  const f = (b: Float64Array): number => {
    for (let i = 0; i < n; i++) unscaled[i] = b[i]! * parscale[i]!;
    return fn(unscaled);
  };
  let fcount = 0;
  let gcount = 0;
  const exact = options.gradient;
  const gradAt = (bs: Float64Array, out: Float64Array): void => {
    if (!exact) return numericGradient(fn, bs, parscale, ndeps, out);
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) x[i] = bs[i]! * parscale[i]!;
    exact(x, out);
    for (let i = 0; i < n; i++) {
      out[i] = out[i]! * parscale[i]!;
      if (!Number.isFinite(out[i]!)) throw new NonFiniteGradientError(i);
    }
  };
  const result = (b: Float64Array, value: number, conv: 0 | 1): MinimizeResult => {
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) x[i] = b[i]! * parscale[i]!;
    return { x, value, convergence: conv, functionCalls: fcount, gradientCalls: gcount };
  };
  const b = xs;
  let fval = f(b);
  if (!Number.isFinite(fval)) throw new Error('initial value in vmmin is not finite');
  if (n === 0 || maxit <= 0) return result(b, fval, 0);
  let Fmin = fval;
  fcount = gcount = 1;
  const g = new Float64Array(n);
  gradAt(b, g);
  let iter = 1;
  let ilast = gcount;
  const t = new Float64Array(n);
  const X = new Float64Array(n);
  const c = new Float64Array(n);
  const B = new Float64Array(n * n); // lower triangle used, B[i*n+j], j <= i
  let count = 0;
  do {
    if (ilast === gcount) {
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < i; j++) B[i * n + j] = 0;
        B[i * n + i] = 1;
      }
    }
    for (let i = 0; i < n; i++) {
      X[i] = b[i]!;
      c[i] = g[i]!;
    }
    let gradproj = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j <= i; j++) s -= B[i * n + j]! * g[j]!;
      for (let j = i + 1; j < n; j++) s -= B[j * n + i]! * g[j]!;
      t[i] = s;
      gradproj += s * g[i]!;
    }
    if (gradproj < 0) {
      let steplength = 1.0;
      let accpoint = false;
      do {
        count = 0;
        for (let i = 0; i < n; i++) {
          b[i] = X[i]! + steplength * t[i]!;
          if (reltest + X[i]! === reltest + b[i]!) count++;
        }
        if (count < n) {
          fval = f(b);
          fcount++;
          accpoint = Number.isFinite(fval) && fval <= Fmin + gradproj * steplength * acctol;
          if (!accpoint) steplength *= stepredn;
        }
      } while (!(count === n || accpoint));
      const enough = fval > -Infinity && Math.abs(fval - Fmin) > reltol * (Math.abs(Fmin) + reltol);
      if (!enough) {
        count = n;
        Fmin = fval;
      }
      if (count < n) {
        Fmin = fval;
        gradAt(b, g);
        gcount++;
        iter++;
        let D1 = 0;
        for (let i = 0; i < n; i++) {
          t[i] = steplength * t[i]!;
          c[i] = g[i]! - c[i]!;
          D1 += t[i]! * c[i]!;
        }
        if (D1 > 0) {
          let D2 = 0;
          for (let i = 0; i < n; i++) {
            let s = 0;
            for (let j = 0; j <= i; j++) s += B[i * n + j]! * c[j]!;
            for (let j = i + 1; j < n; j++) s += B[j * n + i]! * c[j]!;
            X[i] = s;
            D2 += s * c[i]!;
          }
          D2 = 1.0 + D2 / D1;
          for (let i = 0; i < n; i++)
            for (let j = 0; j <= i; j++) B[i * n + j]! += (D2 * t[i]! * t[j]! - X[i]! * t[j]! - t[i]! * X[j]!) / D1;
        } else {
          ilast = gcount;
        }
      } else if (ilast < gcount) {
        count = 0;
        ilast = gcount;
      }
    } else {
      count = 0;
      if (ilast === gcount) count = n;
      else ilast = gcount;
    }
    if (iter >= maxit) break;
    if (gcount - ilast > 2 * n) ilast = gcount;
  } while (count !== n || ilast !== gcount);
  return result(b, Fmin, iter < maxit ? 0 : 1);
}

/** R's optimhess at x (unscaled), with optim's numerical gradient; symmetrised. Row-major n x n. */
export function numericHessian(fn: Objective, x: ArrayLike<number>, parscale: readonly number[], ndeps = 1e-3): Float64Array {
  const n = x.length;
  const H = new Float64Array(n * n);
  const dpar = new Float64Array(n);
  for (let i = 0; i < n; i++) dpar[i] = x[i]! / parscale[i]!;
  const df1 = new Float64Array(n);
  const df2 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const eps = ndeps / parscale[i]!;
    dpar[i]! += eps;
    numericGradient(fn, dpar, parscale, ndeps, df1);
    dpar[i]! -= 2 * eps;
    numericGradient(fn, dpar, parscale, ndeps, df2);
    for (let j = 0; j < n; j++) H[i * n + j] = (df1[j]! - df2[j]!) / (2 * eps * parscale[i]! * parscale[j]!);
    dpar[i]! += eps;
  }
  for (let i = 0; i < n; i++)
    for (let j = 0; j < i; j++) {
      const tmp = 0.5 * (H[i * n + j]! + H[j * n + i]!);
      H[i * n + j] = H[j * n + i] = tmp;
    }
  return H;
}
