// Text forms of a run result, matching what the Go exechealthz printed so log scrapers
// and humans reading probe events see the same words.
import { outcomeOf } from './check';
import { formatDuration } from './duration';
import type { RunResult } from './runner';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Go's time.Time.String() for a UTC instant: `2015-07-08 17:59:45.698 +0000 UTC`. */
export function goTime(epochMs: number): string {
  const d = new Date(epochMs);
  const ms = d.getUTCMilliseconds();
  // Go prints the fraction with trailing zeros removed, and none at all when zero.
  const frac = ms === 0 ? '' : `.${pad(ms, 3).replace(/0+$/, '')}`;
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${frac} +0000 UTC`
  );
}

/** Said of a result whose output a background process held open after sh exited. */
export const HELD_OPEN_NOTE = 'output held open by a background process';

/** A note on a result that the status alone does not tell, if any. */
export function resultNote(result: RunResult): string | undefined {
  return result.outputHeldOpen === true ? HELD_OPEN_NOTE : undefined;
}

/** The error part: `exit status 2` like Go's exec.ExitError, or why the run failed; undefined on success. */
export function errorText(result: RunResult, timeoutMs: number): string | undefined {
  if (result.timedOut) return `timed out after ${formatDuration(timeoutMs)}, process group killed`;
  if (result.spawnError !== undefined) return `cannot run sh: ${result.spawnError}`;
  if (outcomeOf(result) === 'success') return undefined;
  const status = result.signal !== null ? `signal: ${signalName(result.signal)}` : `exit status ${result.exitCode ?? -1}`;
  const note = resultNote(result);
  return note === undefined ? status : `${status} (${note})`;
}

// Go prints signals by their description (syscall.Signal.String()).
const SIGNAL_WORDS: Partial<Record<NodeJS.Signals, string>> = {
  SIGKILL: 'killed',
  SIGTERM: 'terminated',
  SIGINT: 'interrupt',
  SIGSEGV: 'segmentation fault',
  SIGABRT: 'aborted',
  SIGHUP: 'hangup',
  SIGPIPE: 'broken pipe',
};

function signalName(signal: NodeJS.Signals): string {
  return SIGNAL_WORDS[signal] ?? signal;
}

/** Go's execResult.String(): `Result of last exec: <output>, at <time>, error <err|None>`. */
export function describeResult(result: RunResult, timeoutMs: number): string {
  return `Result of last exec: ${result.output}, at ${goTime(result.end)}, error ${errorText(result, timeoutMs) ?? 'None'}`;
}
