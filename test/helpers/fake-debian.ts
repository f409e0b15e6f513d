// A Debian archive on 127.0.0.1 for the fetch and lock tests: real .debs made with dpkg-deb,
// Packages indexes made with dpkg-scanpackages, InRelease files signed by a throwaway key
// (gpg), served by node:http with per-path faults (404, 503 for the first N asks, other bytes).
// Layout under one port: /debian (main archive), /debian-security, /snapshot/archive/<archive>/<ts>.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';

export interface DebSpec {
  readonly package: string;
  readonly version: string;
  /** Debian arch, or all. */
  readonly architecture: string;
}

/** One .deb's record as a lock writes it. */
export interface LockDeb {
  readonly package: string;
  readonly version: string;
  readonly architecture: string;
  readonly size: number;
  readonly sha256: string;
  readonly archive: 'debian' | 'debian-security';
  readonly path: string;
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** dpkg-deb --build of a package holding one small file; -> its bytes. */
export function buildDeb(dir: string, d: DebSpec): Buffer {
  const src = join(dir, `src-${d.package}-${d.version}-${d.architecture}`.replace(/[^A-Za-z0-9.+_-]/g, '_'));
  mkdirSync(join(src, 'DEBIAN'), { recursive: true });
  mkdirSync(join(src, 'usr/share/fake'), { recursive: true });
  writeFileSync(join(src, 'usr/share/fake', d.package), `${d.package} ${d.version}\n`);
  writeFileSync(join(src, 'DEBIAN/control'),
    `Package: ${d.package}\nVersion: ${d.version}\nArchitecture: ${d.architecture}\nMaintainer: test <t@example.invalid>\nDescription: fake ${d.package}\n`);
  const out = `${src}.deb`;
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', src, out], { stdio: 'ignore' });
  return readFileSync(out);
}

/** Pool path of a package the way Debian lays it out (pool/main/<initial>/<source>/file). */
export function poolPath(archive: 'debian' | 'debian-security', d: DebSpec): string {
  const initial = d.package.startsWith('lib') ? d.package.slice(0, 4) : d.package.charAt(0);
  const file = `${d.package}_${d.version.replace(/^\d+:/, '')}_${d.architecture}.deb`;
  return `${archive === 'debian' ? 'pool/main' : 'pool/updates/main'}/${initial}/${d.package}/${file}`;
}

type Fault = { readonly kind: '404' } | { readonly kind: 'bytes'; readonly body: Buffer } | { kind: '503'; left: number };

export class FakeArchive {
  readonly root: string;
  readonly gnupg: string;
  readonly keyring: string;
  private server: Server | undefined;
  private readonly faults = new Map<string, Fault>();
  /** Every URL path asked, in order, with its method. */
  readonly asked: string[] = [];

  constructor(dir: string) {
    this.root = join(dir, 'archive');
    this.gnupg = join(dir, 'gnupg');
    this.keyring = join(dir, 'keyring.gpg');
    mkdirSync(this.gnupg, { recursive: true, mode: 0o700 });
    const gpg = (args: string[]): Buffer => execFileSync('gpg', ['--homedir', this.gnupg, '--batch', '--quiet', ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
    gpg(['--passphrase', '', '--quick-gen-key', 'exechealthz test archive <archive@example.invalid>', 'ed25519', 'sign', 'never']);
    writeFileSync(this.keyring, gpg(['--export']));
  }

  /** Puts D's .deb at its pool path in ARCHIVE (URL prefix /debian or /debian-security); -> its lock record. */
  add(archive: 'debian' | 'debian-security', d: DebSpec, bytes: Buffer = buildDeb(join(this.root, '..'), d)): LockDeb {
    const path = poolPath(archive, d);
    const file = join(this.root, archive, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, bytes);
    return { ...d, size: bytes.length, sha256: sha256(bytes), archive, path };
  }

  /** Copies a file already in ARCHIVE's pool into the snapshot archive at TIMESTAMP. */
  snapshot(rec: LockDeb, timestamp: string): void {
    const to = join(this.root, 'snapshot/archive', rec.archive, timestamp, rec.path);
    mkdirSync(dirname(to), { recursive: true });
    cpSync(join(this.root, rec.archive, rec.path), to);
  }

  /**
   * Writes dists/SUITE of ARCHIVE for Debian arch DA: Packages (dpkg-scanpackages over the
   * archive's whole pool, so the index lists every file placed so far) and a signed InRelease
   * whose Codename is CODENAME (SUITE unless a test lies).
   */
  index(archive: 'debian' | 'debian-security', suite: string, da: string, codename = suite): void {
    const dir = join(this.root, archive);
    const packages = existsSync(join(dir, 'pool'))
      ? execFileSync('dpkg-scanpackages', ['--multiversion', 'pool', '/dev/null'], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] })
      : Buffer.alloc(0);
    const rel = `main/binary-${da}/Packages`;
    const dists = join(dir, 'dists', suite);
    mkdirSync(join(dists, dirname(rel)), { recursive: true });
    writeFileSync(join(dists, rel), packages);
    const xz = execFileSync('xz', ['-c'], { input: packages });
    writeFileSync(join(dists, `${rel}.xz`), xz);
    const release = [
      'Origin: Debian', `Suite: ${suite}`, `Codename: ${codename}`, `Architectures: ${da}`, 'Components: main', 'SHA256:',
      ` ${sha256(packages)} ${packages.length} ${rel}`, ` ${sha256(xz)} ${xz.length} ${rel}.xz`, '',
    ].join('\n');
    writeFileSync(join(dists, 'Release'), release);
    execFileSync('gpg', ['--homedir', this.gnupg, '--batch', '--quiet', '--yes', '--clearsign', '-o', join(dists, 'InRelease'), join(dists, 'Release')], { stdio: 'ignore' });
  }

  /** Answers 404 for URL path P (e.g. /debian/pool/...), the file left in place. */
  hide(p: string): void {
    this.faults.set(p, { kind: '404' });
  }

  /** Undoes hide(P). */
  unhide(p: string): void {
    this.faults.delete(p);
  }

  /** Answers P with other bytes than the file's. */
  tamper(p: string, body: Buffer): void {
    this.faults.set(p, { kind: 'bytes', body });
  }

  /** Answers 503 to the first N asks of P. */
  unavailable(p: string, n: number): void {
    this.faults.set(p, { kind: '503', left: n });
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const p = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
      this.asked.push(`${req.method ?? 'GET'} ${p}`);
      const fault = this.faults.get(p);
      if (fault?.kind === '503' && fault.left > 0) {
        fault.left--;
        res.writeHead(503).end('busy');
        return;
      }
      if (fault?.kind === '404') {
        res.writeHead(404).end();
        return;
      }
      const file = join(this.root, p);
      const body = fault?.kind === 'bytes' ? fault.body : p.includes('..') || !existsSync(file) || !/\.(deb|xz|gz)$|\/(InRelease|Packages)$/.test(p) ? undefined : readFileSync(file);
      if (body === undefined) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.server = undefined;
  }
}
