// The bundler replaces __EXECHEALTHZ_VERSION__ with the release version; tsc-compiled
// code (the unit tests) never defines it, so guard with typeof instead of crashing.
declare const __EXECHEALTHZ_VERSION__: string;

export const VERSION: string =
  typeof __EXECHEALTHZ_VERSION__ === 'string' ? __EXECHEALTHZ_VERSION__ : 'dev';
