// Runs one probe command: `sh -c CMD` in its own process group, stdin closed, stdout and
// stderr in one stream (in order, as Go's CombinedOutput gave), output capped while it
// streams, the whole group killed on timeout, on shutdown and at the end of every run so
// background children never linger. The exit status of sh decides the result: once sh
// has exited, a pipe still held open by a process that left the group (setsid) is waited
// for only briefly.
import { constants } from 'node:os';
import { CappedOutput } from './capture';
import { startWithChildProcess } from './child-start';
import { startWithHandles } from './handle-start';
import type { ProcessEvents, StartProcess, StartedProcess } from './process-start';

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
  /**
   * sh had exited but a process outside its group (setsid) still held the output open
   * PIPE_GRACE_MS later: the output is what was read until then.
   */
  readonly outputHeldOpen?: boolean;
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

/** How long the output pipe may stay open after sh has exited and its group was killed. */
export const PIPE_GRACE_MS = 200;

/** Ends the output of a run whose pipe was still held open PIPE_GRACE_MS after sh exited. */
export const HELD_OPEN_MARKER = `\n... [output still held open by a background process ${PIPE_GRACE_MS}ms after sh exited; not read further] ...\n`;

/** Runs in progress, so an exit that cannot wait can still kill their groups. */
const liveRuns = new Set<Run>();

/** SIGKILLs every running probe's group at once (for an immediate exit). */
export function killAllGroups(): void {
  for (const run of liveRuns) run.killGroup('SIGKILL');
}

// process.kill throws on ESRCH, and the group is usually gone by the time a run ends:
// an exception with a stack per run. The binding under it returns the errno instead.
type RawKill = (pid: number, signal: number) => number;
const rawKill = (process as unknown as { _kill?: RawKill })._kill;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  // -0 would be our own group.
  if (!(pid > 0)) return;
  if (typeof rawKill === 'function') {
    rawKill.call(process, -pid, constants.signals[signal]);
    return;
  }
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone, which is what we want.
  }
}

// Shutdown aborts one signal shared by all runs of a check. One listener per signal, not
// one added and removed per run: EventTarget bookkeeping on every run showed in profiles.
const runsBySignal = new WeakMap<AbortSignal, Set<Run>>();

function watchAbort(signal: AbortSignal, run: Run): void {
  let runs = runsBySignal.get(signal);
  if (runs === undefined) {
    const set = (runs = new Set<Run>());
    runsBySignal.set(signal, set);
    signal.addEventListener(
      'abort',
      () => {
        for (const r of set) r.terminate();
      },
      { once: true },
    );
  }
  runs.add(run);
}

