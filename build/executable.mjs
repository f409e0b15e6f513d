#!/usr/bin/env node
// executable.mjs --arch ARCH --bundle dist/exechealthz.cjs --node NODE --out bin/ARCH/exechealthz
//
// Makes one Single Executable Application: the arch's stock Node binary (NODE, fetched
// and verified by node-fetch.mjs) with the bundle injected as its SEA blob.
//  - blob "pkg" in build/arches.tsv: @yao-pkg/pkg --sea, run by the lock's pkgHost Node (pkg
//    refuses Nodes older than 22), with HOME pointing at the cache node-fetch.mjs seeded so pkg
//    never tries to download from the Node.js download site. pkg makes the blob with the
//    target's own Node when it runs here (the host row), else with the pkg host when its
//    version is the target's, else with the host arch's Node of the target's version from
//    that cache (the lock's blobBy): a blob is read only by the Node version that made it, and
//    its layout depends on word size and byte order, which these rows share with the host.
//  - blob "self": pkg's SEA path rejects some targets, and a blob made by a Node of another
//    word size or byte order crashes the target at start, so the arch's own Node makes its
//    blob under qemu-QEMU-static (with the arch's rootfs as sysroot) and postject, as pkg
//    does, injects it (build/sea.mjs, the SEA step the benchmark uses too); into a big-endian
//    ELF, which postject corrupts, build/elf-note.mjs adds it as the same PT_NOTE Node looks for.
//  - an arch whose Node is Debian's (source "debian" in the lock): NODE is the 26 KB launcher
//    over libnode.so.115, where the SEA fuse lives. That Node makes its own blob under QEMU
//    with the arch's rootfs as sysroot, loading the unmodified libnode beside NODE (the
//    rootfs copy has its fuse set, and a fuse-set Node without a blob stops at start);
//    postject then injects the blob into a copy of the launcher, with the fuse sentinel
//    appended first because postject refuses a file without one. The executable runs on
//    the rootfs (base image) whose libnode has the fuse set.
// pkg can skip a target without failing, so the result is checked (fresh, ELF header of the
// arch, SEA fuse flipped) before it replaces OUT in one rename: a failed build never leaves
// a stale or half-written executable behind.
// @ts-check
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, readSync, closeSync, renameSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { archRow, fail, parseFlags, ROOT } from './lib.mjs';
import { fuseSet, makeSea } from './sea.mjs';

const values = parseFlags({
  arch: { type: 'string' },
  bundle: { type: 'string', default: 'dist/exechealthz.cjs' },
  node: { type: 'string' },
  out: { type: 'string' },
  'pkg-host': { type: 'string', default: '.cache/node/pkg-host/node' },
  rootfs: { type: 'string' },
  // The version of NODE when it is not the one the lock pins for ARCH (the benchmark's
  // executable on the older line).
  'node-version': { type: 'string' },
}, fail);
const row = archRow(values.arch);
const bundle = resolve(values.bundle);
const node = resolve(values.node || fail('--node NODE (the arch\'s Node binary) is required'));
const out = resolve(values.out || `bin/${row.make}/exechealthz`);
const pkgHost = resolve(values['pkg-host']);
const rel = out.startsWith(ROOT + '/') ? out.slice(ROOT.length + 1) : out;
let lock;
try {
  lock = JSON.parse(readFileSync(join(ROOT, 'build/node.lock.json'), 'utf8'));
} catch (e) {
  fail(`cannot read build/node.lock.json: ${e instanceof Error ? e.message : String(e)}`);
}
const version = values['node-version'] || lock.arches?.[row.make]?.version || fail(`build/node.lock.json has no ${row.make} entry`);
const debian = !values['node-version'] && lock.arches?.[row.make]?.source === 'debian';
for (const [f, how] of [[bundle, 'make bundle'], [node, `node build/node-fetch.mjs --arch ${row.make}`]]) {
  if (!existsSync(f)) fail(`${f} is missing (run: ${how})`);
}

