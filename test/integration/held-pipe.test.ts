// The real service with probes that exit while a setsid child keeps their output open
// (a daemonising script): the answer follows the exit status, with a note, whatever the
// --timeout, and never "timed out".
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { heldPipeCommand, killHolders } from '../helpers/held-pipe';
import { answer, get } from '../helpers/http.cjs';
import { servicesOfThisFile } from '../helpers/service';

const start = servicesOfThisFile();
const dirs: string[] = [];
after(() => {
  for (const dir of dirs) killHolders(dir);
});

function holderDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'exechealthz-held-'));
  dirs.push(dir);
  return dir;
}

const NOTE = 'output held open by a background process';

interface Json {
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  readonly output: string | null;
  readonly durationSeconds: number | null;
  readonly reason: string | null;
}

describe('a probe whose setsid child holds the output open', () => {
  it('answers 200 for exit 0, with the note in ?verbose, even when --timeout is shorter than the wait for the pipe', async () => {
    // The run's sh exits long before 150ms on an idle machine; the timeout then passes
    // while the pipe is awaited, which must not turn the exit into "timed out". A run
    // whose sh was slower than the timeout is rightly timed out: the next one counts.
    const s = await start(['--cmd', heldPipeCommand(holderDir(), 0), '--period', '300ms', '--timeout', '150ms', '--latency', '30s']);
    const verbose = await answer(`${s.baseUrl}/healthz?verbose`, (r) => r.status === 200);
    assert.equal(verbose.body, `[+]/healthz ok (${NOTE})\nhealthz check passed\n`);
    const plain = await answer(`${s.baseUrl}/healthz`, (r) => r.status === 200);
    assert.equal(plain.body, 'ok');
    const json = JSON.parse((await answer(`${s.baseUrl}/healthz?format=json`, (r) => r.status === 200)).body) as Json;
    assert.equal(json.exitCode, 0);
    assert.equal(json.timedOut, false);
    assert.match(json.output ?? '', /^hi\n\n\.\.\. \[output still held open by a background process \d+ms after sh exited; not read further\] \.\.\.\n$/);
  });

  it('answers 503 with the exit status for a non-zero exit, before the timeout', async () => {
    const s = await start(['--cmd', heldPipeCommand(holderDir(), 3), '--period', '10s', '--timeout', '20s', '--latency', '30s']);
    const plain = await answer(`${s.baseUrl}/healthz`, (r) => r.body.startsWith('Healthz probe'));
    assert.equal(plain.status, 503);
    assert.match(plain.body, new RegExp(`, error exit status 3 \\(${NOTE}\\)\\n$`));
    const verbose = await get(`${s.baseUrl}/healthz?verbose`);
    assert.equal(verbose.status, 503);
    assert.equal(verbose.body, `[-]/healthz failed: exit status 3 (${NOTE})\nhealthz check failed\n`);
    const json = JSON.parse((await get(`${s.baseUrl}/healthz?format=json`)).body) as Json;
    assert.equal(json.exitCode, 3);
    assert.equal(json.timedOut, false);
    // The holder lives 30 s and the timeout is 20 s: the run ended on sh's exit, not on either.
    assert.ok((json.durationSeconds ?? Infinity) < 20, `run took ${json.durationSeconds}s`);
  });
});
