// The path and query a request names. A probe's request is a plain path (`/healthz`): that
// is taken as it is, since the WHATWG parser would return it unchanged, and a URL object per
// request was the largest cost routing added to a bare server's. Anything else (dots,
// percent escapes, backslashes, a query, characters outside ASCII) goes through `new URL`,
// which normalizes it as always: `/healthz/../quit` is `/quit`, never a path of its own.

/** What a handler reads of the request target; URL has this shape too. */
export interface RequestTarget {
  readonly pathname: string;
  readonly searchParams: Pick<URLSearchParams, 'get' | 'has' | 'getAll'>;
}

/** Letters, digits, `-`, `_`, `~` and `/`: no character the parser would encode or resolve. */
const PLAIN = /^\/[A-Za-z0-9_~/-]*$/;
const NO_QUERY: RequestTarget['searchParams'] = new URLSearchParams();

/** The target of a request line's `raw` target; undefined if it cannot be parsed. */
export function requestTarget(raw: string): RequestTarget | undefined {
  if (PLAIN.test(raw)) return { pathname: raw, searchParams: NO_QUERY };
  try {
    // The host part is irrelevant; a fixed origin keeps a hostile Host header out of
    // parsing, and prefixing (not resolving) keeps `//healthz` a path, not a host.
    return raw.startsWith('/') ? new URL(`http://localhost${raw}`) : new URL(raw);
  } catch {
    return undefined;
  }
}
