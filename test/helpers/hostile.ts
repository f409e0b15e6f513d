// Hostile HTTP clients on raw node:net sockets, against 127.0.0.1 only. Every loop is
// bounded by a byte budget and a deadline; every socket is destroyed on the way out.
import { readFileSync, readlinkSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import assert from 'node:assert/strict';
import { get, httpRequest } from './http.cjs';
import { until } from './poll.cjs';
import { memBytes } from './proc.cjs';
import type { Service } from './service';

/** How a body flood ended. The client keeps writing after an answer, as an attacker would. */
export interface FloodOutcome {
  /** 'reset': ECONNRESET/EPIPE; 'close': closed without an error; 'budget'/'deadline': the server was still reading. */
  readonly ended: 'close' | 'reset' | 'budget' | 'deadline';
  /** Body bytes the kernel took from the client (write callbacks that succeeded). */
  readonly bytesWritten: number;
  /** Body bytes written when the first answer arrived, if one did. */
  readonly answeredAfterBytes: number | undefined;
  /** Everything the server sent. */
  readonly received: string;
  readonly elapsedMs: number;
}

export interface FloodOptions {
  readonly port: number;
  /** Request head, blank line included. */
  readonly head: string;
  /** Bytes written before the body (e.g. the start of a chunk). */
  readonly prefix?: string;
  /** One step of the body. */
  readonly step: Buffer;
  /** Give up (outcome 'budget') after this many body bytes. */
  readonly budgetBytes: number;
  readonly deadlineMs: number;
  /** Pause between steps: emulated arches get time, not bytes. */
  readonly paceMs?: number;
}

/**
 * Writes the head, then the body one step at a time, each step only once the previous
 * one is in the kernel: the client never queues more than a step in user space.
 */
export function flood(o: FloodOptions): Promise<FloodOutcome> {
  return new Promise((resolve) => {
    const started = Date.now();
    // Half-open: a FIN from the server does not stop the client writing; only the server
    // really closing (a reset) does.
    const socket = connect({ port: o.port, host: '127.0.0.1', allowHalfOpen: true });
    let received = '';
    let written = 0;
    let answeredAfterBytes: number | undefined;
    let done = false;
    const finish = (ended: FloodOutcome['ended']): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ended, bytesWritten: written, answeredAfterBytes, received, elapsedMs: Date.now() - started });
    };
    const timer = setTimeout(() => finish('deadline'), o.deadlineMs);
    socket.on('data', (d: Buffer) => {
      received += d.toString('latin1');
      answeredAfterBytes ??= written;
    });
    socket.on('error', () => finish('reset'));
    socket.on('close', () => finish('close'));
    const step = (): void => {
      if (done) return;
      if (written >= o.budgetBytes) {
        finish('budget');
        return;
      }
      socket.write(o.step, (err) => {
        if (err !== undefined && err !== null) {
          finish('reset');
          return;
        }
        written += o.step.length;
        if ((o.paceMs ?? 0) > 0) setTimeout(step, o.paceMs);
        else setImmediate(step);
      });
    };
    socket.on('connect', () => {
      socket.write(o.head + (o.prefix ?? ''), () => step());
    });
  });
}

/** Status code of the first response in a raw byte stream, if any. */
export function firstStatus(raw: string): number | undefined {
  const m = /^HTTP\/1\.[01] (\d{3}) /.exec(raw);
  return m === null ? undefined : Number(m[1]);
}

/** Sends `bytes` and collects what comes back until the server closes (or the deadline). */
export function exchange(port: number, bytes: string | Buffer, deadlineMs: number): Promise<{ received: string; closedByServer: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let settled = false;
    const done = (closedByServer: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ received, closedByServer });
    };
    const timer = setTimeout(() => done(false), deadlineMs);
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    socket.on('end', () => done(true));
    socket.on('error', () => done(true));
    socket.on('close', () => done(true));
    socket.on('connect', () => socket.write(bytes));
  });
}

/**
 * Resident bytes of QEMU's translated-code cache in a process that binfmt runs under QEMU
 * user emulation, else 0. The cache is QEMU's one anonymous read-write-execute mapping (the
 * guest's own pages are never mapped executable on the host); it grows whenever the guest
 * runs code it has not run before, so it is the emulator's memory, not the service's.
 */
