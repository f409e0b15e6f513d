// @ts-check
// What the loop baselines share: their command line (CHECKS PERIOD_MS first) and the side
// the bench reads, `listening on ADDR:PORT` on stderr and a runs counter in the service's
// metric name on any GET, so runs are counted the same way for them and the service.
import { createServer } from 'node:http';

/** CHECKS and PERIOD_MS of argv, or the usage line and exit 2. @param {string} usage */
export function loopArgs(usage) {
  const checks = Number(process.argv[2] ?? '1');
  const periodMs = Number(process.argv[3] ?? '1000');
  if (!Number.isInteger(checks) || checks < 1 || !(periodMs > 0)) {
    process.stderr.write(`usage: ${usage}\n`);
    process.exit(2);
  }
  return { checks, periodMs };
}

/** Serves the runs counter on 127.0.0.1; SIGTERM runs `onTerm`, then exits 0. @param {() => number} runs @param {() => void} [onTerm] */
export function serveRuns(runs, onTerm = () => {}) {
  const server = createServer((_req, res) => {
    res.end(`exechealthz_check_runs_total{url="/c0",result="success"} ${runs()}\n`);
  });
  server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    process.stderr.write(`listening on 127.0.0.1:${addr !== null && typeof addr === 'object' ? addr.port : 0}\n`);
  });
  process.on('SIGTERM', () => {
    onTerm();
    process.exit(0);
  });
}
