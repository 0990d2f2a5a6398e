// Typed errors of the forecaster (DESIGN.md §4): bad input is the caller's fault, a failed fit is the model's.
import { FairwayError, type ErrorContext } from '../util/errors.ts';

/** The series or the model specification cannot be used (too short, constant, NaN/Infinity, bad order). */
export class ForecastInputError extends FairwayError {
  constructor(message: string, context: ErrorContext = {}) {
    super('forecast_input', message, context);
  }
}

/** The estimation itself failed (non-stationary AR part from CSS, non-finite likelihood, singular Hessian). */
export class ArimaFitError extends FairwayError {
  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super('arima_fit_failed', message, context, options);
  }
}
