// A clock the test moves by hand; timers fire in due order as time is advanced.
import { MAX_TIMER_MS, type Clock } from '../../src/clock';

interface Timer {
  readonly id: number;
  readonly due: number;
  readonly fn: () => void;
}

/** Lets pending promise callbacks (a resolved run, its .then) settle. */
export const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

export class FakeClock implements Clock {
  private current: number;
  private timers: Timer[] = [];
  private nextId = 1;

  constructor(start = Date.UTC(2026, 0, 2, 3, 4, 5, 600)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(fn: () => void, ms: number): unknown {
    // Node fires a longer timer after 1 ms (with a warning); here it is a failed test.
    if (!(ms <= MAX_TIMER_MS)) throw new RangeError(`timer of ${ms} ms is over Node's longest, ${MAX_TIMER_MS} ms`);
    const timer = { id: this.nextId++, due: this.current + Math.max(0, ms), fn };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimer(timer: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== timer);
  }

  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward by ms, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    await flush();
    for (;;) {
      const next = this.timers
        .filter((t) => t.due <= target)
        .sort((a, b) => a.due - b.due || a.id - b.id)[0];
      if (next === undefined) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.current = next.due;
      next.fn();
      await flush();
    }
    this.current = target;
    await flush();
  }
}
