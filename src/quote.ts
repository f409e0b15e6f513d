// A value from the command line as an error line shows it. Values are echoed so the user
// sees what was refused, but a value can be a 1 MB --cmd or hold a newline or an escape
// sequence: shown whole it floods the terminal, breaks the one-line error in two (a pipe
// may cut it mid-line), or recolours the terminal. So a value is cut after
// SHOWN_MAX_CHARS characters, with its full size said, and anything that is not printable
// text is escaped.

/** Characters of a value an error shows at most. */
export const SHOWN_MAX_CHARS = 80;

// What JSON.stringify leaves as it is but a terminal or a log reader acts on: DEL and the
// C1 controls (U+0080-U+009F; U+009B is a CSI), the line and paragraph separators, and
// the invisible format characters (bidi overrides reorder what is shown).
const UNSAFE = /[\u007f-\u009f\u2028\u2029\p{Cf}]/gu;

function escapeUnits(c: string): string {
  return c
    .split('')
    .map((unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .join('');
}

/** The first SHOWN_MAX_CHARS code points of `value` (never half a surrogate pair), or undefined if it is no longer. */
function head(value: string): string | undefined {
  // Fast path: no more UTF-16 units than the limit means no more code points either.
  if (value.length <= SHOWN_MAX_CHARS) return undefined;
  let n = 0;
  let end = 0;
  for (const c of value) {
    if (n === SHOWN_MAX_CHARS) return value.slice(0, end);
    n++;
    end += c.length;
  }
  return undefined;
}

function sizeNote(value: string): string {
  return `…(${Buffer.byteLength(value)} bytes)`;
}

/** `value` quoted and escaped as JSON is (and C1, separators, format characters too), cut if long. */
export function quote(value: string): string {
  const cut = head(value);
  const text = JSON.stringify(cut ?? value).replace(UNSAFE, escapeUnits);
  return cut === undefined ? text : `${text}${sizeNote(value)}`;
}

/**
 * `value` cut if long, not quoted or escaped: for values already checked to be one line of
 * printable text without spaces (a --url that passed its checks).
 */
export function clip(value: string): string {
  const cut = head(value);
  return cut === undefined ? value : `${cut}${sizeNote(value)}`;
}
