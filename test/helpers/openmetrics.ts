// A checker of the OpenMetrics 1.0 text format: the ABNF of the spec's "Text format"
// section line by line, and the rules the spec states around it (families and metrics
// not interleaved, metadata at most once and before the samples, UNIT a suffix of the
// name, the sample names each type allows, counters ending in _total, histogram buckets
// cumulative in increasing `le` order up to +Inf, `le` not rendered as an integer, the
// exposition ending in `# EOF`). promtool checks the 0.0.4 text format only, so the
// OpenMetrics answer is checked with this. Returns the problems found; none means valid.

/** The Accept header Prometheus sends by default when it scrapes. */
export const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

const METRICNAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABELNAME = '[a-zA-Z_][a-zA-Z0-9_]*';
/** escaped-string: any character but LF, `"` and `\`, or a backslash escape. */
const ESCAPED = '(?:[^\\n"\\\\]|\\\\.)*';
const LABEL = `${LABELNAME}="${ESCAPED}"`;
const LABELS = `\\{(?:${LABEL}(?:,${LABEL})*)?\\}`;
const REALNUMBER = '[+-]?(?:\\d+(?:\\.\\d*)?(?:[eE][+-]?\\d+)?|\\d*\\.\\d+(?:[eE][+-]?\\d+)?)';
const NUMBER = `(?:${REALNUMBER}|[+-]?(?:[iI][nN][fF](?:[iI][nN][iI][tT][yY])?)|[nN][aA][nN])`;
const SAMPLE = new RegExp(`^(${METRICNAME})(${LABELS})? (${NUMBER})(?: (${REALNUMBER}))?$`);
const DESCRIPTOR = new RegExp(`^# (TYPE|HELP|UNIT) (${METRICNAME}) (.*)$`);
const TYPES = ['counter', 'gauge', 'histogram', 'gaugehistogram', 'stateset', 'info', 'summary', 'unknown'] as const;
type Type = (typeof TYPES)[number];

/** The suffixes each type's sample names may carry ('' is the bare family name). */
const SUFFIXES: Readonly<Record<Type, readonly string[]>> = {
  counter: ['_total', '_created'],
  gauge: [''],
  stateset: [''],
  unknown: [''],
  info: ['_info'],
  histogram: ['_bucket', '_count', '_sum', '_created'],
  gaugehistogram: ['_bucket', '_gcount', '_gsum'],
  summary: ['', '_count', '_sum', '_created'],
};

