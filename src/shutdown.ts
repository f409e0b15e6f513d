// Graceful stop on SIGTERM/SIGINT (what `docker stop` and the kubelet send): stop
// accepting, let in-flight requests finish, kill running probe groups, exit 0 within the
// grace. A second signal exits at once.
import type { Check } from './check';
import { formatDuration } from './duration';
import type { Logger } from './log';

/** What shutdown needs of the HTTP side (a node:http Server has it): stop and close. */
export interface Serving {
  /** Stops accepting; `done` once every connection is gone. */
  close(done: () => void): void;
  closeIdleConnections(): void;
  closeAllConnections(): void;
}

export interface ShutdownDeps {
  readonly serving: Serving;
  /** SIGKILLs every running probe's process group at once. */
  readonly killProbes: () => void;
  readonly checks: readonly Check[];
  readonly graceMs: number;
  readonly logger: Logger;
  readonly exit: (code: number) => void;
}

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/** Returns the function that starts the shutdown (also used by /quit). */
export function createShutdown(deps: ShutdownDeps): (why: string) => void {
  let started = false;
  return (why) => {
    if (started) {
      deps.logger.notice(`${why} again: exiting at once`);
      deps.killProbes();
      deps.exit(SIGNAL_EXIT[why] ?? 1);
      return;
    }
    started = true;
    deps.logger.notice(`${why}: shutting down (grace ${formatDuration(deps.graceMs)})`);
    const force = setTimeout(() => {
      deps.logger.notice('shutdown grace over: closing remaining connections');
      deps.serving.closeAllConnections();
      deps.killProbes();
      deps.exit(0);
    }, deps.graceMs);
    force.unref();
    const closed = new Promise<void>((resolve) => deps.serving.close(() => resolve()));
    // Keep-alive connections go idle as their last request finishes; close them as they
    // do, or they would hold close() until keepAliveTimeout.
    deps.serving.closeIdleConnections();
    const sweep = setInterval(() => deps.serving.closeIdleConnections(), 50);
    sweep.unref();
    void Promise.all([closed, ...deps.checks.map((c) => c.stop())]).then(() => {
      clearTimeout(force);
      clearInterval(sweep);
      deps.logger.notice('shutdown complete');
      deps.exit(0);
    });
  };
}

export function onSignals(shutdown: (why: string) => void): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => shutdown(signal));
  }
}
