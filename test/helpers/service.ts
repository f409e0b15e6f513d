// Starts the real exechealthz (the bundle, or any executable given by EXECHEALTHZ_BIN,
// e.g. a pkg SEA built for an arch) and talks to it on 127.0.0.1. Shared by the
// integration, arch and container tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach } from 'node:test';
import { MAX_TIMER_MS } from '../../src/clock';
import { parseDuration } from '../../src/duration';

/** Repository root (this file runs from out/test/helpers/). */
export const ROOT = resolve(__dirname, '..', '..', '..');
export const BUNDLE = resolve(ROOT, 'dist', 'exechealthz.cjs');

/** How long start-up may take; emulated arches boot Node in seconds, not milliseconds. */
export const START_TIMEOUT_MS = Number(process.env['EXECHEALTHZ_START_TIMEOUT_MS'] ?? 20_000);

export interface Command {
  readonly file: string;
  readonly args: readonly string[];
}

/** The command that runs the service: $EXECHEALTHZ_BIN, or `node dist/exechealthz.cjs`. */
export function serviceCommand(): Command {
  const bin = process.env['EXECHEALTHZ_BIN'];
  if (bin !== undefined && bin !== '') {
    if (!existsSync(bin)) throw new Error(`EXECHEALTHZ_BIN=${bin} does not exist: build it first`);
    return { file: bin, args: [] };
  }
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`make bundle\``);
  return { file: process.execPath, args: [BUNDLE] };
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** From stop() being called (or from start for runToExit) to the process being gone. */
  readonly elapsedMs: number;
}

