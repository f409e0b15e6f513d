// What --check-config prints: the settings a start with the same flags would run with,
// one per line, named as the flags are, so a manifest's args can be checked offline.
import type { Config } from './config';
import { formatDuration } from './duration';

export function configLines(config: Config): string[] {
  const onOff = (b: boolean): string => (b ? 'on' : 'off');
  return [
    ...config.checks.map((c) => `check: ${c.url} -> ${c.cmd}`),
    `address: ${config.address}`,
    `port: ${config.port}`,
    `period: ${formatDuration(config.periodMs)}`,
    `latency: ${formatDuration(config.latencyMs)}`,
    `timeout: ${formatDuration(config.timeoutMs)}`,
    `max-output: ${config.maxOutput} bytes`,
    `max-connections: ${config.maxConnections}`,
    `output: ${onOff(config.output)}`,
    `quiet: ${onOff(config.quiet)}`,
    `v: ${config.verbosity}`,
    `log-format: ${config.logFormat}`,
    `allow-quit: ${onOff(config.allowQuit)}`,
    `debug-endpoints: ${onOff(config.debugEndpoints)}`,
    `shutdown-grace: ${formatDuration(config.shutdownGraceMs)}`,
  ];
}
