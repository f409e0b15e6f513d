// HTTP for the Debian fetch and lock: GET to a file with its size and SHA-256 checked as it
// streams (never more bytes than pinned), and HEAD. Only a 5xx answer or a time-out is tried
// again, after a doubling back-off; a 404, a refused connection or a wrong file moves the caller
// on to its next source at once.
//   DEBIAN_FETCH_TRIES (3), DEBIAN_FETCH_BACKOFF_MS (1000), DEBIAN_FETCH_TIMEOUT_S (300)
import { createHash } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** @param {string} name @param {number} dflt */
const num = (name, dflt) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v >= 0 ? v : dflt;
};

// Why a source did not give the file: shown in the one-line failure that lists every source.
export class Miss extends Error {}

/** @param {unknown} e */
const timedOut = (e) => e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError' ||
  /** @type {NodeJS.ErrnoException} */ (e.cause ?? {}).code === 'UND_ERR_HEADERS_TIMEOUT' || /** @type {NodeJS.ErrnoException} */ (e.cause ?? {}).code === 'UND_ERR_BODY_TIMEOUT');
/** @param {unknown} e */
const cause = (e) => {
  const c = e instanceof Error ? /** @type {NodeJS.ErrnoException} */ (e.cause ?? e) : undefined;
  return c?.code || (c instanceof Error ? c.message : String(e));
};

// Runs ATTEMPT (one request) until it gives an answer that is not a 5xx or a time-out, at
// most DEBIAN_FETCH_TRIES times; -> what ATTEMPT returned, or throws Miss.
/** @template T @param {string} url @param {(signal: AbortSignal) => Promise<T>} attempt @returns {Promise<T>} */
async function withRetries(url, attempt) {
  const tries = Math.max(1, num('DEBIAN_FETCH_TRIES', 3));
  let wait = num('DEBIAN_FETCH_BACKOFF_MS', 1000);
  let last = '';
  for (let i = 1; i <= tries; i++) {
    try {
      return await attempt(AbortSignal.timeout(num('DEBIAN_FETCH_TIMEOUT_S', 300) * 1000));
    } catch (e) {
      if (e instanceof Miss && !/^HTTP 5\d\d/.test(e.message)) throw e;
      if (!(e instanceof Miss) && !timedOut(e)) throw new Miss(String(cause(e)));
      last = e instanceof Miss ? e.message : 'timed out';
    }
    if (i < tries) {
      await sleep(wait);
      wait *= 2;
    }
  }
  throw new Miss(`${last} (${tries} tries)`);
}

// The body of URL (an index: small enough for memory).
/** @param {string} url @returns {Promise<Buffer>} */
export function getBytes(url) {
  return withRetries(url, async (signal) => {
    const res = await fetch(url, { signal });
    if (!res.ok) throw new Miss(`HTTP ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  });
}

// Whether URL is served (HEAD answers 2xx).
/** @param {string} url @returns {Promise<boolean>} */
export async function served(url) {
  try {
    return await withRetries(url, async (signal) => {
      const res = await fetch(url, { method: 'HEAD', signal });
      if (res.status >= 500) throw new Miss(`HTTP ${res.status}`);
      return res.ok;
    });
  } catch {
    return false;
  }
}

// URL -> DEST, checked for SIZE bytes and SHA256; throws Miss (and leaves no DEST) otherwise.
/** @param {string} url @param {string} dest @param {{ size: number, sha256: string }} want @returns {Promise<void>} */
export function download(url, dest, want) {
  return withRetries(url, async (signal) => {
    rmSync(dest, { force: true });
    try {
      const res = await fetch(url, { signal });
      if (!res.ok || !res.body) throw new Miss(`HTTP ${res.status}`);
      const hash = createHash('sha256');
      const out = createWriteStream(dest);
      let got = 0;
      try {
        for await (const chunk of res.body) {
          got += chunk.length;
          if (got > want.size) throw new Miss(`larger than the pinned ${want.size} bytes`);
          hash.update(chunk);
          if (!out.write(chunk)) await new Promise((r) => out.once('drain', () => r(undefined)));
        }
      } finally {
        await new Promise((r) => out.end(() => r(undefined)));
      }
      if (got !== want.size) throw new Miss(`${got} bytes, not the pinned ${want.size}`);
      const sum = hash.digest('hex');
      if (sum !== want.sha256) throw new Miss(`SHA-256 ${sum.slice(0, 12)}... differs from the pinned ${want.sha256.slice(0, 12)}...`);
    } catch (e) {
      rmSync(dest, { force: true });
      throw e;
    }
  });
}
