// The validated settings the service runs with; produced by flags.ts only.

export interface CheckSpec {
  /** Path the check's result is served on, e.g. /healthz. */
  readonly url: string;
  /** Shell command run as `sh -c cmd`. */
  readonly cmd: string;
}

export type LogFormat = 'text' | 'json';

export interface Config {
  readonly checks: readonly CheckSpec[];
  readonly port: number;
  readonly address: string;
  readonly periodMs: number;
  readonly latencyMs: number;
  readonly timeoutMs: number;
  readonly maxOutput: number;
  /** Open HTTP connections at most (--max-connections). */
  readonly maxConnections: number;
  readonly quiet: boolean;
  /** --v: which routine lines are logged (log.ts V_RUNS, V_REQUESTS). */
  readonly verbosity: number;
  readonly output: boolean;
  readonly allowQuit: boolean;
  readonly debugEndpoints: boolean;
  readonly logFormat: LogFormat;
  readonly shutdownGraceMs: number;
}

/** Paths the service serves itself; a --url may not take them. */
export const BUILTIN_PATHS: readonly string[] = ['/', '/metrics', '/quit', '/debug'];

export function collidesWithBuiltin(url: string): string | undefined {
  if (url === '/debug' || url.startsWith('/debug/')) return '/debug/';
  return BUILTIN_PATHS.includes(url) ? url : undefined;
}