// The environment as the service started, encoded once: spawn re-encoded it on every
// run (a string per variable, and a pod has a handful of variables per service in its
// namespace), and from process.env each key and value is a call into C++.
const ENV_PAIRS: readonly string[] = Object.entries(process.env).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`]));

// `exec 2>&1` on the same line joins stderr to stdout inside sh, keeping their order and
// sh's own "line 1" error messages. One argument list per command, not one per run.
const argsByCmd = new Map<string, readonly string[]>();
function shArgs(cmd: string): readonly string[] {
  let args = argsByCmd.get(cmd);
  if (args === undefined) {
    args = ['sh', '-c', `exec 2>&1; ${cmd}`];
    // Commands come from the flags; a caller inventing one per run must not grow this.
    if (argsByCmd.size >= 1024) argsByCmd.clear();
    argsByCmd.set(cmd, args);
  }
  return args;
}

/** One run: its process, its output and the one timer it needs at a time. */
class Run implements ProcessEvents {
  private readonly start = Date.now();
  private readonly output: CappedOutput;
  private readonly proc: StartedProcess | undefined;
  private pipeClosed = false;
  // One slot, used in turn for the timeout, the SIGTERM->SIGKILL grace and the wait for
  // a held pipe: never two at once.
  private timer: NodeJS.Timeout | undefined;
  private timedOut = false;
  private exited = false;
  private exitCode: number | null = null;
  private exitSignal: NodeJS.Signals | null = null;
  private spawnError: string | undefined;
  private heldOpen = false;
  private settled = false;

  constructor(
    cmd: string,
    private readonly options: RunOptions,
    private readonly resolve: (result: RunResult) => void,
    startProcess: StartProcess,
  ) {
    this.output = new CappedOutput(options.maxOutput);
    const started = startProcess('sh', shArgs(cmd), ENV_PAIRS, this);
    if (typeof started === 'string') {
      this.spawnError = started;
      this.pipeClosed = true;
      this.finish();
      return;
    }
    this.proc = started;
    liveRuns.add(this);
    this.timer = setTimeout(() => this.onTimeout(), options.timeoutMs);
    const abort = options.signal;
    if (abort !== undefined) {
      if (abort.aborted) this.terminate();
      else watchAbort(abort, this);
    }
  }

  private get pid(): number | undefined {
    return this.proc?.pid;
  }

  onOutput(n: number): void {
    this.output.commit(n);
  }

  onOutputClosed(): void {
    this.pipeClosed = true;
    if (this.exited) this.finish();
  }

  onStartError(message: string): void {
    this.spawnError = message;
    // No process will write or close the pipe; its handle is ours to free.
    this.proc?.closeOutput();
    this.finish();
  }

  killGroup(signal: NodeJS.Signals): void {
    if (this.pid !== undefined) killGroup(this.pid, signal);
  }

  /** SIGTERM to the group now, SIGKILL after the grace; nothing once sh has exited. */
  terminate(): void {
    if (this.pid === undefined || this.exited || this.settled) return;
    this.killGroup('SIGTERM');
    this.setTimer(() => this.killGroup('SIGKILL'), this.options.killGraceMs);
  }

  private setTimer(fn: () => void, ms: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(fn, ms);
  }

  private onTimeout(): void {
    this.timer = undefined;
    if (this.exited) return;
    this.timedOut = true;
    this.terminate();
  }

  onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.exited = true;
    this.exitCode = code;
    this.exitSignal = signal;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    // sh is done; whatever it left running in its group goes too. That also closes the
    // pipe those children still hold, so the pipe's 'close' can follow.
    this.killGroup('SIGKILL');
    if (this.pipeClosed) {
      this.finish();
      return;
    }
    // A process that left the group (setsid) may hold the pipe for as long as it lives:
    // the exit status is known, so give the last output a moment and no more.
    this.timer = setTimeout(() => this.onPipeHeld(), PIPE_GRACE_MS);
  }

  private onPipeHeld(): void {
    this.timer = undefined;
    this.heldOpen = true;
    this.proc?.closeOutput();
    this.finish();
  }

  private finish(): void {
    if (this.settled) return;
    this.settled = true;
    liveRuns.delete(this);
    if (this.options.signal !== undefined) runsBySignal.get(this.options.signal)?.delete(this);
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const output = this.output;
    const text = this.heldOpen ? output.toString() + HELD_OPEN_MARKER : output.toString();
    // The pipe is closed, or closeOutput() stopped its reads (held open, start error), so
    // nothing reads into the output again and its memory can serve the next run.
    output.release();
    const result: RunResult = {
      exitCode: this.exitCode,
      signal: this.exitSignal,
      timedOut: this.timedOut,
      output: text,
      droppedBytes: output.droppedBytes,
      start: this.start,
      end: Date.now(),
    };
    this.resolve(
      this.spawnError === undefined
        ? this.heldOpen
          ? { ...result, outputHeldOpen: true }
          : result
        : { ...result, spawnError: this.spawnError },
    );
  }
}

/** A runner starting its processes with `startProcess`. */
export function makeRunner(startProcess: StartProcess): Runner {
  return (cmd, options) => new Promise<RunResult>((resolve) => new Run(cmd, options, resolve, startProcess));
}

/** How this Node starts probe processes: on its handles when it offers them. */
export const processStarter: 'handles' | 'child_process' = startWithHandles === undefined ? 'child_process' : 'handles';

export const runCommand: Runner = makeRunner(startWithHandles ?? startWithChildProcess);
