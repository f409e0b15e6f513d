// Starts the real exechealthz (the bundle, or any executable given by EXECHEALTHZ_BIN,
// e.g. a pkg SEA built for an arch) and talks to it on 127.0.0.1. Shared by the
// integration, arch and container tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { after } from 'node:test';

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
  /** For test clean-up: SIGTERM (so probe groups are killed too), SIGKILL if still there after graceMs. */
  dispose(graceMs?: number): Promise<Exit>;
  /** Waits until stderr matches, or fails after timeoutMs. */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

const LISTENING = /listening on (\S+):(\d+)/;

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
  return {
    process: child,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForStderr,
    stop: (signal = 'SIGTERM') => {
      stopAt = Date.now();
      if (!done) child.kill(signal);
      return exited;
    },
    dispose: (graceMs = 6000) => {
      if (!done) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      return exited.finally(() => clearTimeout(timer));
    },
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

/** A startService for one test file: whatever it starts is stopped when the file ends. */
export function servicesOfThisFile(): (args: readonly string[]) => Promise<Service> {
  const running: Service[] = [];
  after(async () => {
    await Promise.all(running.map((s) => s.dispose()));
  });
  return async (args) => {
    const s = await startService(args);
    running.push(s);
    return s;
  };
}
