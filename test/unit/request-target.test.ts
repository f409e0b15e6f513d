// The request target: the plain-path shortcut must give exactly what the WHATWG parser
// gives, or a path could reach a route the parser would have normalized away.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requestTarget } from '../../src/request-target';

/** What the server did before the shortcut, for every target. */
function parsed(raw: string): { pathname: string; query: [string, string][] } | undefined {
  try {
    const u = raw.startsWith('/') ? new URL(`http://localhost${raw}`) : new URL(raw);
    return { pathname: u.pathname, query: [...u.searchParams] };
  } catch {
    return undefined;
  }
}

function seen(raw: string): { pathname: string; query: [string, string][] } | undefined {
  const t = requestTarget(raw);
  if (t === undefined) return undefined;
  const params = t.searchParams instanceof URLSearchParams ? [...t.searchParams] : [];
  return { pathname: t.pathname, query: params };
}

describe('requestTarget', () => {
  it('takes a plain path as it is, with no query', () => {
    for (const raw of ['/', '/healthz', '/c0', '//healthz', '/a-b_c~d/e', '/debug/']) {
      const t = requestTarget(raw);
      assert.equal(t?.pathname, raw);
      assert.equal(t?.searchParams.get('verbose'), null);
      assert.equal(t?.searchParams.has('format'), false);
    }
  });

  it('normalizes what the parser normalizes', () => {
    assert.equal(requestTarget('/healthz/../quit')?.pathname, '/quit');
    assert.equal(requestTarget('/%2e%2e/quit')?.pathname, '/quit');
    assert.equal(requestTarget('/./healthz')?.pathname, '/healthz');
    assert.equal(requestTarget('/a\\..\\quit')?.pathname, '/quit');
    assert.equal(requestTarget('/healthz?verbose')?.searchParams.has('verbose'), true);
    assert.equal(requestTarget('/healthz?format=json')?.searchParams.get('format'), 'json');
    assert.equal(requestTarget('http://[bad')?.pathname, undefined);
  });

  it('agrees with the WHATWG parser on 20000 seeded random targets', () => {
    // Characters the shortcut admits, and the ones that make the parser change a path.
    const alphabet = ['a', 'Z', '0', '-', '_', '~', '/', '/', '.', '..', '%2e', '%2E', '%', '\\', '?', '#', '&', '=', ' ', 'é', '\t', ';', ':', '@', '+'];
    // mulberry32: a seeded generator whose low bits are as random as its high ones.
    let seed = 42;
    const next = (n: number): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) % n;
    };
    for (let i = 0; i < 20_000; i++) {
      let raw = i % 10 === 0 ? '' : '/';
      const len = next(12);
      for (let k = 0; k < len; k++) raw += alphabet[next(alphabet.length)];
      assert.deepEqual(seen(raw), parsed(raw), JSON.stringify(raw));
    }
  });
});
