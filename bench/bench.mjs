#!/usr/bin/env node
// @ts-check
// The benchmark (not a test): exechealthz against a bare node:http server
// answering `ok`, on the same Node, measured alternately in the same run, medians of
// rounds, printed as ratios. Run it with `make bench` (or `npm run bench`), which builds
// what it needs and installs wrk.
//
//   node bench/bench.mjs --exe bin/ARCH/exechealthz --sea-node .cache/node/VERSION/ARCH/node \
//     --bundle dist/exechealthz.cjs [--exe-old EXE --sea-node-old NODE] [--node NODE] [--rounds 3]
//     [--seconds 4] [--cpu-seconds 8] [--only sea,sea-old,bundle]
//
// --exe-old/--sea-node-old: the same bundle made an executable on an older Node line (the
// oldest one an arch's image embeds, build/node.lock.json's compare entry), measured in the same rounds against a bare server
// on that Node; a last table puts the two executables side by side.
//
// Exit 0 whatever the figures (a goal not met is a result); 2 with one line when a
// prerequisite is missing; 1 with one line when a process fails to start or answer.//
// The pieces are in bench/lib/ (proc: /proc figures, wrk: load and its report, measure: one
// subject's measurements, round: one round of a subject, report: the tables, stage: the
// scratch copies and the bare SEA);
// the baselines are the programs in bench/baselines/, run as they are.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { BenchError as Fatal, parseLongFlags } from './lib/args.mjs';
import { runMain } from './lib/main.mjs';
import { CLK_TCK, loadavg } from './lib/proc.mjs';
import { legend, linesRows, renderTable, subjectRows } from './lib/report.mjs';
import { BARE_SERVER, BIG_CMD, emptyResults, measureRound, START_SAMPLES } from './lib/round.mjs';
import { makeBareSea, stage } from './lib/stage.mjs';
import { parseScaleArgs, runScale } from './scale.mjs';

const USAGE =
  'usage: node bench/bench.mjs --exe EXECUTABLE --sea-node NODE_OF_EXECUTABLE --bundle dist/exechealthz.cjs ' +
  '[--exe-old EXE --sea-node-old NODE] [--node NODE] [--rounds N] [--seconds S] [--cpu-seconds S] [--only sea,sea-old,bundle]';

/** @param {string[]} argv */
function parseArgs(argv) {
  const { values: o, num } = parseLongFlags(
    argv,
    ['exe', 'sea-node', 'exe-old', 'sea-node-old', 'bundle', 'node', 'rounds', 'seconds', 'cpu-seconds', 'only'],
    USAGE,
  );
  const only = o['only']?.split(',');
  for (const k of only ?? []) if (!['sea', 'sea-old', 'bundle'].includes(k)) throw new Fatal(`--only ${o['only']}: want a list of sea, sea-old, bundle`, 2);
  if ((o['exe-old'] === undefined) !== (o['sea-node-old'] === undefined)) throw new Fatal('--exe-old and --sea-node-old go together', 2);
  const { exe, bundle } = o;
  const seaNode = o['sea-node'];
  if (exe === undefined || seaNode === undefined || bundle === undefined) throw new Fatal(USAGE, 2);
  return {
    exe,
    seaNode,
    exeOld: o['exe-old'],
    seaNodeOld: o['sea-node-old'],
    bundle,
    node: o['node'] ?? process.execPath,
    rounds: Math.round(num('rounds', 3, 1, 9)),
    seconds: num('seconds', 4, 1, 30),
    cpuSeconds: num('cpu-seconds', 8, 2, 60),
    only,
  };
}

/** @param {string} path @param {string} what @param {boolean} exec */
function need(path, what, exec) {
  try {
    if (!statSync(path).isFile()) throw new Error('not a file');
    accessSync(path, exec ? constants.X_OK : constants.R_OK);
  } catch {
    throw new Fatal(`missing ${what}: ${path} (make bench builds it)`, 2);
  }
}

