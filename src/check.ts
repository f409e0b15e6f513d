// One check: runs its command on a schedule and keeps the last result and the counters
// /metrics needs. Requests only read this state; they never start a run.
import type { CheckSpec } from './config';
import { MAX_TIMER_MS, type Clock } from './clock';
import { Counter, Histogram } from './metric';
import type { RunOptions, RunResult, Runner } from './runner';

export type Outcome = 'success' | 'failure' | 'timeout';

/** Upper bounds (seconds) of the run-duration histogram buckets. */
export const DURATION_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface CheckOptions {
  readonly runner: Runner;
  readonly clock: Clock;
  readonly periodMs: number;
  readonly latencyMs: number;
  readonly timeoutMs: number;
  readonly maxOutput: number;
  readonly killGraceMs: number;
  /**
   * Offset added once, to the second start: checks that all started together then run
   * spread over the period instead of all in the same instant. 0 when absent.
   */
  readonly phaseMs?: number;
  /** Called after every finished run (for logging). */
  readonly onResult?: (check: Check, result: RunResult) => void;
  /** Called just before a run starts (for logging). */
  readonly onRun?: (check: Check) => void;
}

export type Health =
  | { readonly state: 'pending' }
  | { readonly state: 'ok'; readonly result: RunResult }
  | { readonly state: 'failed'; readonly result: RunResult }
  | { readonly state: 'stale'; readonly result: RunResult; readonly ageMs: number };

export function outcomeOf(result: RunResult): Outcome {
  if (result.timedOut) return 'timeout';
  return result.exitCode === 0 && result.spawnError === undefined ? 'success' : 'failure';
}

export class Check {
  readonly url: string;
  readonly cmd: string;
  private readonly options: CheckOptions;
  private lastResult: RunResult | undefined;
  private failuresInARow = 0;
  /** Finished runs by outcome; /metrics renders these very counters. */
  readonly runCounters: Readonly<Record<Outcome, Counter>> = { success: new Counter(), failure: new Counter(), timeout: new Counter() };
  /** Run durations in seconds. */
  readonly durations = new Histogram(DURATION_BUCKETS);
  private timer: unknown;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly abort = new AbortController();
  /** The same for every run of this check. */
  private readonly runOptions: RunOptions;
  private startedAt = 0;
  private phaseMs: number;

  constructor(spec: CheckSpec, options: CheckOptions) {
    this.url = spec.url;
    this.cmd = spec.cmd;
    this.options = options;
    this.phaseMs = Math.max(0, options.phaseMs ?? 0);
    this.runOptions = {
      timeoutMs: options.timeoutMs,
      maxOutput: options.maxOutput,
      killGraceMs: options.killGraceMs,
      signal: this.abort.signal,
    };
  }

  /** Starts the first run at once; later runs follow the period. */
  start(): void {
    this.runOnce();
  }

  /** Cancels the schedule, kills a running command and waits until it is gone. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.options.clock.clearTimer(this.timer);
    this.abort.abort();
    await this.running;
  }

  get last(): RunResult | undefined {
    return this.lastResult;
  }

  get consecutiveFailures(): number {
    return this.failuresInARow;
  }

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  runs(outcome: Outcome): number {
    return this.runCounters[outcome].value;
  }

  histogram(): { readonly buckets: readonly number[]; readonly sum: number; readonly count: number } {
    return this.durations.cumulative();
  }

  health(): Health {
    const result = this.lastResult;
    if (result === undefined) return { state: 'pending' };
    // The Go tool reports a failed result before looking at its age; keep that order.
    if (outcomeOf(result) !== 'success') return { state: 'failed', result };
    const ageMs = this.options.clock.now() - result.end;
    if (ageMs > this.options.latencyMs) return { state: 'stale', result, ageMs };
    return { state: 'ok', result };
  }

  private runOnce(): void {
    this.timer = undefined;
    if (this.stopped) return;
    this.startedAt = this.options.clock.now();
    this.options.onRun?.(this);
    this.running = this.options.runner(this.cmd, this.runOptions).then(this.onRunDone, this.onRunFailed);
  }

  // Bound once, not made per run: a run every period per check adds up.
  private readonly tick = (): void => this.runOnce();

  private readonly onRunDone = (result: RunResult): void => {
    this.running = undefined;
    // A run cut short by shutdown says nothing about health.
    if (this.stopped) return;
    this.record(result);
    this.schedule(this.startedAt);
  };

  private readonly onRunFailed = (err: unknown): void => {
    // The runner reports failures as results; reaching here is a bug, but the schedule
    // must survive it.
    this.running = undefined;
    if (this.stopped) return;
    this.record({
      exitCode: null,
      signal: null,
      timedOut: false,
      spawnError: err instanceof Error ? err.message : String(err),
      output: '',
      droppedBytes: 0,
      start: this.startedAt,
      end: this.options.clock.now(),
    });
    this.schedule(this.startedAt);
  };

  private schedule(startedAt: number): void {
    // Next start is a period after this one started, or at once if it ran longer. Every
    // check's first run is at once (a fresh pod wants results), then each moves by its
    // phase: a hundred checks started in one instant forever would fork a hundred
    // processes at once each period, and a hundred runs' objects alive together at a
    // scavenge are what grew V8's young generation with every added check.
    // The phase is under a period, so the first delay can reach twice --period: for a period
    // over half of Node's longest timer that would overflow (Node then fires after 1 ms).
    // Capped there, such a check's one phase shift is shorter; nothing else changes.
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, startedAt + this.options.periodMs + this.phaseMs - this.options.clock.now()));
    this.phaseMs = 0;
    this.timer = this.options.clock.setTimer(this.tick, delay);
  }

  private record(result: RunResult): void {
    this.lastResult = result;
    const outcome = outcomeOf(result);
    this.runCounters[outcome].inc();
    this.failuresInARow = outcome === 'success' ? 0 : this.failuresInARow + 1;
    this.durations.observe(Math.max(0, result.end - result.start) / 1000);
    this.options.onResult?.(this, result);
  }
}
