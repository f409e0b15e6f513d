#!/usr/bin/env node
// @ts-check
// The spawn floor the scale benchmark compares exechealthz with: the least a Node program
// does per probe run. CHECKS loops, each spawning `sh -c 'exec 2>&1; CMD'` detached with
// a piped stdout (as the service does), reading the pipe and waiting for the exit, the
// next start a period after the previous one. It answers any GET with a runs counter in
// the service's metric name, so the bench counts runs the same way for both.
//
//   node bench/baselines/spawn-loop.mjs CHECKS PERIOD_MS [CMD]
//
// CMD defaults to `true` (the scale section's checks); the main benchmark passes the
// service's default command, `echo healthz`.
import { spawn } from 'node:child_process';
import { loopArgs, serveRuns } from './loop.mjs';

const { checks, periodMs } = loopArgs('spawn-loop.mjs CHECKS PERIOD_MS [CMD]');
const cmd = process.argv[4] ?? 'true';

let runs = 0;
const noop = () => {};

function run() {
  const started = Date.now();
  const child = spawn('sh', ['-c', `exec 2>&1; ${cmd}`], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  child.stdout?.on('data', noop);
  child.on('close', () => {
    runs += 1;
    setTimeout(run, Math.max(0, started + periodMs - Date.now()));
  });
}

for (let i = 0; i < checks; i++) run();

serveRuns(() => runs);
