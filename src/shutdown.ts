// Graceful stop on SIGTERM/SIGINT (what `docker stop` and the kubelet send): stop
// accepting, let in-flight requests finish, kill running probe groups, exit 0 within the
// grace. A second signal exits at once. Its lines are info: --quiet promises errors and
// the listening address only, and a stop is neither.
import type { Check } from './check';
import { formatDuration } from './duration';
import type { Logger } from './log';

export interface ShutdownDeps {
  /** Stops accepting; resolves once requests in flight are answered and connections gone. */
  readonly close: () => Promise<void>;
  /** Closes whatever connections are still open when the grace is over. */
  readonly dropConnections: () => void;
  /** SIGKILLs every running probe's process group at once. */
  readonly killProbes: () => void;
  readonly checks: readonly Check[];
  readonly graceMs: number;
  readonly logger: Logger;
  readonly exit: (code: number) => void;
}

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/** Returns the function that starts the shutdown, for whatever asks to stop (stop-requests.ts). */
export function createShutdown(deps: ShutdownDeps): (why: string) => void {
  let started = false;
  return (why) => {
    if (started) {
      deps.logger.info(`${why} again: exiting at once`);
      deps.killProbes();
      deps.exit(SIGNAL_EXIT[why] ?? 1);
      return;
    }
    started = true;
    deps.logger.info(`${why}: shutting down (grace ${formatDuration(deps.graceMs)})`);
    const force = setTimeout(() => {
      deps.logger.info('shutdown grace over: closing remaining connections');
      deps.dropConnections();
      deps.killProbes();
      deps.exit(0);
    }, deps.graceMs);
    force.unref();
    void Promise.all([deps.close(), ...deps.checks.map((c) => c.stop())]).then(() => {
      clearTimeout(force);
      deps.logger.info('shutdown complete');
      deps.exit(0);
    });
  };
}

export function onSignals(requestStop: (why: string) => void): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => requestStop(signal));
  }
}