// The SEA blob records the main script's absolute path, so building from
// /home/a/exechealthz/dist/... and /ci/build/dist/... would give different executables.
// Both pkg and the self-made blob step read the bundle from a path that depends only on its content,
// so the same commit gives byte-identical executables in any checkout. Concurrent builds
// of the same bundle write the same bytes (rename is atomic); the few KB stay in /tmp.
/** @param {string} file */
function stageBundle(file) {
  const code = readFileSync(file);
  const dir = `/tmp/exechealthz-sea/${createHash('sha256').update(code).digest('hex').slice(0, 16)}`;
  const staged = `${dir}/exechealthz.cjs`;
  if (!existsSync(staged) || !readFileSync(staged).equals(code)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${staged}.${process.pid}`, code);
    renameSync(`${staged}.${process.pid}`, staged);
  }
  return staged;
}
const main = stageBundle(bundle);

const started = Date.now();
mkdirSync(dirname(out), { recursive: true });
const tmp = `${dirname(out)}/.${row.make}.tmp-${process.pid}`;
const work = `${tmp}.d`;
const cleanup = () => {
  rmSync(tmp, { force: true });
  rmSync(work, { recursive: true, force: true });
};
process.on('exit', cleanup);
rmSync(work, { recursive: true, force: true });
mkdirSync(work);

// Runs a tool, failing with one line (after its own output) if it does not exit 0. Async,
// so an interrupt reaches the handlers below while the tool runs.
/** @type {import('node:child_process').ChildProcessByStdio<null, import('node:stream').Readable, import('node:stream').Readable> | undefined} */
let child;
/** @param {string} cmd @param {string[]} args @param {Record<string, string>} [env] @returns {Promise<string>} */
function run(cmd, args, env) {
  return new Promise((res) => {
    let out = '';
    const c = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (out += d));
    c.on('error', (e) => fail(`${cmd}: ${/** @type {NodeJS.ErrnoException} */ (e).code === 'ENOENT' ? 'not found' : e.message}`));
    c.on('close', (code, signal) => {
      child = undefined;
      if (code === 0) return res(out);
      process.stderr.write(out);
      fail(`${cmd.split('/').pop()} ${args.slice(0, 3).join(' ')}... exited ${code ?? signal} making ${row.make}`);
    });
  });
}
// Interrupted (Ctrl-C, make killed): stop the tool, remove the partial file, keep the old
// executable.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    child?.kill('SIGKILL');
    console.error(`interrupted: ${rel} left as it was`);
    process.exit(130);
  });
}

if (!['pkg', 'self'].includes(row.blob)) fail(`build/arches.tsv: blob of ${row.make} is '${row.blob}', not pkg or self`);
if (row.blob === 'self' || debian) {
  const qemu = `qemu-${row.qemu}-static`;
  const rootfs = resolve(values.rootfs || `.cache/rootfs/${row.make}`);
  if (!existsSync(join(rootfs, 'lib', row.triplet, 'libc.so.6'))) fail(`${rootfs} is not an ${row.make} rootfs (run: make rootfs-${row.make})`);
  try {
    execFileSync(qemu, ['--version'], { stdio: 'ignore' });
  } catch {
    fail(`${qemu} not found: install qemu-user-static (bash hack/provision-qemu.sh)`);
  }
  const libs = join(dirname(node), 'lib');
  if (debian && !existsSync(join(libs, 'libnode.so.115'))) fail(`${libs}/libnode.so.115 is missing (run: node build/node-fetch.mjs --arch ${row.make})`);
  try {
    await makeSea({
      node, main, out: tmp, work, label: `the ${row.make} Node`, appendFuse: debian,
      makeBlob: (args) => run(qemu, ['-L', rootfs, ...(debian ? ['-E', `LD_LIBRARY_PATH=${libs}`] : []), node, ...args]),
    });
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e));
  }
} else {
  if (!existsSync(pkgHost)) fail(`${pkgHost} is missing (run: node build/node-fetch.mjs --pkg-host)`);
  const pkgBin = join(ROOT, 'node_modules/@yao-pkg/pkg/lib-es5/bin.js');
  if (!existsSync(pkgBin)) fail('@yao-pkg/pkg is not installed (run: npm ci)');
  // A full version in the target keeps pkg from asking the Node.js download site which version it means.
  await run(pkgHost, [pkgBin, main, '--sea', '-t', `node${version}-linux-${row.pkg}`, '-o', tmp],
    { HOME: join(ROOT, '.cache/pkg-home') });
}

// pkg may "succeed" without writing a target: check what is there before using it.
if (!existsSync(tmp)) fail(`pkg produced no executable for ${row.make} (target node${version}-linux-${row.pkg})`);
const st = statSync(tmp);
if (st.mtimeMs < started - 1000) fail(`${tmp} is older than this build`);
const head = Buffer.alloc(20);
const fd = openSync(tmp, 'r');
readSync(fd, head, 0, 20, 0);
closeSync(fd);
const elfClass = head[4] === 1 ? 32 : head[4] === 2 ? 64 : 0;
// e_machine in the file's own byte order (EI_DATA: 1 little-, 2 big-endian); the machine
// number then tells the arch, whatever its byte order.
const machine = head[5] === 2 ? head.readUInt16BE(18) : head.readUInt16LE(18);
if (head.toString('latin1', 0, 4) !== '\x7fELF' || ![1, 2].includes(head[5]) || elfClass !== Number(row.elf_class) || machine !== Number(row.elf_machine)) {
  fail(`${row.make} executable has the wrong ELF header (class ${elfClass}, machine ${machine}; want ${row.elf_class}, ${row.elf_machine})`);
}
if (st.size <= statSync(node).size) fail(`${row.make} executable is no bigger than bare Node: nothing was injected`);
if (!fuseSet(tmp)) fail(`${row.make} executable's SEA fuse is not set: the blob was not injected`);

chmodSync(tmp, 0o755);
renameSync(tmp, out);
console.error(`made ${rel}: Node ${version} ${row.platform}, ${(statSync(out).size / 1048576).toFixed(1)} MiB in ${((Date.now() - started) / 1000).toFixed(1)} s`);
