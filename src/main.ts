// Entry point: parse flags, start the checks, serve, stop cleanly on SIGTERM/SIGINT.
// Bad input ends here with `exechealthz: <what is wrong>` and status 2, never a stack trace.
import type { AddressInfo } from 'node:net';
import { Check } from './check';
import { configLines } from './config-text';
import { realClock } from './clock';
import type { Config } from './config';
import { guardConnections } from './connection-guard';
import { listen } from './listen';
import { parseFlags, UsageError, USAGE, type ParseOutcome } from './flags';
import { createLogger, flushLogs, V_RUNS, type Logger } from './log';
import { makeLookPath } from './lookpath';
import { startProcessStats } from './process-stats';
import { serviceRoutes } from './routes';
import { stateChanges } from './run-log';
import { killAllGroups, runCommand } from './runner';
import { createApp } from './server';
import { createShutdown, onSignals } from './shutdown';
import { createStopRequests } from './stop-requests';
import { NODE_VERSION, VERSION, versionLine } from './version';

const KILL_GRACE_MS = 500;

function fail(message: string, code: number): never {
  flushLogs();
  process.stderr.write(`exechealthz: ${message}\n`);
  process.exit(code);
}

function describe(result: { exitCode: number | null; signal: string | null; timedOut: boolean }): string {
  if (result.timedOut) return 'timed out';
  if (result.signal !== null) return `killed by ${result.signal}`;
  return `exit status ${result.exitCode ?? '?'}`;
}

function buildChecks(config: Config, logger: Logger): Check[] {
  return config.checks.map((spec, i) => {
    const stateChange = stateChanges(spec.url, config.timeoutMs);
    return new Check(spec, {
      runner: runCommand,
      clock: realClock,
      periodMs: config.periodMs,
      latencyMs: config.latencyMs,
      timeoutMs: config.timeoutMs,
      maxOutput: config.maxOutput,
      killGraceMs: KILL_GRACE_MS,
      phaseMs: Math.floor((i * config.periodMs) / config.checks.length),
      // Below --v 1 no run line is built at all, not built and then dropped.
      onRun: logger.enabled(V_RUNS) ? (check) => logger.info(`Worker running ${check.cmd} to serve ${check.url}`) : undefined,
      onResult: (check, result) => {
        const change = stateChange(result);
        if (result.spawnError !== undefined) {
          logger.error(`${check.url}: cannot run sh: ${result.spawnError}`);
          return;
        }
        if (logger.enabled(V_RUNS)) logger.info(`${check.url}: ${describe(result)} in ${result.end - result.start}ms`);
        if (change !== undefined) logger[change.level](change.msg, change.fields);
      },
    });
  });
}

function main(): void {
  let outcome: ParseOutcome;
  try {
    outcome = parseFlags(process.argv.slice(2), makeLookPath(process.env['PATH']));
  } catch (err) {
    if (err instanceof UsageError) fail(err.message, 2);
    throw err;
  }
  if (outcome.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (outcome.kind === 'version') {
    process.stdout.write(`${versionLine(VERSION, NODE_VERSION)}\n`);
    return;
  }
  const { config, warnings } = outcome;
  if (outcome.checkOnly) {
    for (const warning of warnings) process.stderr.write(`exechealthz: warning: ${warning}\n`);
    process.stdout.write(`${configLines(config).join('\n')}\n`);
    return;
  }
  const logger = createLogger({ format: config.logFormat, quiet: config.quiet, verbosity: config.verbosity });
  // Info, so --quiet drops them: it promises errors and the listening address only, and a
  // command missing from PATH shows as the check's failing line, an error, anyway.
  for (const warning of warnings) logger.info(`warning: ${warning}`);

  const checks = buildChecks(config, logger);
  const stats = startProcessStats();
  // Made in dependency order, each from what exists before it: the route table (with /quit
  // holding only a way to ask for a stop), the server over it, shutdown over the server.
  const stops = createStopRequests();
  const connections = guardConnections(config.maxConnections);
  const routes = serviceRoutes(config, { checks, stats, logger, connections: connections.metrics, requestStop: stops.request });
  const app = createApp(routes, logger, connections);
  const server = app.server;
  stops.handle(
    createShutdown({
      close: app.close,
      dropConnections: app.dropConnections,
      killProbes: killAllGroups,
      checks,
      graceMs: config.shutdownGraceMs,
      logger,
      exit: (code) => process.exit(code),
    }),
  );

  let listening = false;
  server.on('error', (err: NodeJS.ErrnoException) => {
    // Once listening, an error is one failed accept (e.g. out of file descriptors under a
    // connection flood): the server keeps accepting, so the service must keep running.
    if (listening) {
      logger.error(`accepting a connection failed: ${err.code ?? err.message}`);
      return;
    }
    killAllGroups();
    fail(`cannot listen on ${config.address}:${config.port}: ${err.code ?? err.message}`, 1);
  });
  onSignals(stops.request);
  // Probes start once the port is ours: a service that cannot serve must not run them.
  listen(server, config.port, config.address, () => {
    listening = true;
    for (const check of checks) check.start();
    const addr = server.address() as AddressInfo;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    logger.notice(`exechealthz ${VERSION} listening on ${host}:${addr.port}`);
    // Written at once, not by the end-of-turn batch (setImmediate): the loop first handles
    // whatever I/O is ready, at start-up the first run's output and exit (~3 ms), and
    // whoever waits for this line (scripts reading the --port 0 port) waited for that too.
    flushLogs();
  });
}

main();
