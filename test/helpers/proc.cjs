// @ts-check
// Reads the process table from /proc: the tests prove with it that no process of a probe's
// group is left behind, the benchmark reads memory and CPU ticks. Shared by both (CommonJS
// with JSDoc types); the parsers are pure and unit-tested.
'use strict';
const { readdirSync, readFileSync } = require('node:fs');

/**
 * @typedef {{ readonly pid: number, readonly pgrp: number, readonly state: string,
 *   readonly comm: string, readonly ticks: number }} ProcInfo
 * `ticks`: utime+stime+cutime+cstime (the process and its reaped children), in USER_HZ.
 * @typedef {'VmRSS' | 'VmHWM' | 'RssAnon'} MemField
 */

/**
 * One /proc/PID/stat line. The command name may hold spaces and parentheses, so fields
 * count from the last ')'.
 * @param {number} pid @param {string} stat @returns {ProcInfo}
 */
function parseStat(pid, stat) {
  const close = stat.lastIndexOf(')');
  // f[0] is field 3 (state); pgrp is field 5, utime..cstime are fields 14-17.
  const f = stat.slice(close + 2).split(' ');
  return {
    pid,
    comm: stat.slice(stat.indexOf('(') + 1, close),
    state: f[0] ?? '?',
    pgrp: Number(f[2]),
    ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]),
  };
}

/** A live process's stat (throws if it is gone). @param {number} pid @returns {ProcInfo} */
const stat = (pid) => parseStat(pid, readFileSync(`/proc/${pid}/stat`, 'utf8'));

/** @returns {ProcInfo[]} */
function processes() {
  /** @type {ProcInfo[]} */
  const out = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      out.push(stat(Number(name)));
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/**
 * Live members of a process group (zombies are already dead and do not count).
 * @param {number} pgrp @returns {ProcInfo[]}
 */
function groupMembers(pgrp) {
  // A pgid read from an empty or half-written file is NaN or 0, and no process has those:
  // "no members" would then hold vacuously. Group 1 is init's, never a probe's.
  if (!Number.isInteger(pgrp) || pgrp <= 1) throw new Error(`not a probe's process group id: ${pgrp}`);
  return processes().filter((p) => p.pgrp === pgrp && p.state !== 'Z');
}

/** kB of a `FIELD:  N kB` line of a /proc/PID/status text, or null. @param {string} status @param {MemField} field */
function statusKB(status, field) {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return m === null ? null : Number(m[1]);
}

/** A memory field of a live process, in bytes. @param {number} pid @param {MemField} field @returns {number} */
function memBytes(pid, field) {
  const kB = statusKB(readFileSync(`/proc/${pid}/status`, 'utf8'), field);
  if (kB === null) throw new Error(`no ${field} in /proc/${pid}/status`);
  return kB * 1024;
}

module.exports = { parseStat, stat, processes, groupMembers, statusKB, memBytes };
