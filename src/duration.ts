// Go's time.ParseDuration syntax, so flags from existing manifests (`-period=10ms`,
// `-latency=1m30s`) keep meaning the same thing. Values are returned in milliseconds.

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;

/** Go's longest duration (2^63-1 ns); Go refuses longer text as an invalid duration. */
const GO_MAX_MS = 9_223_372_036_854.775807;

/** Parses a Go duration; returns undefined when the text is not one. */
export function parseDuration(text: string): number | undefined {
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest.startsWith('-')) sign = -1;
    rest = rest.slice(1);
  }
  // Go accepts a bare zero (and only zero) without a unit.
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  while (rest !== '') {
    const m = PART.exec(rest);
    if (m === null) return undefined;
    const whole = m[1] ?? '';
    const frac = m[2] ?? '';
    if (whole === '' && frac === '') return undefined;
    const value = Number(`${whole === '' ? '0' : whole}.${frac === '' ? '0' : frac}`);
    total += value * (UNIT_MS[m[3] as string] as number);
    rest = rest.slice(m[0].length);
  }
  // 400 digits make Infinity here; Go calls anything past its range invalid, and so do we.
  if (!(total <= GO_MAX_MS)) return undefined;
  return sign * total;
}

/** Formats milliseconds the way Go prints a time.Duration (`1m30s`, `10ms`, `1.5s`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const neg = ms < 0;
  let rest = Math.abs(ms);
  let out: string;
  if (rest < 1) {
    out = `${trim(rest * 1000)}µs`;
  } else if (rest < 1000) {
    out = `${trim(rest)}ms`;
  } else {
    const h = Math.floor(rest / 3_600_000);
    rest -= h * 3_600_000;
    const m = Math.floor(rest / 60_000);
    rest -= m * 60_000;
    const s = rest / 1000;
    out = `${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${trim(s)}s`;
  }
  return neg ? `-${out}` : out;
}

function trim(n: number): string {
  // Drop float noise (0.30000000000000004) but keep real precision.
  return String(Number(n.toFixed(6)));
}
