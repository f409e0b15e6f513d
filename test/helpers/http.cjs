// @ts-check
// Plain HTTP/1.1 requests to the service over loopback, with the exact status, headers
// and body a kubelet would see. No keep-alive, so a stopping service is not held open.
// Shared by the tests and the benchmark (CommonJS with JSDoc types).
'use strict';
const { request } = require('node:http');
const { until } = require('./poll.cjs');

/**
 * @typedef {{ readonly status: number, readonly headers: Record<string, string | string[] | undefined>,
 *   readonly body: string }} Reply
 * @typedef {{ method?: string, headers?: Record<string, string>, timeoutMs?: number }} RequestOptions
 */

/**
 * @param {string} url
 * @param {RequestOptions} [options]
 * @returns {Promise<Reply>}
 */
function httpRequest(url, options = {}) {
  return new Promise((resolve, reject) => {
    const timeoutMs = options.timeoutMs ?? 15_000;
    const req = request(
      url,
      { method: options.method ?? 'GET', headers: { Connection: 'close', ...options.headers }, agent: false },
      (res) => {
        /** @type {Buffer[]} */
        const chunks = [];
        res.on('data', (/** @type {Buffer} */ c) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer from ${url} within ${timeoutMs / 1000} s`)));
    req.on('error', reject);
    req.end();
  });
}

/** @param {string} url @param {Record<string, string>} [headers] @returns {Promise<Reply>} */
const get = (url, headers) => httpRequest(url, headers === undefined ? {} : { headers });

/**
 * Polls `url` until its answer satisfies `ok` (the service updates once a period).
 * @param {string} url @param {(r: Reply) => boolean} ok @param {Record<string, string>} [headers]
 * @returns {Promise<Reply>}
 */
function answer(url, ok, headers) {
  return until(`an answer from ${url}`, async () => {
    const r = await get(url, headers);
    return ok(r) ? r : undefined;
  });
}

module.exports = { httpRequest, get, answer };
