// Plain HTTP/1.1 requests to the service over loopback, with the exact status, headers
// and body a kubelet would see. No keep-alive, so a stopping service is not held open.
import { request } from 'node:http';
import { until } from './poll';

export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

export function httpRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'GET', headers: { Connection: 'close', ...options.headers }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(options.timeoutMs ?? 15_000, () => req.destroy(new Error(`no answer from ${url}`)));
    req.on('error', reject);
    req.end();
  });
}

export const get = (url: string, headers?: Record<string, string>): Promise<Reply> =>
  httpRequest(url, headers === undefined ? {} : { headers });

/** Polls `url` until its answer satisfies `ok` (the service updates once a period). */
export function answer(url: string, ok: (r: Reply) => boolean, headers?: Record<string, string>): Promise<Reply> {
  return until(`an answer from ${url}`, async () => {
    const r = await get(url, headers);
    return ok(r) ? r : undefined;
  });
}
