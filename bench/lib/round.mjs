// @ts-check
// One round of one subject: the service and its bare baselines measured alternately (the
// order flips each round), each figure appended to the subject's results.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureBigOutput, measureCpu, measureServe, measureStart } from './measure.mjs';

const BASELINES = join(dirname(dirname(fileURLToPath(import.meta.url))), 'baselines');
/** The bare node:http server answering `ok`, run as it is (CommonJS, so it can be a SEA main). */
export const BARE_SERVER = join(BASELINES, 'bare-server.cjs');
const SPAWN_LOOP = join(BASELINES, 'spawn-loop.mjs');
/** Starts per round and side for the start-to-first-answer figure (each costs ~0.2 s). */
export const START_SAMPLES = 5;
/** Flags every exechealthz the bench starts gets. */
const serveFlags = ['--port', '0', '--address', '127.0.0.1'];
/** The command of the 50 MB case. */
export const BIG_CMD = 'head -c 50000000 /dev/zero; exit 1';

/** @typedef {import('./report.mjs').Results} Results */

/** @returns {Results} */
export function emptyResults() {
  return {
    serve: { ours: [], verbose: [], bare: [] },
    start: { ours: [], bare: [] },
    cpu: { ours: [], bare: [] },
    bareSea: [],
    big: [],
    bigIdle: [],
    notes: new Set(),
  };
}

/**
 * @param {number} round 1-based
 * @param {{ key: string, ours: string[], node: string }} s the subject: its exechealthz argv and the Node of its baselines
 * @param {Results} r
 * @param {{ seconds: number, cpuSeconds: number, bareSeaPath?: string, say: (what: string) => void }} o
 */
export async function measureRound(round, s, r, o) {
  const { say } = o;
  const oursFirst = round % 2 === 1;
  /** @param {'ours'|'verbose'|'bare'} which @param {string} name @param {string[]} argv */
  const serve = (which, name, argv) => async () => {
    say(`${name} under load`);
    const f = await measureServe(`${name} (${s.key})`, argv, o.seconds);
    r.serve[which].push(f);
    for (const n of f.notes) r.notes.add(`${name}: ${n}`);
  };
  const serveSteps = [
    serve('ours', 'exechealthz', [...s.ours, ...serveFlags]),
    serve('verbose', 'exechealthz -v 2', [...s.ours, ...serveFlags, '-v', '2']),
    serve('bare', 'bare node:http', [s.node, BARE_SERVER]),
  ];
  const { bareSeaPath } = o;
  if (bareSeaPath !== undefined) {
    serveSteps.push(async () => {
      say('bare node:http as a single executable under load');
      const f = await measureServe('bare node:http SEA', [bareSeaPath], o.seconds);
      r.bareSea.push(f);
      for (const n of f.notes) r.notes.add(`bare node:http SEA: ${n}`);
    });
  }
  for (const step of oursFirst ? serveSteps : serveSteps.reverse()) await step();

  say(`start to first answer, ${START_SAMPLES} starts each`);
  for (let i = 0; i < START_SAMPLES; i++) {
    const startSteps = [
      async () => r.start.ours.push(await measureStart(`exechealthz (${s.key})`, [...s.ours, ...serveFlags])),
      async () => r.start.bare.push(await measureStart(`bare node:http (${s.key})`, [s.node, BARE_SERVER])),
    ];
    for (const step of (i + round) % 2 === 0 ? startSteps : startSteps.reverse()) await step();
  }

  const cpuSteps = [
    async () => {
      say('exechealthz CPU per probe');
      const c = await measureCpu(`exechealthz (${s.key})`, [...s.ours, ...serveFlags, '--period', '100ms'], o.cpuSeconds);
      r.cpu.ours.push(c.msPerRun);
    },
    async () => {
      say('Node spawn loop CPU per probe');
      const c = await measureCpu(`spawn loop (${s.key})`, [s.node, SPAWN_LOOP, '1', '100', 'echo healthz'], o.cpuSeconds);
      r.cpu.bare.push(c.msPerRun);
    },
  ];
  for (const step of oursFirst ? cpuSteps : cpuSteps.reverse()) await step();

  say('exechealthz with 50 MB output per run');
  const big = await measureBigOutput(`exechealthz (${s.key}, 50 MB)`, [...s.ours, ...serveFlags, '--cmd', BIG_CMD, '--period', '1s']);
  r.big.push(big.peakMB);
  r.bigIdle.push(r.serve.ours[r.serve.ours.length - 1].idleMB);
}
