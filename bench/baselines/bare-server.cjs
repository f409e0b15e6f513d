// @ts-check
// The bare baseline of the benchmark: a node:http server answering `ok` with the service's
// own headers, so both send the same bytes per answer. CommonJS like the bundle, so the
// bench also makes it a single executable the way the service's is.
//
//   node bench/baselines/bare-server.cjs
'use strict';
const http = require('node:http');

const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': 2, 'X-Content-Type-Options': 'nosniff' });
  res.end('ok');
});
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.stderr.write(`listening on 127.0.0.1:${addr !== null && typeof addr === 'object' ? addr.port : 0}\n`);
});
process.on('SIGTERM', () => process.exit(0));
