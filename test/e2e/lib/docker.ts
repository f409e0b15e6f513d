// Shared by the e2e suites: the real Docker engine, Buildx, the registry on 127.0.0.1:5000,
// QEMU and the real make targets (the arch table: test/helpers/arches.ts). Nothing here is faked: a missing
// prerequisite throws, naming what to run, so the test fails instead of skipping.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { arches, isHost } from '../../helpers/arches';
import { get } from '../../helpers/http.cjs';
import { sleep, until } from '../../helpers/poll.cjs';

/** Repository root (this file runs from out/test/e2e/lib/). */
export const ROOT = resolve(__dirname, '..', '..', '..', '..');
export const REGISTRY = '127.0.0.1:5000';
const PROVISION = 'bash hack/provision.sh';

/** OCI platform parts: linux/arm/v7 -> { os: linux, architecture: arm, variant: v7 }. */
export function platformParts(platform: string): { os: string; architecture: string; variant?: string } {
  const [os, architecture, variant] = platform.split('/');
  if (os === undefined || architecture === undefined) throw new Error(`bad platform ${platform}`);
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

export interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs a command to its end (no shell), from the repository root. */
export function run(file: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Ran> {
  const started = Date.now();
  return new Promise((res, rej) => {
    // As from a fresh shell: under `make test-e2e` a parent make's flags would leak into ours.
    const env = { ...(options.env ?? process.env) };
    for (const k of ['MAKEFLAGS', 'MAKELEVEL', 'MFLAGS', 'MAKEOVERRIDES', 'MAKE_TERMOUT', 'MAKE_TERMERR']) delete env[k];
    const child = spawn(file, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', rej);
    child.on('close', (code) => {
      clearTimeout(timer);
      res({ code, stdout: out, stderr: err, ms: Date.now() - started });
    });
  });
}

/** Runs a command and returns its stdout, or throws with its stderr. */
export async function ok(file: string, args: readonly string[], timeoutMs?: number): Promise<string> {
  const r = await run(file, args, timeoutMs === undefined ? {} : { timeoutMs });
  if (r.code !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.code}:\n${r.stderr.slice(-4000)}`);
  return r.stdout;
}

/** `make ARGS` from the root; throws with the tail of its output if it fails. */
export async function make(args: readonly string[], timeoutMs = 60 * 60_000): Promise<Ran> {
  const r = await run('make', args, { timeoutMs });
  if (r.code !== 0) {
    throw new Error(`make ${args.join(' ')} exited ${r.code}:\n${(r.stdout + r.stderr).slice(-6000)}`);
  }
  return r;
}

/** "built|pushed REF@sha256:..." lines that the image targets print, keyed by REF. */
export function printedRefs(stdout: string, verb: 'built' | 'pushed'): Map<string, string> {
  const refs = new Map<string, string>();
  for (const m of stdout.matchAll(new RegExp(`^${verb} (\\S+)@(sha256:[0-9a-f]{64})$`, 'gm'))) {
    refs.set(m[1] as string, m[2] as string);
  }
  return refs;
}

/**
 * Fails (throws) unless the engine answers with the containerd image store, Buildx is
 * there, the registry answers on 127.0.0.1:5000, and QEMU handles every foreign arch.
 */
export async function requireEngine(): Promise<void> {
  const info = spawnSync('docker', ['info', '--format', '{{json .DriverStatus}}'], { encoding: 'utf8' });
  if (info.status !== 0) throw new Error(`the Docker engine is not answering (docker info): run ${PROVISION}`);
  if (!info.stdout.includes('io.containerd.snapshotter')) {
    throw new Error(`dockerd runs without the containerd image store: stop it and run ${PROVISION}`);
  }
  if (spawnSync('docker', ['buildx', 'version']).status !== 0) throw new Error(`docker buildx is missing: run ${PROVISION}`);
  try {
    const r = await get(`http://${REGISTRY}/v2/`);
    if (r.status !== 200) throw new Error(`status ${r.status}`);
  } catch (e) {
    throw new Error(`no registry on ${REGISTRY} (${String(e)}): run ${PROVISION}`);
  }
  if (spawnSync('skopeo', ['--version']).status !== 0) throw new Error(`skopeo is missing: run ${PROVISION}`);
  for (const a of arches()) {
    if (isHost(a)) continue;
    if (!existsSync(`/proc/sys/fs/binfmt_misc/qemu-${a.qemu}`)) {
      throw new Error(`no QEMU binfmt handler for ${a.platform} (qemu-${a.qemu}): run ${PROVISION}`);
    }
  }
}

/** A TCP port free on this host now (containers use --network host, so ports are shared). */
/**
 * Removes every image the engine holds whose name starts with `start` (a suite's own registry
 * prefix, e.g. `127.0.0.1:5000/sc123/`): images a suite leaves behind fill the disk of a
 * machine that runs the suite again and again.
 */
export function removeImagesNamed(start: string): void {
  const r = spawnSync('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}'], { encoding: 'utf8' });
  const refs = r.stdout.split('\n').filter((ref) => ref.startsWith(start));
  if (refs.length > 0) spawnSync('docker', ['rmi', '-f', ...refs], { encoding: 'utf8' });
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => res(port));
    });
  });
}

