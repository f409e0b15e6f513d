// Metric primitives: each holds its own value and writes its own sample lines, in the
// Prometheus text format 0.0.4 or OpenMetrics 1.0.0. A Family gives a set of them one
// name, type, unit and help, and writes the metadata lines each format wants.

/** Prometheus text 0.0.4, or OpenMetrics 1.0.0 (exposition.ts says which a scraper gets). */
export type Format = 'text' | 'openmetrics';

export type Labels = Readonly<Record<string, string>>;

export function escapeLabel(value: string): string {
  // Most values need no escaping: return them as they are (a scrape escapes every label).
  // indexOf, not a RegExp test: the test allocated 55 bytes a call, 2500 calls a scrape.
  if (value.indexOf('\\') < 0 && value.indexOf('\n') < 0 && value.indexOf('"') < 0) return value;
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

/**
 * The bytes of an exposition, written piece by piece into one buffer. A scrape of 100
 * checks is 150 KB of text; built as strings (a template per line, then a join) it left
 * 1.3 MB of garbage per scrape, enough to make V8 grow its young generation, whose pages
 * it then keeps: RssAnon rose by megabytes under a scraper and stayed. Written here, the
 * pieces are constants or the label values themselves, and the buffer is off the V8 heap.
 */
export class ExpositionWriter {
  private buf: Buffer;
  private len = 0;

  /** @param sizeHint bytes to start with, e.g. the size of the previous scrape */
  constructor(sizeHint = 4096) {
    this.buf = Buffer.allocUnsafe(Math.max(256, sizeHint));
  }

  /** Appends `s`, UTF-8 encoded. */
  put(s: string): void {
    // A UTF-16 unit is at most 3 bytes of UTF-8.
    const most = s.length * 3;
    if (this.len + most > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + most));
      this.buf.copy(bigger, 0, 0, this.len);
      this.buf = bigger;
    }
    this.len += this.buf.write(s, this.len);
  }

  get byteLength(): number {
    return this.len;
  }

  /** What was written (a view: the writer must not be used after). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

/**
 * One sample line: `name{k="v",...,le="x"} value`, written without building it as a
 * string first. `le` is a histogram bucket's bound, already formatted.
 */
function sampleLine(out: ExpositionWriter, name: string, suffix: string, labels: Labels, value: number, le?: string): void {
  out.put(name);
  out.put(suffix);
  let sep = '{';
  for (const k in labels) {
    out.put(sep);
    out.put(k);
    out.put('="');
    out.put(escapeLabel(labels[k] as string));
    out.put('"');
    sep = ',';
  }
  if (le !== undefined) {
    out.put(sep);
    out.put('le="');
    out.put(le);
    out.put('"');
    sep = ',';
  }
  out.put(sep === '{' ? ' ' : '} ');
  out.put(formatValue(value));
  out.put('\n');
}

/** Each bound list's `le` texts per format, made once: every check shares DURATION_BUCKETS. */
const leTexts = new WeakMap<readonly number[], Readonly<Record<Format, readonly string[]>>>();

function leText(bounds: readonly number[], format: Format): readonly string[] {
  let texts = leTexts.get(bounds);
  if (texts === undefined) {
    texts = { text: [...bounds.map(formatValue), '+Inf'], openmetrics: [...bounds.map(canonicalFloat), '+Inf'] };
    leTexts.set(bounds, texts);
  }
  return texts[format];
}

/** One series' value; writes its sample lines under the family name given. */
export interface Metric {
  samples(family: string, labels: Labels, format: Format, out: ExpositionWriter): void;
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

  samples(family: string, labels: Labels, _format: Format, out: ExpositionWriter): void {
    sampleLine(out, family, '_total', labels, this.n);
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

  samples(family: string, labels: Labels, _format: Format, out: ExpositionWriter): void {
    sampleLine(out, family, '', labels, this.v);
  }
}

/** Labels that describe the process (a build); its sample is `<family>_info`, always 1. */
export class Info implements Metric {
  samples(family: string, labels: Labels, _format: Format, out: ExpositionWriter): void {
    sampleLine(out, family, '_info', labels, 1);
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
    let i = 0;
    while (i < this.bounds.length && !(v <= (this.bounds[i] as number))) i++;
    this.counts[i] += 1;
    this.total += v;
  }

  /** Cumulative counts, one per bound then +Inf, as both formats expose them. */
  cumulative(): { readonly buckets: readonly number[]; readonly sum: number; readonly count: number } {
    let acc = 0;
    const buckets = this.counts.map((n) => (acc += n));
    return { buckets, sum: this.total, count: acc };
  }

  samples(family: string, labels: Labels, format: Format, out: ExpositionWriter): void {
    // Cumulated here rather than by cumulative(): a scrape should not allocate per series.
    const le = leText(this.bounds, format);
    let acc = 0;
    for (let i = 0; i < this.counts.length; i++) {
      acc += this.counts[i] as number;
      sampleLine(out, family, '_bucket', labels, acc, le[i]);
    }
    sampleLine(out, family, '_sum', labels, this.total);
    sampleLine(out, family, '_count', labels, acc);
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

/** Each spec's metadata lines per format, made once per spec object. */
const heads = new WeakMap<FamilySpec, Readonly<Record<Format, string>>>();

function familyHead(spec: FamilySpec): Readonly<Record<Format, string>> {
  let head = heads.get(spec);
  if (head === undefined) {
    const { name, type, help, unit } = spec;
    const textName = `${name}${TEXT_SUFFIX[type]}`;
    head = {
      // The order OpenMetrics recommends: TYPE, UNIT, HELP.
      openmetrics: `# TYPE ${name} ${type}\n${unit === undefined ? '' : `# UNIT ${name} ${unit}\n`}# HELP ${name} ${escapeLabel(help)}\n`,
      text: `# HELP ${textName} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${textName} ${TEXT_TYPE[type]}\n`,
    };
    heads.set(spec, head);
  }
  return head;
}

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
    this.head = familyHead(spec);
  }

  /** The metadata lines, per format: the same every scrape, so made once. */
  private readonly head: Readonly<Record<Format, string>>;

  render(format: Format, out: ExpositionWriter): void {
    out.put(this.head[format]);
    for (const [labels, metric] of this.series) metric.samples(this.spec.name, labels, format, out);
  }
}

/**
 * The exposition: every family in order, and the `# EOF` OpenMetrics ends with.
 * @param sizeHint bytes to reserve, e.g. the size of the previous scrape
 */
export function renderFamilies(families: Iterable<Family>, format: Format, sizeHint?: number): Buffer {
  const out = new ExpositionWriter(sizeHint);
  for (const family of families) family.render(format, out);
  if (format === 'openmetrics') out.put('# EOF\n');
  return out.bytes();
}
