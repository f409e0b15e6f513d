#!/usr/bin/env node
// @ts-check
// The spawn floor the scale benchmark compares exechealthz with: the least a Node program
// does per probe run. CHECKS loops, each spawning `sh -c 'exec 2>&1; true'` detached with
// a piped stdout (as the service does), reading the pipe and waiting for the exit, the
// next start a period after the previous one. It answers any GET with a runs counter in
// the service's metric name, so the bench counts runs the same way for both.
//
//   node bench/baselines/spawn-loop.mjs CHECKS PERIOD_MS
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';

const checks = Number(process.argv[2] ?? '1');
const periodMs = Number(process.argv[3] ?? '1000');
if (!Number.isInteger(checks) || checks < 1 || !(periodMs > 0)) {
  process.stderr.write('usage: spawn-loop.mjs CHECKS PERIOD_MS\n');
  process.exit(2);
}

let runs = 0;
const noop = () => {};

function run() {
  const started = Date.now();
  const child = spawn('sh', ['-c', 'exec 2>&1; true'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  child.stdout?.on('data', noop);
  child.on('close', () => {
    runs += 1;
    setTimeout(run, Math.max(0, started + periodMs - Date.now()));
  });
}

for (let i = 0; i < checks; i++) run();

const server = createServer((_req, res) => {
  res.end(`exechealthz_check_runs_total{url="/c0",result="success"} ${runs}\n`);
});
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.stderr.write(`listening on 127.0.0.1:${addr !== null && typeof addr === 'object' ? addr.port : 0}\n`);
});
process.on('SIGTERM', () => process.exit(0));