/** skopeo inspect of REF in the local registry: the raw manifest or index. */
export async function rawManifest(ref: string): Promise<Record<string, any>> {
  return JSON.parse(await ok('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${ref}`]));
}

/** skopeo inspect --config of REF (for an index, of the platform's image). */
export async function imageConfig(ref: string, platform?: string): Promise<Record<string, any>> {
  const args = ['inspect', '--tls-verify=false', '--config'];
  if (platform !== undefined) {
    const p = platformParts(platform);
    args.push('--override-os', p.os, '--override-arch', p.architecture);
    if (p.variant !== undefined) args.push('--override-variant', p.variant);
  }
  return JSON.parse(await ok('skopeo', [...args, `docker://${ref}`]));
}

/** A running container, removed by remove(). */
export interface Container {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  /** Milliseconds from `docker run` being spawned to the container id being printed. */
  readonly runMs: number;
  readonly startedAt: number;
  logs(): Promise<string>;
  exec(...cmd: string[]): Promise<Ran>;
  remove(): Promise<void>;
  /**
   * The end of a test: `docker stop` (SIGTERM, SIGKILL only after 60 s), then the container
   * must have exited 0 (137 = killed, anything else = crashed, also before the stop), and
   * is removed. Rejects with the exit code and the logs otherwise; returns the stop time.
   */
  stopCleanly(): Promise<{ readonly ms: number }>;
}

let seq = 0;

/**
 * `docker run -d --network host` of IMAGE on PORT (default: a free one). dockerArgs go
 * before the image, serviceArgs after it (the -port flag is added).
 */
export async function runContainer(
  image: string,
  platform: string,
  serviceArgs: readonly string[],
  dockerArgs: readonly string[] = [],
  port?: number,
): Promise<Container> {
  port ??= await freePort();
  const name = `exechealthz-e2e-${process.pid}-${++seq}`;
  const startedAt = Date.now();
  const r = await run('docker', [
    'run', '-d', '--network', 'host', '--platform', platform, '--name', name, ...dockerArgs,
    image, '-port', String(port), ...serviceArgs,
  ]);
  if (r.code !== 0) {
    await run('docker', ['rm', '-f', name]);
    throw new Error(`docker run ${image} exited ${r.code}: ${r.stderr.trim()}`);
  }
  return {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    runMs: r.ms,
    startedAt,
    logs: async () => {
      const l = await run('docker', ['logs', name]);
      return l.stdout + l.stderr;
    },
    exec: (...cmd: string[]) => run('docker', ['exec', name, ...cmd]),
    remove: async () => {
      await run('docker', ['rm', '-f', name]);
    },
    stopCleanly: async () => {
      const stop = await run('docker', ['stop', '-t', '60', name], { timeoutMs: 120_000 });
      const state = await run('docker', ['inspect', '--format', '{{.State.ExitCode}} {{.State.OOMKilled}}', name]);
      const logs = await run('docker', ['logs', name]);
      await run('docker', ['rm', '-f', name]);
      if (stop.code !== 0 || state.stdout.trim() !== '0 false') {
        throw new Error(`container ${name} (${image}): docker stop exited ${stop.code}, exit code and OOM-killed: ${state.stdout.trim()}; logs:\n${logs.stdout}${logs.stderr}`);
      }
      return { ms: stop.ms };
    },
  };
}

/** Polls URL until its status is STATUS; returns the reply. Emulated Node boots in seconds. */
/**
 * The first answer of `status` that reports a finished run: the 503 the service gives before
 * its first run ends ("no result yet") is not the result of any command.
 */
export async function untilStatus(c: Container, path: string, status: number, timeoutMs = 120_000) {
  try {
    return await until(
      `${c.url}${path} to answer ${status} with a run's result`,
      async () => {
        const r = await get(`${c.url}${path}`);
        return r.status === status && !r.body.startsWith('no result yet') ? r : undefined;
      },
      timeoutMs,
      100,
    );
  } catch (e) {
    throw new Error(`${String(e)}\ncontainer logs:\n${await c.logs()}`);
  }
}

export { sleep };
