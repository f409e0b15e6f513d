// Memory and event-loop figures shared by /metrics and /debug/vars. The event-loop
// histogram starts at the first read (a pod nobody scrapes does not pay for it). Only a
// Prometheus scrape resets it, so each scrape sees the delay since the previous scrape; a
// look at /debug/vars peeks at the same window and must not erase it.
import type { IntervalHistogram } from 'node:perf_hooks';

export interface ProcessFigures {
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly heapTotalBytes: number;
  readonly externalBytes: number;
  readonly arrayBuffersBytes: number;
  /** Seconds. */
  readonly eventLoopDelay: {
    readonly min: number;
    readonly mean: number;
    readonly max: number;
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
  };
  readonly startTimeSeconds: number;
  readonly uptimeSeconds: number;
}

export interface ProcessStats {
  /** The figures now; the event-loop window is left as it is. */
  read(): ProcessFigures;
  /** The figures now, then a new event-loop window starts (for /metrics). */
  scrape(): ProcessFigures;
}

const NS = 1e9;
const RESOLUTION_MS = 20;
// The histogram records the time between timer wake-ups, resolution included; only the
// excess is delay.
const toDelaySeconds = (ns: number): number => Math.max(0, ns - RESOLUTION_MS * 1e6) / NS;

function startHistogram(): IntervalHistogram {
  const { monitorEventLoopDelay } = require('node:perf_hooks') as typeof import('node:perf_hooks');
  // 20 ms resolution: fine enough to see a stalled loop, cheap enough for every pod.
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  return histogram;
}

export function startProcessStats(): ProcessStats {
  let monitor: IntervalHistogram | undefined;
  const startTimeSeconds = Math.round((Date.now() - process.uptime() * 1000) / 10) / 100;
  const read = (): { figures: ProcessFigures; histogram: IntervalHistogram } => {
    const histogram = (monitor ??= startHistogram());
    const mem = process.memoryUsage();
    // Before the first sample the histogram holds NaN/huge placeholders.
    const has = histogram.count > 0;
    const q = (p: number): number => (has ? toDelaySeconds(histogram.percentile(p)) : 0);
    const figures: ProcessFigures = {
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      heapTotalBytes: mem.heapTotal,
      externalBytes: mem.external,
      arrayBuffersBytes: mem.arrayBuffers,
      eventLoopDelay: {
        min: has ? toDelaySeconds(histogram.min) : 0,
        mean: has ? toDelaySeconds(histogram.mean) : 0,
        max: has ? toDelaySeconds(histogram.max) : 0,
        p50: q(50),
        p90: q(90),
        p99: q(99),
      },
      startTimeSeconds,
      uptimeSeconds: process.uptime(),
    };
    return { figures, histogram };
  };
  return {
    read: () => read().figures,
    scrape() {
      const { figures, histogram } = read();
      histogram.reset();
      return figures;
    },
  };
}