export function emulatorCacheBytes(pid: number): number {
  let exe: string;
  try {
    exe = readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return 0;
  }
  if (!/\/qemu-[^/]+$/.test(exe)) return 0;
  let bytes = 0;
  let rwxAnonymous = false;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ (\S+) \S+ \S+ (\d+)\s*(.*)$/.exec(line);
    if (head !== null) {
      rwxAnonymous = head[1] === 'rwxp' && head[2] === '0' && head[3] === '';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB$/.exec(line);
    if (rss !== null && rwxAnonymous) bytes += Number(rss[1]) * 1024;
  }
  return bytes;
}

/**
 * Resident memory of the service in bytes: VmRSS, less QEMU's translated-code cache when
 * the process is emulated, so an emulated arch is held to the same byte limit as the host.
 */
export function rssBytes(pid: number): number {
  return memBytes(pid, 'VmRSS') - emulatorCacheBytes(pid);
}

/** Samples a process's RSS every intervalMs while `work` runs; returns the largest seen. */
export async function peakRssDuring<T>(pid: number, work: Promise<T>, intervalMs = 20): Promise<{ result: T; peak: number }> {
  let peak = rssBytes(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssBytes(pid));
    } catch {
      // exited: the caller's assertions say so
    }
  }, intervalMs);
  try {
    const result = await work;
    peak = Math.max(peak, rssBytes(pid));
    return { result, peak };
  } finally {
    clearInterval(timer);
  }
}

export interface SlowlorisResult {
  /** Latency of each fresh GET /healthz made while the slow connections were open. */
  readonly probeMs: readonly number[];
  readonly probeStatuses: readonly number[];
  /** Slow connections the server had closed by the end. */
  readonly closedByServer: number;
  /** Time from the last connection's open to the server closing them all (or the deadline). */
  readonly allClosedAfterMs: number | undefined;
  readonly connected: number;
  /** Highest 1-minute load average seen while the slow connections were open. */
  readonly load: number;
}

/**
 * A fresh probe's time limit: the kubelet's default timeout (1 s) on a machine whose cores
 * are not oversubscribed. With more runnable threads than cores (the load average over the
 * core count), every process gets that share of a core, the service included, so the limit
 * stretches by the same factor: a slow machine gets time, a starved probe (never answered)
 * still fails.
 */
export function kubeletLimitMs(load: number, baseMs = 1000): number {
  return Math.round(baseMs * Math.max(1, load / availableParallelism()));
}

/**
 * Opens `count` connections that send a request line and then one header byte per
 * second each, and meanwhile probes `GET /healthz` on fresh connections, one at a time.
 * Ends when the server has closed every slow connection, or at the deadline.
 */
