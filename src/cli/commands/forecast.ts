// `fairway forecast`: fit an ARIMA model (fixed order or auto-ARIMA) to a series from a file and print forecasts.
// FILE is a CSV with one value per line (a non-numeric header line is skipped) or JSON: an array, or an object with
// a `series` array (the R fixture format). Coefficient names and signs follow R (ar1, ma1, intercept, drift).
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { z } from 'zod';
import { fitArima, forecastArima, type ArimaMethod, type ArimaOrder } from '../../core/forecast/arima.ts';
import { autoArima } from '../../core/forecast/auto-arima.ts';
import { ForecastInputError } from '../../core/forecast/errors.ts';

const methods: Record<string, ArimaMethod> = { css: 'CSS', ml: 'ML', 'css-ml': 'CSS-ML' };

const jsonInput = z.union([z.array(z.number()), z.object({ series: z.array(z.number()) }).loose()]);

export interface ForecastCliOptions {
  input: string;
  order?: string;
  auto?: boolean;
  method: string;
  mean?: boolean;
  drift?: boolean;
  horizon: string;
  json?: boolean;
}

export function readSeries(path: string): number[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ForecastInputError(`cannot read input file ${path}: ${(err as Error).message}`, { path });
  }
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let raw: unknown;
    try {
      raw = JSON.parse(trimmed);
    } catch (err) {
      throw new ForecastInputError(`input file ${path} is not valid JSON: ${(err as Error).message}`, { path });
    }
    const parsed = jsonInput.safeParse(raw);
    if (!parsed.success) throw new ForecastInputError(`input JSON needs a numeric array or a "series" array of numbers`, { path });
    return Array.isArray(parsed.data) ? parsed.data : parsed.data.series;
  }
  const lines = trimmed.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  const values: number[] = [];
  lines.forEach((line, i) => {
    const cell = line.split(',').pop()!.trim();
    const v = Number(cell);
    if (cell === '' || Number.isNaN(v) && !/^nan$/i.test(cell)) {
      if (i === 0) return; // header
      throw new ForecastInputError(`line ${i + 1} of ${path} is not a number: '${line}'`, { path, line: i + 1 });
    }
    if (!Number.isFinite(v)) throw new ForecastInputError(`line ${i + 1} of ${path} is not a finite number: '${line}'`, { path, line: i + 1 });
    values.push(v);
  });
  return values;
}

function parseOrder(text: string): ArimaOrder {
  const parts = text.split(',').map((s) => Number(s.trim()));
  if (parts.length !== 3 || parts.some((v) => !Number.isInteger(v) || v < 0))
    throw new ForecastInputError(`--order must be three non-negative integers p,d,q, got '${text}'`);
  return [parts[0]!, parts[1]!, parts[2]!];
}

export interface ForecastReport {
  order: number[];
  method: ArimaMethod;
  coef: Record<string, number>;
  sigma2: number;
  loglik: number;
  aic: number | null;
  aicc: number | null;
  bic: number | null;
  forecast: { mean: number[]; se: number[] };
}

export function runForecast(series: number[], opts: Omit<ForecastCliOptions, 'input'>): ForecastReport {
  const h = Number(opts.horizon);
  if (!Number.isInteger(h) || h < 1) throw new ForecastInputError(`--horizon must be a positive integer, got '${opts.horizon}'`);
  const method = methods[opts.method.toLowerCase()];
  if (!method) throw new ForecastInputError(`--method must be css, ml or css-ml, got '${opts.method}'`);
  if (opts.order && opts.auto) throw new ForecastInputError('give either --order or --auto, not both');
  if (!opts.order) {
    const res = autoArima(series, { allowDrift: opts.drift !== false, allowMean: opts.mean !== false });
    const fc = res.forecast(h);
    const f = res.fit;
    return { order: [...f.order], method: f.method, coef: { ...f.coef }, sigma2: f.sigma2, loglik: f.loglik, aic: f.aic, aicc: f.aicc, bic: f.bic, forecast: fc };
  }
  const order = parseOrder(opts.order);
  const fit = fitArima(series, { order, method, includeMean: opts.mean, includeDrift: opts.drift ?? false });
  const fc = forecastArima(fit, h);
  return { order: [...fit.order], method, coef: { ...fit.coef }, sigma2: fit.sigma2, loglik: fit.loglik, aic: fit.aic, aicc: fit.aicc, bic: fit.bic, forecast: fc };
}

function formatTable(r: ForecastReport): string {
  const lines = [`ARIMA(${r.order.join(',')}) by ${r.method}`];
  for (const [k, v] of Object.entries(r.coef)) lines.push(`  ${k.padEnd(10)} ${v.toPrecision(8)}`);
  lines.push(`  sigma2     ${r.sigma2.toPrecision(8)}   loglik ${r.loglik.toFixed(3)}` + (r.aicc === null ? '' : `   aic ${r.aic!.toFixed(3)}   aicc ${r.aicc.toFixed(3)}`));
  lines.push('  h        mean            se');
  r.forecast.mean.forEach((m, i) => lines.push(`  ${String(i + 1).padEnd(8)} ${m.toPrecision(10).padEnd(15)} ${r.forecast.se[i]!.toPrecision(6)}`));
  return lines.join('\n');
}

export function registerForecast(program: Command): void {
  program
    .command('forecast')
    .description('fit ARIMA (R-compatible: CSS, ML, CSS-ML; auto-ARIMA by AICc) to a series and forecast')
    .requiredOption('--input <file>', 'CSV (one value per line) or JSON (array, or object with a "series" array)')
    .option('--order <p,d,q>', 'ARIMA order, e.g. 1,1,1')
    .option('--auto', 'choose the order by auto-ARIMA, as forecast::auto.arima (KPSS d, stepwise AICc, CSS-ML fits); the default without --order')
    .addOption(new Option('--method <method>', 'estimation method for --order (R: css, ml, css-ml)').choices(['css', 'ml', 'css-ml']).default('css-ml'))
    .option('--mean', 'estimate the mean (d = 0; on by default as in R)')
    .option('--no-mean', 'zero-mean model (d = 0) / no constant in auto-ARIMA')
    .option('--drift', 'estimate a drift (d = 1)')
    .requiredOption('--horizon <h>', 'forecast horizon (steps)')
    .option('--json', 'print one JSON object')
    .action((opts: ForecastCliOptions) => {
      const series = readSeries(opts.input);
      const report = runForecast(series, opts);
      console.log(opts.json ? JSON.stringify(report) : formatTable(report));
    });
}
