// @ts-check
// The children a benchmark script has started and not yet seen exit: whatever way the
// script ends, none is left running.
/** @type {Set<import('node:child_process').ChildProcess>} */
export const live = new Set();

export function killLive() {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}
process.on('exit', killLive);
