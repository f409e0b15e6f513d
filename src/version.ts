// The bundler replaces __EXECHEALTHZ_VERSION__ with the release version; tsc-compiled
// code (the unit tests) never defines it, so guard with typeof instead of crashing.
declare const __EXECHEALTHZ_VERSION__: string;

export const VERSION: string =
  typeof __EXECHEALTHZ_VERSION__ === 'string' ? __EXECHEALTHZ_VERSION__ : 'dev';

/** The embedded Node.js runtime as `vX.Y.Z`: the executable's arch decides it, not the bundle. */
export const NODE_VERSION: string = process.version;

/** What `--version` prints: `exechealthz 1.0 (node v24.22.3)`. */
export function versionLine(version: string, nodeVersion: string): string {
  return `exechealthz ${version} (node ${nodeVersion})`;
}
