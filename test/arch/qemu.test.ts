// Each arch's executable runs and serves /healthz the way a kubelet sees it: the host one
// natively, the others under QEMU user emulation (binfmt_misc) with the arch's base
// rootfs as sysroot, which is how a mixed-arch cluster's nodes will run them.
// The time from spawn to the first /healthz answer is printed as a diagnostic (a
// measurement for the report, not a pass/fail limit).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { get, type Reply } from '../helpers/http.cjs';
import { until } from '../helpers/poll.cjs';
import { runToExit, startService, type Service } from '../helpers/service';
import { nodePin } from '../helpers/node-lock';
import { arches, isHost } from '../helpers/arches';
import { useExecutable } from './emulation';

// Emulated Node boots in seconds; allow a loaded 2-core machine plenty.
const EMULATED_MS = 90_000;

const running: Service[] = [];
const dirs: string[] = [];
after(async () => {
  await Promise.all(running.map((s) => s.stop('SIGKILL')));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function answer(url: string, ok: (r: Reply) => boolean, timeoutMs: number): Promise<Reply> {
  return until(`an answer from ${url}`, async () => {
    const r = await get(url);
    return ok(r) ? r : undefined;
  }, timeoutMs, 50);
}

const GO_TIME = '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d(\\.\\d+)? \\+0000 UTC';

describe('executables under QEMU: /healthz', () => {
  for (const a of arches()) {
    const how = isHost(a) ? 'natively' : `under qemu-${a.qemu} (binfmt, sysroot .cache/rootfs/${a.make})`;
    it(`bin/${a.make}/exechealthz runs ${how}: 503 while the probe fails, 200 once fixed, exit 0 on SIGTERM`, { timeout: 4 * EMULATED_MS }, async (t) => {
      const env = useExecutable(a);
      const dir = mkdtempSync(join(tmpdir(), `exechealthz-${a.make}-`));
      dirs.push(dir);
      const file = join(dir, 'test');

      const spawned = Date.now();
      const s = await startService(['--cmd', `ls ${file}`, '--period', '200ms', '--debug-endpoints'], { env, timeoutMs: EMULATED_MS });
      running.push(s);
      const first = await answer(`${s.baseUrl}/healthz`, () => true, EMULATED_MS);
      t.diagnostic(`${a.make}: first /healthz answer (${first.status}) ${Date.now() - spawned} ms after spawn`);

      const failing = await answer(`${s.baseUrl}/healthz`, (r) => r.status === 503 && r.body.startsWith('Healthz'), EMULATED_MS);
      assert.match(
        failing.body,
        new RegExp(`^Healthz probe on /healthz error: Result of last exec: ls: cannot access '${file}': No such file or directory\\n, at ${GO_TIME}, error exit status 2\\n$`),
      );

      writeFileSync(file, '');
      const ok = await answer(`${s.baseUrl}/healthz`, (r) => r.status === 200, EMULATED_MS);
      assert.equal(ok.body, 'ok');

      // The runtime inside is the one the lock pins for this arch (they differ per arch).
      const node = `v${nodePin(a.make).version}`;
      const metrics = await get(`${s.baseUrl}/metrics`);
      assert.match(metrics.body, new RegExp(`^exechealthz_build_info\\{version="[^"]+",node_version="${node.replace(/\./g, '\\.')}"\\} 1$`, 'm'));
      const vars = JSON.parse((await get(`${s.baseUrl}/debug/vars`)).body) as Record<string, unknown>;
      assert.equal(vars['processStarter'], 'handles', `${a.make}: probes start on Node's handles, not the child_process fallback`);

      const exit = await s.stop('SIGTERM');
      assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null }, `stderr:\n${s.stderr()}`);
      t.diagnostic(`${a.make}: exited ${exit.elapsedMs} ms after SIGTERM`);

      const version = await runToExit(['--version'], { env, timeoutMs: EMULATED_MS });
      assert.equal(version.code, 0, version.stderr);
      assert.match(version.stdout, new RegExp(`^exechealthz \\S+ \\(node ${node.replace(/\./g, '\\.')}\\)\n$`));
    });
  }
});
