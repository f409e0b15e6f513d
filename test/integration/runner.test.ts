// The real runner against real processes: sh, process groups, pipes.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startWithChildProcess } from '../../src/child-start';
import { startWithHandles } from '../../src/handle-start';
import type { StartProcess } from '../../src/process-start';
import { HELD_OPEN_MARKER, makeRunner, PIPE_GRACE_MS, processStarter, runCommand as defaultRunner, type RunOptions, type RunResult } from '../../src/runner';
import { until } from '../helpers/poll.cjs';
import { groupMembers } from '../helpers/proc.cjs';
import { heldPipeCommand, killHolders } from '../helpers/held-pipe';

const opts: RunOptions = { timeoutMs: 5000, maxOutput: 10 * 1024, killGraceMs: 200 };

describe('process starters', () => {
  it('this Node offers the handles the runner starts processes on, and the runner uses them', () => {
    assert.notEqual(startWithHandles, undefined, `Node ${process.version}: process_wrap/pipe_wrap/stream_wrap not as expected`);
    assert.equal(processStarter, 'handles');
  });
});

// Every behaviour holds for both ways of starting a process: the handles (the default)
// and child_process (for a Node without them).
const STARTERS: [string, StartProcess][] = [
  ['handles', startWithHandles ?? (() => 'no handles on this Node')],
  ['child_process', startWithChildProcess],
];

