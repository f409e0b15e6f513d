// What the tests need of images/base/packages.lock.json: the one Debian release every arch's
// base comes from, and its number as os-release, purls and the README give it. The numbers are
// written out as spec values: a release the build moves to without one here fails the test.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './service';

const NUMBERS: Readonly<Record<string, string>> = { bookworm: '12', trixie: '13', forky: '14' };

/** The codename the base lock pins every arch from. */
export function baseRelease(): string {
  return (JSON.parse(readFileSync(join(ROOT, 'images', 'base', 'packages.lock.json'), 'utf8')) as { release: string }).release;
}

/** Debian's number of a codename (trixie -> 13). */
export function debianNumber(release: string): string {
  const n = NUMBERS[release];
  if (n === undefined) throw new Error(`no Debian number for ${release}: add it to test/helpers/base-lock.ts`);
  return n;
}
