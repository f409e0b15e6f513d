// Reads the process table from /proc, to prove that no process of a probe's group is
// left behind.
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcInfo {
  readonly pid: number;
  readonly pgrp: number;
  readonly state: string;
  readonly comm: string;
}

export function processes(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // comm may contain spaces and parentheses: split after the last ')'.
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    out.push({
      pid: Number(name),
      comm: stat.slice(stat.indexOf('(') + 1, close),
      state: fields[0] ?? '?',
      pgrp: Number(fields[2]),
    });
  }
  return out;
}

/** Live members of a process group (zombies are already dead and do not count). */
export function groupMembers(pgrp: number): ProcInfo[] {
  // A pgid read from an empty or half-written file is NaN or 0, and no process has those:
  // "no members" would then hold vacuously. Group 1 is init's, never a probe's.
  if (!Number.isInteger(pgrp) || pgrp <= 1) throw new Error(`not a probe's process group id: ${pgrp}`);
  return processes().filter((p) => p.pgrp === pgrp && p.state !== 'Z');
}
