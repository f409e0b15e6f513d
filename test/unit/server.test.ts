import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { send } from '../../src/http';
import type { Logger } from '../../src/log';
import { guardConnections } from '../../src/connection-guard';
import { findRoute, routeTable, type Route } from '../../src/route';
import { createApp } from '../../src/server';
import { httpRequest } from '../helpers/http.cjs';

const lines: string[] = [];
const logger: Logger = {
  info: (m) => lines.push(`info ${m}`),
  notice: (m) => lines.push(`notice ${m}`),
  error: (m) => lines.push(`error ${m}`),
  enabled: () => true,
};

const routes: Route[] = [
  { path: '/hello', description: 'd', handler: (_q, res, url) => send(res, 200, `hi ${url.searchParams.get('n') ?? ''}`), log: 'request' },
  { path: '/boom', description: 'd', handler: () => Promise.reject(new Error('kaput')), log: 'request' },
  {
    path: '/throw',
    description: 'd',
    handler: () => {
      throw new Error('at once');
    },
    log: 'request',
  },
  { path: '/tree', prefix: true, description: 'd', handler: (_q, res, url) => send(res, 200, url.pathname), log: 'request' },
];

describe('server', () => {
  const { server } = createApp(routeTable(routes), logger, guardConnections(1024));
  let base = '';
  before(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('routes GET with the query string', async () => {
    const reply = await httpRequest(`${base}/hello?n=1`);
    assert.equal(reply.status, 200);
    assert.equal(reply.body, 'hi 1');
    assert.equal(reply.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(reply.headers['content-length'], '4');
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const reply = await httpRequest(`${base}/hello?n=1`, { method: 'HEAD' });
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['content-length'], '4');
    assert.equal(reply.body, '');
  });

  it('answers 404 like Go for unknown paths', async () => {
    const reply = await httpRequest(`${base}/nope`);
    assert.equal(reply.status, 404);
    assert.equal(reply.body, '404 page not found\n');
  });

  for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
    it(`answers ${method} with 405 and an Allow header`, async () => {
      const reply = await httpRequest(`${base}/hello`, { method });
      assert.equal(reply.status, 405);
      assert.equal(reply.headers['allow'], 'GET, HEAD');
      assert.equal(reply.body, `method ${method} not allowed: use GET, HEAD\n`);
    });
  }

  it('turns a handler error into a 500 and an error log line', async () => {
    const reply = await httpRequest(`${base}/boom`);
    assert.equal(reply.status, 500);
    assert.equal(reply.body, 'internal error\n');
    assert.ok(lines.includes('error GET /boom failed: kaput'));
  });

  it('turns a handler that throws at once into a 500 too, and keeps serving', async () => {
    const reply = await httpRequest(`${base}/throw`);
    assert.equal(reply.status, 500);
    assert.equal(reply.body, 'internal error\n');
    assert.ok(lines.includes('error GET /throw failed: at once'));
    assert.equal((await httpRequest(`${base}/hello?n=2`)).body, 'hi 2');
  });

  it('serves paths under a prefix route but not look-alikes', async () => {
    assert.equal((await httpRequest(`${base}/tree/a/b`)).body, '/tree/a/b');
    assert.equal((await httpRequest(`${base}/treehouse`)).status, 404);
  });

  it('treats a path starting with // as a path, not a host', async () => {
    // Resolved as a URL, //x/hello would be host x, path /hello.
    assert.equal((await httpRequest(`${base}//x/hello`)).status, 404);
  });

  it('prefers an exact route to a prefix', () => {
    const r: Route[] = [
      { path: '/debug', prefix: true, description: '', handler: () => undefined, log: 'request' },
      { path: '/debug/vars', description: 'exact', handler: () => undefined, log: 'request' },
    ];
    assert.equal(findRoute(r, '/debug/vars')?.description, 'exact');
  });

  it('logs each request', async () => {
    await httpRequest(`${base}/hello`);
    assert.ok(lines.some((l) => /^info GET \/hello 200 \d+\.\dms from 127\.0\.0\.1$/.test(l)), lines.join('\n'));
  });
});