export async function slowloris(
  port: number,
  count: number,
  deadlineMs: number,
  probeTimeoutMs: number,
  bytePeriodMs = 1000,
): Promise<SlowlorisResult> {
  const sockets: Socket[] = [];
  let closed = 0;
  let connected = 0;
  const opened = Date.now();
  const allClosed = new Promise<void>((resolve) => {
    for (let i = 0; i < count; i++) {
      const s = connect(port, '127.0.0.1');
      s.setNoDelay(true);
      s.on('connect', () => {
        connected++;
        s.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
      });
      s.on('error', () => undefined);
      s.on('data', () => undefined);
      s.on('close', () => {
        closed++;
        if (closed === count) resolve();
      });
      sockets.push(s);
    }
  });
  // One byte per bytePeriodMs per connection, spread over the period (10 ms ticks) as
  // independent clients would send them, not in one burst.
  let tick = 0;
  const ticks = Math.max(1, Math.round(bytePeriodMs / 10));
  const perTick = Math.max(1, Math.ceil(count / ticks));
  const trickle = setInterval(() => {
    const from = (tick++ % ticks) * perTick;
    for (const s of sockets.slice(from, from + perTick)) if (!s.destroyed && s.writable) s.write('a');
  }, 10);
  const deadline = Date.now() + deadlineMs;
  let allClosedAfterMs: number | undefined;
  void allClosed.then(() => (allClosedAfterMs = Date.now() - opened));
  const probeMs: number[] = [];
  const probeStatuses: number[] = [];
  let closedAtEnd = 0;
  let load = loadavg()[0] ?? 0;
  try {
    // Probe while slow connections are still open (bounded by the deadline).
    while (allClosedAfterMs === undefined && Date.now() < deadline) {
      const t0 = Date.now();
      try {
        const r = await httpRequest(`http://127.0.0.1:${port}/healthz`, { timeoutMs: probeTimeoutMs });
        probeStatuses.push(r.status);
      } catch {
        probeStatuses.push(0);
      }
      probeMs.push(Date.now() - t0);
      load = Math.max(load, loadavg()[0] ?? 0);
      await new Promise((r) => setTimeout(r, 100));
    }
    let wait: NodeJS.Timeout | undefined;
    await Promise.race([allClosed, new Promise((r) => (wait = setTimeout(r, Math.max(0, deadline - Date.now()))))]);
    clearTimeout(wait);
    closedAtEnd = closed;
  } finally {
    clearInterval(trickle);
    for (const s of sockets) s.destroy();
  }
  return { probeMs, probeStatuses, closedByServer: closedAtEnd, allClosedAfterMs, connected, load };
}

const MiB = 1024 * 1024;
const STEP = Buffer.alloc(16 * 1024, 'a');

/** Waits for a first 200; RSS is measured from after it (a first request loads lazily). */
export async function warm(s: Service, timeoutMs?: number): Promise<void> {
  await until('a first 200 on /healthz', async () => (await get(`${s.baseUrl}/healthz`)).status === 200 || undefined, timeoutMs);
}

/** The cases the README promises: refused from the head, before 1 MiB, RSS growth < 5 MB. */
export const BODY_CASES = [
  {
    name: 'a 200 MB chunk-extension flood on GET /healthz',
    head: 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n',
    prefix: '1;',
    budgetBytes: 200 * 1000 * 1000,
  },
  {
    name: 'a 50 MB body on POST /healthz',
    head: 'POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 52428800\r\n\r\n',
    budgetBytes: 50 * MiB,
  },
  {
    name: 'a 50 MB body on GET /healthz',
    head: 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 52428800\r\n\r\n',
    budgetBytes: 50 * MiB,
  },
  {
    name: 'a 50 MB chunked body on GET /nope (unknown path)',
    head: 'GET /nope HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n',
    prefix: '3200000\r\n',
    budgetBytes: 50 * MiB,
  },
  {
    name: 'a 50 MB body announced with Expect: 100-continue',
    head: 'PUT /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 52428800\r\nExpect: 100-continue\r\n\r\n',
    budgetBytes: 50 * MiB,
  },
] as const;

/**
 * Runs every body case once, unmeasured. The first refusals load code lazily, and under
 * QEMU they also grow the emulator's own tables once (6.5 MiB seen on arm64, on whichever
 * case came first); a second pass measures what a refused request costs the service.
 */
export async function primeBodyCases(s: Service, paceMs: number, deadlineMs: number): Promise<void> {
  for (const c of BODY_CASES) {
    await flood({ port: s.port, head: c.head, ...('prefix' in c ? { prefix: c.prefix } : {}), step: STEP, budgetBytes: c.budgetBytes, deadlineMs, paceMs });
  }
}

const RSS_LIMIT = 5_000_000;

/** One flood of case `c`: its outcome, and how far the service's RSS rose above where it was. */
async function measuredFlood(s: Service, c: (typeof BODY_CASES)[number], paceMs: number, deadlineMs: number): Promise<{ result: FloodOutcome; rssGrowth: number; note: string }> {
  const pid = s.process.pid as number;
  const before = rssBytes(pid);
  const cacheBefore = emulatorCacheBytes(pid);
  const { result, peak } = await peakRssDuring(
    pid,
    flood({ port: s.port, head: c.head, ...('prefix' in c ? { prefix: c.prefix } : {}), step: STEP, budgetBytes: c.budgetBytes, deadlineMs, paceMs }),
  );
  const note = `from ${before}; QEMU's code cache, not counted, grew ${emulatorCacheBytes(pid) - cacheBefore}`;
  return { result, rssGrowth: peak - before, note };
}

