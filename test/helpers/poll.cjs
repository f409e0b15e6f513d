// @ts-check
// Waiting with a deadline instead of fixed sleeps: fast on an idle machine, still
// correct on a loaded one. CommonJS with JSDoc types, so the tests (TypeScript compiled to
// CommonJS) and the benchmark (ES modules) share one copy.
'use strict';

/** @param {number} ms @returns {Promise<void>} */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Calls `probe` until it returns a value other than undefined, or throws after timeoutMs.
 * @template T
 * @param {string} what
 * @param {() => Promise<T | undefined> | T | undefined} probe
 * @param {number} [timeoutMs]
 * @param {number} [intervalMs]
 * @returns {Promise<T>}
 */
async function until(what, probe, timeoutMs = 10_000, intervalMs = 25) {
  const deadline = Date.now() + timeoutMs;
  /** @type {unknown} */
  let last;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}${last === undefined ? '' : `: ${String(last)}`}`);
    }
    await sleep(intervalMs);
  }
}

module.exports = { sleep, until };
