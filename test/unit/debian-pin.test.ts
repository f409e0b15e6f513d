// build/debian.sh's pin_deb decides which version of a Debian package a lock pins: the suite
// index's own when the archive serves its file, else the version an older signed index of the
// same release (an alias whose Release says Codename: <suite>) names and the archive serves,
// with a warning; anything else stops with one line. The archive is faked here (its indexes,
// which files it serves, the aliases' Release files); the decision is the real code.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../helpers/service';

// apt-get/apt-cache answer from FAKE_INDEX ("suite:package=version ..."); the archive serves
// the files named in FAKE_SERVED; refreshing an index does nothing.
const FAKE = `set -euo pipefail
. "$ROOT/build/debian.sh"
apt_update_arch() { mkdir -p "$DEB_CACHE/apt/$DEB_SUITE-$1"; }
served() { case " $FAKE_SERVED " in *" \${1##*/} "*) return 0 ;; esac; return 1; }
apt_arch() {
  local tool="$1" da="$2"; shift 2
  local pkg="\${*: -1}" ver
  ver="$(tr ' ' '\\n' <<<"$FAKE_INDEX" | awk -F'[:=]' -v s="$DEB_SUITE" -v p="$pkg" '$1 == s && $2 == p { print $3 }')"
  [ -n "$ver" ] || return 100
  if [ "$tool" = apt-get ]; then echo "'http://mirror/pool/\${pkg}_\${ver}_$da.deb' \${pkg}_\${ver}_$da.deb 1 SHA256:sum-$DEB_SUITE"
  else echo "Version: $ver"; fi
}
DEB_SUITE=trixie pin_deb ppc64el libc6
`;

interface Archive {
  /** suite:package=version entries. */
  readonly index: string[];
  /** File names the pool serves. */
  readonly served: string[];
  /** Codename each alias's Release gives (an alias not named has no Release here). */
  readonly codenames: Record<string, string>;
}

function pin(a: Archive): { status: number | null; stdout: string; stderr: string } {
  const cache = mkdtempSync(join(tmpdir(), 'exechealthz-debpin-'));
  for (const [alias, codename] of Object.entries(a.codenames)) {
    const lists = join(cache, 'apt', `${alias}-ppc64el`, 'lists');
    mkdirSync(lists, { recursive: true });
    writeFileSync(join(lists, `mirror_debian_dists_${alias}_InRelease`), `Origin: Debian\nSuite: ${alias}\nCodename: ${codename}\n`);
  }
  const script = join(cache, 'debian-pin.sh');
  writeFileSync(script, FAKE);
  const r = spawnSync('bash', [script], {
    encoding: 'utf8',
    env: { ...process.env, ROOT, DEB_CACHE: cache, FAKE_INDEX: a.index.join(' '), FAKE_SERVED: a.served.join(' ') },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const U5 = 'libc6_2.41-12+deb13u5_ppc64el.deb';
const U4 = 'libc6_2.41-12+deb13u4_ppc64el.deb';
const U3 = 'libc6_2.41-12+deb13u3_ppc64el.deb';

describe('pin_deb: the newest version of the suite the archive serves', () => {
  it("the suite's own version when its file is served, without a word", () => {
    const r = pin({ index: ['trixie:libc6=2.41-12+deb13u5', 'stable:libc6=2.41-12+deb13u4'], served: [U5, U4], codenames: { stable: 'trixie' } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `2.41-12+deb13u5\tsum-trixie\t${U5}\n`);
    assert.equal(r.stderr, '');
  });

  it("the older index's version when the suite's file answers 404, with one warning naming both", () => {
    const r = pin({ index: ['trixie:libc6=2.41-12+deb13u5', 'stable:libc6=2.41-12+deb13u4'], served: [U4], codenames: { stable: 'trixie' } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `2.41-12+deb13u4\tsum-stable\t${U4}\n`);
    assert.equal(r.stderr, 'warning: the archive does not serve libc6 2.41-12+deb13u5 (ppc64el, trixie) yet; pinned 2.41-12+deb13u4 from its older stable index of trixie\n');
  });

  it('only an alias of the same release: stable of another release is passed over for oldstable', () => {
    const r = pin({
      index: ['trixie:libc6=2.41-12+deb13u5', 'stable:libc6=2.42-1', 'oldstable:libc6=2.41-12+deb13u3'],
      served: ['libc6_2.42-1_ppc64el.deb', U3],
      codenames: { stable: 'forky', oldstable: 'trixie' },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `2.41-12+deb13u3\tsum-oldstable\t${U3}\n`);
  });

  const stops: [string, Archive, RegExp][] = [
    ['no older index of the release', { index: ['trixie:libc6=2.41-12+deb13u5', 'stable:libc6=2.42-1'], served: ['libc6_2.42-1_ppc64el.deb'], codenames: { stable: 'forky' } },
      /^debian-pin\.sh: error: libc6 2\.41-12\+deb13u5 is in the trixie index for ppc64el but the archive does not serve http:\/\/mirror\/pool\/libc6_2\.41-12\+deb13u5_ppc64el\.deb, and no older index of trixie is there to fall back on; try again when the mirror has synced\n$/],
    ['the older index\'s file is not served either', { index: ['trixie:libc6=2.41-12+deb13u5', 'stable:libc6=2.41-12+deb13u4'], served: [], codenames: { stable: 'trixie' } },
      /^debian-pin\.sh: error: libc6 2\.41-12\+deb13u5 is in the trixie index for ppc64el but the archive does not serve it, nor an older version from its stable index \(trixie\); try again when the mirror has synced\n$/],
    ['the older index names no older version', { index: ['trixie:libc6=2.41-12+deb13u5', 'stable:libc6=2.41-12+deb13u6'], served: ['libc6_2.41-12+deb13u6_ppc64el.deb'], codenames: { stable: 'trixie' } },
      /^debian-pin\.sh: error: libc6 2\.41-12\+deb13u5 is in the trixie index for ppc64el but the archive does not serve it, nor an older version/],
  ];
  for (const [what, archive, line] of stops) {
    it(`stops with one line when ${what}`, () => {
      const r = pin(archive);
      assert.equal(r.status, 1);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, line);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    });
  }
});
