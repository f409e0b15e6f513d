// The route table: made once from the config, frozen, every route declaring who logs its
// requests; /quit asks to stop through the function it was given, the server applies the
// log choice in one place.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Check } from '../../src/check';
import { collidesWithBuiltin } from '../../src/config';
import { guardConnections } from '../../src/connection-guard';
import { send } from '../../src/http';
import type { Logger } from '../../src/log';
import { startProcessStats } from '../../src/process-stats';
import { accessLine } from '../../src/request-log';
import { routeTable, type Route, type RouteTable } from '../../src/route';
import { serviceRoutes } from '../../src/routes';
import { createApp } from '../../src/server';
import { createStopRequests } from '../../src/stop-requests';
import { FakeClock } from '../helpers/fake-clock';
import { FakeRunner } from '../helpers/fake-runner';
import { httpRequest } from '../helpers/http.cjs';
import { openMetricsProblems, PROMETHEUS_ACCEPT } from '../helpers/openmetrics';
import { sleep, until } from '../helpers/poll.cjs';

function recorder(): { lines: string[]; logger: Logger } {
  const lines: string[] = [];
  return {
    lines,
    logger: {
      info: (m) => lines.push(`info ${m}`),
      notice: (m) => lines.push(`notice ${m}`),
      error: (m) => lines.push(`error ${m}`),
      // Every level on, so the per-route choice alone decides what is written.
      enabled: () => true,
    },
  };
}

function check(url: string, cmd: string): Check {
  const clock = new FakeClock();
  return new Check(
    { url, cmd },
    { runner: new FakeRunner(clock, []).run, clock, periodMs: 1000, latencyMs: 5000, timeoutMs: 1000, maxOutput: 256, killGraceMs: 10 },
  );
}

/** Serves `table` on a loopback port for the tests of one describe block; gives its base URL. */
function serve(table: RouteTable, logger: Logger): () => string {
  const { server } = createApp(table, logger, guardConnections(100));
  let base = '';
  before(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));
  return () => base;
}

const config = { output: false, timeoutMs: 1000, latencyMs: 5000, debugEndpoints: false, allowQuit: false };
const parts = (logger: Logger, requestStop: (why: string) => void = () => undefined) => ({
  checks: [check('/healthz', 'true'), check('/db', 'pg_isready')],
  stats: startProcessStats(),
  logger,
  connections: guardConnections(1).metrics,
  requestStop,
});

describe('routeTable', () => {
  const h = (): void => undefined;
  it('is frozen: no route can be added, removed or changed', () => {
    const table = routeTable([{ path: '/a', description: 'a', handler: h, log: 'request' }]);
    assert.ok(Object.isFrozen(table) && Object.isFrozen(table.routes) && Object.isFrozen(table.routes[0]));
    assert.throws(() => (table.routes as Route[]).push({ path: '/b', description: 'b', handler: h, log: 'none' }), TypeError);
    assert.throws(() => ((table.routes[0] as { log: string }).log = 'none'), TypeError);
  });
  it('is a copy: changing the array it was made from changes nothing', () => {
    const given: Route[] = [{ path: '/a', description: 'a', handler: h, log: 'request' }];
    const table = routeTable(given);
    given.push({ path: '/b', description: 'b', handler: h, log: 'request' });
    assert.equal(table.find('/b'), undefined);
    assert.deepEqual(table.routes.map((r) => r.path), ['/a']);
  });
  it('refuses a path given twice', () => {
    assert.throws(
      () => routeTable([{ path: '/a', description: '', handler: h, log: 'none' }, { path: '/a', description: '', handler: h, log: 'none' }]),
      /route \/a given twice/,
    );
  });
});

describe('serviceRoutes', () => {
  const { logger } = recorder();

  it('serves no built-in path that --url may take (config.ts reserves each)', () => {
    const table = serviceRoutes({ ...config, allowQuit: true, debugEndpoints: true }, parts(logger));
    const checks = new Set(['/healthz', '/db']);
    for (const r of table.routes.filter((x) => !checks.has(x.path))) {
      assert.notEqual(collidesWithBuiltin(r.path), undefined, `${r.path} is served but a --url may take it`);
    }
  });
  const paths = (c: Partial<typeof config>): string[] => serviceRoutes({ ...config, ...c }, parts(logger)).routes.map((r) => r.path);

  it('lists /, the checks, /metrics; /debug/ and /quit only when turned on', () => {
    assert.deepEqual(paths({}), ['/', '/healthz', '/db', '/metrics']);
    assert.deepEqual(paths({ allowQuit: true }), ['/', '/healthz', '/db', '/metrics', '/quit']);
    assert.deepEqual(paths({ debugEndpoints: true }), ['/', '/healthz', '/db', '/metrics', '/debug/', '/debug/vars', '/debug/heap', '/debug/profile', '/debug/pprof/']);
  });

  it('has check paths log themselves (the Go wording) and the server log the rest', () => {
    const table = serviceRoutes({ ...config, allowQuit: true, debugEndpoints: true }, parts(logger));
    const byLog = (log: string): string[] => table.routes.filter((r) => r.log === log).map((r) => r.path);
    assert.deepEqual(byLog('self'), ['/healthz', '/db']);
    assert.deepEqual(byLog('request'), ['/', '/metrics', '/debug/', '/debug/vars', '/debug/heap', '/debug/profile', '/debug/pprof/', '/quit']);
  });
});

