// The run lines worth writing at the default --v 0: a check's changes of state (its first
// result, failing after healthy, healthy after failing). Runs that repeat the state are
// logged only from --v 1 (see log.ts), so a healthy sidecar stays silent between events.
import { errorText } from './result-text';
import type { Fields } from './log';
import type { RunResult } from './runner';

export interface StateLine {
  /** A check that starts failing is an error (shown with --quiet too); recovering is info. */
  readonly level: 'info' | 'error';
  readonly msg: string;
  readonly fields?: Fields;
}

/** Output quoted in a failing line at most: enough for the first error message. */
export const STATE_OUTPUT_CHARS = 200;

/**
 * A tracker for one check: fed each of its results in order, it returns the line the
 * result's change of state deserves, or undefined when the state is unchanged.
 */
export function stateChanges(url: string, timeoutMs: number): (result: RunResult) => StateLine | undefined {
  let healthy: boolean | undefined;
  return (result) => {
    const error = errorText(result, timeoutMs);
    const now = error === undefined;
    if (now === healthy) return undefined;
    const before = healthy;
    healthy = now;
    if (error === undefined) {
      return { level: 'info', msg: `${url}: ${before === undefined ? 'healthy' : 'healthy again'}` };
    }
    const output = result.output.trim();
    return {
      level: 'error',
      msg: `${url}: ${before === undefined ? 'failing' : 'now failing'}: ${error}`,
      fields: output === '' ? undefined : { output: output.length > STATE_OUTPUT_CHARS ? `${output.slice(0, STATE_OUTPUT_CHARS)}...` : output },
    };
  };
}
