// What an archive lists for one suite and arch, read from its signed index: InRelease checked
// with gpgv against Debian's archive keyring (DEBIAN_KEYRING to name another), its Codename
// checked to be the suite asked for (so a re-lock never strays into another release), then the
// Packages file whose SHA-256 that signed text gives. Used by the lock only; a fetch needs
// no index.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { getBytes, Miss } from './http.mjs';

/** @typedef {import('./lock.mjs').Deb} Deb */
/** @typedef {import('./lock.mjs').Archive} Archive */

const KEYRING = () => process.env.DEBIAN_KEYRING || '/usr/share/keyrings/debian-archive-keyring.gpg';

// The signed text of an InRelease file, or a Miss naming why it is refused.
/** @param {Buffer} signed @param {string} url @returns {string} */
function verified(signed, url) {
  try {
    return execFileSync('gpgv', ['--quiet', '--keyring', KEYRING(), '--output', '-', '-'], { input: signed, stdio: ['pipe', 'pipe', 'pipe'] }).toString('utf8');
  } catch (e) {
    const err = String(/** @type {{ stderr?: unknown }} */ (e).stderr ?? e).split('\n').find((l) => /BAD|NO_PUBKEY|no valid|Can't check|not found/i.test(l)) ?? 'no valid signature';
    throw new Miss(`${url}: signature not valid with ${KEYRING()} (${err.replace(/^gpgv: /, '').trim()})`);
  }
}

// Paragraphs of a Debian control-format text as field maps (continuation lines dropped: no
// field read here spans lines).
/** @param {string} text @returns {Map<string, string>[]} */
export function paragraphs(text) {
  return text.split(/\n\s*\n/).filter((p) => p.trim()).map((p) => {
    const m = new Map();
    for (const line of p.split('\n')) {
      const kv = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
      if (kv?.[1]) m.set(kv[1], kv[2] ?? '');
    }
    return m;
  });
}

/**
 * Every package record SUITE of ARCHIVE (at BASE) lists for Debian arch DA, or null when the
 * archive has no such suite (404).
 * @param {string} base @param {Archive} archive @param {string} suite @param {string} da
 * @returns {Promise<Deb[] | null>}
 */
export async function suiteIndex(base, archive, suite, da) {
  const url = `${base}/dists/${suite}/InRelease`;
  let signed;
  try {
    signed = await getBytes(url);
  } catch (e) {
    if (e instanceof Miss && e.message === 'HTTP 404') return null;
    throw new Miss(`${url}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const release = verified(signed, url);
  const codename = /^Codename:\s*(\S+)/m.exec(release)?.[1];
  if (codename !== suite) throw new Miss(`${url} is signed for Codename ${codename ?? '(none)'}, not ${suite}: refusing another release's index`);
  const sums = release.split(/^SHA256:\s*$/m)[1]?.split(/\n(?! )/)[0] ?? '';
  /** @type {Map<string, [string, number]>} */
  const files = new Map();
  for (const l of sums.split('\n')) {
    const [hash, size, name] = l.trim().split(/\s+/);
    if (hash && size && name) files.set(name, [hash, Number(size)]);
  }
  const name = ['.xz', '.gz', ''].map((ext) => `main/binary-${da}/Packages${ext}`).find((n) => files.has(n));
  if (!name) throw new Miss(`${url} lists no main/binary-${da}/Packages index`);
  const [hash, size] = /** @type {[string, number]} */ (files.get(name));
  const packed = await getBytes(`${base}/dists/${suite}/${name}`);
  if (packed.length !== size || createHash('sha256').update(packed).digest('hex') !== hash) {
    throw new Miss(`${base}/dists/${suite}/${name} does not match the SHA-256 its signed InRelease gives (mirror mid-sync?)`);
  }
  const text = name.endsWith('.xz') ? execFileSync('xz', ['-dc'], { input: packed, maxBuffer: 1 << 30 }).toString('utf8')
    : name.endsWith('.gz') ? gunzipSync(packed).toString('utf8') : packed.toString('utf8');
  return paragraphs(text).flatMap((p) => {
    const [pkg, version, architecture, path, sz, sha256] = ['Package', 'Version', 'Architecture', 'Filename', 'Size', 'SHA256'].map((f) => p.get(f));
    return pkg && version && architecture && path && sz && sha256
      ? [{ package: pkg, version, architecture, size: Number(sz), sha256, archive, path }]
      : [];
  });
}