describe('the service routes on a server', () => {
  const { lines, logger } = recorder();
  const stops: string[] = [];
  const table = serviceRoutes({ ...config, allowQuit: true }, parts(logger, (why) => stops.push(why)));
  const url = serve(table, logger);

  it('/ lists every other route of the table, in its order', async () => {
    const r = await httpRequest(`${url()}/`);
    assert.equal(r.status, 200);
    const listed = r.body.split('\n').slice(2, -1).map((l) => l.split(' ')[0]);
    assert.deepEqual(listed, table.routes.slice(1).map((x) => x.path));
  });

  it('/metrics answers OpenMetrics to Prometheus, the text format to others, and says it varies by Accept', async () => {
    const om = await httpRequest(`${url()}/metrics`, { headers: { Accept: PROMETHEUS_ACCEPT } });
    assert.equal(om.headers['content-type'], 'application/openmetrics-text; version=1.0.0; charset=utf-8');
    assert.deepEqual(openMetricsProblems(om.body), []);
    const text = await httpRequest(`${url()}/metrics`);
    assert.equal(text.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    assert.doesNotMatch(text.body, /# EOF/);
    for (const r of [om, text]) assert.equal(r.headers['vary'], 'Accept');
  });

  it('/quit answers, then calls the function it was given, once', async () => {
    const r = await httpRequest(`${url()}/quit`);
    assert.equal(r.status, 200);
    assert.equal(r.body, 'shutting down\n');
    await until('the stop request', () => (stops.length > 0 ? true : undefined));
    assert.deepEqual(stops, ['/quit']);
  });

  it('writes the check path\'s own line and no access line for it', async () => {
    await httpRequest(`${url()}/db`);
    assert.ok(lines.some((l) => /^info Client ip 127\.0\.0\.1 requesting \/db probe servicing cmd pg_isready$/.test(l)), lines.join('\n'));
    assert.ok(!lines.some((l) => /^info GET \/db /.test(l)), lines.join('\n'));
  });
});

describe('every unhealthy answer is logged, whatever its format', () => {
  const { lines, logger } = recorder();
  const clock = new FakeClock();
  const failing = new Check(
    { url: '/bad', cmd: 'false' },
    { runner: new FakeRunner(clock, [], { exitCode: 1, output: 'nope' }).run, clock, periodMs: 1000, latencyMs: 5000, timeoutMs: 1000, maxOutput: 256, killGraceMs: 10 },
  );
  const passing = new Check(
    { url: '/good', cmd: 'true' },
    { runner: new FakeRunner(clock, []).run, clock, periodMs: 1000, latencyMs: 5000, timeoutMs: 1000, maxOutput: 256, killGraceMs: 10 },
  );
  const table = serviceRoutes(config, { ...parts(logger), checks: [failing, check('/later', 'true'), passing] });
  const url = serve(table, logger);

  const asked: [string, Record<string, string>][] = [
    ['/bad', {}],
    ['/bad?verbose', {}],
    ['/bad?format=json', {}],
    ['/bad', { Accept: 'application/json' }],
  ];
  for (const [path, headers] of asked) {
    it(`GET ${path} ${JSON.stringify(headers)}: 503 and one error line in the Go tool's words`, async () => {
      if (failing.last === undefined) {
        failing.start();
        passing.start();
        await clock.advance(0);
      }
      const before = lines.length;
      const r = await httpRequest(`${url()}${path}`, { headers });
      assert.equal(r.status, 503);
      const errors = lines.slice(before).filter((l) => l.startsWith('error '));
      assert.equal(errors.length, 1, lines.slice(before).join('\n'));
      assert.match(errors[0] ?? '', /^error Healthz probe on \/bad error: Result of last exec: nope, at \d{4}-\d\d-\d\d [\d:.]+ \+0000 UTC, error exit status 1$/);
    });
  }

  it('a 503 before the first result too, as info: nothing has failed yet', async () => {
    for (const path of ['/later', '/later?verbose', '/later?format=json']) {
      const before = lines.length;
      assert.equal((await httpRequest(`${url()}${path}`)).status, 503);
      const said = lines.slice(before).filter((l) => !l.startsWith('info Client ip'));
      assert.deepEqual(said, ['info no result yet: the first run for /later has not finished'], path);
    }
  });

  it('a 200 leaves no error line', async () => {
    for (const path of ['/good', '/good?verbose', '/good?format=json']) {
      const before = lines.length;
      assert.equal((await httpRequest(`${url()}${path}`)).status, 200, path);
      assert.deepEqual(lines.slice(before).filter((l) => l.startsWith('error ')), [], path);
    }
  });
});

describe('request log policy', () => {
  const { lines, logger } = recorder();
  const say = (word: string): Route['handler'] => (_q, res) => {
    logger.info(`${word} says hi`);
    send(res, 200, 'hi');
  };
  const table = routeTable([
    { path: '/request', description: '', handler: say('request'), log: 'request' },
    { path: '/self', description: '', handler: say('self'), log: 'self' },
    { path: '/none', description: '', handler: (_q, res) => send(res, 200, 'hi'), log: 'none' },
  ]);
  const url = serve(table, logger);

  it('formats the access line', () => {
    assert.equal(accessLine('GET', '/metrics', 200, 0.44, '10.0.0.7'), 'GET /metrics 200 0.4ms from 10.0.0.7');
  });

  it("'request': one access line per answer, refused methods included", async () => {
    await httpRequest(`${url()}/request`);
    await httpRequest(`${url()}/request`, { method: 'POST' });
    const access = lines.filter((l) => l.startsWith('info GET /request ') || l.startsWith('info POST /request '));
    assert.equal(access.length, 2, lines.join('\n'));
    assert.match(access[0] ?? '', /^info GET \/request 200 \d+\.\dms from 127\.0\.0\.1$/);
    assert.match(access[1] ?? '', /^info POST \/request 405 \d+\.\dms from 127\.0\.0\.1$/);
  });

  it("'self': only the handler's own line", async () => {
    await httpRequest(`${url()}/self`);
    assert.ok(lines.includes('info self says hi'));
    assert.ok(!lines.some((l) => l.includes(' /self ')), lines.join('\n'));
  });

  it("'none' and unknown paths: no line at all", async () => {
    const before = lines.length;
    await httpRequest(`${url()}/none`);
    await httpRequest(`${url()}/elsewhere`);
    assert.deepEqual(lines.slice(before), []);
  });
});

describe('stop requests', () => {
  it('passes requests made before the handler on when it is set, then the later ones at once', () => {
    const stops = createStopRequests();
    const seen: string[] = [];
    stops.request('SIGTERM');
    stops.handle((why) => seen.push(why));
    assert.deepEqual(seen, ['SIGTERM']);
    stops.request('/quit');
    assert.deepEqual(seen, ['SIGTERM', '/quit']);
  });
  it('takes one handler only', () => {
    const stops = createStopRequests();
    stops.handle(() => undefined);
    assert.throws(() => stops.handle(() => undefined), /handled already/);
  });
});

describe('/debug/vars beside /metrics', () => {
  const { logger } = recorder();
  const table = serviceRoutes({ ...config, debugEndpoints: true }, parts(logger));
  const url = serve(table, logger);

  const maxDelay = (vars: string): number => (JSON.parse(vars) as { eventLoopDelay: { max: number } }).eventLoopDelay.max;

  it('a look at /debug/vars leaves the event-loop window the next scrape reports', async () => {
    await httpRequest(`${url()}/metrics`); // the window starts here
    await sleep(200);
    const end = Date.now() + 400;
    while (Date.now() < end) {
      // a stalled loop, as the scrape should report it
    }
    await until('the stall in /debug/vars', async () => (maxDelay((await httpRequest(`${url()}/debug/vars`)).body) >= 0.3 ? true : undefined));
    assert.ok(maxDelay((await httpRequest(`${url()}/debug/vars`)).body) >= 0.3, 'a second look lost the stall');
    const scrape = (await httpRequest(`${url()}/metrics`)).body;
    const max = Number(/^nodejs_eventloop_delay_max_seconds (\S+)$/m.exec(scrape)?.[1]);
    assert.ok(max >= 0.3, `the scrape after the looks reports max ${max}`);
  });
});
