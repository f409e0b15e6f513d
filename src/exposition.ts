// Which exposition format a scraper gets: OpenMetrics 1.0.0 when its Accept header
// prefers it (Prometheus' default header does), else the Prometheus text format 0.0.4,
// which every scraper reads. Pure, so each rule is tested on a header string.
import type { Format } from './metric';

export const CONTENT_TYPE: Readonly<Record<Format, string>> = {
  text: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

interface MediaRange {
  /** Lower case, e.g. `text/plain`, `text/*`, `*\/*`. */
  readonly type: string;
  /** The `version` parameter, if given. */
  readonly version: string | undefined;
  readonly q: number;
}

const QVALUE = /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/;

/** The ranges of an Accept header; a range with a malformed q is left out. */
export function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const part of header.split(',')) {
    const [type = '', ...params] = part.split(';').map((s) => s.trim());
    if (!/^[^\s/]+\/[^\s/]+$/.test(type)) continue;
    let version: string | undefined;
    let q = 1;
    let ok = true;
    for (const param of params) {
      const eq = param.indexOf('=');
      if (eq < 0) continue;
      const key = param.slice(0, eq).trim().toLowerCase();
      const value = param.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
      if (key === 'q') {
        ok = QVALUE.test(value);
        q = Number(value);
        // What follows q are accept-extensions, not media type parameters.
        break;
      }
      if (key === 'version') version = value;
    }
    if (ok) ranges.push({ type: type.toLowerCase(), version, q });
  }
  return ranges;
}

/** What each format is, as a media type and the version it writes. */
const OFFERS: Readonly<Record<Format, { readonly type: string; readonly version: string }>> = {
  text: { type: 'text/plain', version: '0.0.4' },
  openmetrics: { type: 'application/openmetrics-text', version: '1.0.0' },
};

/**
 * The quality `ranges` give `format`: that of the most specific range matching it
 * (RFC 9110, 12.5.1); 0 when none does. A range naming another version does not match.
 */
function quality(ranges: readonly MediaRange[], format: Format): number {
  const offer = OFFERS[format];
  const [major] = offer.type.split('/');
  let best = { specificity: -1, q: 0 };
  for (const r of ranges) {
    let specificity: number;
    if (r.type === offer.type) {
      if (r.version !== undefined && r.version !== offer.version) continue;
      specificity = r.version === undefined ? 2 : 3;
    } else if (r.type === `${major}/*`) specificity = 1;
    else if (r.type === '*/*') specificity = 0;
    else continue;
    if (specificity > best.specificity) best = { specificity, q: r.q };
  }
  return best.q;
}

/**
 * OpenMetrics if the header rates it above the text format, else the text format: on a
 * tie (`*\/*`, no header, a header naming neither) the format every scraper reads.
 */
export function negotiateFormat(accept: string | undefined): Format {
  if (accept === undefined || accept.trim() === '') return 'text';
  const ranges = parseAccept(accept);
  return quality(ranges, 'openmetrics') > quality(ranges, 'text') ? 'openmetrics' : 'text';
}
