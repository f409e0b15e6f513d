// The build's .deb cache as the tests read it: build/debian/fetch.mjs keeps each file under
// .cache/debian/sha256/<sha256>/<file>.deb (DEB_CACHE to move it). A file is hashed again
// here, never trusted by the name of its directory.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './service';

export const DEB_CACHE = process.env['DEB_CACHE'] ?? join(ROOT, '.cache', 'debian');

/** The cached .deb whose bytes have SHA256, or undefined. */
export function cachedDeb(sha256: string): string | undefined {
  const dir = join(DEB_CACHE, 'sha256', sha256);
  if (!existsSync(dir)) return undefined;
  return readdirSync(dir).filter((f) => f.endsWith('.deb')).map((f) => join(dir, f))
    .find((f) => createHash('sha256').update(readFileSync(f)).digest('hex') === sha256);
}
