// Which forecaster each signal uses by default: measured, not assumed (docs/results.md, "Forecasting";
// `npm run bench -- forecast-accuracy`). The rule: ARIMA is the default only where it measurably beats
// naive (>= 2% lower MASE and paired t < -2 over rolling origins). On the real series it never did: busy-node counts
// and VC occupancy are step-like (unchanged minute to minute, then jumps), where the last value is hard to beat.
import type { ForecasterKind } from './forecaster.ts';

export type SignalKind = 'node-load' | 'tenant-demand';

export const DEFAULT_FORECASTER: Readonly<Record<SignalKind, ForecasterKind>> = Object.freeze({
  // Philly busy nodes, Helios VC occupancy, Alibaba pod GPU duty cycle: naive best or not measurably beaten.
  'node-load': 'naive',
  // Helios Venus GPU demand per 10 min: see docs/results.md (EWMA where it measurably beats naive).
  'tenant-demand': 'naive',
});
