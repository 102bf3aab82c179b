/**
 * Decoding thresholds stored in someone else's checkpoint (state.thresholds),
 * golden manifest or the API's options are checked against THRESHOLD_RULES
 * (threshold-rules.ts, the one table that parseThresholds uses too).
 */
import { DEFAULT_THRESHOLDS, type EventThresholds } from './events.js';
import { THRESHOLD_RULES, validateThresholds } from './threshold-rules.js';

export { THRESHOLD_RULES };

/**
 * Checks a partial set of thresholds read from `where` (e.g. `x/model.json:
 * state.thresholds`); absent (undefined or null) is no thresholds. Unknown
 * keys and wrong values are errors that name the key. Returns the partial set
 * (absent keys keep the defaults downstream; riseDelta null -> Infinity).
 */
export function checkThresholds(value: unknown, where: string): Partial<EventThresholds> {
  if (value === undefined || value === null) return {};
  return validateThresholds(value, where);
}

/** The checked thresholds over the defaults. */
export function thresholdsFrom(value: unknown, where: string): EventThresholds {
  return { ...DEFAULT_THRESHOLDS, ...checkThresholds(value, where) };
}
