// A probe command that exits while a process it started in a new session (setsid) keeps
// the output pipe open, as a daemonising script does. Each holder appends its pid to
// DIR/holders, so a test can tell whether it still runs and kill it by pid.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `echo hi` then `exit CODE`, after a setsid child holding stdout for 30 s has left the
 * group (sh waits until the child wrote its pid, so it is out of the group before sh ends).
 */
export function heldPipeCommand(dir: string, exitCode: number): string {
  // $$ of the outer sh names this run's mark; the inner sh gets it as $1.
  const mark = `${join(dir, 'started')}.$$`;
  return (
    `setsid sh -c 'echo $$ >> ${join(dir, 'holders')}; echo x > "$1"; exec sleep 30' sh ${mark} & ` +
    `until [ -s ${mark} ]; do sleep 0.01; done; echo hi; exit ${exitCode}`
  );
}

/** Kills every holder started with `dir` (by pid); says how many were still alive. */
export function killHolders(dir: string): { alive: number } {
  const file = join(dir, 'holders');
  if (!existsSync(file)) return { alive: 0 };
  let alive = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const pid = Number(line);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    try {
      process.kill(pid, 'SIGKILL');
      alive += 1;
    } catch {
      // already gone
    }
  }
  return { alive };
}
