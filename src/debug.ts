// `/debug/`: Node's answer to Go's pprof on the same port. The inspector and v8 modules
// are loaded only when an endpoint is hit, so a pod that never debugs never pays for them.
import type { ServerResponse } from 'node:http';
import { JSON_TYPE, send } from './http';
import type { ProcessStats } from './process-stats';
import type { RequestTarget } from './request-target';
import type { Handler, Route } from './route';
import { processStarter } from './runner';

// Plain require() inside a function: loaded on first use only, and unlike import() it
// needs no ESM loader, which a single-executable application may not have.
const loadV8 = (): typeof import('node:v8') => require('node:v8') as typeof import('node:v8');
const loadInspector = (): typeof import('node:inspector') =>
  require('node:inspector') as typeof import('node:inspector');

export const DEFAULT_PROFILE_SECONDS = 10;
export const MAX_PROFILE_SECONDS = 60;

const INDEX = `exechealthz debug endpoints

/debug/vars                  memory and event-loop figures, how probes start (JSON)
/debug/heap                  V8 heap snapshot; open it in Chrome DevTools > Memory
/debug/profile?seconds=N     CPU profile of N seconds (default ${DEFAULT_PROFILE_SECONDS}, at most ${MAX_PROFILE_SECONDS}); open in DevTools > Performance

Example: curl -o exechealthz.heapsnapshot http://127.0.0.1:8080/debug/heap
`;

/** Parses ?seconds=; returns an error message naming the parameter, value and limit. */
export function profileSeconds(url: RequestTarget): number | string {
  const raw = url.searchParams.get('seconds');
  if (raw === null || raw === '') return DEFAULT_PROFILE_SECONDS;
  const n = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
  if (!(n > 0) || n > MAX_PROFILE_SECONDS) {
    return `seconds=${raw}: must be a number greater than 0 and at most ${MAX_PROFILE_SECONDS}`;
  }
  return n;
}

function attachment(name: string): Record<string, string> {
  return { 'Content-Disposition': `attachment; filename="${name}"` };
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
}

export function debugRoutes(stats: ProcessStats): Route[] {
  // One heavy job at a time: two heap snapshots at once could double the pod's memory.
  let busy = false;
  const exclusive = (job: (res: ServerResponse, url: RequestTarget) => Promise<void>): Handler => {
    return async (_req, res, url) => {
      if (busy) {
        send(res, 409, 'another heap snapshot or CPU profile is in progress; retry when it is done\n');
        return;
      }
      busy = true;
      try {
        await job(res, url);
      } finally {
        busy = false;
      }
    };
  };

  const index: Handler = (_req, res) => send(res, 200, INDEX);

  const vars: Handler = (_req, res) => {
    // How probes are started: 'child_process' means this Node lacks the handles the
    // cheaper way needs (see handle-start.ts), which shows as CPU and memory per run.
    send(res, 200, `${JSON.stringify({ ...stats.read(), processStarter }, null, 2)}\n`, JSON_TYPE);
  };

  const heap = exclusive(async (res) => {
    const v8 = loadV8();
    const snapshot = v8.getHeapSnapshot();
    res.writeHead(200, { 'Content-Type': JSON_TYPE, ...attachment(`exechealthz-${stamp()}.heapsnapshot`) });
    await new Promise<void>((resolve, reject) => {
      snapshot.on('error', reject);
      res.on('close', resolve);
      snapshot.pipe(res);
    });
  });

  const profile = exclusive(async (res, url) => {
    const seconds = profileSeconds(url);
    if (typeof seconds === 'string') {
      send(res, 400, `${seconds}\n`);
      return;
    }
    const inspector = loadInspector();
    const session = new inspector.Session();
    session.connect();
    const post = (method: string): Promise<unknown> =>
      new Promise((resolve, reject) => {
        session.post(method, (err, result) => (err === null ? resolve(result) : reject(err)));
      });
    try {
      await post('Profiler.enable');
      await post('Profiler.start');
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
      const result = (await post('Profiler.stop')) as { profile: unknown };
      send(res, 200, JSON.stringify(result.profile), JSON_TYPE, attachment(`exechealthz-${stamp()}.cpuprofile`));
    } finally {
      session.disconnect();
    }
  });

  return [
    { path: '/debug/', description: 'debug endpoints (heap snapshot, CPU profile, figures)', handler: index, log: 'request' },
    { path: '/debug/vars', description: 'memory and event-loop figures (JSON)', handler: vars, log: 'request' },
    { path: '/debug/heap', description: 'V8 heap snapshot (download)', handler: heap, log: 'request' },
    { path: '/debug/profile', description: 'CPU profile, ?seconds=N (download)', handler: profile, log: 'request' },
    // The Go tool's README points at /debug/pprof/; answer there with the same index.
    { path: '/debug/pprof/', description: 'same list as /debug/ (where Go had pprof)', handler: index, log: 'request' },
  ];
}
