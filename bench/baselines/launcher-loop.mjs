#!/usr/bin/env node
// @ts-check
// A measured alternative to spawning per run, not used by the service: one long-lived
// `sh` (the launcher) reads one line per run from a pipe and starts the command in a
// session and process group of its own (`setsid`, as dash and busybox ash have no job
// control without a terminal), reporting the command's pid (= its group) and then its
// exit status. Node forks nothing per run; the launcher, a process of a few hundred KiB,
// forks instead. CHECKS loops as in spawn-loop.mjs, the same command, a runs counter.
//
//   node bench/baselines/launcher-loop.mjs CHECKS PERIOD_MS [SH]
//
// What it leaves out (why the service keeps spawn): each run's output would need a pipe
// of its own that Node can read (a FIFO per check), and `$?` cannot tell `exit 143` from
// SIGTERM; this prototype sends the output to /dev/null.
import { spawn } from 'node:child_process';
import { loopArgs, serveRuns } from './loop.mjs';

const { checks, periodMs } = loopArgs('launcher-loop.mjs CHECKS PERIOD_MS [SH]');
const sh = process.argv[4] ?? 'sh';

// Per line "ID CMD": a reporter subshell starts the command with setsid, says its pid,
// waits for it and says its status.
const LAUNCHER = `
while IFS=' ' read -r id cmd; do
  {
    setsid sh -c "exec 2>&1; $cmd" </dev/null >/dev/null 2>&1 &
    echo "pid $id $!"
    wait $!
    echo "exit $id $?"
  } &
done
`;

const launcher = spawn(sh, ['-c', LAUNCHER], { stdio: ['pipe', 'pipe', 'inherit'] });
let runs = 0;
/** @type {Map<number, number>} started-at per loop id */
const startedAt = new Map();

function run(/** @type {number} */ id) {
  startedAt.set(id, Date.now());
  launcher.stdin?.write(`${id} true\n`);
}

let pending = '';
launcher.stdout?.setEncoding('utf8');
launcher.stdout?.on('data', (/** @type {string} */ chunk) => {
  pending += chunk;
  let nl;
  while ((nl = pending.indexOf('\n')) !== -1) {
    const line = pending.slice(0, nl);
    pending = pending.slice(nl + 1);
    const [kind, idText] = line.split(' ');
    if (kind !== 'exit') continue;
    const id = Number(idText);
    runs += 1;
    const started = startedAt.get(id) ?? Date.now();
    setTimeout(() => run(id), Math.max(0, started + periodMs - Date.now()));
  }
});
launcher.on('exit', (code, signal) => {
  process.stderr.write(`launcher exited (${signal ?? code})\n`);
  process.exit(1);
});

for (let i = 0; i < checks; i++) run(i);

serveRuns(() => runs, () => launcher.kill('SIGKILL'));
