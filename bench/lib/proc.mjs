// @ts-check
// Figures read from /proc: memory lines of /proc/PID/status, CPU ticks of /proc/PID/stat
// (parsed by the tests' /proc helper), a process tree's CPU, the load average.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { memBytes, stat } from '../../test/helpers/proc.cjs';

/** Ticks per second of /proc/PID/stat (USER_HZ, 100 on Linux whatever getconf can say). */
export const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

// A memory field of a live process in bytes; a process gone is an Error that runMain prints
// in one line.
export { memBytes };

/** @param {number} pid */
const ticks = (pid) => stat(pid).ticks;

/** CPU seconds of the process and its waited-for children. @param {number} pid */
export const cpuSeconds = (pid) => ticks(pid) / CLK_TCK;

/**
 * CPU seconds of the process, its reaped children, and its live children with theirs: a
 * long-lived child (the launcher) hands its CPU to the parent's cutime only when it exits.
 * @param {number} pid
 */
export function treeCpuSeconds(pid) {
  let total = ticks(pid);
  let children = '';
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8');
  } catch {
    // no children file: only reaped children count
  }
  for (const c of children.split(' ')) {
    if (c === '') continue;
    try {
      total += ticks(Number(c));
    } catch {
      // exited while we looked; its CPU is in cutime now or soon
    }
  }
  return total / CLK_TCK;
}

/** The 1-, 5- and 15-minute load averages as /proc/loadavg has them. */
export function loadavg() {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}