function parseNumber(text: string): number {
  const t = text.toLowerCase();
  if (t === 'nan') return NaN;
  if (/^[+-]?inf(inity)?$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  return Number(text);
}

function parseLabels(text: string | undefined): [string, string][] {
  if (text === undefined || text === '{}') return [];
  const out: [string, string][] = [];
  const re = new RegExp(`(${LABELNAME})="(${ESCAPED})"`, 'g');
  for (const m of text.slice(1, -1).matchAll(re)) out.push([m[1] as string, (m[2] as string).replace(/\\(.)/g, (_s, c: string) => (c === 'n' ? '\n' : c))]);
  return out;
}

interface FamilyState {
  readonly name: string;
  type: Type | undefined;
  readonly seen: Set<string>;
  hasSamples: boolean;
  /** Metric (label set without le) keys in the order they appeared. */
  readonly metrics: string[];
  /** Per histogram metric: its buckets in order, and its _count. */
  readonly buckets: Map<string, { le: number; leText: string; value: number }[]>;
  readonly counts: Map<string, number>;
}

export function openMetricsProblems(exposition: string): string[] {
  const problems: string[] = [];
  if (exposition.includes('\r')) problems.push('a carriage return: lines must end with LF only');
  if (!/(^|\n)# EOF\n?$/.test(exposition)) problems.push('the exposition does not end with "# EOF"');
  const lines = exposition.replace(/\n$/, '').split('\n');
  if (lines[lines.length - 1] === '# EOF') lines.pop();
  const done = new Set<string>();
  let family: FamilyState | undefined;
  const samples = new Set<string>();
  /** Sample name -> the family it was a sample of. */
  const owner = new Map<string, string>();

  const finish = (): void => {
    if (family === undefined) return;
    for (const [metric, buckets] of family.buckets) {
      const where = `${family.name}{${metric}}`;
      if (buckets.at(-1)?.le !== Infinity) problems.push(`${where}: no le="+Inf" bucket last`);
      for (let i = 1; i < buckets.length; i++) {
        const [a, b] = [buckets[i - 1], buckets[i]] as [{ le: number; value: number }, { le: number; value: number }];
        if (!(b.le > a.le)) problems.push(`${where}: le ${b.le} after ${a.le}: buckets must be in increasing le order`);
        if (b.value < a.value) problems.push(`${where}: bucket le=${b.le} counts less than le=${a.le}: buckets are cumulative`);
      }
      for (const b of buckets) {
        if (b.le !== Infinity && !/[.e]/.test(b.leText)) problems.push(`${where}: le="${b.leText}" is not a float's canonical form (1 is "1.0")`);
      }
      const count = family.counts.get(metric);
      if (count !== undefined && count !== buckets.at(-1)?.value) problems.push(`${where}: _count ${count} differs from the +Inf bucket`);
    }
    done.add(family.name);
  };
  const open = (name: string): FamilyState => {
    finish();
    if (done.has(name)) problems.push(`family ${name} appears twice: families must not be interleaved`);
    family = { name, type: undefined, seen: new Set(), hasSamples: false, metrics: [], buckets: new Map(), counts: new Map() };
    return family;
  };

  for (const [i, line] of lines.entries()) {
    const at = `line ${i + 1} (${line})`;
    if (line.startsWith('#')) {
      const d = DESCRIPTOR.exec(line);
      if (d === null) {
        problems.push(`${at}: the only lines starting with # are TYPE, HELP, UNIT and the final EOF`);
        continue;
      }
      const [, kind, name, rest] = d as unknown as [string, string, string, string];
      const f = family !== undefined && family.name === name && !family.hasSamples ? family : open(name);
      if (f.seen.has(kind)) problems.push(`${at}: a second ${kind} for ${name}`);
      f.seen.add(kind);
      if (kind === 'TYPE') {
        if (!(TYPES as readonly string[]).includes(rest)) problems.push(`${at}: unknown type ${rest}`);
        else f.type = rest as Type;
      } else if (kind === 'HELP') {
        if (!new RegExp(`^${ESCAPED}$`).test(rest)) problems.push(`${at}: HELP text not an escaped-string (a bare " or \\)`);
      } else {
        if (!/^[a-zA-Z0-9_:]*$/.test(rest)) problems.push(`${at}: UNIT not made of metric name characters`);
        if (rest !== '' && !name.endsWith(`_${rest}`)) problems.push(`${at}: the name ${name} does not end in _${rest}, its unit`);
      }
      continue;
    }
    const m = SAMPLE.exec(line);
    if (m === null) {
      problems.push(`${at}: not a sample by the ABNF (metricname [labels] SP number [SP timestamp])`);
      continue;
    }
    const [, name, labelText, valueText] = m as unknown as [string, string, string | undefined, string];
    const labels = parseLabels(labelText);
    let f: FamilyState | undefined = family;
    const type: Type = f?.type ?? 'unknown';
    const suffix = f === undefined || !name.startsWith(f.name) ? undefined : name.slice(f.name.length);
    if (f === undefined || suffix === undefined || !SUFFIXES[type].includes(suffix)) {
      // A name that cannot be the current family's starts a family of type unknown (the
      // spec's rule); a name already used is then caught as an interleaved family.
      f = open(name);
    }
    f.hasSamples = true;
    const was = owner.get(name);
    if (was !== undefined && was !== f.name) problems.push(`${at}: ${name} was a sample of family ${was}: families must not be interleaved`);
    owner.set(name, f.name);
    const names = labels.map(([k]) => k);
    if (new Set(names).size !== names.length) problems.push(`${at}: a label name twice`);
    const key = `${name}{${labels.map(([k, v]) => `${k}=${JSON.stringify(v)}`).sort().join(',')}}`;
    if (samples.has(key)) problems.push(`${at}: the same sample twice`);
    samples.add(key);
    const value = parseNumber(valueText);
    const metric = labels.filter(([k]) => k !== 'le').map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',');
    if (f.metrics.at(-1) !== metric) {
      if (f.metrics.includes(metric)) problems.push(`${at}: metric {${metric}} of ${f.name} interleaved with another`);
      f.metrics.push(metric);
    }
    const s = name.slice(f.name.length);
    if (f.type === 'counter' && s === '_total' && !(value >= 0)) problems.push(`${at}: a counter's total must be a number >= 0`);
    if (f.type === 'info' && value !== 1) problems.push(`${at}: an info sample's value must be 1`);
    if (f.type === 'histogram' || f.type === 'gaugehistogram') {
      const le = labels.find(([k]) => k === 'le')?.[1];
      if (s === '_bucket') {
        if (le === undefined) {
          problems.push(`${at}: a bucket without le`);
        } else {
          const list = f.buckets.get(metric) ?? [];
          list.push({ le: parseNumber(le), leText: le, value });
          f.buckets.set(metric, list);
        }
      } else if (le !== undefined) {
        problems.push(`${at}: le on a sample that is not a bucket`);
      }
      if (s === '_count' || s === '_gcount') f.counts.set(metric, value);
    }
  }
  finish();
  return problems;
}
