// Starts a probe's process on Node's own process and pipe handles, the two objects
// child_process.spawn wraps. spawn builds, per run, a ChildProcess, a net.Socket for the
// child's stdout (and the runner added a second one to read into its own area), their
// stream states, listeners and the environment re-encoded as KEY=VALUE strings: ~10 KB
// per run. At 100 checks the runs in flight at a scavenge carried that into the old
// generation, which is what grew the heap with every added check. Here a run allocates
// the two handles, its options and nothing per read.
//
// The handles come from process.binding (the allow-listed, non-deprecated-at-runtime
// modules process_wrap, pipe_wrap and stream_wrap, the same on Node 20 and 24). When they
// are missing or not shaped as expected, startWithHandles is undefined and the runner
// uses child_process (child-start.ts).
import { getSystemErrorName } from 'node:util';
import { processBinding } from './process-binding';
import { readArea, type ProcessEvents, type StartProcess, type StartedProcess } from './process-start';

interface ProcessHandle {
  pid?: number;
  onexit: (this: ProcessHandle, status: number, signal: string) => void;
  /** Node 20-22: spawn(options); Node 24: spawn(file, args, cwd, envPairs, stdio, flags, uid, gid). */
  spawn(...args: unknown[]): number;
  close(): void;
  /** The run this handle reports to; dropped once it has reported its end. */
  events?: ProcessEvents | undefined;
}

interface PipeHandle {
  onread: (this: PipeHandle) => void;
  useUserBuffer(buffer: Uint8Array): void;
  readStart(): number;
  readStop(): number;
  close(callback: (this: PipeHandle) => void): void;
  events?: ProcessEvents | undefined;
  closing?: boolean;
}

interface Handles {
  readonly Process: new () => ProcessHandle;
  readonly Pipe: new (type: number) => PipeHandle;
  readonly pipeType: number;
  /** Where the pipe's read callback finds the byte count (or a negative errno). */
  readonly state: Int32Array;
  readonly readBytesIndex: number;
  /**
   * Node 24 takes spawn's options as arguments, with the flags as bits; older Nodes take
   * one options object. Undefined for the options object.
   */
  readonly detachedFlag: number | undefined;
}

function loadHandles(): Handles | undefined {
  try {
    const pw = processBinding('process_wrap') as { Process?: unknown; constants?: { kProcessFlagDetached?: unknown } } | undefined;
    const pi = processBinding('pipe_wrap') as { Pipe?: unknown; constants?: { SOCKET?: unknown } } | undefined;
    const sw = processBinding('stream_wrap') as { streamBaseState?: unknown; kReadBytesOrError?: unknown } | undefined;
    if (pw === undefined || pi === undefined || sw === undefined) return undefined;
    const Process = pw.Process;
    const Pipe = pi.Pipe;
    const pipeType = pi.constants?.SOCKET;
    const state = sw.streamBaseState;
    const readBytesIndex = sw.kReadBytesOrError;
    const detachedFlag = pw.constants?.kProcessFlagDetached;
    if (
      (pw.constants !== undefined && typeof detachedFlag !== 'number') ||
      typeof Process !== 'function' ||
      typeof Pipe !== 'function' ||
      typeof pipeType !== 'number' ||
      !(state instanceof Int32Array) ||
      typeof readBytesIndex !== 'number'
    ) {
      return undefined;
    }
    const proto = (Pipe as { prototype: object }).prototype as Partial<PipeHandle>;
    if (typeof proto.useUserBuffer !== 'function' || typeof proto.readStart !== 'function') return undefined;
    return {
      Process: Process as Handles['Process'],
      Pipe: Pipe as Handles['Pipe'],
      pipeType,
      state,
      readBytesIndex,
      detachedFlag: typeof detachedFlag === 'number' ? detachedFlag : undefined,
    };
  } catch {
    return undefined;
  }
}

const IGNORE = { type: 'ignore' };

function makeStart(h: Handles): StartProcess {
  const { state, readBytesIndex } = h;

  // One function of each kind for every run: the handle they are called on says which.
  function onRead(this: PipeHandle): void {
    const n = state[readBytesIndex] as number;
    if (n > 0) {
      this.events?.onOutput(n);
      return;
    }
    // 0 is "nothing this time"; below 0 is end of file or a read error: either way done.
    if (n < 0) closePipe(this);
  }

  function onPipeClosed(this: PipeHandle): void {
    const events = this.events;
    this.events = undefined;
    events?.onOutputClosed();
  }

  function closePipe(pipe: PipeHandle): void {
    if (pipe.closing === true) return;
    pipe.closing = true;
    pipe.readStop();
    pipe.close(onPipeClosed);
  }

  function onExit(this: ProcessHandle, status: number, signal: string): void {
    const events = this.events;
    this.events = undefined;
    this.close();
    if (signal !== '') events?.onExit(null, signal as NodeJS.Signals);
    else events?.onExit(status, null);
  }

  class Started implements StartedProcess {
    constructor(
      readonly pid: number,
      private readonly pipe: PipeHandle,
    ) {}

    closeOutput(): void {
      closePipe(this.pipe);
    }
  }

  return (file, args, envPairs, events) => {
    const pipe = new h.Pipe(h.pipeType);
    const proc = new h.Process();
    proc.onexit = onExit;
    const stdio = [IGNORE, { type: 'pipe', handle: pipe }, IGNORE];
    const err =
      h.detachedFlag === undefined
        ? proc.spawn({ file, args, envPairs, stdio, detached: true })
        : proc.spawn(file, args, undefined, envPairs, stdio, h.detachedFlag, undefined, undefined);
    if (err !== 0 || typeof proc.pid !== 'number') {
      proc.close();
      pipe.closing = true;
      pipe.close(onPipeClosed);
      return `spawn ${file} ${err !== 0 ? getSystemErrorName(err) : 'returned no pid'}`;
    }
    proc.events = events;
    pipe.events = events;
    pipe.onread = onRead;
    // Every pipe reads into the one shared area: each read is copied out by onOutput
    // before the next read of any pipe can happen (one thread).
    pipe.useUserBuffer(readArea());
    const readErr = pipe.readStart();
    if (readErr !== 0) closePipe(pipe);
    return new Started(proc.pid, pipe);
  };
}

const handles = loadHandles();

/** Starts processes on Node's handles; undefined when this Node does not offer them. */
export const startWithHandles: StartProcess | undefined = handles === undefined ? undefined : makeStart(handles);
