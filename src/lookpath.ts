// Finds an executable on PATH the way sh will, so bad set-ups are caught at start-up
// instead of as a probe that fails forever.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export type LookPath = (name: string) => boolean;

export function isExecutableFile(path: string): boolean {
  try {
    // A missing entry (most PATH directories, for any one name) gives undefined instead of
    // an exception: an Error with a captured stack per directory is start-up work that
    // sits before the first answer on /healthz.
    if (statSync(path, { throwIfNoEntry: false })?.isFile() !== true) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function makeLookPath(pathEnv: string | undefined): LookPath {
  const dirs = (pathEnv ?? '').split(delimiter).filter((d) => d !== '');
  return (name) => {
    if (name.includes('/')) return isExecutableFile(name);
    return dirs.some((dir) => isExecutableFile(join(dir, name)));
  };
}
