import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startProcessStats } from '../../src/process-stats';
import { sleep, until } from '../helpers/poll.cjs';

/** Keeps the event loop busy for `ms`, so the delay histogram records a stall that long. */
function block(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // spin
  }
}

describe('process stats', () => {
  it('a /debug/vars read leaves the event-loop window for the next /metrics scrape', async () => {
    const stats = startProcessStats();
    stats.read(); // starts the monitor
    // Its first wake-up only starts the measuring; the stall must come after it.
    await sleep(200);
    block(400);
    // The stall shows once the monitor's timer has fired after it.
    await until('the stall in the histogram', () => (stats.read().eventLoopDelay.max >= 0.3 ? true : undefined));
    // Peeking again (as /debug/vars does) changes nothing the scrape will see.
    assert.ok(stats.read().eventLoopDelay.max >= 0.3, 'a second read lost the stall');
    assert.ok(stats.scrape().eventLoopDelay.max >= 0.3, 'the scrape lost the stall a read saw');
    // The scrape starts a new window (read synchronously: no sample can land in between).
    assert.equal(stats.read().eventLoopDelay.max, 0, 'the stall survived the scrape');
  });
});
