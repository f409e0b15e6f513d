// listen() binds --address by hand, so Node never looks the literal up (the lookup's isIPv6
// check cost 9-10 ms of start-up); without the binding, or when the bind fails, it is
// listen(port, host) as before, errors included.
import assert from 'node:assert/strict';
import dns from 'node:dns';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { listen } from '../../src/listen';

const lookup = dns.lookup;
let lookups = 0;
const servers: Server[] = [];
afterEach(() => {
  dns.lookup = lookup;
  for (const s of servers.splice(0)) s.close();
});

function countLookups(): void {
  lookups = 0;
  dns.lookup = ((...args: Parameters<typeof lookup>) => {
    lookups += 1;
    return (lookup as (...a: unknown[]) => unknown)(...args);
  }) as typeof lookup;
}

/** Listens as main does; resolves with the port, or rejects with the server's 'error'. */
function listening(address: string, port = 0, withoutBinding = false): Promise<number> {
  const server = createServer((socket) => socket.end('hi'));
  servers.push(server);
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    const done = (): void => resolve((server.address() as AddressInfo).port);
    if (withoutBinding) listen(server, port, address, done, null);
    else listen(server, port, address, done);
  });
}

describe('listen', () => {
  for (const address of ['127.0.0.1', '::1']) {
    it(`binds ${address} without a name lookup, and serves there`, async () => {
      countLookups();
      const port = await listening(address);
      assert.ok(port > 0);
      assert.equal(lookups, 0);
      const got = await new Promise<string>((resolve, reject) => {
        const c = connect({ port, host: address });
        let text = '';
        c.on('data', (d) => (text += String(d)));
        c.on('end', () => resolve(text));
        c.on('error', reject);
      });
      assert.equal(got, 'hi');
    });
  }

  it('without the binding: listen(port, host), which looks the host up', async () => {
    countLookups();
    const port = await listening('127.0.0.1', 0, true);
    assert.ok(port > 0);
    assert.equal(lookups, 1);
  });

  it('a port in use: the server reports EADDRINUSE as listen(port, host) did', async () => {
    const port = await listening('127.0.0.1');
    await assert.rejects(listening('127.0.0.1', port), { code: 'EADDRINUSE' });
  });

  it('an address not on this machine: the bind fails, listen(port, host) reports EADDRNOTAVAIL', async () => {
    await assert.rejects(listening('192.0.2.1'), { code: 'EADDRNOTAVAIL' });
  });
});
