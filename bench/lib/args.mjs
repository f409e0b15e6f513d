// @ts-check
// The benchmark scripts' command lines: `--name VALUE` or `--name=VALUE`, known names only,
// numbers within bounds; bad input is a BenchError (one line, exit code 2) for main to print.

export class BenchError extends Error {
  /** @param {string} message @param {number} code exit status */
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

/**
 * @param {string[]} argv @param {readonly string[]} known flag names @param {string} usage
 * @returns {{ values: Record<string, string>, num: (k: string, def: number, min: number, max: number) => number }}
 */
export function parseLongFlags(argv, known, usage) {
  /** @type {Record<string, string>} */
  const values = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/s.exec(argv[i]);
    if (m === null) throw new BenchError(`unexpected argument ${argv[i]}; ${usage}`, 2);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new BenchError(`--${m[1]} needs a value; ${usage}`, 2);
    values[m[1]] = value;
  }
  for (const k of Object.keys(values)) if (!known.includes(k)) throw new BenchError(`unknown flag --${k}; ${usage}`, 2);
  /** @param {string} k @param {number} def @param {number} min @param {number} max */
  const num = (k, def, min, max) => {
    if (values[k] === undefined) return def;
    const n = Number(values[k]);
    if (!Number.isFinite(n) || n < min || n > max) throw new BenchError(`--${k} ${values[k]}: want a number in ${min}..${max}`, 2);
    return n;
  };
  return { values, num };
}