export interface Service {
  readonly process: ChildProcess;
  readonly port: number;
  /** e.g. http://127.0.0.1:41235 */
  readonly baseUrl: string;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited (whoever made it exit). */
  readonly exited: Promise<Exit>;
  /** Sends `signal` (default SIGTERM) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
  /**
   * For test clean-up. If the test already called stop(), the test owns that exit and it is
   * returned as is. Otherwise the service must still be running (or have exited 0 through
   * /quit): it gets SIGTERM (so probe groups are killed too) and must exit 0 on its own.
   * Rejects on a crash, a non-zero exit or a hang; SIGKILLs only a service that outlived
   * its --shutdown-grace plus graceMs of slack (the slack absorbs a slow machine: the
   * product's own grace timer decides, not a wall-time limit of the test).
   */
  dispose(graceMs?: number): Promise<Exit>;
  /** Like dispose() but always sends SIGTERM and checks the exit, even after stop(). */
  terminate(slackMs?: number): Promise<Exit>;
  /** The --shutdown-grace the service was started with (default 5s), in ms. */
  readonly shutdownGraceMs: number;
  /** Waits until stderr matches, or fails after timeoutMs. */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

const LISTENING = /listening on (\S+):(\d+)/;

/** The product's default --shutdown-grace (src/flags.ts help text: "default 5s"). */
const DEFAULT_SHUTDOWN_GRACE_MS = 5000;

/** The last --shutdown-grace in args, as the service parses it (last one wins). */
export function shutdownGraceOf(args: readonly string[]): number {
  let grace = DEFAULT_SHUTDOWN_GRACE_MS;
  for (let i = 0; i < args.length; i++) {
    const m = /^--?shutdown-grace(?:=(.*))?$/.exec(args[i] ?? '');
    if (m === null) continue;
    const text = m[1] ?? args[i + 1] ?? '';
    grace = parseDuration(text) ?? grace;
  }
  return grace;
}

/** How far past its own grace a service may take to exit before it counts as hung. */
export const EXIT_SLACK_MS = Number(process.env['EXECHEALTHZ_EXIT_SLACK_MS'] ?? START_TIMEOUT_MS);

function describeExit(e: Exit): string {
  return e.signal !== null ? `was killed by ${e.signal}` : `exited ${String(e.code)}`;
}

export interface StartOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

/** Starts the service with `args` (add `--port 0` yourself or let start() do it). */
export async function startService(args: readonly string[], options: StartOptions = {}): Promise<Service> {
  const { file, args: baseArgs } = serviceCommand();
  const fullArgs = args.some((a) => /^--?port(=|$)/.test(a)) ? [...baseArgs, ...args] : [...baseArgs, '--port', '0', ...args];
  const child = spawn(file, fullArgs, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => {
    err += c.toString();
    for (const w of waiters) w();
  });
  let stopAt = Date.now();
  const exited = new Promise<Exit>((res) => {
    child.on('exit', (code, signal) => {
      res({ code, signal, elapsedMs: Date.now() - stopAt });
      for (const w of waiters) w();
    });
  });
  let done = false;
  void exited.then(() => (done = true));

  const waitForStderr = (pattern: RegExp, timeoutMs = START_TIMEOUT_MS): Promise<RegExpMatchArray> =>
    new Promise((res, rej) => {
      const check = (): void => {
        const m = err.match(pattern);
        if (m !== null) {
          cleanup();
          res(m);
        } else if (done) {
          cleanup();
          rej(new Error(`exechealthz exited before stderr matched ${pattern}; stderr:\n${err}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        rej(new Error(`stderr did not match ${pattern} within ${timeoutMs}ms; stderr:\n${err}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  let port: number;
  try {
    const m = await waitForStderr(LISTENING, options.timeoutMs ?? START_TIMEOUT_MS);
    port = Number(m[2]);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  const shutdownGraceMs = shutdownGraceOf(fullArgs);
  let stoppedByTest = false;
  let killedByUs = false;
  const terminate = async (slackMs = EXIT_SLACK_MS): Promise<Exit> => {
    const wasDone = done;
    if (!done) {
      stopAt = Date.now();
      child.kill('SIGTERM');
    }
    // Capped at Node's longest timer: past it the SIGKILL would fire after 1 ms (a service
    // run with --shutdown-grace at its limit).
    const limit = Math.min(shutdownGraceMs + slackMs, MAX_TIMER_MS);
    const timer = setTimeout(() => {
      killedByUs = true;
      child.kill('SIGKILL');
    }, limit);
    const exit = await exited.finally(() => clearTimeout(timer));
    if (killedByUs) {
      throw new Error(`exechealthz ${args.join(' ')}: still running ${limit}ms after SIGTERM (grace ${shutdownGraceMs}ms), SIGKILLed; stderr:\n${err}`);
    }
    if (exit.code !== 0 || exit.signal !== null) {
      const when = wasDone ? 'before the test stopped it' : 'on SIGTERM';
      throw new Error(`exechealthz ${args.join(' ')} ${describeExit(exit)} ${when}, want exit 0; stderr:\n${err}`);
    }
    // Within the grace, by the service's own account: with nothing in flight, the grace
    // running out means something (a probe, a connection) held the shutdown up.
    if (!wasDone && /shutdown grace over/.test(err)) {
      throw new Error(`exechealthz ${args.join(' ')} needed its whole ${shutdownGraceMs}ms grace to stop (${exit.elapsedMs}ms); stderr:\n${err}`);
    }
    return exit;
  };
  return {
    process: child,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForStderr,
    shutdownGraceMs,
    stop: (signal = 'SIGTERM') => {
      stoppedByTest = true;
      stopAt = Date.now();
      if (!done) child.kill(signal);
      return exited;
    },
    terminate,
    dispose: (graceMs = EXIT_SLACK_MS) => (stoppedByTest ? exited : terminate(graceMs)),
  };
}

export interface Finished extends Exit {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the service to its exit (for --help, --version and bad flags); kills it after timeoutMs. */
export function runToExit(args: readonly string[], options: StartOptions = {}): Promise<Finished> {
  const { file, args: baseArgs } = serviceCommand();
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? START_TIMEOUT_MS;
  const child = spawn(file, [...baseArgs, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((res) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      res({ code, signal, elapsedMs: Date.now() - started, stdout: out, stderr: err });
    });
  });
}

/**
 * A startService for one test file: whatever a test starts is disposed of (see dispose())
 * when that test ends, so a service that crashed, exited non-zero or hung on SIGTERM fails
 * the test that started it.
 */
export function servicesOfThisFile(): (args: readonly string[], options?: StartOptions) => Promise<Service> {
  let running: Service[] = [];
  afterEach(async () => {
    const mine = running;
    running = [];
    const results = await Promise.allSettled(mine.map((s) => s.dispose()));
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    if (failed.length > 0) throw new Error(failed.join('\n'));
  });
  return async (args, options) => {
    const s = await startService(args, options);
    running.push(s);
    return s;
  };
}