/**
 * One body case against a running service; returns what it measured. The answer and the
 * bytes read are asserted on the first flood. RSS is held to 5 MB on a second flood only
 * if the first one rose past it: a one-time cost (V8 resizing its young generation, code
 * paged in from the executable, QEMU's own tables) lands on whichever request comes first,
 * while a body held in memory would show on every flood.
 */
export async function bodyCase(
  s: Service,
  c: (typeof BODY_CASES)[number],
  paceMs: number,
  deadlineMs: number,
): Promise<{ bytes: number; rssGrowth: number; ended: string }> {
  const { result, rssGrowth: first, note } = await measuredFlood(s, c, paceMs, deadlineMs);
  const detail = `${c.name}: ended by ${result.ended} after ${result.bytesWritten} bytes (answered after ${result.answeredAfterBytes}), ${result.elapsedMs} ms; got ${JSON.stringify(result.received.slice(0, 200))}`;
  assert.ok(result.ended === 'close' || result.ended === 'reset', `the server kept reading: ${detail}`);
  assert.ok(result.bytesWritten < MiB, detail);
  if (result.received !== '') {
    const status = firstStatus(result.received);
    assert.ok(status === 413 || status === 400, detail);
    assert.match(result.received, /\r\nConnection: close\r\n/i, detail);
    assert.doesNotMatch(result.received, /^HTTP\/1\.1 100 /, `no 100 Continue invites the body: ${detail}`);
  }
  let rssGrowth = first;
  if (first >= RSS_LIMIT) {
    const again = await measuredFlood(s, c, paceMs, deadlineMs);
    rssGrowth = again.rssGrowth;
    assert.ok(rssGrowth < RSS_LIMIT, `${c.name}: RSS grew ${first} bytes (${note}), and again ${rssGrowth} bytes on a second flood (${again.note})`);
  }
  // The service still answers, and the refused connection did not take it down.
  assert.equal((await get(`${s.baseUrl}/healthz`)).status, 200);
  return { bytes: result.bytesWritten, rssGrowth, ended: result.ended };
}


const NEXT = 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n';
/** Request heads a front-end and the service could frame differently, each followed by a second request. */
export const SMUGGLING_SHAPES: readonly (readonly [string, string])[] = [
  ['Content-Length with Transfer-Encoding', `GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${NEXT}`],
  ['two differing Content-Lengths', `GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\n${NEXT}`],
  ['Content-Length: +5', `GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello${NEXT}`],
  ['space before the colon', `GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length : 5\r\n\r\nhello${NEXT}`],
  ['bare LF line endings', `GET /healthz HTTP/1.1\nHost: x\n\n${NEXT}`],
  ['a bare LF inside CRLF headers', `GET /healthz HTTP/1.1\r\nHost: x\nX: y\r\n\r\n${NEXT}`],
  ['chunked GET with an empty body', `GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${NEXT}`],
  // CVE-2024-27982's shape: Node before 20.12.1 joins the folded line to X-A, so its parser
  // sees no body and the 41 bytes after the head as the second request.
  ['a Content-Length folded into the header before it (obs-fold)', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: y\r\n Content-Length: ${Buffer.byteLength(NEXT)}\r\n\r\n${NEXT}`],
];

/** One shape of SMUGGLING_SHAPES on a fresh connection: 400 (or 413) or no answer, never a second response, and the server closes. */
export async function smugglingRefused(port: number, bytes: string, deadlineMs = 10_000): Promise<void> {
  const r = await exchange(port, bytes, deadlineMs);
  const status = firstStatus(r.received);
  assert.ok(status === undefined || status === 400 || status === 413, `status ${status}: ${r.received}`);
  assert.ok((r.received.match(/HTTP\/1\.[01] \d{3} /g) ?? []).length <= 1, `a second response: ${r.received}`);
  assert.equal(r.closedByServer, true, 'the server closed the connection');
}
