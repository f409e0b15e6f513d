// @ts-check
// How every benchmark script ends: exit 0 after its output; on a BenchError its one line in
// the build scripts' failure shape (`<script>: error: <message>`) and its exit code; on
// anything else or an interrupt the same shape with exit 1, never a stack trace. Children
// still running are killed and `cleanUp` runs (scratch files) either way.
import { failLine } from '../../build/lib.mjs';
import { BenchError } from './args.mjs';
import { killLive } from './live.mjs';

/** @param {() => Promise<void>} main @param {() => void} [cleanUp] */
export function runMain(main, cleanUp = () => {}) {
  const end = () => {
    killLive();
    cleanUp();
  };
  for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
    process.on(sig, () => {
      end();
      process.stderr.write(`${failLine(`interrupted by ${sig}`)}\n`);
      process.exit(1);
    });
  }
  main().then(
    () => {
      end();
      process.exit(0);
    },
    (err) => {
      end();
      const code = err instanceof BenchError ? err.code : 1;
      process.stderr.write(`${failLine(String(err instanceof Error ? err.message : err).split('\n')[0] ?? '')}\n`);
      process.exit(code);
    },
  );
}
