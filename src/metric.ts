// Metric primitives: each holds its own value and writes its own sample lines, in the
// Prometheus text format 0.0.4 or OpenMetrics 1.0.0. A Family gives a set of them one
// name, type, unit and help, and writes the metadata lines each format wants.

/** Prometheus text 0.0.4, or OpenMetrics 1.0.0 (exposition.ts says which a scraper gets). */
export type Format = 'text' | 'openmetrics';

export type Labels = Readonly<Record<string, string>>;

export function escapeLabel(value: string): string {
  // Most values need no escaping: skip the three passes for them (a scrape escapes every label).
  if (!/[\\\n"]/.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** A sample value: JavaScript's shortest round-trip form, which both formats accept. */
export function formatValue(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

/**
 * OpenMetrics' canonical form for `le` values (its "Canonical Numbers"): Go's %g, with
 * `.0` added to an integer, so 1 is `1.0`, 1e-5 is `1e-05` and 1e6 `1e+06`.
 */
export function canonicalFloat(n: number): string {
  if (!Number.isFinite(n)) return formatValue(n);
  if (n === 0) return '0.0';
  const [mantissa = '', exponent = '0'] = n.toExponential().split('e');
  const exp = Number(exponent);
  // %g chooses the exponent form by the decimal exponent, as shortest formatting does.
  if (exp < -4 || exp >= 6) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  const fixed = String(n);
  return fixed.includes('.') ? fixed : `${fixed}.0`;
}

/** `a="x",b="y"`: the inside of a label set, made once per series. */
function labelBody(labels: Labels): string {
  let body = '';
  for (const k in labels) body += `${body === '' ? '' : ','}${k}="${escapeLabel(labels[k] as string)}"`;
  return body;
}

function sampleLine(name: string, body: string, value: number): string {
  return `${name}${body === '' ? '' : `{${body}}`} ${formatValue(value)}`;
}

/** One series' value; writes its sample lines under the family name given. */
export interface Metric {
  samples(family: string, labels: Labels, format: Format, out: string[]): void;
}

/** Only goes up; its sample is `<family>_total` in both formats. */
export class Counter implements Metric {
  private n = 0;

  inc(by = 1): void {
    if (!(by >= 0)) throw new RangeError(`a counter cannot go down (inc by ${by})`);
    this.n += by;
  }

  get value(): number {
    return this.n;
  }

  samples(family: string, labels: Labels, _format: Format, out: string[]): void {
    out.push(sampleLine(`${family}_total`, labelBody(labels), this.n));
  }
}

/** A value as it is now. */
export class Gauge implements Metric {
  constructor(private v = 0) {}

  set(v: number): void {
    this.v = v;
  }

  get value(): number {
    return this.v;
  }

  samples(family: string, labels: Labels, _format: Format, out: string[]): void {
    out.push(sampleLine(family, labelBody(labels), this.v));
  }
}

/** Labels that describe the process (a build); its sample is `<family>_info`, always 1. */
export class Info implements Metric {
  samples(family: string, labels: Labels, _format: Format, out: string[]): void {
    out.push(sampleLine(`${family}_info`, labelBody(labels), 1));
  }
}

/** Counts of observations by upper bound, with their sum. */
export class Histogram implements Metric {
  /** Observations per bound, not cumulative, with one more for +Inf at the end. */
  private readonly counts: number[];
  private total = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(v: number): void {
    const i = this.bounds.findIndex((le) => v <= le);
    this.counts[i === -1 ? this.bounds.length : i] += 1;
    this.total += v;
  }

  /** Cumulative counts, one per bound then +Inf, as both formats expose them. */
  cumulative(): { readonly buckets: readonly number[]; readonly sum: number; readonly count: number } {
    let acc = 0;
    const buckets = this.counts.map((n) => (acc += n));
    return { buckets, sum: this.total, count: acc };
  }

  samples(family: string, labels: Labels, format: Format, out: string[]): void {
    const { buckets, sum, count } = this.cumulative();
    const le = format === 'openmetrics' ? canonicalFloat : formatValue;
    const body = labelBody(labels);
    const bucket = `${family}_bucket`;
    const before = body === '' ? '' : `${body},`;
    this.bounds.forEach((bound, i) => out.push(sampleLine(bucket, `${before}le="${le(bound)}"`, buckets[i] ?? 0)));
    out.push(sampleLine(bucket, `${before}le="+Inf"`, count));
    out.push(sampleLine(`${family}_sum`, body, sum));
    out.push(sampleLine(`${family}_count`, body, count));
  }
}

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'info';

export interface FamilySpec {
  /** The OpenMetrics family name: without the `_total` of a counter or `_info` of an info. */
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  /** OpenMetrics UNIT; the name must end in `_<unit>`. */
  readonly unit?: string;
}

/** What a family's TYPE line names in the text format (there the name of its sample). */
const TEXT_SUFFIX: Readonly<Record<MetricType, string>> = { counter: '_total', info: '_info', gauge: '', histogram: '' };
/** The text format has no info type: an info is a gauge of value 1 there. */
const TEXT_TYPE: Readonly<Record<MetricType, string>> = { counter: 'counter', info: 'gauge', gauge: 'gauge', histogram: 'histogram' };

/** One name, type, unit and help for a set of series, each a Metric with its labels. */
export class Family<M extends Metric = Metric> {
  constructor(
    readonly spec: FamilySpec,
    private readonly series: Iterable<readonly [Labels, M]>,
  ) {
    const { name, type, unit } = spec;
    if (unit !== undefined && !name.endsWith(`_${unit}`)) throw new Error(`metric ${name}: the name must end in _${unit}, its unit`);
    if (TEXT_SUFFIX[type] !== '' && name.endsWith(TEXT_SUFFIX[type])) {
      throw new Error(`metric ${name}: give the name without ${TEXT_SUFFIX[type]}; the ${type} adds it`);
    }
  }

  render(format: Format, out: string[]): void {
    const { name, type, help, unit } = this.spec;
    if (format === 'openmetrics') {
      // The order OpenMetrics recommends: TYPE, UNIT, HELP.
      out.push(`# TYPE ${name} ${type}`);
      if (unit !== undefined) out.push(`# UNIT ${name} ${unit}`);
      out.push(`# HELP ${name} ${escapeLabel(help)}`);
    } else {
      const textName = `${name}${TEXT_SUFFIX[type]}`;
      out.push(`# HELP ${textName} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${textName} ${TEXT_TYPE[type]}`);
    }
    for (const [labels, metric] of this.series) metric.samples(name, labels, format, out);
  }
}

/** The exposition: every family in order, and the `# EOF` OpenMetrics ends with. */
export function renderFamilies(families: Iterable<Family>, format: Format): string {
  const out: string[] = [];
  for (const family of families) family.render(format, out);
  if (format === 'openmetrics') out.push('# EOF');
  return `${out.join('\n')}\n`;
}
