// A runner that runs nothing: each call takes the next scripted outcome and finishes
// after its duration on the fake clock.
import type { RunOptions, RunResult, Runner } from '../../src/runner';
import type { FakeClock } from './fake-clock';

export interface Script {
  readonly exitCode?: number;
  readonly output?: string;
  readonly durationMs?: number;
  /** Never finishes on its own: the run times out (at options.timeoutMs) or is aborted. */
  readonly hang?: boolean;
}

export interface Call {
  readonly cmd: string;
  readonly options: RunOptions;
  readonly startedAt: number;
}

export class FakeRunner {
  readonly calls: Call[] = [];
  private readonly scripts: Script[];
  private readonly fallback: Script;
  private running = 0;
  /** Most runs ever in progress at once (must stay 1 per check). */
  maxConcurrent = 0;

  constructor(private readonly clock: FakeClock, scripts: Script[], fallback: Script = { exitCode: 0, output: 'ok' }) {
    this.scripts = [...scripts];
    this.fallback = fallback;
  }

  readonly run: Runner = (cmd, options) => {
    const script = this.scripts.shift() ?? this.fallback;
    const start = this.clock.now();
    this.calls.push({ cmd, options, startedAt: start });
    this.running += 1;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.running);
    return new Promise<RunResult>((resolve) => {
      const done = (result: Omit<RunResult, 'start' | 'end' | 'droppedBytes'>): void => {
        this.running -= 1;
        resolve({ ...result, droppedBytes: 0, start, end: this.clock.now() });
      };
      if (script.hang === true) {
        const timer = this.clock.setTimer(
          () => done({ exitCode: null, signal: 'SIGTERM', timedOut: true, output: script.output ?? '' }),
          options.timeoutMs,
        );
        options.signal?.addEventListener('abort', () => {
          this.clock.clearTimer(timer);
          done({ exitCode: null, signal: 'SIGTERM', timedOut: false, output: '' });
        });
        return;
      }
      this.clock.setTimer(
        () => done({ exitCode: script.exitCode ?? 0, signal: null, timedOut: false, output: script.output ?? '' }),
        script.durationMs ?? 0,
      );
    });
  };
}
