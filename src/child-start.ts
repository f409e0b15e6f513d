// Starts a probe's process with child_process.spawn: the way for a Node that does not
// offer the handles handle-start.ts uses. Costs more per run (a ChildProcess, two
// sockets and their stream states) but behaves the same to the runner.
import { spawn, type SpawnOptions } from 'node:child_process';
import { readPipe } from './pipe-reader';
import { readArea, type ProcessEvents, type StartProcess, type StartedProcess } from './process-start';

const STDIO: SpawnOptions['stdio'] = ['ignore', 'pipe', 'ignore'];

function envOf(envPairs: readonly string[]): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const pair of envPairs) {
    const eq = pair.indexOf('=');
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

// spawn wants an object and re-encodes it on every call; decode the pairs once per set.
let lastPairs: readonly string[] | undefined;
let lastOptions: SpawnOptions | undefined;

export const startWithChildProcess: StartProcess = (file, args, envPairs, events: ProcessEvents) => {
  if (lastPairs !== envPairs || lastOptions === undefined) {
    lastOptions = { detached: true, stdio: STDIO, env: envOf(envPairs) };
    lastPairs = envPairs;
  }
  let child;
  try {
    // args is the whole argv, argv[0] included (as the handles take it); spawn adds file.
    child = spawn(file, args.slice(1), lastOptions);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  const stdout = child.stdout;
  const pipe =
    stdout === null
      ? undefined
      : readPipe(
          stdout,
          (n) => events.onOutput(n),
          // Not a libuv pipe (never the case for spawn's 'pipe'): copy through the area.
          (chunk) => {
            const area = readArea();
            for (let at = 0; at < chunk.length; at += area.length) {
              const n = chunk.copy(area, 0, at, Math.min(chunk.length, at + area.length));
              events.onOutput(n);
            }
          },
        );
  if (pipe === undefined) queueMicrotask(() => events.onOutputClosed());
  else pipe.on('close', () => events.onOutputClosed());
  child.on('error', (err: Error) => {
    // No process will write or close the pipe; its handle is ours to free.
    pipe?.destroy();
    events.onStartError(err.message);
  });
  child.on('exit', (code: number | null, signal: NodeJS.Signals | null) => events.onExit(code, signal));
  const started: StartedProcess = {
    pid: child.pid,
    closeOutput: () => pipe?.destroy(),
  };
  return started;
};