function onPath(/** @type {string} */ cmd) {
  return (process.env['PATH'] ?? '').split(delimiter).some((d) => {
    try {
      accessSync(join(d, cmd), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** @param {string} node */
const versionOf = (node) => execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();

let scratch = '';

async function main() {
  const opt = parseArgs(process.argv.slice(2));
  need(opt.exe, 'executable', true);
  need(opt.seaNode, "the executable's Node (its bare baseline)", true);
  need(opt.bundle, 'bundle', false);
  need(opt.node, 'node', true);
  if (opt.exeOld !== undefined) need(opt.exeOld, 'older-line executable', true);
  if (opt.seaNodeOld !== undefined) need(opt.seaNodeOld, "the older-line executable's Node", true);
  if (!onPath('wrk')) throw new Fatal('wrk is not on PATH: apt-get install -y wrk (make bench does it)', 2);
  if (!onPath('sh')) throw new Fatal('sh is not on PATH', 2);

  scratch = mkdtempSync(join(tmpdir(), 'exechealthz-bench-'));
  const seaNodeVersion = versionOf(opt.seaNode);
  const nodeVersion = versionOf(opt.node);
  const oldNodeVersion = opt.seaNodeOld === undefined ? '' : versionOf(opt.seaNodeOld);
  const systemNode = opt.only !== undefined && !opt.only.includes('bundle') ? opt.node : stage(opt.node, 'node', scratch);

  const subjects = [
    {
      key: 'sea',
      title: `single executable ${opt.exe} (embedded Node ${seaNodeVersion}) vs bare node:http on ${opt.seaNode}`,
      ours: [stage(opt.exe, 'exechealthz', scratch)],
      node: stage(opt.seaNode, 'node-of-executable', scratch),
    },
    ...(opt.exeOld !== undefined && opt.seaNodeOld !== undefined ? [{
      key: 'sea-old',
      title: `single executable ${opt.exeOld} (embedded Node ${oldNodeVersion}) vs bare node:http on ${opt.seaNodeOld}`,
      ours: [stage(opt.exeOld, 'exechealthz-old', scratch)],
      node: stage(opt.seaNodeOld, 'node-of-old-executable', scratch),
    }] : []),
    {
      key: 'bundle',
      title: `${opt.node} ${opt.bundle} (Node ${nodeVersion}, context) vs bare node:http on the same node`,
      ours: [systemNode, resolve(opt.bundle)],
      node: systemNode,
    },
  ].filter((s) => opt.only === undefined || opt.only.includes(s.key));

  const bareSea = subjects.some((x) => x.key === 'sea') ? await makeBareSea(resolve(opt.seaNode), BARE_SERVER, scratch) : undefined;

  const load0 = loadavg();
  const t0 = Date.now();
  console.log(
    `exechealthz bench: ${opt.rounds} rounds, alternating exechealthz and bare (order flips each round), ` +
      `wrk -t2 ${opt.seconds}s per figure, CPU over ${opt.cpuSeconds}s at --period 100ms; ` +
      `${cpus().length} CPUs; loadavg at start ${load0}`,
  );

  /** @typedef {import('./lib/report.mjs').Results} Results */
  /** @type {Map<string, Results>} */
  const results = new Map();
  /** @type {string[]} */
  const loads = [];
  for (const s of subjects) results.set(s.key, emptyResults());
  /** @param {string} key */
  const resultsOf = (key) => /** @type {Results} */ (results.get(key));

  for (let round = 1; round <= opt.rounds; round++) {
    for (const s of subjects) {
      const bareSeaPath = s.key === 'sea' && bareSea !== undefined && 'path' in bareSea ? bareSea.path : undefined;
      /** @param {string} what */
      const say = (what) => process.stderr.write(`round ${round}/${opt.rounds} ${s.key}: ${what}\n`);
      await measureRound(round, s, resultsOf(s.key), { seconds: opt.seconds, cpuSeconds: opt.cpuSeconds, bareSeaPath, say });
      loads.push(loadavg().split(' ')[0]);
    }
  }
  for (const s of subjects) {
    const r = resultsOf(s.key);
    console.log(renderTable(s.title, subjectRows(r, START_SAMPLES)));
    if (s.key === 'sea' && bareSea !== undefined && 'why' in bareSea) r.notes.add(`no bare SEA row: ${bareSea.why}`);
    if (r.notes.size > 0) console.log(`notes: ${[...r.notes].join('; ')}`);
  }
  if (results.has('sea') && results.has('sea-old')) {
    const sizeMB = { newer: statSync(opt.exe).size / 1e6, older: statSync(/** @type {string} */ (opt.exeOld)).size / 1e6 };
    console.log(renderTable(
      `Node lines side by side, ratio = newer / older: ${opt.exe} (Node ${seaNodeVersion}) in the "exechealthz" column, ${opt.exeOld} (Node ${oldNodeVersion}) in the "bare" column`,
      linesRows(resultsOf('sea'), resultsOf('sea-old'), sizeMB),
    ));
  }
  console.log(legend(CLK_TCK, BIG_CMD));
  // The scale section (bench/scale.mjs): 1, 10, 100 checks vs the bare spawn loop on the
  // executable's Node, whenever the executable is among the subjects.
  if (opt.only === undefined || opt.only.includes('sea')) console.log(`\n${await runScale(parseScaleArgs(['--exe', opt.exe, '--node', opt.seaNode]))}\n`);
  console.log(`loadavg: start ${load0}; 1-min after each round/subject ${loads.join(' ')}; end ${loadavg()}; took ${Math.round((Date.now() - t0) / 1000)} s`);
}

runMain(main, () => {
  if (scratch !== '') rmSync(scratch, { recursive: true, force: true });
  scratch = '';
});
