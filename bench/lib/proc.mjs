// @ts-check
// Figures read from /proc: memory lines of /proc/PID/status, CPU ticks of /proc/PID/stat,
// the load average. The parsers are pure (unit-tested); the readers throw a BenchError.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { BenchError } from './args.mjs';

/** Ticks per second of /proc/PID/stat (USER_HZ, 100 on Linux whatever getconf can say). */
export const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** @typedef {'VmRSS' | 'VmHWM' | 'RssAnon'} MemField */

/** kB of a `FIELD:  N kB` line of a /proc/PID/status text, or null. @param {string} status @param {MemField} field */
export function statusKB(status, field) {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return m === null ? null : Number(m[1]);
}

/**
 * utime+stime+cutime+cstime of a /proc/PID/stat line, in ticks. The command name may hold
 * spaces and parentheses, so fields count from the last ')'. @param {string} stat
 */
export function statTicks(stat) {
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14-17 (utime stime cutime cstime); f[0] is field 3.
  return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
}

/** A memory field of a live process in bytes. @param {number} pid @param {MemField} field */
export function memBytes(pid, field) {
  const kB = statusKB(readFileSync(`/proc/${pid}/status`, 'utf8'), field);
  if (kB === null) throw new BenchError(`no ${field} in /proc/${pid}/status`, 1);
  return kB * 1024;
}

/** @param {number} pid */
const ticks = (pid) => statTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));

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
