// Graceful stop on SIGTERM/SIGINT (what `docker stop` and the kubelet send): stop
// accepting, let in-flight requests finish, kill running probe groups, exit 0 within the
// grace. A second signal exits at once.
import type { Server } from 'node:http';
import type { Check } from './check';
import { formatDuration } from './duration';
import type { Logger } from './log';
import { killAllGroups } from './runner';

export interface ShutdownDeps {
  readonly server: Server;
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
      killAllGroups();
      deps.exit(SIGNAL_EXIT[why] ?? 1);
      return;
    }
    started = true;
    deps.logger.notice(`${why}: shutting down (grace ${formatDuration(deps.graceMs)})`);
    const force = setTimeout(() => {
      deps.logger.notice('shutdown grace over: closing remaining connections');
      deps.server.closeAllConnections();
      killAllGroups();
      deps.exit(0);
    }, deps.graceMs);
    force.unref();
    const closed = new Promise<void>((resolve) => deps.server.close(() => resolve()));
    // Keep-alive connections go idle as their last request finishes; close them as they
    // do, or they would hold close() until keepAliveTimeout.
    deps.server.closeIdleConnections();
    const sweep = setInterval(() => deps.server.closeIdleConnections(), 50);
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
