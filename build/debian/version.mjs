// Debian version order (deb-version(7)): epoch, then upstream version and revision, each
// compared as alternating runs of non-digits (where ~ sorts before everything, even the end,
// and letters before other characters) and numbers. Written out so the lock picks the newest
// upload without asking apt or dpkg, and so it can be tested as a pure function.

/** @param {string} c */
const order = (c) => (c === '~' ? -1 : /[A-Za-z]/.test(c) ? c.charCodeAt(0) : c.charCodeAt(0) + 256);

/** @param {string} a @param {string} b @returns {number} */
function part(a, b) {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    // Non-digit run, character by character; the end of a string counts as 0 (above ~).
    while ((i < a.length && !/\d/.test(a.charAt(i))) || (j < b.length && !/\d/.test(b.charAt(j)))) {
      const x = i < a.length && !/\d/.test(a.charAt(i)) ? order(a.charAt(i)) : 0;
      const y = j < b.length && !/\d/.test(b.charAt(j)) ? order(b.charAt(j)) : 0;
      if (x !== y) return x - y;
      i++;
      j++;
    }
    let m = i;
    while (m < a.length && /\d/.test(a.charAt(m))) m++;
    let n = j;
    while (n < b.length && /\d/.test(b.charAt(n))) n++;
    const d = Number(a.slice(i, m) || 0) - Number(b.slice(j, n) || 0);
    if (d !== 0) return d;
    i = m;
    j = n;
  }
  return 0;
}

/** @param {string} v @returns {[number, string, string]} */
function split(v) {
  const colon = v.indexOf(':');
  const epoch = colon > 0 ? Number(v.slice(0, colon)) : 0;
  const rest = colon > 0 ? v.slice(colon + 1) : v;
  const dash = rest.lastIndexOf('-');
  return dash > 0 ? [epoch, rest.slice(0, dash), rest.slice(dash + 1)] : [epoch, rest, ''];
}

// < 0 when a is older than b, 0 when equal, > 0 when newer.
/** @param {string} a @param {string} b @returns {number} */
export function compareVersions(a, b) {
  const [ea, ua, ra] = split(a);
  const [eb, ub, rb] = split(b);
  return ea - eb || part(ua, ub) || part(ra, rb);
}
