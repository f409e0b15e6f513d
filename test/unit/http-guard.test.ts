// Bodies refused from the head, and the connection cap's choice of whom to close, on a
// real node:http server over loopback (the handlers are fakes).
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { guardConnections, pickVictim } from '../../src/connection-guard';
import { send } from '../../src/http';
import type { Logger } from '../../src/log';
import { carriesBody, foldsHeaders, hidesFraming } from '../../src/request-body';
import { routeTable, type Route } from '../../src/route';
import { createApp } from '../../src/server';
import { exchange, firstStatus } from '../helpers/hostile';
import { until } from '../helpers/poll.cjs';

const logger: Logger = { info: () => undefined, notice: () => undefined, error: () => undefined, enabled: () => false };

describe('carriesBody', () => {
  const cases: [Record<string, string>, boolean][] = [
    [{}, false],
    [{ 'content-length': '0' }, false],
    [{ 'content-length': '1' }, true],
    [{ 'transfer-encoding': 'chunked' }, true],
    [{ 'transfer-encoding': 'identity' }, true],
    [{ 'transfer-encoding': '' }, true],
  ];
  for (const [headers, expected] of cases) {
    it(`${JSON.stringify(headers)} -> ${expected}`, () => assert.equal(carriesBody(headers), expected));
  }
});

describe('foldsHeaders: the runtimes whose parser joins a folded header line instead of a 400', () => {
  const cases: [string, boolean][] = [
    ['20.11.0', true], ['v20.11.0', true], ['20.12.0', true], ['18.20.0', true], ['21.7.1', true], ['16.20.2', true],
    ['20.12.1', false], ['20.19.2', false], ['18.20.1', false], ['21.7.2', false], ['22.0.0', false], ['24.22.3', false],
  ];
  for (const [version, expected] of cases) {
    it(`${version} -> ${expected}`, () => assert.equal(foldsHeaders(version), expected));
  }
});

describe('hidesFraming: a framing header a fold joined into another value', () => {
  const cases: [string[], boolean][] = [
    [['X-A', 'y Content-Length: 41'], true],
    [['X-A', 'y\tcontent-length : 5'], true],
    [['X-A', 'y Transfer-Encoding: chunked'], true],
    [['X-A', 'Content-Length:5'], true],
    [['Host', 'x', 'X-A', 'y'], false],
    [['Referer', 'http://h/content-length'], false],
    [['X-A', 'my-content-length: 5'], false],
    [[], false],
  ];
  for (const [raw, expected] of cases) {
    it(`${JSON.stringify(raw)} -> ${expected}`, () => assert.equal(hidesFraming(raw, true), expected));
  }
  it('never on a runtime whose parser refuses folds itself', () => {
    assert.equal(hidesFraming(['X-A', 'y Content-Length: 41'], false), false);
  });
});

describe('pickVictim', () => {
  it('picks the oldest idle connection other than the newcomer', () => {
    assert.equal(pickVictim(['a', 'b', 'c', 'new'], (c) => c === 'a', 'new'), 'b');
  });
  it('gives undefined (close the newcomer) when every other one is busy', () => {
    assert.equal(pickVictim(['a', 'b', 'new'], (c) => c !== 'new', 'new'), undefined);
  });
});

describe('server with a body and a connection cap', () => {
  const held: ServerResponse[] = [];
  const routes: Route[] = [
    { path: '/hello', description: 'd', handler: (_q, res) => send(res, 200, 'hi'), log: 'none' },
    // Answers only when the test releases it: a connection with a request in progress.
    { path: '/hold', description: 'd', handler: (_q, res) => void held.push(res), log: 'none' },
  ];
  const connections = guardConnections(3);
  const { server } = createApp(routeTable(routes), logger, connections);
  let port = 0;
  before(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });

  it('answers a request with a body 413, Connection: close, and closes without a second response', async () => {
    const r = await exchange(port, 'GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /hello HTTP/1.1\r\nHost: x\r\n\r\n', 5000);
    assert.equal(firstStatus(r.received), 413);
    assert.match(r.received, /\r\nConnection: close\r\n/);
    assert.equal(r.received.match(/HTTP\/1\.1 /g)?.length, 1);
    assert.equal(r.closedByServer, true);
  });

  it('answers 413 to Expect: 100-continue without inviting the body', async () => {
    const r = await exchange(port, 'PUT /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n', 5000);
    assert.equal(firstStatus(r.received), 413, r.received);
  });

  it('over the cap closes the oldest idle connection, and the newcomer when all are busy', { timeout: 20_000 }, async () => {
    const open = (): Promise<Socket> =>
      new Promise((resolve) => {
        const s = connect(port, '127.0.0.1', () => resolve(s));
        s.on('error', () => undefined);
      });
    const closed = (s: Socket): Promise<void> => new Promise((r) => (s.destroyed ? r() : s.once('close', () => r())));
    const idle = await open();
    const busy1 = await open();
    busy1.write('GET /hold HTTP/1.1\r\nHost: x\r\n\r\n');
    const busy2 = await open();
    busy2.write('GET /hold HTTP/1.1\r\nHost: x\r\n\r\n');
    await until('two held requests', () => (held.length === 2 ? true : undefined), 5000);

    const fourth = await open();
    await closed(idle); // the oldest without a request in progress
    fourth.write('GET /hello HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => fourth.once('data', r));
    assert.deepEqual(connections.figures(), { open: 3, evicted: 1, refused: 0 });

    // fourth is idle again once answered: the next newcomer evicts it, not itself.
    const fifth = await open();
    await closed(fourth);
    assert.deepEqual(connections.figures(), { open: 3, evicted: 2, refused: 0 });

    // With fifth busy too, every other connection has a request in progress: the newcomer goes.
    fifth.write('GET /hold HTTP/1.1\r\nHost: x\r\n\r\n');
    await until('three held requests', () => (held.length === 3 ? true : undefined), 5000);
    const sixth = await open();
    await closed(sixth);
    assert.deepEqual(connections.figures(), { open: 3, evicted: 2, refused: 1 });

    for (const res of held) send(res, 200, 'done');
    for (const s of [busy1, busy2, fifth]) s.destroy();
  });
});
