/**
 * `watch`'s drift rule for one target pair, one interval at a time: a pure step over the pair's
 * state, so the service applies it and test/watch-drift.test.ts measures its false-alarm and
 * detection rates over seeded repetitions on a {@link SlidingWindow}.
 *
 * Outside: the current interval lies entirely below (or above) the baseline interval, clear of it
 * by more than the margin: `minDrift` bits plus the window's binning resolution
 * ({@link SlidingWindow.resolution}, the margins' plug-in bias: quantile cuts fitted to a window
 * put its margins' entropies at their most, and later windows on the same cuts fall short of them
 * with nothing changed). The flag comes on at the `persist`-th interval in a row outside on the
 * same side, and goes off when an interval is back inside; once on for a whole window (the new
 * regime fills it), the current interval becomes the baseline.
 */
import type { SlidingWindow } from './window.js';

/** One target pair's drift state (persisted with the service's state). */
export interface DriftState {
  /** Tracked pair index in the window. */
  pair: number;
  /** The baseline interval (bits), set at the pair's first selection. */
  baseline: [number, number];
  /** Intervals in a row outside the baseline on the side `direction`. */
  streak: number;
  active: boolean;
  /** When the flag came on (the clock's units); NaN while off. */
  since: number;
  direction: 0 | 1 | -1;
}

export interface DriftRuleOptions {
  persist: number;
  /** Bits the current interval must clear the baseline's by, besides the binning resolution. */
  minDrift: number;
  /** Interval level (default 0.95). */
  level: number;
  /** Complete rows a pair needs to be judged (fewer: a series that stopped says nothing). */
  minRows: number;
  /** Clock time of this interval, and how long a flag stays on before the baseline moves. */
  time: number;
  refill: number;
}

/** Bits the current interval of `pair` must clear the baseline's by now: `minDrift` plus the binning resolution. */
export function driftMargin(w: SlidingWindow, pair: number, minDrift: number): number {
  const r = w.resolution(pair);
  return minDrift + (Number.isFinite(r) ? r : 0);
}

/** Applies one interval of the rule to `d` (in place) from the window's counts now. */
export function stepDrift(d: DriftState, w: SlidingWindow, o: DriftRuleOptions): void {
  const iv = w.miInterval(d.pair, o.level);
  const gap = driftMargin(w, d.pair, o.minDrift);
  const side = !(iv.rows >= o.minRows) ? 0 : iv.upper < d.baseline[0] - gap ? -1 : iv.lower > d.baseline[1] + gap ? 1 : 0;
  d.streak = side !== 0 && side === d.direction ? d.streak + 1 : side !== 0 ? 1 : 0;
  d.direction = side;
  if (!d.active && d.streak >= o.persist) {
    d.active = true;
    d.since = o.time;
  } else if (d.active && side === 0 && d.streak === 0) {
    d.active = false;
  }
  if (d.active && o.time - d.since >= o.refill) {
    // The new regime filled the window: it is the baseline now.
    d.baseline = [iv.lower, iv.upper];
    d.active = false;
    d.streak = 0;
  }
}
