// Runs one probe command: `sh -c CMD` in its own process group, stdin closed, stdout and
// stderr in one stream (in order, as Go's CombinedOutput gave), output capped while it
// streams, the whole group killed on timeout, on shutdown and at the end of every run so
// background children never linger.
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { CappedOutput, READ_AREA } from './capture';
import { readPipe } from './pipe-reader';

export interface RunResult {
  /** Exit status of sh, or null when it was killed by a signal or never started. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  /** Why the run could not start (e.g. spawn EAGAIN), if it could not. */
  readonly spawnError?: string;
  /** Combined stdout+stderr, capped (see CappedOutput). */
  readonly output: string;
  readonly droppedBytes: number;
  /** Epoch milliseconds. */
  readonly start: number;
  readonly end: number;
}

export interface RunOptions {
  readonly timeoutMs: number;
  readonly maxOutput: number;
  /** Time between SIGTERM and SIGKILL to the group. */
  readonly killGraceMs: number;
  /** Aborted at shutdown: the run is killed like a timeout but not reported as one. */
  readonly signal?: AbortSignal;
}

export type Runner = (cmd: string, options: RunOptions) => Promise<RunResult>;

/** Process groups of runs in progress, so an exit that cannot wait can still kill them. */
const liveGroups = new Set<number>();

/** SIGKILLs every running probe's group at once (for an immediate exit). */
export function killAllGroups(): void {
  for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone, which is what we want.
  }
}

export const runCommand: Runner = (cmd, options) =>
  new Promise<RunResult>((resolve) => {
    const start = Date.now();
    const output = new CappedOutput(options.maxOutput, READ_AREA);
    // `exec 2>&1` on the same line joins stderr to stdout inside sh, keeping their order
    // and sh's own "line 1" error messages.
    const child = spawn('sh', ['-c', `exec 2>&1; ${cmd}`], {
      detached: true,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const pid = child.pid;
    if (pid !== undefined) liveGroups.add(pid);
    let timedOut = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let spawnError: string | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let settled = false;
    let pipe: Readable | undefined;

    const timeout = AbortSignal.timeout(options.timeoutMs);
    const terminate = (): void => {
      if (pid === undefined || exit !== undefined) return;
      killGroup(pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), options.killGraceMs);
    };
    const onTimeout = (): void => {
      timedOut = true;
      terminate();
    };
    timeout.addEventListener('abort', onTimeout, { once: true });
    options.signal?.addEventListener('abort', terminate, { once: true });
    if (options.signal?.aborted === true) terminate();

    const finish = (): void => {
      if (settled) return;
      settled = true;
      if (pid !== undefined) liveGroups.delete(pid);
      timeout.removeEventListener('abort', onTimeout);
      options.signal?.removeEventListener('abort', terminate);
      if (killTimer !== undefined) clearTimeout(killTimer);
      const text = output.toString();
      const droppedBytes = output.droppedBytes;
      // The pipe is closed or destroyed by now, so nothing can read into the arena again.
      if (pipe === undefined || pipe.destroyed) output.release();
      resolve({
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        timedOut,
        ...(spawnError !== undefined ? { spawnError } : {}),
        output: text,
        droppedBytes,
        start,
        end: Date.now(),
      });
    };

    pipe = child.stdout === null ? undefined : readPipe(child.stdout, output);
    child.on('error', (err) => {
      spawnError = err.message;
      finish();
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // sh is done; whatever it left running in its group goes too. That also closes
      // the pipe those children still hold, so 'close' below can fire.
      if (pid !== undefined) killGroup(pid, 'SIGKILL');
      // A child that escaped the group (setsid) may keep the pipe open: do not wait on it.
      if (pipe === undefined || pipe.closed) {
        finish();
        return;
      }
      const guard = setTimeout(() => {
        pipe.destroy();
        finish();
      }, 1000);
      guard.unref();
      pipe.on('close', () => {
        clearTimeout(guard);
        finish();
      });
    });
  });
