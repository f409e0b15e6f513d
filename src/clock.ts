// Time as the checks see it; unit tests swap in a fake one.

/**
 * The longest delay Node's timers take (2^31-1 ms, 596h31m23.647s). A longer one is not
 * refused: Node warns (TimeoutOverflowWarning) and fires after 1 ms instead. Every
 * duration flag is capped at this (flag-spec.ts), and a timer set from a sum of flags
 * must stay under it too.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(timer: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (timer) => clearTimeout(timer as NodeJS.Timeout),
};
