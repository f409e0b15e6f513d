// The check endpoints: the cached result of one check, in the Go tool's shapes, the
// apiserver's ?verbose listing, or JSON. Never runs anything.
import type { IncomingMessage } from 'node:http';
import type { Check, Health } from './check';
import { formatDuration } from './duration';
import { JSON_TYPE, send } from './http';
import { V_REQUESTS, type Logger } from './log';
import { describeResult, errorText, resultNote } from './result-text';
import type { RequestTarget } from './request-target';
import type { Handler } from './route';

export interface HealthOptions {
  /** Answer 200 with the command's output instead of `ok`. */
  readonly output: boolean;
  readonly timeoutMs: number;
  readonly latencyMs: number;
  readonly logger: Logger;
}

export const NO_RESULT_YET = 'no result yet';

/** The plain-text answer, exactly as the Go tool shaped it (plus the pending case). */
export function plainAnswer(url: string, health: Health, options: HealthOptions): { status: number; body: string } {
  switch (health.state) {
    case 'pending':
      return { status: 503, body: `${NO_RESULT_YET}: the first run for ${url} has not finished\n` };
    case 'failed':
      return {
        status: 503,
        body: `Healthz probe on ${url} error: ${describeResult(health.result, options.timeoutMs)}\n`,
      };
    case 'stale':
      return {
        status: 503,
        body: `Latest result too old to be useful: ${describeResult(health.result, options.timeoutMs)}.\n`,
      };
    case 'ok':
      return { status: 200, body: options.output ? health.result.output : 'ok' };
  }
}

/** One-line reason for the verbose listing and JSON. */
export function reason(health: Health, options: HealthOptions): string | undefined {
  switch (health.state) {
    case 'pending':
      return NO_RESULT_YET;
    case 'failed':
      return errorText(health.result, options.timeoutMs);
    case 'stale':
      return `result too old (${formatDuration(health.ageMs)} > --latency ${formatDuration(options.latencyMs)})`;
    case 'ok':
      return undefined;
  }
}

/** Kubernetes apiserver style: `[+]name ok` / `[-]name failed: reason`, then a verdict. */
export function verboseAnswer(url: string, health: Health, options: HealthOptions): { status: number; body: string } {
  const why = reason(health, options);
  if (why === undefined) {
    const note = health.state === 'ok' ? resultNote(health.result) : undefined;
    return { status: 200, body: `[+]${url} ok${note === undefined ? '' : ` (${note})`}\nhealthz check passed\n` };
  }
  return { status: 503, body: `[-]${url} failed: ${why}\nhealthz check failed\n` };
}

export interface HealthJson {
  readonly url: string;
  readonly cmd: string;
  readonly status: Health['state'];
  readonly healthy: boolean;
  readonly reason: string | null;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly output: string | null;
  readonly outputDroppedBytes: number;
  readonly start: string | null;
  readonly end: string | null;
  readonly durationSeconds: number | null;
  readonly consecutiveFailures: number;
}

export function jsonAnswer(check: Check, health: Health, options: HealthOptions): { status: number; body: string } {
  const result = health.state === 'pending' ? undefined : health.result;
  const body: HealthJson = {
    url: check.url,
    cmd: check.cmd,
    status: health.state,
    healthy: health.state === 'ok',
    reason: reason(health, options) ?? null,
    exitCode: result?.exitCode ?? null,
    signal: result?.signal ?? null,
    timedOut: result?.timedOut ?? false,
    output: result?.output ?? null,
    outputDroppedBytes: result?.droppedBytes ?? 0,
    start: result === undefined ? null : new Date(result.start).toISOString(),
    end: result === undefined ? null : new Date(result.end).toISOString(),
    durationSeconds: result === undefined ? null : (result.end - result.start) / 1000,
    consecutiveFailures: check.consecutiveFailures,
  };
  return { status: health.state === 'ok' ? 200 : 503, body: `${JSON.stringify(body)}\n` };
}

function wantsJson(req: IncomingMessage, url: RequestTarget): boolean {
  if (url.searchParams.get('format') === 'json') return true;
  return (req.headers.accept ?? '').includes('application/json');
}

export function healthHandler(check: Check, options: HealthOptions): Handler {
  return (req, res, url) => {
    if (options.logger.enabled(V_REQUESTS)) {
      options.logger.info(`Client ip ${req.socket.remoteAddress ?? '?'} requesting ${check.url} probe servicing cmd ${check.cmd}`);
    }
    const health = check.health();
    const plain = plainAnswer(check.url, health, options);
    // Every 503 is logged, as the Go tool logged every unhealthy answer (and the README
    // promises): in the Go tool's words whatever the shape asked for, so a probe reading
    // ?verbose or JSON leaves the same line as a plain one. A failed or stale result is an
    // error, kept by --quiet; "no result yet" is info: nothing has failed, and a readiness
    // probe at pod start meets it on every start of a slow command.
    if (plain.status !== 200) {
      if (health.state === 'pending') options.logger.info(plain.body.trimEnd());
      else options.logger.error(plain.body.trimEnd());
    }
    if (wantsJson(req, url)) {
      const { status, body } = jsonAnswer(check, health, options);
      send(res, status, body, JSON_TYPE);
      return;
    }
    if (url.searchParams.has('verbose')) {
      const { status, body } = verboseAnswer(check.url, health, options);
      send(res, status, body);
      return;
    }
    send(res, plain.status, plain.body);
  };
}
