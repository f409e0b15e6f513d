// Where Debian's files come from. No host is written into the project: the main archive
// (debian) and the security archive (debian-security) are this machine's own apt sources, an
// archive being known by the last segment of its URI; variables, when set and not empty,
// override or add to them.
//   DEBIAN_MIRROR, DEBIAN_SECURITY_MIRROR   base URLs (space-separated) of the two archives
//   DEBIAN_SNAPSHOT                         base URL of a snapshot archive, addressed as
//                                           BASE/archive/<archive>/<timestamp>/<pool path>;
//                                           else one named in a comment of the apt sources
//   DEBIAN_EXTRA_MIRRORS                    more base URLs, tried last: BASE/<pool path>
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** @typedef {{ debian: string[], 'debian-security': string[], snapshot: string | undefined, extra: string[] }} Sources */

/** @param {string | undefined} v */
const list = (v) => (v ?? '').split(/\s+/).filter(Boolean).map((u) => u.replace(/\/+$/, ''));

// URIs of deb entries in the apt sources under ETC (deb822 .sources and one-line .list), and
// the snapshot base a comment names (Debian's images note the snapshot they were made from).
/** @param {string} etc @returns {{ uris: string[], snapshot: string | undefined }} */
function aptSources(etc) {
  const files = [join(etc, 'sources.list')];
  const dir = join(etc, 'sources.list.d');
  if (existsSync(dir)) for (const f of readdirSync(dir).sort()) if (/\.(sources|list)$/.test(f)) files.push(join(dir, f));
  /** @type {string[]} */
  const uris = [];
  /** @type {string | undefined} */
  let snapshot;
  for (const f of files) {
    let text = '';
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    for (const stanza of text.split(/\n\s*\n/)) {
      const types = /^Types:\s*(.*)$/m.exec(stanza)?.[1]?.split(/\s+/) ?? [];
      const u = /^URIs:\s*(.*)$/m.exec(stanza)?.[1];
      if (u && types.includes('deb')) uris.push(...list(u));
    }
    for (const line of text.split('\n')) {
      const one = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)/.exec(line);
      if (one?.[1]) uris.push(...list(one[1]));
      const snap = /^\s*#\s*(https?:\/\/\S+?)\/archive\/debian(?:-security)?\/\d{8}T\d{6}Z\/?\s*$/.exec(line);
      if (snap?.[1] && !snapshot) snapshot = snap[1];
    }
  }
  return { uris, snapshot };
}

/** @param {NodeJS.ProcessEnv} [env] @returns {Sources} */
export function sources(env = process.env) {
  const apt = aptSources(env.DEBIAN_APT_ETC || '/etc/apt');
  /** @param {string} archive */
  const of = (archive) => [...new Set(apt.uris.filter((u) => u.split('/').pop() === archive))];
  return {
    debian: env.DEBIAN_MIRROR ? list(env.DEBIAN_MIRROR) : of('debian'),
    'debian-security': env.DEBIAN_SECURITY_MIRROR ? list(env.DEBIAN_SECURITY_MIRROR) : of('debian-security'),
    snapshot: env.DEBIAN_SNAPSHOT ? list(env.DEBIAN_SNAPSHOT)[0] : apt.snapshot,
    extra: list(env.DEBIAN_EXTRA_MIRRORS),
  };
}