for (const [starter, start] of STARTERS) describe(`runCommand (${starter})`, () => {
  const runCommand = makeRunner(start);

  it('reports exit status and combined output in order', async () => {
    const r = await runCommand('echo one; echo two >&2; echo three; exit 3', opts);
    assert.equal(r.exitCode, 3);
    assert.equal(r.signal, null);
    assert.equal(r.timedOut, false);
    assert.equal(r.output, 'one\ntwo\nthree\n');
    assert.ok(r.end >= r.start);
  });

  it('keeps sh error messages as sh prints them', async () => {
    const r = await runCommand('nosuchcommand-xyz', opts);
    assert.equal(r.exitCode, 127);
    assert.match(r.output, /^sh: 1: nosuchcommand-xyz: not found\n$/);
  });

  it('closes stdin so a command reading it does not hang', async () => {
    const r = await runCommand('cat; echo done', opts);
    assert.equal(r.exitCode, 0);
    assert.equal(r.output, 'done\n');
  });

  it('kills the whole group on timeout, background children included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exechealthz-runner-'));
    const r = await runCommand(`echo $$ > ${dir}/pgid; sleep 30 & sleep 30`, { ...opts, timeoutMs: 300 });
    assert.equal(r.timedOut, true);
    assert.equal(r.exitCode, null);
    const pgid = Number(readFileSync(`${dir}/pgid`, 'utf8'));
    await until('the group to be gone', () => (groupMembers(pgid).length === 0 ? true : undefined), 5000);
  });

  it('SIGKILLs a group that ignores SIGTERM after the grace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exechealthz-runner-'));
    const log = join(dir, 'log');
    // Logs the TERM it got and keeps logging while it lives: only SIGKILL ends it. A group
    // SIGKILLed at once would log no TERM; one SIGKILLed early would be gone before the
    // grace was up.
    const timeoutMs = 200;
    const killGraceMs = 1000;
    const started = Date.now();
    const r = await runCommand(
      `trap 'echo TERM >> ${log}' TERM; echo $$ > ${dir}/pgid; while :; do echo tick >> ${log}; sleep 0.05; done`,
      { ...opts, timeoutMs, killGraceMs },
    );
    const elapsed = Date.now() - started;
    assert.equal(r.timedOut, true);
    assert.equal(r.exitCode, null);
    assert.equal(r.signal, 'SIGKILL', 'sh ignored TERM, so only SIGKILL can have ended it');
    const lines = readFileSync(log, 'utf8').split('\n');
    const term = lines.indexOf('TERM');
    assert.ok(term >= 0, 'the group got SIGTERM first');
    assert.ok(lines.slice(term + 1).includes('tick'), 'and lived on after it');
    // A lower bound only: a loaded machine can make this longer, never shorter.
    assert.ok(elapsed >= timeoutMs + killGraceMs, `gone ${elapsed}ms after start: SIGKILL came before the ${killGraceMs}ms grace was up`);
    const pgid = Number(readFileSync(`${dir}/pgid`, 'utf8'));
    await until('the group to be gone', () => (groupMembers(pgid).length === 0 ? true : undefined), 5000);
  });

  it('kills background children left by a run that succeeded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exechealthz-runner-'));
    const r = await runCommand(`echo $$ > ${dir}/pgid; (sleep 30 >/dev/null 2>&1 &); exit 0`, opts);
    assert.equal(r.exitCode, 0);
    const pgid = Number(readFileSync(`${dir}/pgid`, 'utf8'));
    await until('the group to be gone', () => (groupMembers(pgid).length === 0 ? true : undefined), 5000);
  });

  it('returns output spanning many pipe reads byte for byte', async () => {
    // 200 KB of numbered lines: several 64 KiB reads into the one reused buffer.
    const r = await runCommand('seq 1 30000', { ...opts, maxOutput: 512 * 1024 });
    const expected = Array.from({ length: 30000 }, (_, i) => `${i + 1}\n`).join('');
    assert.equal(r.droppedBytes, 0);
    assert.equal(r.output, expected);
  });

  it('keeps two concurrent runs apart', async () => {
    const [a, b] = await Promise.all([
      runCommand('yes a | head -c 300000', { ...opts, maxOutput: 512 * 1024 }),
      runCommand('yes b | head -c 300000', { ...opts, maxOutput: 512 * 1024 }),
    ]);
    assert.equal(a.output, 'a\n'.repeat(150000));
    assert.equal(b.output, 'b\n'.repeat(150000));
  });

  it('caps 5 MB of output at --max-output, keeping head and tail', async () => {
    const r = await runCommand(`echo BEGIN; head -c 5000000 /dev/zero | tr '\\0' x; echo; echo END`, { ...opts, maxOutput: 1024 });
    assert.equal(r.exitCode, 0);
    const total = 6 + 5_000_000 + 1 + 4;
    assert.equal(r.droppedBytes, total - 1024);
    assert.ok(r.output.startsWith('BEGIN\nxxx'));
    assert.ok(r.output.endsWith('xxx\nEND\n'));
    assert.ok(r.output.includes(`\n... [${total - 1024} bytes dropped] ...\n`));
  });

  it('kills the run when the shutdown signal aborts, without calling it a timeout', async () => {
    const ac = new AbortController();
    const run = runCommand('sleep 30', { ...opts, signal: ac.signal });
    setTimeout(() => ac.abort(), 100);
    const r = await run;
    assert.equal(r.timedOut, false);
    assert.equal(r.signal, 'SIGTERM');
  });

  // A process that leaves the group (setsid) and keeps stdout open must not make an exited
  // command look hung: the exit status decides, and the run ends while the holder lives on.
  for (const exit of [0, 3]) {
    it(`reports exit status ${exit} of a command whose setsid child holds the pipe, while the child still runs`, { timeout: 20_000 }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'exechealthz-runner-'));
      try {
        // The timeout is far beyond the holder's life: a run that waited for the pipe or the
        // timeout would end after the holder is gone.
        const r = await runCommand(heldPipeCommand(dir, exit), { ...opts, timeoutMs: 60_000 });
        const holders = killHolders(dir);
        assert.equal(holders.alive, 1, 'the result came while the holder still held the pipe');
        assert.equal(r.exitCode, exit);
        assert.equal(r.signal, null);
        assert.equal(r.timedOut, false);
        assert.equal(r.outputHeldOpen, true);
        assert.equal(r.output, `hi\n${HELD_OPEN_MARKER}`);
      } finally {
        killHolders(dir);
      }
    });
  }

  it('does not call an exited run timed out when the timeout passes while it waits for a held pipe', { timeout: 20_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exechealthz-runner-'));
    try {
      // sh exits at once; the timeout falls inside the wait for the held pipe. sh may be
      // slower than the timeout on a loaded machine (then the run rightly timed out), so a
      // few tries are allowed for one where sh beat it.
      const run = (): Promise<RunResult> => runCommand(heldPipeCommand(dir, 0), { ...opts, timeoutMs: PIPE_GRACE_MS - 50 });
      let r = await run();
      for (let i = 0; i < 4 && r.timedOut; i++) r = await run();
      assert.equal(r.timedOut, false);
      assert.equal(r.exitCode, 0);
      assert.equal(r.outputHeldOpen, true);
    } finally {
      killHolders(dir);
    }
  });
  it('reports the signal that ended sh, with no exit status', async () => {
    const r = await runCommand('echo before; kill -USR1 $$; echo after', opts);
    assert.equal(r.exitCode, null);
    assert.equal(r.signal, 'SIGUSR1');
    assert.equal(r.timedOut, false);
    assert.equal(r.output, 'before\n');
  });

  it('stops reading a held pipe once the run is reported: what the holder writes later meets a closed pipe', { timeout: 20_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exechealthz-runner-'));
    const go = join(dir, 'go');
    const state = join(dir, 'state');
    const mark = join(dir, 'started');
    try {
      // The holder leaves the group, keeps stdout, and writes to it only when told to,
      // after the result is in; with SIGPIPE ignored its echo fails if the pipe is closed.
      const cmd =
        `setsid sh -c 'trap "" PIPE; echo $$ >> ${join(dir, 'holders')}; echo x > ${mark}; ` +
        `until [ -e ${go} ]; do sleep 0.01; done; if echo late; then s=open; else s=closed; fi; echo $s > ${state}.tmp; mv ${state}.tmp ${state}' & ` +
        `until [ -s ${mark} ]; do sleep 0.01; done; echo hi; exit 0`;
      const r = await runCommand(cmd, { ...opts, timeoutMs: 60_000 });
      assert.equal(r.outputHeldOpen, true);
      writeFileSync(go, '');
      const seen = await until('the holder to write', () => (existsSync(state) ? readFileSync(state, 'utf8').trim() : undefined), 10_000);
      assert.equal(seen, 'closed');
      assert.equal(r.output, `hi\n${HELD_OPEN_MARKER}`);
    } finally {
      killHolders(dir);
    }
  });

  it('keeps output of a single byte', async () => {
    const r = await runCommand('printf x', opts);
    assert.equal(r.output, 'x');
  });

  it("gives the command the service's environment", async () => {
    const r = await runCommand('printf "%s|%s" "$PATH" "$HOME"', opts);
    assert.equal(r.output, `${process.env['PATH'] ?? ''}|${process.env['HOME'] ?? ''}`);
  });

  it('runs each command in a process group of its own', async () => {
    const r = await runCommand('ps -o pid=,pgid= -p $$', opts);
    const [pid, pgid] = r.output.trim().split(/\s+/).map(Number);
    assert.ok(pid !== undefined && pid > 0, r.output);
    assert.equal(pgid, pid);
    assert.notEqual(pgid, process.pid);
  });

  it('reports a process that cannot start as a failed run naming why', async () => {
    const missing: StartProcess = (_file, args, env, events) => start('/nonexistent/sh', args, env, events);
    const r = await makeRunner(missing)('true', opts);
    assert.equal(r.exitCode, null);
    assert.equal(r.signal, null);
    assert.equal(r.timedOut, false);
    assert.equal(r.output, '');
    assert.equal(r.spawnError, 'spawn /nonexistent/sh ENOENT');
  });

  it('reads many runs in flight at once each into its own result', async () => {
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => runCommand(`echo run-${i}; exit ${i % 7}`, opts)));
    results.forEach((r, i) => {
      assert.equal(r.output, `run-${i}\n`);
      assert.equal(r.exitCode, i % 7);
    });
  });
});

describe('runCommand (default)', () => {
  it('is the handles runner on this Node', async () => {
    const r = await defaultRunner('echo ok', opts);
    assert.equal(r.output, 'ok\n');
    assert.equal(processStarter, 'handles');
  });
});
