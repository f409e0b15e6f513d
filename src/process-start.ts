// Starting a probe's `sh`: what the runner needs of a started process, and the two ways
// to get it. The runner's rules (groups, timeouts, capped output, held pipes) live in
// runner.ts; this module only starts a process with its output on a pipe and reports.
import { readArea } from './capture';

/** What a started process reports; `this` stays the object passed to start. */
export interface ProcessEvents {
  /** New output is readArea()[0, n): copy out what must be kept before returning. */
  onOutput(n: number): void;
  /** The output pipe ended (end of file, read error or closeOutput()) and is closed. */
  onOutputClosed(): void;
  /** The process exited; exactly one of code and signal is non-null. */
  onExit(code: number | null, signal: NodeJS.Signals | null): void;
  /** The process could not be started after all (reported later than start() returned). */
  onStartError(message: string): void;
}

export interface StartedProcess {
  /** Undefined when the start failed in a way only reported later (onStartError). */
  readonly pid: number | undefined;
  /** Stops reading the output and closes the pipe; onOutputClosed follows. Idempotent. */
  closeOutput(): void;
}

/**
 * Starts `file` with `args` as its whole argv (args[0] is argv[0]) detached (a process group of its own), stdin and stderr closed,
 * stdout on a pipe read into readArea(), with `envPairs` (KEY=VALUE) as its environment.
 * Returns the started process, or why it could not start.
 */
export type StartProcess = (
  file: string,
  args: readonly string[],
  envPairs: readonly string[],
  events: ProcessEvents,
) => StartedProcess | string;

export { readArea };
