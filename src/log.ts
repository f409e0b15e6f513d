// Log lines on stderr, as Go's log package wrote them (`2006/01/02 15:04:05 msg`), or
// one JSON object per line for log pipelines. --quiet drops info lines, never errors.
//
// What a sidecar writes by default is what an operator needs: the start, errors, and
// each check's changes of state. A line per run (every --period) or per kubelet probe
// says nothing new while all is well, fills the node's log storage, and under a burst of
// requests costs CPU and memory of its own; --v brings them back, as klog's -v does in
// the Kubernetes sidecars (kubernetes-csi's livenessprobe logs a successful probe at -v 5,
// a failed one always).
import type { LogFormat } from './config';

/** --v level that logs every run of a command and its result (Go's "Worker running"). */
export const V_RUNS = 1;
/** --v level that logs every HTTP request (Go's "Client ip ... requesting" line). */
export const V_REQUESTS = 2;

export type Fields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  /** Routine events (state changes; runs and requests when enabled): dropped with --quiet. */
  info(msg: string, fields?: Fields): void;
  /**
   * Whether info lines of this --v level are written; callers ask before building a line,
   * so a disabled line costs nothing (no string, no closure) on the request path.
   */
  enabled(level: number): boolean;
  /**
   * Written even with --quiet, as an info line: the listening address, which --quiet
   * promises (and scripts read for the --port 0 port). Nothing else is a notice.
   */
  notice(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
}

export interface LoggerOptions {
  readonly format: LogFormat;
  readonly quiet: boolean;
  /** --v: 0 for state changes only, V_RUNS, V_REQUESTS. */
  readonly verbosity?: number;
  readonly write?: (line: string) => void;
  /** Lines the writer dropped since asked last (BatchedWriter.takeDropped); stderr's by default. */
  readonly dropped?: () => number;
  readonly now?: () => number;
}

const pad = (n: number): string => String(n).padStart(2, '0');

function goLogTime(ms: number): string {
  const d = new Date(ms);
  return (
    `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  );
}

/** Bytes queued on stderr past which new lines are dropped (and counted) instead of queued. */
export const MAX_QUEUED_LOG_BYTES = 1024 * 1024;

/** Where batched lines go: process.stderr, or a stand-in in tests. */
export interface LogSink {
  /** Bytes written but not yet taken by the reader. */
  readonly writableLength: number;
  write(data: string): unknown;
}

export interface BatchedWriter {
  write(line: string): void;
  /** Writes the pending lines now. */
  flush(): void;
  /** Lines dropped since the last call (then reset); 0 while the reader still lags. */
  takeDropped(): number;
}

// Lines are written in one go per event-loop turn, one write(2) per turn instead of one per
// line. stderr on a pipe (a container's log) does not block: what the reader has not taken
// queues inside this process. With a reader that stalls or lags (a stopped log collector, a
// reader starved of CPU) a line per request grew RSS to 150 MB in 4 s, so past
// MAX_QUEUED_LOG_BYTES lines are dropped and counted, and the count is logged once the
// reader catches up.
export function createBatchedWriter(
  sink: () => LogSink,
  schedule: (fn: () => void) => void,
  limit = MAX_QUEUED_LOG_BYTES,
): BatchedWriter {
  let pending: string[] = [];
  let scheduled = false;
  let dropped = 0;
  const flush = (): void => {
    scheduled = false;
    if (pending.length === 0) return;
    const lines = pending;
    pending = [];
    const out = sink();
    if (out.writableLength > limit) {
      dropped += lines.length;
      return;
    }
    out.write(lines.join(''));
  };
  return {
    write: (line) => {
      pending.push(line);
      if (!scheduled) {
        scheduled = true;
        schedule(flush);
      }
    },
    flush,
    takeDropped: () => {
      // Still lagging: keep counting, so the one line that says so gives the whole count.
      if (dropped === 0 || sink().writableLength > limit) return 0;
      const n = dropped;
      dropped = 0;
      return n;
    },
  };
}

// process.stderr is made on first use, not at start-up.
const stderrWriter = createBatchedWriter(() => process.stderr, setImmediate);
let hooked = false;

/** Writes the pending log lines now (before a last message of one's own, say). */
export function flushLogs(): void {
  stderrWriter.flush();
}

function batchedStderr(line: string): void {
  if (!hooked) {
    hooked = true;
    process.on('exit', flushLogs);
  }
  stderrWriter.write(line);
}

export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? batchedStderr;
  const dropped = options.dropped ?? (options.write === undefined ? stderrWriter.takeDropped : () => 0);
  const now = options.now ?? Date.now;
  const line = (level: string, msg: string, fields?: Fields): void => {
    if (options.format === 'json') {
      write(`${JSON.stringify({ time: new Date(now()).toISOString(), level, msg, ...fields })}\n`);
      return;
    }
    const extra =
      fields === undefined
        ? ''
        : Object.entries(fields)
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => ` ${k}=${JSON.stringify(v)}`)
            .join('');
    // A multi-line message stays one log line, as Go's log keeps it one write.
    write(`${goLogTime(now())} ${msg}${extra}\n`);
  };
  const emit = (level: string, msg: string, fields?: Fields): void => {
    const lost = dropped();
    if (lost > 0) line('error', `${lost} log lines dropped: stderr was not read fast enough`);
    line(level, msg, fields);
  };
  const verbosity = options.verbosity ?? 0;
  return {
    info: (msg, fields) => {
      if (!options.quiet) emit('info', msg, fields);
    },
    enabled: (level) => !options.quiet && verbosity >= level,
    notice: (msg, fields) => emit('info', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
  };
}
