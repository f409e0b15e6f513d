#!/usr/bin/env node
// The org.opencontainers.image.source label from a git remote URL. The label is published in
// every image and is part of its digest, so it must be a public address of the repository:
// never a path of the machine that built it (two clones of one commit would then differ, and
// the path leaks), never credentials embedded in an https remote.
//
//   https://host/org/repo(.git)     -> https://host/org/repo   (user:token@ dropped)
//   ssh://git@host(:22)/org/repo    -> https://host/org/repo
//   git://host/org/repo             -> https://host/org/repo
//   git@host:org/repo(.git)         -> https://host/org/repo   (git's scp-like syntax)
//   /a/path, ../repo, file:///x, C:\x, a dotless host alias, anything else -> the fallback
//
// A trailing ".git" and "/" are dropped: both name the same repository, and one spelling
// keeps clones made from either giving the same digest.
// Usage: node build/source-url.mjs --remote "$(git config --get remote.origin.url)" --fallback URL

/**
 * The browsable https (or http) URL of a git remote, or undefined when it is not a URL.
 * @param {unknown} remote
 * @returns {string | undefined}
 */
export function sourceUrl(remote) {
  const r = String(remote ?? '').trim();
  if (r === '') return undefined;
  let host;
  let path;
  let scheme = 'https';
  const url = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(?:[^@/]*@)?([^/:]+)(?::\d+)?(\/.*)?$/.exec(r);
  if (url) {
    const s = url[1].toLowerCase();
    if (s === 'http') scheme = 'http';
    else if (!['https', 'ssh', 'git', 'git+ssh', 'ssh+git'].includes(s)) return undefined;
    host = url[2];
    path = url[3] ?? '';
  } else {
    // git treats "host:path" as scp-like only when no slash comes before the first colon;
    // a single letter before it is a Windows drive, not a host.
    const scp = /^(?:[^@/:]+@)?([^/:]+):(?!\/\/)(.+)$/.exec(r);
    if (!scp || /^[a-zA-Z]$/.test(scp[1])) return undefined;
    host = scp[1];
    path = `/${scp[2].replace(/^\/+/, '')}`;
  }
  // A host without a dot is an alias of this machine's ssh config, not a public address.
  if (!/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)+$/.test(host)) return undefined;
  path = path.replace(/\/+$/, '').replace(/\.git$/, '').replace(/\/+$/, '');
  if (path === '' || /\s/.test(path)) return undefined;
  return `${scheme}://${host.toLowerCase()}${path}`;
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const { parseFlags, failer } = await import('./lib.mjs');
  /** @type {import('./lib.mjs').Fail} */
  const fail = failer(2);
  const v = parseFlags({ remote: { type: 'string', default: '' }, fallback: { type: 'string' } }, fail);
  if (!v.fallback) fail('--fallback URL is required');
  process.stdout.write(`${sourceUrl(v.remote) ?? v.fallback}\n`);
}
